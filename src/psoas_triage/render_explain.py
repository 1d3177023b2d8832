"""The explanation section of the terminal report (``psoas-triage assess --explain``).

Prints ``Assessment.evidence`` like a clinician's note: what supports psoas involvement (each
with its evidence grade: a source-claim is the seed documents' word, not established fact),
what conflicts with it and which other causes that raises, what the person denied, and which
floor set the triage level. Kept apart from ``render`` so the main report's layout stays its own.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.text import Text

from psoas_triage.models import Assessment, EvidenceItem, Floor


def render_explanation(
    assessment: Assessment, alternative_titles: dict[str, str]
) -> RenderableType:
    """The explanation as a rich renderable (``alternative_titles``: alternative id to title)."""
    evidence = assessment.evidence
    parts: list[RenderableType] = [
        Text("Why this result", style="bold underline"),
        Text(
            f"Psoas involvement: {assessment.likelihood.value} "
            f"(score {assessment.psoas_score}/100): {evidence.band_note}"
        ),
        Text(
            "A sign specific to the psoas was reported."
            if evidence.psoas_specific_sign
            else "No sign specific to the psoas was reported."
        ),
    ]
    parts += _section("Supporting", evidence.supporting, alternative_titles)
    parts += _section("Conflicting", evidence.conflicting, alternative_titles)
    parts += _section("Denied", evidence.denials, alternative_titles)
    parts.append(Text("Triage level", style="bold"))
    if evidence.deciding_floor is None:
        parts.append(Text("  no floor applied: self-care"))
    else:
        parts.append(_floor("decided by", evidence.deciding_floor))
        parts += [_floor("also", floor) for floor in evidence.other_floors]
    return Group(*parts)


def print_explanation(
    assessment: Assessment, alternative_titles: dict[str, str], console: Console | None = None
) -> None:
    """Print the explanation to ``console`` (standard output by default)."""
    (console or Console()).print(render_explanation(assessment, alternative_titles))


def _section(
    title: str, items: tuple[EvidenceItem, ...], alternative_titles: dict[str, str]
) -> list[RenderableType]:
    if not items:
        return []
    lines: list[RenderableType] = [Text(title, style="bold")]
    for item in items:
        line = Text(f"  {item.points:+d}  {item.title}")
        line.append(f"  ({item.evidence_grade.value})", style="cyan")
        if item.sources:
            line.append(f"  [{', '.join(item.sources)}]", style="dim")
        lines.append(line)
        for alternative in item.alternatives:
            name = alternative_titles.get(alternative, alternative)
            lines.append(Text(f"        raises: {name}", style="yellow"))
    return lines


def _floor(label: str, floor: Floor) -> Text:
    return Text(f"  {label}: {floor.level.value}, {floor.reason}")

"""The human report of an Assessment, drawn with rich: triage level first, disclaimer last.

Colour only marks what the words already say, so the report reads the same when piped (rich drops
colour codes when the output is not a terminal, and honours ``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from psoas_triage.models import AdviceItem, Assessment, SymptomReport, TriageLevel
from psoas_triage.rulebook import LoadedRule, RuleBook
from psoas_triage.schema import Rule

LEVEL_STYLE = {
    TriageLevel.emergency: "bold white on red",
    TriageLevel.urgent: "bold red",
    TriageLevel.consultation: "bold yellow",
    TriageLevel.self_care: "bold green",
}
LEVEL_BORDER = {
    TriageLevel.emergency: "red",
    TriageLevel.urgent: "red",
    TriageLevel.consultation: "yellow",
    TriageLevel.self_care: "green",
}
LEVEL_NAME = {
    TriageLevel.emergency: "EMERGENCY",
    TriageLevel.urgent: "URGENT",
    TriageLevel.consultation: "CONSULTATION",
    TriageLevel.self_care: "SELF-CARE",
}


def humanise(code: str) -> str:
    """``emergency_department`` -> ``emergency department``."""
    return code.replace("_", " ")


SHORT_LISTS = {"self_care": 5, "avoid": 3}
"""How many top-ranked items of each list the default report shows (``--details``: all)."""

SECONDARY_LEVELS = frozenset({TriageLevel.emergency, TriageLevel.urgent})
"""Levels at which the psoas score is shown after the action, as secondary information."""


def render_assessment(
    assessment: Assessment,
    width: int = 80,
    details: bool = False,
    source_titles: Mapping[str, str] | None = None,
) -> RenderableType:
    """The report as one rich renderable, laid out for ``width`` columns.

    Short by default: the top-ranked self-care and what-to-avoid items by title, findings by
    title with numbered source notes. ``details`` adds every item with its instructions and the
    rule and source ids. When to seek help is always shown in full: it is the safety net. At
    emergency and urgent the action comes first and the psoas score follows, worded as
    secondary, so a high score never reads as "it's just a muscle". ``source_titles`` (source
    id -> title, from the rule book) names the numbered source notes; without it they show ids.
    """
    urgent = assessment.triage_level in SECONDARY_LEVELS
    notes = _SourceNotes()
    parts: list[RenderableType] = [_triage_panel(assessment)]
    if assessment.red_flags:
        parts.append(_heading("Red flags"))
        flags = [
            _titled(f"{flag.title} ({humanise(flag.triage_floor.value)})", flag.description)
            for flag in assessment.red_flags
        ]
        parts.append(_bullets(flags, marker=Text("!", style="bold red")))
    if assessment.unchecked_red_flags:
        parts.append(_heading("Warning signs not checked"))
        parts.append(
            _bullets(
                [
                    _unchecked_line(flag.question, flag.code)
                    for flag in assessment.unchecked_red_flags
                ],
                marker=Text("?", style="bold yellow"),
            )
        )
        parts.append(
            Text(
                "These could change the result: answer them with `psoas-triage interview`, "
                "or pass the ones you do not have with --absent.",
                style="yellow",
            )
        )
    who = _section(
        "Who to see",
        [
            _titled(humanise(referral.professional.value).capitalize(), referral.reason)
            for referral in assessment.referrals
        ],
    )
    seek = _section("When to seek help", _advice_lines(assessment.advice.seek_help, True))
    evidence = [
        _score(assessment, urgent),
        _findings(assessment, details, notes, source_titles or {}),
    ]
    if urgent:
        parts += [*who, *seek, *evidence]
    else:
        parts += [*evidence, *who]
    parts += _section(
        "Other causes to discuss with a professional",
        [_titled(alt.title, alt.description) for alt in assessment.alternatives],
    )
    hidden = 0
    for kind, title in (("self_care", "Self-care"), ("avoid", "What to avoid")):
        items: tuple[AdviceItem, ...] = getattr(assessment.advice, kind)
        shown = items if details else items[: SHORT_LISTS[kind]]
        hidden += len(items) - len(shown)
        parts += _section(title, _advice_lines(shown, details))
    if not urgent:
        parts += seek
    if not details and (assessment.advice.self_care or assessment.advice.avoid):
        more = f"{hidden} more items and " if hidden else ""
        parts.append(Text(f"(--details shows {more}how to do each item)", style="dim"))
    parts += notes.renderables()
    parts.append(Text(""))
    parts.append(Text(assessment.disclaimer, style="italic"))
    parts.append(Text(_rule_book_line(assessment, details), style="dim"))
    if assessment.untranslated:
        parts.append(
            Text(
                f"Language {assessment.language}: {len(assessment.untranslated)} texts shown in "
                "English (no translation yet); headings and reasons are English",
                style="dim",
            )
        )
    return Group(*parts)


def _rule_book_line(assessment: Assessment, details: bool) -> str:
    """The rule book and, when it matters, the mode: experimental rules included, or (with
    ``details``) the experimental rules that matched but were left out."""
    line = f"Rule book {assessment.rulebook_version}"
    if assessment.experimental_included:
        return f"{line}, experimental rules included"
    if details and assessment.experimental_left_out:
        left_out = ", ".join(assessment.experimental_left_out)
        return f"{line}; experimental rules left out: {left_out} (--experimental uses them)"
    return line


def _section(title: str, lines: list[Text]) -> list[RenderableType]:
    """A heading and its bullets, or nothing when there are no lines."""
    return [_heading(title), _bullets(lines)] if lines else []


class _SourceNotes:
    """Source ids numbered in order of first use, listed once at the end as ``[n] title``."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.titles: dict[str, str] = {}

    def refer(self, source_id: str, title: str | None) -> int:
        if source_id not in self.numbers:
            self.numbers[source_id] = len(self.numbers) + 1
            self.titles[source_id] = title or source_id
        return self.numbers[source_id]

    def renderables(self) -> list[RenderableType]:
        if not self.numbers:
            return []
        lines = [
            Text(f"[{number}] {self.titles[source]}", style="dim")
            for source, number in self.numbers.items()
        ]
        return [_heading("Sources"), *lines]


def print_assessment(
    assessment: Assessment,
    console: Console | None = None,
    details: bool = False,
    source_titles: Mapping[str, str] | None = None,
) -> None:
    """Print the report to ``console`` (standard output by default)."""
    console = console or Console()
    console.print(render_assessment(assessment, console.width, details, source_titles))


def source_titles(book: RuleBook) -> dict[str, str]:
    """Source id -> title, for the numbered source notes of the terminal report."""
    return {source_id: source.title for source_id, source in book.sources.items()}


def _triage_panel(assessment: Assessment) -> Panel:
    level = assessment.triage_level
    body = Text()
    body.append(f" TRIAGE: {LEVEL_NAME[level]} ", style=LEVEL_STYLE[level])
    body.append("\n")
    body.append(assessment.triage_action, style="bold")
    if assessment.triage_reasons:
        body.append("\nWhy: ", style="dim")
        body.append("; ".join(assessment.triage_reasons), style="dim")
    return Panel(body, border_style=LEVEL_BORDER[level], expand=False)


def _unchecked_line(question: str, code: str) -> Text:
    line = Text(question)
    line.append(f" ({code})", style="dim")
    return line


def _score(assessment: Assessment, secondary: bool = False) -> Text:
    text = Text("\nPsoas score: ", style="bold")
    text.append(f"{assessment.psoas_score}/100")
    text.append(f" - psoas involvement {assessment.likelihood.value}")
    if assessment.likelihood_provisional:
        count = len(assessment.likelihood_open_questions)
        noun = "question" if count == 1 else "questions"
        text.append(
            f" (provisional: psoas score not fully assessed: {count} {noun} not asked)",
            style="yellow",
        )
    if secondary:
        text.append(
            f"\nThe score is not the reason for this advice: what is listed under Why sets the "
            f"{humanise(assessment.triage_level.value)} level, whatever the muscle score.",
            style="dim",
        )
    return text


def _findings(
    assessment: Assessment, details: bool, notes: _SourceNotes, titles: Mapping[str, str]
) -> RenderableType:
    """One row per fired rule: its title on a line of its own, then (dimmed) its sources as
    numbered notes, or with ``details`` its id and source ids.

    Titles are what a reader scans, so they get the width (a separate Sources column squeezed them
    into two or three lines at 80 columns and cut rule ids mid-word).
    """
    if not assessment.findings:
        return Text("No rule fired on this report.", style="dim")
    table = Table(
        title="Findings",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        expand=False,
        leading=1 if details else 0,
    )
    table.add_column("Rule (id, sources)" if details else "Rule [sources]", ratio=1)
    table.add_column("Points", justify="right", no_wrap=True)
    for finding in assessment.findings:
        name = Text(finding.title)
        if details:
            name.append(f"\n{finding.rule_id}", style="dim")
        if finding.triage_floor is not None and not finding.red_flag:
            floor = f"triage at least {humanise(finding.triage_floor.value)}"
            name.append(f", {floor}" if details else f" ({floor})", style="dim")
        if finding.sources and details:
            name.append(f"\nsources: {', '.join(finding.sources)}", style="dim")
        elif finding.sources:
            numbers = [notes.refer(source, titles.get(source)) for source in finding.sources]
            name.append(f" [{', '.join(str(n) for n in sorted(numbers))}]", style="dim")
        if finding.red_flag:
            points = Text("red flag", style="bold red")
        elif finding.points:
            points = Text(f"{finding.points:+d}")
        else:
            points = Text("floor" if finding.triage_floor is not None else "-")
        table.add_row(name, points)
    return table


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _titled(title: str, text: str | None) -> Text:
    """``title`` in bold, then ``: text`` when there is a text."""
    line = Text(title, style="bold")
    if text:
        line.append(f": {text}")
    return line


def _advice_lines(items: tuple[AdviceItem, ...], full: bool) -> list[Text]:
    return [_titled(item.title, item.text if full else None) for item in items]


def _bullets(lines: list[Text], marker: Text | None = None) -> Table:
    """A bulleted list whose wrapped lines stay indented under their text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column()
    for line in lines:
        grid.add_row(marker or Text("-"), line)
    return grid


def rule_report(book: RuleBook, loaded: LoadedRule) -> RenderableType:
    """One rule in full: condition, effect, sources with their titles, examples."""
    rule = loaded.rule
    parts: list[RenderableType] = []
    head = Text(rule.title, style="bold")
    head.append(f"  ({rule.id})", style="dim")
    parts.append(head)
    parts.append(Text(f"status {rule.status.value}, family {loaded.family}, file {loaded.file}"))
    if rule.status_reason:
        parts.append(Text(f"not stable yet: {rule.status_reason}", style="dim"))
    if rule.status.value == "experimental":
        parts.append(Text("left out of assessments unless experimental rules are included"))
    parts.append(Text(rule.description))
    parts.append(_heading("When"))
    parts.append(Text(f"  {describe_condition(rule)}"))
    parts.append(_heading("Effect"))
    effects = []
    if rule.points:
        effects.append(f"{rule.points:+d} points")
    if rule.triage_floor is not None:
        effects.append(f"triage at least {humanise(rule.triage_floor.value)}")
    if rule.red_flag:
        effects.append("red flag")
    if rule.alternatives:
        effects.append("raises " + ", ".join(rule.alternatives))
    parts.append(Text("  " + "; ".join(effects)))
    parts.append(_heading("Sources"))
    lines = []
    for source_id in rule.sources:
        source = book.sources.get(source_id)
        line = Text(source_id, style="bold")
        if source is not None:
            line.append(f": {source.title}", style="")
        lines.append(line)
    parts.append(_bullets(lines))
    parts.append(_heading("Examples"))
    for example in rule.examples.fires:
        parts.append(Text(f"  fires:          {_example(example)}"))
    for example in rule.examples.does_not_fire:
        parts.append(Text(f"  does not fire:  {_example(example)}"))
    return Group(*parts)


def describe_condition(rule: Rule) -> str:
    """The rule's condition in words: ``all of groin_pain, hip_snapping; pain_intensity >= 7``."""
    when = rule.when
    parts = []
    if when.all:
        parts.append("all of " + ", ".join(when.all))
    if when.any:
        parts.append("any of " + ", ".join(when.any))
    if when.absent:
        parts.append("denied: " + ", ".join(when.absent))
    if when.unless_denied:
        parts.append("unless denied: " + ", ".join(when.unless_denied))
    for name, bound in when.numbers().items():
        parts.append(bound.describe(name))
    if when.sex is not None:
        parts.append(f"sex {when.sex.value}")
    if when.unless_sex is not None:
        parts.append(f"unless sex {when.unless_sex.value}")
    return "; ".join(parts)


def _example(report: SymptomReport) -> str:
    return report.model_dump_json(exclude_defaults=True)

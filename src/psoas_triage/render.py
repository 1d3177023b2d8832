"""The human report of an Assessment, drawn with rich: triage level first, disclaimer last.

Colour only marks what the words already say, so the report reads the same when piped (rich drops
colour codes when the output is not a terminal, and honours ``NO_COLOR``).
"""

from __future__ import annotations

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


def render_assessment(
    assessment: Assessment, width: int = 80, details: bool = False
) -> RenderableType:
    """The report as one rich renderable, laid out for ``width`` columns.

    Short by default: self-care and what to avoid by title only. ``details`` adds their
    instructions. When to seek help is always shown in full: it is the safety net.
    """
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
    parts.append(_score(assessment))
    parts.append(_findings(assessment, width))
    sections = [
        (
            "Who to see",
            [
                _titled(humanise(referral.professional.value).capitalize(), referral.reason)
                for referral in assessment.referrals
            ],
        ),
        (
            "Other causes to discuss with a professional",
            [_titled(alt.title, alt.description) for alt in assessment.alternatives],
        ),
        ("Self-care", _advice_lines(assessment.advice.self_care, details)),
        ("What to avoid", _advice_lines(assessment.advice.avoid, details)),
        ("When to seek help", _advice_lines(assessment.advice.seek_help, True)),
    ]
    for title, lines in sections:
        if lines:
            parts.append(_heading(title))
            parts.append(_bullets(lines))
    if not details and (assessment.advice.self_care or assessment.advice.avoid):
        parts.append(Text("(--details shows how to do each item)", style="dim"))
    parts.append(Text(""))
    parts.append(Text(assessment.disclaimer, style="italic"))
    parts.append(Text(f"Rule book {assessment.rulebook_version}", style="dim"))
    return Group(*parts)


def print_assessment(
    assessment: Assessment, console: Console | None = None, details: bool = False
) -> None:
    """Print the report to ``console`` (standard output by default)."""
    console = console or Console()
    console.print(render_assessment(assessment, console.width, details))


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


def _score(assessment: Assessment) -> Text:
    text = Text("\nPsoas score: ", style="bold")
    text.append(f"{assessment.psoas_score}/100")
    text.append(f" - psoas involvement {assessment.likelihood.value}")
    return text


def _findings(assessment: Assessment, width: int) -> RenderableType:
    """One row per fired rule: its title on a line of its own, then its id and sources, dimmed.

    Titles are what a reader scans, so they get the width (a separate Sources column squeezed them
    into two or three lines at 80 columns and cut rule ids mid-word); ``width`` is not needed.
    """
    if not assessment.findings:
        return Text("No rule fired on this report.", style="dim")
    table = Table(
        title="Findings",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        expand=False,
        leading=1,
    )
    table.add_column("Rule (id, sources)", overflow="fold", ratio=1)
    table.add_column("Points", justify="right", no_wrap=True)
    for finding in assessment.findings:
        name = Text(finding.title)
        name.append(f"\n{finding.rule_id}", style="dim")
        if finding.triage_floor is not None and not finding.red_flag:
            name.append(f", triage at least {humanise(finding.triage_floor.value)}", style="dim")
        if finding.sources:
            name.append(f"\nsources: {', '.join(finding.sources)}", style="dim")
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
    for name, bound in when.numbers().items():
        parts.append(bound.describe(name))
    if when.sex is not None:
        parts.append(f"sex {when.sex.value}")
    return "; ".join(parts)


def _example(report: SymptomReport) -> str:
    return report.model_dump_json(exclude_defaults=True)

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
from psoas_triage.suggestions import plural
from psoas_triage.triage import is_screen_reason

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


SECONDARY_LEVELS = frozenset({TriageLevel.emergency, TriageLevel.urgent})
"""Levels at which the psoas score is shown after the action, as secondary information."""


def render_assessment(
    assessment: Assessment,
    width: int = 80,
    details: bool = False,
    source_titles: Mapping[str, str] | None = None,
) -> RenderableType:
    """The report as one rich renderable, laid out for ``width`` columns.

    Short by default (``_short_report``: it fits a screen). ``details`` gives everything:
    every unchecked warning sign with its question, every fired rule with its id, evidence grade
    and source ids, every referral with its reason, every advice item with its instructions
    (the short lists and ``Assessment.more``), what was held back and why, when to seek help in
    full, and the cited sources by id and title (``source_titles``: source id -> title, from the
    rule book; without it the ids stand alone). At emergency and urgent the action comes first
    and the psoas score follows, worded as secondary, so a high score never reads as "it's just
    a muscle".
    """
    if not details:
        return Group(*_short_report(assessment))
    return Group(*_detailed_report(assessment, source_titles or {}))


def _detailed_report(assessment: Assessment, titles: Mapping[str, str]) -> list[RenderableType]:
    """Everything (``--details``), see ``render_assessment``."""
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
    more = assessment.more
    referrals = (*assessment.referrals, *more.referrals)
    who = _section(
        "Who to see",
        [
            _titled(humanise(referral.professional.value).capitalize(), referral.reason)
            for referral in referrals
        ],
    )
    seek = _section("When to seek help", _advice_lines(assessment.advice.seek_help))
    evidence = [
        _score(assessment, urgent),
        _findings(assessment, notes, titles),
    ]
    if urgent:
        parts += [*who, *seek, *evidence]
    else:
        parts += [*evidence, *who]
    parts += _section(
        "Other causes to discuss with a professional",
        [_titled(alt.title, alt.description) for alt in assessment.alternatives],
    )
    for kind, title in (("self_care", "Self-care"), ("avoid", "What to avoid")):
        items = (*getattr(assessment.advice, kind), *getattr(more, kind))
        parts += _section(title, _advice_lines(items, graded=True))
    if assessment.advice.held_back:
        parts += _section(
            "Held back for you", [Text(item.reason) for item in assessment.advice.held_back]
        )
    if not urgent:
        parts += seek
    parts += notes.renderables()
    parts.append(Text(""))
    parts.append(Text(assessment.disclaimer, style="italic"))
    parts.append(Text(_rule_book_line(assessment, True), style="dim"))
    parts += _untranslated_line(assessment)
    return parts


def _untranslated_line(assessment: Assessment) -> list[RenderableType]:
    """In another language, how many texts stay English (none in English)."""
    if not assessment.untranslated:
        return []
    return [
        Text(
            f"Language {assessment.language}: {len(assessment.untranslated)} texts shown in "
            "English (no translation yet); headings and reasons are English",
            style="dim",
        )
    ]


UNCHECKED_NAMED = 3
"""How many unchecked warning signs the short report names (the most dangerous first)."""

REASONS_SHOWN = 3
"""How many fired rules the short report lists as the reasons for the score."""


def _short_report(assessment: Assessment) -> list[RenderableType]:
    """The report that fits a screen: the action and why, what was not checked (named once,
    most dangerous first), the score and its top reasons, who to see, the short lists by
    title, what was held back and why, when to seek help, the disclaimer. ``--details`` has
    the rest: every question, every item with how to do it, every rule with its sources."""
    urgent = assessment.triage_level in SECONDARY_LEVELS
    parts: list[RenderableType] = [_triage_panel(assessment, screen_reasons=False)]
    if assessment.red_flags:
        flags = [
            Text(f"{flag.title} ({humanise(flag.triage_floor.value)})")
            for flag in assessment.red_flags
        ]
        parts += [_heading("Red flags"), _bullets(flags, marker=Text("!", style="bold red"))]
    if assessment.unchecked_red_flags:
        parts.append(_unchecked_paragraph(assessment))
    who = [_who_to_see(assessment)] if assessment.referrals else []
    seek = _seek_help_short(assessment.advice.seek_help)
    score = [_score(assessment, urgent, short=True), *_top_reasons(assessment)]
    parts += [*who, *seek, *score] if urgent else [*score, *who]
    parts += _inline("Self-care", [item.title for item in assessment.advice.self_care])
    parts += _inline("What to avoid", [item.title for item in assessment.advice.avoid])
    held = [Text(item.reason) for item in assessment.advice.held_back]
    parts += _section("Held back for you", held)
    if not urgent:
        parts += seek
    more = assessment.more
    hidden = len(more.self_care) + len(more.avoid) + len(more.referrals)
    extra = f"{hidden} more items, " if hidden else ""
    parts.append(Text(f"(--details: {extra}how to do each, every rule and source)", style="dim"))
    parts.append(Text(assessment.disclaimer, style="italic"))
    parts.append(Text(_rule_book_line(assessment, False), style="dim"))
    parts += _untranslated_line(assessment)
    return parts


def _inline(title: str, names: list[str]) -> list[RenderableType]:
    """``title: a; b; c`` as one wrapped paragraph, or nothing when there are no names."""
    if not names:
        return []
    text = Text(f"\n{title}: ", style="bold")
    text.append("; ".join(names))
    return [text]


def _seek_help_short(items: tuple[AdviceItem, ...]) -> list[RenderableType]:
    """The most urgent way to seek help in full (the safety net), the others by title."""
    if not items:
        return []
    lines = _advice_lines(items[:1])
    if len(items) > 1:
        lines.append(Text("Also: " + "; ".join(item.title for item in items[1:])))
    return _section("When to seek help", lines)


def _unchecked_paragraph(assessment: Assessment) -> Text:
    """The unchecked warning signs, named once: the first few, then how many more."""
    unchecked = assessment.unchecked_red_flags
    named = [flag.label for flag in unchecked[:UNCHECKED_NAMED]]
    rest = len(unchecked) - len(named)
    listed = ", ".join(named) + (f" and {rest} more" if rest else "")
    text = Text("\nNot checked yet", style="bold yellow")
    text.append(f" (any could make it more urgent): {listed}. ")
    text.append("Answer them with `psoas-triage interview`, or --absent.", style="yellow")
    return text


def _top_reasons(assessment: Assessment) -> list[RenderableType]:
    """The fired rules that weigh most, one line each (red flags are listed above, and a floor
    that decides the level is in the banner's why)."""
    if not assessment.findings:
        return [Text("No rule fired on this report.", style="dim")]
    weighed = [
        finding
        for finding in assessment.findings
        if not finding.red_flag and (finding.points or finding.triage_floor is None)
    ]
    weighed.sort(key=lambda finding: (-abs(finding.points), finding.triage_floor is None))
    lines = []
    for finding in weighed[:REASONS_SHOWN]:
        if finding.points:
            line = Text(f"{finding.points:+d} {finding.title}")
        else:
            floor = humanise(finding.triage_floor.value) if finding.triage_floor else "noted"
            line = Text(f"{finding.title} (at least {floor})")
        line.append(f" [{finding.evidence_grade.value}]", style="dim")
        lines.append(line)
    if len(weighed) > REASONS_SHOWN:
        lines.append(Text(f"and {len(weighed) - REASONS_SHOWN} more (--explain)", style="dim"))
    return [_bullets(lines)] if lines else []


def _who_to_see(assessment: Assessment) -> Text:
    """The professionals to see, on one line (``--details`` says why each)."""
    names = [humanise(referral.professional.value) for referral in assessment.referrals]
    text = Text("\nWho to see: ", style="bold")
    text.append(", ".join(names).capitalize())
    return text


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
    """The sources the findings cite, in order of first use, listed once at the end as
    ``id: title`` (a clinician checks a rule against them)."""

    def __init__(self) -> None:
        self.titles: dict[str, str] = {}

    def refer(self, source_id: str, title: str | None) -> None:
        self.titles.setdefault(source_id, title or source_id)

    def renderables(self) -> list[RenderableType]:
        if not self.titles:
            return []
        lines = [
            Text(f"{source}: {title}" if title != source else source, style="dim")
            for source, title in self.titles.items()
        ]
        return [_heading("Sources"), *lines]


def print_assessment(
    assessment: Assessment,
    console: Console | None = None,
    details: bool = False,
    source_titles: Mapping[str, str] | None = None,
) -> None:
    """Print the report to ``console`` (standard output by default). Piped, its lines carry
    no trailing padding (rich pads table cells to the width)."""
    console = console or Console()
    report = render_assessment(assessment, console.width, details, source_titles)
    if console.is_terminal:
        console.print(report)
        return
    with console.capture() as captured:
        console.print(report)
    console.file.write("\n".join(line.rstrip() for line in captured.get().split("\n")))


def source_titles(book: RuleBook) -> dict[str, str]:
    """Source id -> title, for the numbered source notes of the terminal report."""
    return {source_id: source.title for source_id, source in book.sources.items()}


WHY_SHOWN = 2
"""How many reasons for the level the short report's banner names (``--details``: all)."""


def _triage_panel(assessment: Assessment, screen_reasons: bool = True) -> Panel:
    """Level, action and why. The short report (``screen_reasons`` False) leaves out the
    screen's reasons, as it names the unchecked warning signs on its own, and names the first
    ``WHY_SHOWN`` reasons only."""
    level = assessment.triage_level
    body = Text()
    body.append(f" TRIAGE: {LEVEL_NAME[level]} ", style=LEVEL_STYLE[level])
    body.append("\n")
    body.append(assessment.triage_action, style="bold")
    reasons = [
        reason
        for reason in assessment.triage_reasons
        if screen_reasons or not is_screen_reason(reason)
    ]
    if not screen_reasons and len(reasons) > WHY_SHOWN:
        rest = len(reasons) - WHY_SHOWN
        reasons = [*reasons[:WHY_SHOWN], f"and {rest} more (--details)"]
    if reasons:
        body.append("\nWhy: ", style="dim")
        body.append("; ".join(reasons), style="dim")
    return Panel(body, border_style=LEVEL_BORDER[level], expand=False)


def _unchecked_line(question: str, code: str) -> Text:
    line = Text(question)
    line.append(f" ({code})", style="dim")
    return line


def _score(assessment: Assessment, secondary: bool = False, short: bool = False) -> Text:
    text = Text("\nPsoas score: ", style="bold")
    text.append(f"{assessment.psoas_score}/100")
    if short:
        text.append(f", {assessment.likelihood.value}")
    else:
        text.append(f" - psoas involvement {assessment.likelihood.value}")
    if assessment.likelihood_provisional and short:
        count = plural(len(assessment.likelihood_open_questions), "question")
        text.append(f" (provisional: {count} not asked)", style="yellow")
    elif assessment.likelihood_provisional:
        count = plural(len(assessment.likelihood_open_questions), "question")
        text.append(
            f" (provisional: psoas score not fully assessed: {count} not asked)",
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
    assessment: Assessment, notes: _SourceNotes, titles: Mapping[str, str]
) -> RenderableType:
    """One row per fired rule: its title on a line of its own, then (dimmed) its id, its
    floor, its source ids (listed with their titles at the end, ``notes``) and its grade.

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
        leading=1,
    )
    table.add_column("Rule (id, sources)", ratio=1)
    table.add_column("Points", justify="right", no_wrap=True)
    for finding in assessment.findings:
        name = Text(finding.title)
        name.append(f"\n{finding.rule_id}", style="dim")
        if finding.triage_floor is not None and not finding.red_flag:
            floor = f"triage at least {humanise(finding.triage_floor.value)}"
            name.append(f", {floor}", style="dim")
        if finding.sources:
            name.append(f"\nsources: {', '.join(finding.sources)}", style="dim")
            for source in finding.sources:
                notes.refer(source, titles.get(source))
        name.append(f"\nevidence: {finding.evidence_grade.value}", style="dim")
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


def _advice_lines(items: tuple[AdviceItem, ...], graded: bool = False) -> list[Text]:
    """Each item, title and text, with its evidence grade when ``graded``."""
    lines = [_titled(item.title, item.text) for item in items]
    if graded:
        for line, item in zip(lines, items, strict=True):
            line.append(f" [{item.evidence_grade.value}]", style="dim")
    return lines


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

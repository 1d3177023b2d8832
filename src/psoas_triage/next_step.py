"""The stateless interview: given everything answered so far, what to ask next, and why.

An app sends the whole report on every call (``present``, ``absent``, ``unknown`` and the
numbers) and gets a NextStep: the next question, or ``should_stop`` with the assessment. Order:

1. the warning-sign checklist, as one group question, while a sign not asked could still raise
   the triage level;
2. then each code or number whose answer could still raise the level, most urgent first;
3. then each code or number whose answer could still change the psoas band, most points first.

It stops when none is left, or at once when the level is an emergency (nothing can raise it,
and a person who should go now is not kept answering questions about the band, which then stays
marked provisional). That is sound: conditions have no "not", so only a rule not fired
yet can change anything, and such a rule mentions a key not asked yet; every key that could
raise the level (the screen's ``could_raise``) or move the band is asked before stopping. A "don't
know" (``unknown``) is never asked again and never counts as a no: its rules stay reachable, so
the warning-sign screen keeps its floor.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from psoas_triage.assessment import _resolve, assess_known_codes
from psoas_triage.engine import engine_for
from psoas_triage.locales import resolve_language
from psoas_triage.localise import localise_step
from psoas_triage.models import (
    NUMBER_FIELDS,
    Assessment,
    Change,
    NextStep,
    Progress,
    Question,
    SymptomReport,
    TriageLevel,
)
from psoas_triage.open_questions import (
    Opening,
    band_openings,
    level_openings,
    unasked_keys,
)
from psoas_triage.phrasing import NUMBER_SUBJECTS, Phrasing
from psoas_triage.reports import parse_report
from psoas_triage.rulebook import RuleBook
from psoas_triage.screening import reachable_rule_ids, rule_raises_to, warning_sign_codes
from psoas_triage.status import book_for
from psoas_triage.triage import decide_triage

NUMBER_PROMPTS: dict[str, tuple[str, int, int]] = {
    "age": ("How old are you (years)?", 0, 120),
    "duration_days": ("How many days ago did the pain start?", 0, 36500),
    "pain_intensity": (
        "How strong is the pain now, from 0 (none) to 10 (worst imaginable)?",
        0,
        10,
    ),
}
"""Question text and range of each number field (the ranges SymptomReport accepts)."""

NUMBER_LABELS = NUMBER_SUBJECTS
"""What each number question asks about, in a question's ``why`` (see ``phrasing``)."""

CHECKLIST_TEXT = "Do you have any of these? Answer none, or pick the ones that apply."


def next_question(
    report: SymptomReport | Mapping[str, Any],
    rulebook: RuleBook | str | Path | None = None,
    *,
    language: str | None = None,
    include_experimental: bool = False,
) -> NextStep:
    """The next question for ``report`` (everything answered so far), or ``should_stop``.

    Stateless: nothing is remembered between calls. ``assessment`` is always the assessment of
    the answers so far (provisional until ``should_stop``). ``language`` translates the texts
    as ``assess`` does, and phrases the question's ``why`` in it. Experimental rules are left
    out of the assessment, and so of what is worth asking, unless ``include_experimental`` (the
    same mode as ``assess``). Raises ReportError for bad input, LanguageError for a language
    the book has no locale for.
    """
    book = _resolve(rulebook)
    locale = resolve_language(book, language)
    step = _next_step(report, book, Phrasing(book, locale), include_experimental)
    return localise_step(step, book, locale)


def _next_step(
    report: SymptomReport | Mapping[str, Any],
    book: RuleBook,
    phrasing: Phrasing,
    include_experimental: bool,
) -> NextStep:
    # Validated like any report, except that the first step may have nothing answered yet.
    assessment = assess_known_codes(
        parse_report(report, book, allow_empty=True),
        book,
        include_experimental=include_experimental,
    )
    valid = assessment.report
    plan = _plan(book_for(book, include_experimental), valid, assessment, phrasing)
    asked = len(valid.present) + len(valid.absent) + len(valid.unknown)
    asked += sum(getattr(valid, name) is not None for name in NUMBER_FIELDS)
    progress = Progress(asked=asked, remaining_at_most=plan.remaining)
    if plan.question is None:
        return NextStep(should_stop=True, assessment=assessment, progress=progress)
    return NextStep(
        should_stop=False, question=plan.question, assessment=assessment, progress=progress
    )


class _Plan:
    def __init__(self, question: Question | None, remaining: int) -> None:
        self.question = question
        self.remaining = remaining


def base_level(book: RuleBook, assessment: Assessment) -> TriageLevel:
    """The assessment's level before the warning-sign screen's floor."""
    fired = [book.rule(rule_id) for rule_id in assessment.fired_rule_ids]
    return decide_triage(fired, assessment.likelihood, book.policy).level


def _plan(
    book: RuleBook, report: SymptomReport, assessment: Assessment, phrasing: Phrasing
) -> _Plan:
    if assessment.triage_level is TriageLevel.emergency:
        return _Plan(None, 0)
    level = base_level(book, assessment)
    unasked = unasked_keys(book, report)
    signs = frozenset(warning_sign_codes(book))
    # Only rules not fired yet whose firing could raise the level matter for the level.
    raises = rule_raises_to(book)
    fired = frozenset(assessment.fired_rule_ids)
    raising_rules = frozenset(rule for rule, top in raises.items() if top.rank > level.rank)
    among = raising_rules - fired
    reachable: frozenset[str] = frozenset()
    if unasked and among:
        # An engine of just the rules that could raise this level (one per level, cached
        # and bounded with the book's engines): far fewer rules fire on optimistic reports.
        engine = engine_for(book, only=raising_rules)
        reachable = reachable_rule_ids(book, report, among, engine)
    raising = level_openings(book, report, level, reachable, unasked)
    checklist = [opening for opening in raising if opening.key in signs]
    checklist_codes = {opening.key for opening in checklist}
    others = [opening for opening in raising if opening.key not in signs]
    band, moving = band_openings(book, report, assessment.fired_rule_ids)
    left = {opening.key for opening in [*others, *moving]} - checklist_codes
    remaining = len(left) + (1 if checklist else 0)
    if checklist:
        order = [code for code in warning_sign_codes(book) if code in checklist_codes]
        return _Plan(_group_question(order, checklist, level, phrasing), remaining)
    if others:
        return _Plan(_level_question(book, report, others[0], level, phrasing), remaining)
    if moving:
        opening = moving[0]
        change = Change(
            what="likelihood",
            to=(band.high if band.high is not assessment.likelihood else band.low).value,
            rule_ids=opening.rule_ids,
        )
        why = phrasing.why(
            "why_band",
            band=phrasing.band(assessment.likelihood),
            low=phrasing.band(band.low),
            high=phrasing.band(band.high),
            rules="; ".join(phrasing.rule_title(rule_id) for rule_id in opening.rule_ids[:3]),
        )
        return _Plan(_question(book, opening.key, why, (change,)), remaining)
    return _Plan(None, 0)


def _group_question(
    codes: list[str], openings: list[Opening], level: TriageLevel, phrasing: Phrasing
) -> Question:
    top = TriageLevel.most_urgent(*(opening.level for opening in openings if opening.level))
    rule_ids = tuple(sorted({rule_id for opening in openings for rule_id in opening.rule_ids}))
    why = phrasing.why("why_checklist", to=phrasing.level(top), now=phrasing.level(level))
    return Question(
        kind="group",
        codes=tuple(codes),
        text=CHECKLIST_TEXT,
        why=why,
        changes=(Change(what="triage_level", to=top.value, rule_ids=rule_ids),),
    )


def _level_question(
    book: RuleBook,
    report: SymptomReport,
    opening: Opening,
    level: TriageLevel,
    phrasing: Phrasing,
) -> Question:
    assert opening.level is not None
    rule = book.rule(opening.rule_ids[0]).rule
    for rule_id in opening.rule_ids:
        candidate = book.rule(rule_id).rule
        if candidate.triage_floor is not None and candidate.triage_floor is opening.level:
            rule = candidate
            break
    present = [code for code in rule.when.codes() if code in report.present]
    values = {
        "subject": phrasing.subject(opening.key),
        "to": phrasing.level(opening.level),
        "now": phrasing.level(level),
        "rule": phrasing.rule_title(rule.id),
    }
    if present:
        why = phrasing.why("why_level_context", labels=phrasing.labels(present), **values)
    else:
        why = phrasing.why("why_level", **values)
    change = Change(what="triage_level", to=opening.level.value, rule_ids=opening.rule_ids)
    return _question(book, opening.key, why, (change,))


def _question(book: RuleBook, key: str, why: str, changes: tuple[Change, ...]) -> Question:
    if key in NUMBER_PROMPTS:
        text, low, high = NUMBER_PROMPTS[key]
        return Question(
            kind="number",
            field=key,  # type: ignore[arg-type]
            minimum=low,
            maximum=high,
            text=text,
            why=why,
            changes=changes,
        )
    return Question(kind="code", code=key, text=book.terms[key].question, why=why, changes=changes)


def question_for(book: RuleBook, key: str) -> Question:
    """The plain question for ``key`` (a code or number field), for asking every question."""
    return _question(book, key, "asked because every question was requested", ())

"""The stateless interview: given everything answered so far, what to ask next, and why.

An app sends the whole report on every call (``present``, ``absent``, ``unknown``, the numbers
and the sex) and gets a NextStep: the next question, or ``should_stop`` with the assessment. The
order (``_plan``) puts first what settles the triage level with the fewest questions: the sex
and age when a rule or a question depends on them, the warning signs in short lists (most
dangerous first), the risk factors as a list, the other findings and numbers that could raise
the level, the road to self-care as a list; at ``depth="full"`` the psoas band's findings follow,
as lists. A question that cannot apply to the person (``applies_to``) is never asked.

It stops when no answer left could raise the level (or, at depth ``full``, move the band), or
when the level is an emergency resting on what is reported: a person who should go now is not
kept answering. That is sound: only a rule not fired yet can raise anything, and such a rule
mentions a key not asked yet; every key that could raise the level is asked before stopping.
The one thing an answer can lower is a rule that stays cautious until a key sign is denied
(``unless_denied``, ``unless_sex``, an onset window): when the level rests only on such rules,
their key is asked before stopping, so the level is settled rather than left at the cautious
reading. A "don't know" (``unknown``) is never asked again and never counts as a no: its rules
stay reachable, the screen keeps its floor, and ``level_provisional`` says so at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from psoas_triage.assessment import _resolve, assess_known_codes
from psoas_triage.engine import engine_for
from psoas_triage.locales import resolve_language
from psoas_triage.localise import localise_step
from psoas_triage.models import (
    ANSWER_FIELDS,
    NUMBER_FIELDS,
    Assessment,
    Change,
    Likelihood,
    NextStep,
    Progress,
    Question,
    SymptomReport,
    TriageLevel,
)
from psoas_triage.open_questions import (
    BandRange,
    Opening,
    asked_keys,
    band_openings,
    level_openings,
    unasked_keys,
)
from psoas_triage.phrasing import Phrasing
from psoas_triage.reports import parse_report
from psoas_triage.rulebook import RuleBook, per_book
from psoas_triage.schema import Category, Rule
from psoas_triage.screening import (
    reachable_rule_ids,
    rule_mentions,
    rule_raises_to,
    warning_sign_codes,
)
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

CHECKLIST_TEXT = "Do you have any of these? Answer none, or pick the ones that apply."


Depth = Literal["triage", "full"]
DEPTHS: tuple[Depth, ...] = ("triage", "full")
"""``triage``: stop once no answer left can change the triage level (the band then stays marked
provisional, with the questions that could still move it listed in the assessment). ``full``:
go on until the psoas band is settled too."""

GROUP_SIZE = 8
"""About this many codes in one group question, a checklist a person reads at a glance: groups
are balanced (25 warning signs make 3 groups of 8 or 9, never 3 of 8 and one of 1), so a group
may hold up to ``GROUP_SIZE + 2``."""
ROAD_GROUP_SIZE = 12
"""The road to self-care (symptoms that could only ask for a consultation) is one list of
yes-or-no items the person scans for anything that applies; it may be longer."""

SEX_OPTIONS = ("female", "male")
SEX_PROMPT = "What is your sex?"


def next_question(
    report: SymptomReport | Mapping[str, Any],
    rulebook: RuleBook | str | Path | None = None,
    *,
    language: str | None = None,
    include_experimental: bool = False,
    depth: Depth = "triage",
) -> NextStep:
    """The next question for ``report`` (everything answered so far), or ``should_stop``.

    Stateless: nothing is remembered between calls. ``assessment`` is always the assessment of
    the answers so far (provisional until ``should_stop``). ``depth`` is ``"triage"`` by
    default: a person wants to know what to do, and every question left would only move the
    psoas band (``"full"`` asks those too). ``language`` translates the texts as ``assess``
    does, and phrases the question's ``why`` in it. Experimental rules are left out of the
    assessment, and so of what is worth asking, unless ``include_experimental`` (the same mode
    as ``assess``). Raises ReportError for bad input, LanguageError for a language the book has
    no locale for, ValueError for an unknown depth.
    """
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, not {depth!r}")
    book = _resolve(rulebook)
    locale = resolve_language(book, language)
    step = _next_step(report, book, Phrasing(book, locale), include_experimental, depth)
    return localise_step(step, book, locale)


def _next_step(
    report: SymptomReport | Mapping[str, Any],
    book: RuleBook,
    phrasing: Phrasing,
    include_experimental: bool,
    depth: Depth = "triage",
) -> NextStep:
    # Validated like any report, except that the first step may have nothing answered yet.
    assessment = assess_known_codes(
        parse_report(report, book, allow_empty=True),
        book,
        include_experimental=include_experimental,
    )
    valid = assessment.report
    plan = _plan(book_for(book, include_experimental), valid, assessment, phrasing, depth)
    asked = len(valid.present) + len(valid.absent) + len(valid.unknown)
    asked += sum(getattr(valid, name) is not None for name in ANSWER_FIELDS)
    progress = Progress(asked=asked, remaining_at_most=plan.remaining)
    if plan.question is None:
        return NextStep(
            should_stop=True,
            assessment=assessment,
            progress=progress,
            level_provisional=plan.level_open,
        )
    return NextStep(
        should_stop=False, question=plan.question, assessment=assessment, progress=progress
    )


class _Plan:
    def __init__(self, question: Question | None, remaining: int, level_open: bool = False):
        self.question = question
        self.remaining = remaining
        self.level_open = level_open
        """Stopping with a don't-know answer that could still change the level."""


def base_level(book: RuleBook, assessment: Assessment) -> TriageLevel:
    """The assessment's level before the warning-sign screen's floor."""
    fired = [book.rule(rule_id) for rule_id in assessment.fired_rule_ids]
    return decide_triage(fired, assessment.likelihood, book.policy).level


def _plan(
    book: RuleBook,
    report: SymptomReport,
    assessment: Assessment,
    phrasing: Phrasing,
    depth: Depth = "triage",
) -> _Plan:
    """What to ask next, most useful first:

    0. when the level rests only on rules that stay cautious until a key answer (sudden groin
       pain is torsion until testicle pain is denied), that answer, so the level is settled;
    1. the context a level-changing rule or question depends on: sex, then age;
    2. the warning signs that could raise the level, most dangerous first, in balanced groups
       of about ``GROUP_SIZE``;
    3. the risk factors that could raise it above a consultation (blood thinners, a weakened
       immune system, pregnancy...), as a group: a no to them settles many rules at once;
    4. every other code that could raise the level above a consultation, highest level first,
       a code that would fire a rule on its own first; then the numbers that could raise it;
    5. the codes that could only raise it to a consultation, as one group (the road to
       self-care), and the psoas signs while their points could still make psoas involvement
       likely (which asks for a consultation);
    6. with ``depth="full"``, what could still move the psoas band, most points first, in
       groups like the road to self-care.
    """
    settling = _settling_question(book, report, assessment, phrasing)
    if settling is not None:
        return _Plan(settling, 1)
    if assessment.triage_level is TriageLevel.emergency:
        return _Plan(None, 0)
    level = base_level(book, assessment)
    unasked = [
        key for key in unasked_keys(book, report) if book.applies(key, report.sex, report.age)
    ]
    raising, reachable = _raising(book, report, assessment, level, unasked)
    position = _sign_position(book)  # the warning signs, in checklist order
    checklist = sorted(
        (opening for opening in raising if opening.key in position),
        key=lambda opening: (-_rank(opening), position[opening.key]),
    )
    others = [opening for opening in raising if opening.key not in position]
    high = [o for o in others if _rank(o) > TriageLevel.consultation.rank]
    risks = [o for o in high if o.key not in NUMBER_FIELDS and _is_risk_factor(book, o.key)]
    singles = [o for o in high if o.key not in NUMBER_FIELDS and o not in risks]
    numbers = [o for o in others if o.key in NUMBER_FIELDS]
    consultation = [o for o in others if o not in high and o.key not in NUMBER_FIELDS]
    band, moving = band_openings(book, report, assessment.fired_rule_ids)
    psoas = (
        _likely_openings(book, level, band, moving, assessment.fired_rule_ids)
        if depth == "triage"
        else []
    )
    context = _context_question(book, report, raising, reachable, phrasing, level)
    road = [*consultation, *(o for o in psoas if o.key not in {c.key for c in consultation})]
    groups = sum(
        _groups(openings, size)
        for openings, size in ((checklist, GROUP_SIZE), (risks, GROUP_SIZE), (singles, GROUP_SIZE))
    )
    groups += _groups(road, ROAD_GROUP_SIZE)
    later = [o for o in moving if o.key not in NUMBER_FIELDS] if depth == "full" else []
    later_numbers = [o for o in moving if o.key in NUMBER_FIELDS] if depth == "full" else []
    numbers += [o for o in later_numbers if o.key not in {n.key for n in numbers}]
    groups += _groups(later, ROAD_GROUP_SIZE)
    left = {opening.key for opening in numbers}
    remaining = len(left) + groups + (1 if context is not None else 0)
    if context is not None:
        return _Plan(context, remaining)
    if checklist:
        chunk = _first_group(checklist, GROUP_SIZE)  # the most dangerous, shown in checklist order
        chunk.sort(key=lambda opening: position[opening.key])
        return _Plan(_group_question(chunk, level, phrasing), remaining)
    for group in (risks, singles):
        if group:
            chunk = _first_group(group, GROUP_SIZE)
            return _Plan(_group_question(chunk, level, phrasing, warning=False), remaining)
    for opening in numbers:
        return _Plan(_level_question(book, report, opening, level, phrasing), remaining)
    if road:
        chunk = _first_group(road, ROAD_GROUP_SIZE)
        return _Plan(_group_question(chunk, level, phrasing, warning=False), remaining)
    if later:
        chunk = _first_group(later, ROAD_GROUP_SIZE)
        change = Change(
            what="likelihood",
            to=(band.high if band.high is not assessment.likelihood else band.low).value,
            rule_ids=tuple(sorted({rule_id for opening in chunk for rule_id in opening.rule_ids})),
        )
        why = phrasing.why(
            "why_band",
            band=phrasing.band(assessment.likelihood),
            low=phrasing.band(band.low),
            high=phrasing.band(band.high),
            rules="; ".join(phrasing.rule_title(rule_id) for rule_id in change.rule_ids[:3]),
        )
        if len(chunk) == 1:
            return _Plan(_question(book, chunk[0].key, why, (change,)), remaining)
        codes = tuple(opening.key for opening in chunk)
        asked = Question(kind="group", codes=codes, text=CHECKLIST_TEXT, why=why, changes=(change,))
        return _Plan(asked, remaining)
    unknown = [key for key in report.unknown if key in reachable_keys(book, reachable)]
    return _Plan(None, 0, level_open=bool(level_openings(book, report, level, reachable, unknown)))


def _groups(openings: list[Opening], size: int) -> int:
    """How many balanced groups of about ``size`` the openings make (see ``GROUP_SIZE``)."""
    return -(-len(openings) // (size + 2))


def _first_group(openings: list[Opening], size: int) -> list[Opening]:
    """The first of the balanced groups: the most important openings come first."""
    count = _groups(openings, size)
    return list(openings[: -(-len(openings) // count)])


RISK_CATEGORIES = frozenset({Category.history, Category.exposure})
"""Codes about the person rather than the pain (blood thinners, pregnancy, a fall, training):
asked as a group, since a no to them rules out many location-by-risk rules at once."""


def _is_risk_factor(book: RuleBook, key: str) -> bool:
    term = book.terms.get(key)
    return term is not None and term.category in RISK_CATEGORIES


def _likely_openings(
    book: RuleBook,
    level: TriageLevel,
    band: BandRange,
    moving: list[Opening],
    fired: tuple[str, ...],
) -> list[Opening]:
    """The psoas signs worth asking for the triage level: while the band could still cross
    into one the likelihood table sends higher than ``level`` (likely: a consultation), the
    keys whose rules add points, most points first."""
    bands = list(Likelihood)
    crossing = any(
        target.rank > level.rank
        and bands.index(band.low) < bands.index(likelihood) <= bands.index(band.high)
        for likelihood, target in book.policy.likelihood_triage.items()
    )
    if not crossing:
        return []
    adds = [
        opening
        for opening in moving
        if any(book.rule(rule_id).rule.points > 0 for rule_id in opening.rule_ids)
    ]
    if book.marks_specific_signs and not any(
        book.rule(rule_id).rule.psoas_specific for rule_id in fired
    ):
        # "Likely" needs a psoas-specific sign: until one is reported, only its keys can get
        # there, and a no to them all settles the question.
        adds = [
            opening
            for opening in adds
            if any(book.rule(rule_id).rule.psoas_specific for rule_id in opening.rule_ids)
        ]
    return [
        Opening(opening.key, opening.rule_ids, TriageLevel.consultation, opening.weight)
        for opening in adds
    ]


def _settling_question(
    book: RuleBook, report: SymptomReport, assessment: Assessment, phrasing: Phrasing
) -> Question | None:
    """The answer that settles a level resting only on cautious rules (``unless_denied``,
    ``unless_sex``, an onset window) whose key is not asked yet: the level is the cautious
    reading until it is asked, so it is asked before the interview stops on it."""
    level = assessment.triage_level
    if level.rank < TriageLevel.urgent.rank:
        return None
    deciding = [
        book.rule(rule_id).rule
        for rule_id in assessment.fired_rule_ids
        if (floor := book.rule(rule_id).rule.triage_floor) is not None and floor is level
    ]
    pending = [_pending_key(book, rule, report) for rule in deciding]
    if not deciding or any(key is None for key in pending):
        return None
    key = pending[0]
    assert key is not None
    rule = deciding[0]
    why = phrasing.why(
        "why_level",
        subject=phrasing.subject(key),
        to=phrasing.level(level),
        now=phrasing.level(level),
        rule=phrasing.rule_title(rule.id),
    )
    if key == "sex":
        return _sex_question(why, ())
    return _question(book, key, why, ())


def _pending_key(book: RuleBook, rule: Rule, report: SymptomReport) -> str | None:
    """The first unasked answer that could stop ``rule``, a rule that fires only because it
    stays cautious until that answer; None when it fires on what is reported."""
    when = rule.when
    asked = asked_keys(report)
    cautious = when.unless_denied
    settled = any(code in report.present or code in report.unknown for code in cautious)
    unasked = [c for c in cautious if c not in asked and book.applies(c, report.sex, report.age)]
    if cautious and not settled and unasked:
        return unasked[0]
    if when.unless_sex is not None and report.sex is None and "sex" not in report.unknown:
        return "sex"
    if (
        when.started_within_days is not None
        and report.duration_days is None
        and "duration_days" not in report.unknown
    ):
        return "duration_days"
    return None


def _rank(opening: Opening) -> int:
    return opening.level.rank if opening.level is not None else -1


def _raising(
    book: RuleBook,
    report: SymptomReport,
    assessment: Assessment,
    level: TriageLevel,
    keys: list[str],
) -> tuple[list[Opening], frozenset[str]]:
    """The keys among ``keys`` whose answer could raise the level above ``level`` through a
    rule's floor, and the rules that could still do it (not fired yet, able to fire)."""
    fired = frozenset(assessment.fired_rule_ids)
    # Rules with a floor above the level; what points could do is the band's question
    # (``_likely_openings``), asked of the psoas signs only while it could change the level.
    raising_rules = _floors_above(book)[level]
    among = raising_rules - fired
    reachable: frozenset[str] = frozenset()
    if among and (keys or report.unknown):
        # An engine of just the rules that could raise this level (one per level, cached
        # and bounded with the book's engines): far fewer rules fire on optimistic reports.
        engine = engine_for(book, only=raising_rules)
        reachable = reachable_rule_ids(book, report, among, engine)
    return level_openings(book, report, level, reachable, keys), reachable


def reachable_keys(book: RuleBook, reachable: frozenset[str]) -> frozenset[str]:
    """Every code and number some rule of ``reachable`` mentions."""
    mentions = rule_mentions(book)
    return frozenset(key for rule_id in reachable for key in mentions[rule_id])


def _context_question(
    book: RuleBook,
    report: SymptomReport,
    raising: list[Opening],
    reachable: frozenset[str],
    phrasing: Phrasing,
    level: TriageLevel,
) -> Question | None:
    """Sex, then age, when unknown and something that could change the level depends on it: a
    rule's sex or age bound, or who a question applies to."""
    if report.sex is None and "sex" not in report.unknown:
        rules = sorted(r for r in reachable if book.rule(r).rule.when.has_context())
        if rules:
            top = TriageLevel.most_urgent(*(rule_raises_to(book)[rule_id] for rule_id in rules))
            why = phrasing.why(
                "why_level",
                subject=phrasing.subject("sex"),
                to=phrasing.level(top),
                now=phrasing.level(level),
                rule=phrasing.rule_title(rules[0]),
            )
            change = Change(what="triage_level", to=top.value, rule_ids=tuple(rules))
            return _sex_question(why, (change,))
        applies = [o.key for o in raising if _term_applies_to(book, o.key, "sex")]
        if applies:
            why = phrasing.why("why_applies", labels=phrasing.labels(applies[:3]))
            return _sex_question(why, ())
    if report.age is not None or "age" in report.unknown:
        return None
    age = next((opening for opening in raising if opening.key == "age"), None)
    if age is None:
        # No rule needs the age, but who a question applies to does (pregnancy, say).
        dependent = [o for o in raising if _term_applies_to(book, o.key, "age")]
        if not dependent:
            return None
        age = Opening("age", dependent[0].rule_ids, dependent[0].level)
    return _level_question(book, report, age, level, phrasing)


def _sex_question(why: str, changes: tuple[Change, ...]) -> Question:
    return Question(
        kind="choice", field="sex", options=SEX_OPTIONS, text=SEX_PROMPT, why=why, changes=changes
    )


def _term_applies_to(book: RuleBook, key: str, part: str) -> bool:
    term = book.terms.get(key)
    return (
        term is not None
        and term.applies_to is not None
        and getattr(term.applies_to, part) is not None
    )


def _rules_sharing_a_finding(book: RuleBook, report: SymptomReport) -> frozenset[str]:
    """Rules that mention a code the report gives as present."""
    mentions = rule_mentions(book)
    present = set(report.present)
    return frozenset(rule_id for rule_id, keys in mentions.items() if not present.isdisjoint(keys))


def _build_sign_position(book: RuleBook) -> dict[str, int]:
    return {code: index for index, code in enumerate(warning_sign_codes(book))}


_sign_position = per_book(_build_sign_position)
"""Each warning sign's place in the checklist, once per book."""


def _build_floors_above(book: RuleBook) -> dict[TriageLevel, frozenset[str]]:
    raises = rule_raises_to(book)
    floored = [rule for rule in raises if book.rule(rule).rule.triage_floor is not None]
    return {
        level: frozenset(rule for rule in floored if raises[rule].rank > level.rank)
        for level in TriageLevel
    }


_floors_above = per_book(_build_floors_above)
"""For each level: the rules with a floor that could raise it, once per book."""


def _group_question(
    openings: list[Opening], level: TriageLevel, phrasing: Phrasing, warning: bool = True
) -> Question:
    top = TriageLevel.most_urgent(*(opening.level for opening in openings if opening.level))
    rule_ids = tuple(sorted({rule_id for opening in openings for rule_id in opening.rule_ids}))
    if warning:
        why = phrasing.why("why_checklist", to=phrasing.level(top), now=phrasing.level(level))
    else:
        why = phrasing.why(
            "why_level",
            subject=phrasing.labels([opening.key for opening in openings]),
            to=phrasing.level(top),
            now=phrasing.level(level),
            rule=phrasing.rule_title(rule_ids[0]),
        )
    return Question(
        kind="group",
        codes=tuple(opening.key for opening in openings),
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

"""The pipeline: report -> durable_rules -> score -> triage -> advice -> Assessment.

One direction, one stage per module; this module only wires them together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from psoas_triage.advice import (
    Situation,
    holdbacks_for,
    select_advice,
    select_referrals,
    short_lists,
)
from psoas_triage.book_memo import rulebook_for
from psoas_triage.engine import engine_for
from psoas_triage.explain import build_evidence, evidence_item
from psoas_triage.locales import resolve_language
from psoas_triage.localise import localise_assessment, localise_signs
from psoas_triage.memo import remember
from psoas_triage.models import (
    Advice,
    Alternative,
    Assessment,
    EvidenceGrade,
    Finding,
    Likelihood,
    MoreAdvice,
    RedFlag,
    Referral,
    SymptomReport,
    TriageLevel,
    UncheckedRedFlag,
    WarningSign,
)
from psoas_triage.open_questions import band_open_keys
from psoas_triage.reports import parse_report
from psoas_triage.rulebook import LoadedRule, RuleBook, load_rulebook, per_book
from psoas_triage.schema import within_days
from psoas_triage.scoring import score_fired
from psoas_triage.screening import screen, warning_sign_items
from psoas_triage.status import experimental_rule_ids, without_experimental
from psoas_triage.triage import apply_screen, decide_triage


@lru_cache(maxsize=1)
def default_rulebook() -> RuleBook:
    """The rule book shipped with the package, loaded once."""
    return load_rulebook()


def assess(
    report: SymptomReport | Mapping[str, Any],
    rulebook: RuleBook | str | Path | None = None,
    *,
    language: str | None = None,
    include_experimental: bool = False,
) -> Assessment:
    """Assess one symptom report. Supports triage; the result is not a diagnosis.

    ``report`` is a SymptomReport or a plain mapping validated into one; ``rulebook`` is a loaded
    RuleBook, a rule directory, or None for the shipped rules. ``language`` (e.g. ``"fr"``) takes
    the texts from the book's ``locales/<language>.yaml``, entry by entry, English where it has
    none; nothing but texts changes. Rules of status ``experimental`` are left out unless
    ``include_experimental`` (see ``status``); the result says which mode it ran in. Raises
    ReportError for bad input, LanguageError for a language the book has no locale for.

    A rule directory is loaded once per content: later calls with the same directory get the
    same RuleBook back after a ``stat`` of its files, and an edited file is noticed (it is
    loaded again); see ``psoas_triage.book_memo``. A loaded RuleBook is still the fastest.
    """
    book = _resolve(rulebook)
    locale = resolve_language(book, language)
    assessment = assess_known_codes(
        parse_report(report, book), book, include_experimental=include_experimental
    )
    return localise_assessment(assessment, book, locale)


def assess_known_codes(
    report: SymptomReport, book: RuleBook, *, include_experimental: bool = False
) -> Assessment:
    """Assess a report already built from ``book``'s own codes, without the door's checks.

    For the interview, which assesses its answers as it goes, starting from none: an empty
    report is refused at every door (``assess``, ``--input``, batch), but an interview with
    nothing answered yet is a state, not bad input.

    The whole book's engine runs once; experimental rules it fires are then left out (and
    named in ``experimental_left_out``) unless ``include_experimental``, and everything after
    the engine works on the book without them.
    """
    fired_ids = engine_for(book).fired_rule_ids(report)
    experimental = experimental_rule_ids(book)
    if include_experimental or not experimental:
        assessment = build_assessment(book, report, fired_ids)
        if include_experimental:
            return assessment.model_copy(update={"experimental_included": True})
        return assessment
    used = [rule_id for rule_id in fired_ids if rule_id not in experimental]
    assessment = build_assessment(without_experimental(book), report, used)
    left_out = tuple(rule_id for rule_id in fired_ids if rule_id in experimental)
    if left_out:
        return assessment.model_copy(update={"experimental_left_out": left_out})
    return assessment


def build_assessment(
    book: RuleBook, report: SymptomReport, fired: Sequence[str | LoadedRule]
) -> Assessment:
    """Everything after the engine: score, band, triage, advice, alternatives.

    ``fired`` are the fired rules' ids, in rule-book order, as the engine returns them (or the
    book's own LoadedRule objects). Every part is read from what the book shares between its
    assessments (``_Prepared``): one path, whoever calls.
    """
    prepared = _prepared(book)
    rules = prepared.own_rules(fired)
    scored = score_fired(rules, book.policy.bands, book.marks_specific_signs)
    score, likelihood = scored.score, scored.likelihood
    # Provisional while a question not asked yet could still move the band (an unasked
    # question is never a no).
    band_open = band_open_keys(book, report, (loaded.rule.id for loaded in rules))
    decision = decide_triage(rules, scored.triage_likelihood, book.policy, likelihood)
    warning_signs = screen(book, report, decision.level)
    decision = apply_screen(decision, warning_signs)
    red_flags = tuple(
        prepared.red_flags[loaded.rule.id]
        for loaded in rules
        if loaded.rule.id in prepared.red_flags
    )
    red_flags = tuple(sorted(red_flags, key=lambda flag: -flag.triage_floor.rank))
    referrals, advice, more = prepared.advice_for(
        book, report, rules, decision.level, likelihood, bool(red_flags)
    )
    alternatives = prepared.alternatives_for(book, rules)
    findings = tuple(prepared.findings[loaded.rule.id] for loaded in rules)
    evidence = build_evidence(rules, scored, decision, book.policy.bands, prepared.evidence)
    return Assessment(
        triage_level=decision.level,
        triage_action=book.policy.triage_actions[decision.level],
        clinician_action=book.policy.action_for_clinician(decision.level),
        triage_reasons=decision.reasons,
        likelihood=likelihood,
        psoas_score=score,
        likelihood_provisional=bool(band_open),
        likelihood_open_questions=band_open,
        red_flags=red_flags,
        unchecked_red_flags=warning_signs.unchecked,
        findings=findings,
        referrals=referrals,
        advice=advice,
        more=more,
        alternatives=alternatives,
        disclaimer=book.policy.disclaimer,
        clinician_disclaimer=book.policy.disclaimer_for_clinician(),
        rulebook_version=book.full_version,
        report=report,
        evidence=evidence,
    )


def warning_sign_checklist(
    rulebook: RuleBook | str | Path | None = None,
    *,
    language: str | None = None,
) -> tuple[WarningSign, ...]:
    """Every warning sign (vocabulary code of category ``red_flag``) with its label and
    question, in display order: the checklist an app shows before it may be told self-care.

    Send the ticked codes in ``present`` and the others in ``absent``.
    """
    book = _resolve(rulebook)
    locale = resolve_language(book, language)
    signs = tuple(WarningSign(**item.model_dump()) for item in warning_sign_items(book))
    return localise_signs(signs, book, locale)


def unchecked_red_flags(
    report: SymptomReport | Mapping[str, Any],
    rulebook: RuleBook | str | Path | None = None,
    *,
    language: str | None = None,
) -> tuple[UncheckedRedFlag, ...]:
    """The warning signs ``report`` still has to answer before self-care can be returned
    (exactly what its Assessment lists). Raises ReportError for bad input."""
    return assess(report, rulebook, language=language).unchecked_red_flags


class _Prepared:
    """What a rule book's assessments share, built once per book: the one source of every part
    ``build_assessment`` puts together.

    Findings and red flags are frozen models, so assessments can share the same instances.
    Advice and alternatives are remembered under exactly what they depend on: advice on the
    situation restricted to the rules and codes that advice selectors mention (a small key
    space), alternatives on the fired rules that raise one. Profiling showed most of the time
    after the engine went into rebuilding these for every report.
    """

    def __init__(self, book: RuleBook) -> None:
        self.name = book.name
        self.own = {loaded.rule.id: loaded for loaded in book.rules}
        grades = {
            loaded.rule.id: book.grade(loaded.rule.sources, loaded.rule.evidence)
            for loaded in book.rules
        }
        self.findings = {
            loaded.rule.id: _finding(loaded, grades[loaded.rule.id]) for loaded in book.rules
        }
        self.evidence = {
            loaded.rule.id: evidence_item(loaded, grades[loaded.rule.id]) for loaded in book.rules
        }
        self.red_flags = {
            loaded.rule.id: _red_flag(loaded)
            for loaded in book.rules
            if loaded.rule.red_flag and loaded.rule.triage_floor is not None
        }
        selectors = [entry.when for entry in book.advice.referrals]
        selectors += [entry.when for entry in book.advice.advice]
        selectors += [entry.when for entry in book.advice.holdbacks]
        self.advice_codes = frozenset(code for selector in selectors for code in selector.codes())
        self.advice_rules = frozenset(
            rule for selector in selectors for rule in selector.rule_ids()
        )
        self.advice_windows = tuple(
            sorted(
                {
                    selector.started_within_days
                    for selector in selectors
                    if selector.started_within_days is not None
                }
            )
        )
        """The onset windows of the advice file: which side of each the pain is on is part of
        what selects advice (the first days after an injury)."""
        self.raising = frozenset(
            loaded.rule.id for loaded in book.rules if loaded.rule.alternatives
        )
        self._advice: dict[tuple[Any, ...], tuple[tuple[Referral, ...], Advice, MoreAdvice]] = {}
        self._alternatives: dict[tuple[str, ...], tuple[Alternative, ...]] = {}
        self._alternative_models: dict[tuple[str, tuple[str, ...]], Alternative] = {}

    def own_rules(self, fired: Sequence[str | LoadedRule]) -> list[LoadedRule]:
        """The book's own rules for ``fired`` (ids, or LoadedRules equal to the book's).

        A rule that is not this book's (an unknown id, or a rule changed since it was loaded)
        is a ValueError: its parts would not be the ones remembered here.
        """
        rules = []
        for item in fired:
            rule_id = item if isinstance(item, str) else item.rule.id
            loaded = self.own.get(rule_id)
            if loaded is None or not (isinstance(item, str) or item is loaded or item == loaded):
                raise ValueError(f"rule {rule_id!r} is not a rule of rule book {self.name}")
            rules.append(loaded)
        return rules

    def advice_for(
        self,
        book: RuleBook,
        report: SymptomReport,
        fired: list[LoadedRule],
        level: TriageLevel,
        likelihood: Likelihood,
        red_flag: bool,
    ) -> tuple[tuple[Referral, ...], Advice, MoreAdvice]:
        """Referrals and advice, as ``select_referrals`` / ``select_advice`` would give them,
        cut to the short lists (``short_lists``)."""
        key = (
            level,
            likelihood,
            red_flag,
            self.advice_rules.intersection([loaded.rule.id for loaded in fired]),
            self.advice_codes.intersection(report.present),
            tuple(within_days(report.duration_days, days) for days in self.advice_windows),
        )
        chosen = self._advice.get(key)
        if chosen is None:
            situation = _situation(report, fired, level, likelihood, red_flag)
            held = holdbacks_for(book, situation)  # once, for the referrals and the advice
            chosen = short_lists(
                select_referrals(book, situation, held), select_advice(book, situation, held)
            )
            remember(self._advice, key, chosen)
        return chosen

    def alternatives_for(self, book: RuleBook, fired: list[LoadedRule]) -> tuple[Alternative, ...]:
        key = tuple(loaded.rule.id for loaded in fired if loaded.rule.id in self.raising)
        if not key:
            return ()
        alternatives = self._alternatives.get(key)
        if alternatives is None:
            built = _alternatives(book, [self.own[rule_id] for rule_id in key])
            # Many fired-rule sets raise the same alternative from the same rules: share the
            # frozen model between them (keeps the memo small as the rule book grows).
            shared = self._alternative_models
            alternatives = tuple(
                shared.get((item.id, item.rule_ids))
                or remember(shared, (item.id, item.rule_ids), item)
                for item in built
            )
            remember(self._alternatives, key, alternatives)
        return alternatives


def _situation(
    report: SymptomReport,
    fired: list[LoadedRule],
    level: TriageLevel,
    likelihood: Likelihood,
    red_flag: bool,
) -> Situation:
    return Situation(
        triage_level=level,
        likelihood=likelihood,
        fired_rule_ids={loaded.rule.id for loaded in fired},
        present=set(report.present),
        red_flag=red_flag,
        duration_days=report.duration_days,
    )


_prepared = per_book(_Prepared)


def _resolve(rulebook: RuleBook | str | Path | None) -> RuleBook:
    if rulebook is None:
        return default_rulebook()
    if isinstance(rulebook, RuleBook):
        return rulebook
    return rulebook_for(rulebook)


def _finding(loaded: LoadedRule, grade: EvidenceGrade) -> Finding:
    rule = loaded.rule
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        family=loaded.family,
        points=rule.points,
        triage_floor=rule.triage_floor,
        red_flag=rule.red_flag,
        sources=tuple(rule.sources),
        evidence_grade=grade,
    )


def _red_flag(loaded: LoadedRule) -> RedFlag:
    rule = loaded.rule
    assert rule.triage_floor is not None
    return RedFlag(
        rule_id=rule.id,
        title=rule.title,
        triage_floor=rule.triage_floor,
        description=rule.description,
    )


def _alternatives(book: RuleBook, fired: list[LoadedRule]) -> tuple[Alternative, ...]:
    raised: dict[str, list[str]] = {}
    for loaded in fired:
        for alternative_id in loaded.rule.alternatives:
            raised.setdefault(alternative_id, []).append(loaded.rule.id)
    return tuple(
        Alternative(
            id=alternative_id,
            title=book.alternatives[alternative_id].title,
            description=book.alternatives[alternative_id].description,
            rule_ids=tuple(rule_ids),
            sources=tuple(book.alternatives[alternative_id].sources),
        )
        for alternative_id, rule_ids in raised.items()
    )

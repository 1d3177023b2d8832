"""The pipeline: report -> durable_rules -> score -> triage -> advice -> Assessment.

One direction, one stage per module; this module only wires them together.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from psoas_triage.advice import Situation, select_advice, select_referrals
from psoas_triage.engine import engine_for
from psoas_triage.models import Alternative, Assessment, Finding, RedFlag, SymptomReport
from psoas_triage.reports import parse_report
from psoas_triage.rulebook import LoadedRule, RuleBook, load_rulebook
from psoas_triage.scoring import likelihood_band, psoas_score
from psoas_triage.triage import decide_triage


@lru_cache(maxsize=1)
def default_rulebook() -> RuleBook:
    """The rule book shipped with the package, loaded once."""
    return load_rulebook()


def assess(
    report: SymptomReport | Mapping[str, Any],
    rulebook: RuleBook | str | Path | None = None,
) -> Assessment:
    """Assess one symptom report. Supports triage; the result is not a diagnosis.

    ``report`` is a SymptomReport or a plain mapping validated into one; ``rulebook`` is a loaded
    RuleBook, a rule directory, or None for the shipped rules. Raises ReportError for bad input.
    """
    book = _resolve(rulebook)
    valid = parse_report(report, book)
    fired = [book.rule(rule_id) for rule_id in engine_for(book).fired_rule_ids(valid)]
    return build_assessment(book, valid, fired)


def build_assessment(book: RuleBook, report: SymptomReport, fired: list[LoadedRule]) -> Assessment:
    """Everything after the engine: score, band, triage, advice, alternatives."""
    prepared = _prepared(book)
    if not prepared.owns(fired):  # rules from elsewhere: nothing cached can be trusted for them
        return Assessment(**_parts(book, report, fired, None), report=report)
    # Everything but the report itself depends only on which rules fired and on the present
    # codes that advice selectors ask about, so the parts are remembered under that key.
    key = (
        tuple(loaded.rule.id for loaded in fired),
        prepared.advice_codes.intersection(report.present),
    )
    parts = prepared.parts.get(key)
    if parts is None:
        parts = _parts(book, report, fired, prepared)
        if len(prepared.parts) >= MAX_REMEMBERED:
            prepared.parts.clear()
        prepared.parts[key] = parts
    return Assessment(**parts, report=report)


def _parts(
    book: RuleBook, report: SymptomReport, fired: list[LoadedRule], prepared: _Prepared | None
) -> dict[str, Any]:
    score = psoas_score(loaded.rule.points for loaded in fired)
    likelihood = likelihood_band(score, book.policy.bands)
    decision = decide_triage(fired, likelihood, book.policy)
    red_flags = tuple(
        (prepared.red_flags[loaded.rule.id] if prepared else _red_flag(loaded))
        for loaded in fired
        if loaded.rule.red_flag and loaded.rule.triage_floor is not None
    )
    red_flags = tuple(sorted(red_flags, key=lambda flag: -flag.triage_floor.rank))
    situation = Situation(
        triage_level=decision.level,
        likelihood=likelihood,
        fired_rule_ids={loaded.rule.id for loaded in fired},
        present=set(report.present),
        red_flag=bool(red_flags),
    )
    return {
        "triage_level": decision.level,
        "triage_action": book.policy.triage_actions[decision.level],
        "triage_reasons": decision.reasons,
        "likelihood": likelihood,
        "psoas_score": score,
        "red_flags": red_flags,
        "findings": tuple(
            (prepared.findings[loaded.rule.id] if prepared else _finding(loaded))
            for loaded in fired
        ),
        "referrals": select_referrals(book, situation),
        "advice": select_advice(book, situation),
        "alternatives": _alternatives(book, fired),
        "disclaimer": book.policy.disclaimer,
        "rulebook_version": book.full_version,
    }


MAX_REMEMBERED = 2048
"""Bound on remembered assessment parts per rule book (a few hundred bytes each)."""


class _Prepared:
    """What a rule book's assessments share, built once per book.

    Findings, red flags and every other part are frozen models or tuples, so assessments can
    share the same instances. Profiling showed most of the time after the engine went into
    rebuilding them for every report.
    """

    def __init__(self, book: RuleBook) -> None:
        self.own = {loaded.rule.id: loaded for loaded in book.rules}
        self.findings = {loaded.rule.id: _finding(loaded) for loaded in book.rules}
        self.red_flags = {
            loaded.rule.id: _red_flag(loaded)
            for loaded in book.rules
            if loaded.rule.red_flag and loaded.rule.triage_floor is not None
        }
        selectors = [entry.when for entry in (*book.advice.referrals, *book.advice.advice)]
        self.advice_codes = frozenset(code for selector in selectors for code in selector.codes())
        self.parts: dict[tuple[tuple[str, ...], frozenset[str]], dict[str, Any]] = {}

    def owns(self, fired: list[LoadedRule]) -> bool:
        """True when every fired rule is this book's own object (as the engine returns them)."""
        own = self.own
        return all(own.get(loaded.rule.id) is loaded for loaded in fired)


_PREPARED: weakref.WeakKeyDictionary[RuleBook, _Prepared] = weakref.WeakKeyDictionary()
"""Per rule book (books compare by identity), dropped with the book."""


def _prepared(book: RuleBook) -> _Prepared:
    prepared = _PREPARED.get(book)
    if prepared is None:
        prepared = _PREPARED[book] = _Prepared(book)
    return prepared


def _resolve(rulebook: RuleBook | str | Path | None) -> RuleBook:
    if rulebook is None:
        return default_rulebook()
    if isinstance(rulebook, RuleBook):
        return rulebook
    return load_rulebook(rulebook)


def _finding(loaded: LoadedRule) -> Finding:
    rule = loaded.rule
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        family=loaded.family,
        points=rule.points,
        triage_floor=rule.triage_floor,
        red_flag=rule.red_flag,
        sources=tuple(rule.sources),
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

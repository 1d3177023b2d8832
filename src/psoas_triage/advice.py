"""Pick referrals and advice for an assessment from the rule book's advice file.

Selection is set membership over what the assessment already decided (triage level, likelihood,
fired rules, present codes), not symptom matching: the symptom rules are durable_rules' job.
Safety rule in code, whatever the advice file says: with a red flag, no self-care is offered.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from dataclasses import dataclass

from psoas_triage.models import Advice, AdviceItem, Likelihood, Professional, Referral, TriageLevel
from psoas_triage.rulebook import RuleBook
from psoas_triage.schema import Selector


@dataclass(frozen=True)
class Situation:
    """What advice selection looks at."""

    triage_level: TriageLevel
    likelihood: Likelihood
    fired_rule_ids: Collection[str]
    present: Collection[str]
    red_flag: bool

    def matches(self, selector: Selector) -> bool:
        """True when every key set in ``selector`` holds for this situation."""
        return (
            (selector.triage_in is None or self.triage_level in selector.triage_in)
            and (selector.likelihood_in is None or self.likelihood in selector.likelihood_in)
            and (
                selector.present_any is None
                or any(code in self.present for code in selector.present_any)
            )
            and (
                selector.rules_any is None
                or any(rule in self.fired_rule_ids for rule in selector.rules_any)
            )
            and (selector.red_flag is None or self.red_flag == selector.red_flag)
        )


@dataclass(frozen=True)
class _Check:
    """A selector with its lists turned into sets, for fast repeated matching."""

    triage_in: frozenset[TriageLevel] | None
    likelihood_in: frozenset[Likelihood] | None
    present_any: tuple[str, ...] | None
    rules_any: tuple[str, ...] | None
    red_flag: bool | None

    @classmethod
    def of(cls, selector: Selector) -> _Check:
        def frozen(values: list | None) -> frozenset | None:
            return None if values is None else frozenset(values)

        def tupled(values: list[str] | None) -> tuple[str, ...] | None:
            return None if values is None else tuple(values)

        return cls(
            frozen(selector.triage_in),
            frozen(selector.likelihood_in),
            tupled(selector.present_any),
            tupled(selector.rules_any),
            selector.red_flag,
        )

    def holds(self, situation: Situation) -> bool:
        """The same answer as ``situation.matches(selector)``."""
        return (
            (self.triage_in is None or situation.triage_level in self.triage_in)
            and (self.likelihood_in is None or situation.likelihood in self.likelihood_in)
            and (
                self.present_any is None
                or any(code in situation.present for code in self.present_any)
            )
            and (
                self.rules_any is None
                or any(rule in situation.fired_rule_ids for rule in self.rules_any)
            )
            and (self.red_flag is None or situation.red_flag == self.red_flag)
        )


class _Prepared:
    """Each advice-file entry with its check and the frozen model it yields, once per book."""

    def __init__(self, book: RuleBook) -> None:
        self.referrals = [
            (
                entry.professional,
                _Check.of(entry.when),
                Referral(
                    professional=entry.professional,
                    reason=entry.reason,
                    sources=tuple(entry.sources),
                ),
            )
            for entry in book.advice.referrals
        ]
        self.advice = [
            (
                entry.kind,
                _Check.of(entry.when),
                AdviceItem(
                    id=entry.id,
                    title=entry.title,
                    text=entry.text,
                    category=entry.category,
                    sources=tuple(entry.sources),
                ),
            )
            for entry in book.advice.advice
        ]


_PREPARED: weakref.WeakKeyDictionary[RuleBook, _Prepared] = weakref.WeakKeyDictionary()
"""Per rule book (books compare by identity), dropped with the book."""


def _prepared(book: RuleBook) -> _Prepared:
    prepared = _PREPARED.get(book)
    if prepared is None:
        prepared = _PREPARED[book] = _Prepared(book)
    return prepared


def select_referrals(book: RuleBook, situation: Situation) -> tuple[Referral, ...]:
    """One referral per professional: the first matching entry in the advice file wins."""
    chosen: dict[Professional, Referral] = {}
    for professional, check, referral in _prepared(book).referrals:
        if professional not in chosen and check.holds(situation):
            chosen[professional] = referral
    return tuple(chosen.values())


def select_advice(book: RuleBook, situation: Situation) -> Advice:
    """Self-care (never with a red flag), what to avoid, and when to seek help."""
    picked: dict[str, list[AdviceItem]] = {"self_care": [], "avoid": [], "seek_help": []}
    for kind, check, item in _prepared(book).advice:
        if kind == "self_care" and situation.red_flag:
            continue
        if check.holds(situation):
            picked[kind].append(item)
    return Advice(
        self_care=tuple(picked["self_care"]),
        avoid=tuple(picked["avoid"]),
        seek_help=tuple(picked["seek_help"]),
    )

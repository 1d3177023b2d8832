"""Pick referrals and advice for an assessment from the rule book's advice file.

Selection is set membership over what the assessment already decided (triage level, likelihood,
fired rules, present codes), not symptom matching: the symptom rules are durable_rules' job.
Safety rule in code, whatever the advice file says: with a red flag, no self-care is offered.
"""

from __future__ import annotations

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
        checks = (
            selector.triage_in is None or self.triage_level in selector.triage_in,
            selector.likelihood_in is None or self.likelihood in selector.likelihood_in,
            selector.present_any is None
            or any(code in self.present for code in selector.present_any),
            selector.rules_any is None
            or any(rule in self.fired_rule_ids for rule in selector.rules_any),
            selector.red_flag is None or self.red_flag == selector.red_flag,
        )
        return all(checks)


def select_referrals(book: RuleBook, situation: Situation) -> tuple[Referral, ...]:
    """One referral per professional: the first matching entry in the advice file wins."""
    chosen: dict[Professional, Referral] = {}
    for entry in book.advice.referrals:
        if entry.professional not in chosen and situation.matches(entry.when):
            chosen[entry.professional] = Referral(
                professional=entry.professional, reason=entry.reason, sources=tuple(entry.sources)
            )
    return tuple(chosen.values())


def select_advice(book: RuleBook, situation: Situation) -> Advice:
    """Self-care (never with a red flag), what to avoid, and when to seek help."""
    picked: dict[str, list[AdviceItem]] = {"self_care": [], "avoid": [], "seek_help": []}
    for entry in book.advice.advice:
        if entry.kind == "self_care" and situation.red_flag:
            continue
        if situation.matches(entry.when):
            picked[entry.kind].append(
                AdviceItem(
                    id=entry.id,
                    title=entry.title,
                    text=entry.text,
                    category=entry.category,
                    sources=tuple(entry.sources),
                )
            )
    return Advice(
        self_care=tuple(picked["self_care"]),
        avoid=tuple(picked["avoid"]),
        seek_help=tuple(picked["seek_help"]),
    )

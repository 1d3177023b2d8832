"""The triage policy: the most urgent of every floor that applies, never lower.

Floors come from fired rules (red flags first among them) and from the likelihood band through the
rule book's ``likelihood_triage`` table. Taking the maximum of floors, and floors that can only be
added by adding findings, is what makes the triage level monotone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from psoas_triage.models import Likelihood, TriageLevel, WarningSign
from psoas_triage.rulebook import LoadedRule
from psoas_triage.schema import Policy
from psoas_triage.screening import Screen


@dataclass(frozen=True)
class TriageDecision:
    """The level and the plain-language reasons that set it (floors below it are left out)."""

    level: TriageLevel
    reasons: tuple[str, ...]
    floors: tuple[tuple[TriageLevel, str, str | None], ...] = ()
    """Every floor that applied as (level, reason, rule id or None), most urgent first."""


def decide_triage(
    fired: Iterable[LoadedRule],
    likelihood: Likelihood,
    policy: Policy,
    shown: Likelihood | None = None,
) -> TriageDecision:
    """Combine every floor that applies into one triage level with its reasons.

    ``likelihood`` is the band before denials (see ``scoring``); ``shown`` the band reported,
    when denials lowered it, so the reason says which band the floor came from.
    """
    floors: list[tuple[TriageLevel, str, str | None]] = []
    for loaded in fired:
        rule = loaded.rule
        if rule.triage_floor is not None:
            kind = "red flag" if rule.red_flag else "finding"
            floors.append((rule.triage_floor, f"{kind}: {rule.title}", rule.id))
    by_likelihood = policy.likelihood_triage.get(likelihood)
    if by_likelihood is not None:
        if shown is not None and shown is not likelihood:
            reason = f"psoas involvement is {likelihood.value} before denied signs are counted"
        else:
            reason = f"psoas involvement is {likelihood.value}"
        floors.append((by_likelihood, reason, None))
    if not floors:
        return TriageDecision(
            TriageLevel.self_care, ("no red flag and nothing that calls for a consultation",)
        )
    floors.sort(key=lambda floor: -floor[0].rank)
    level = floors[0][0]
    # Only what set the level: "psoas involvement is likely (consultation)" under an emergency
    # would read as a reason to relax.
    return TriageDecision(
        level,
        tuple(f"{reason} ({floor.value})" for floor, reason, _ in floors if floor is level),
        tuple(floors),
    )


SCREEN_FLOOR = TriageLevel.consultation
"""The level an open warning sign keeps a report at, at least: no self-care without a screen."""

SCREEN_REASON_START = "warning signs "
"""How every reason the warning-sign screen gives begins (``is_screen_reason``)."""


def is_screen_reason(reason: str) -> bool:
    """True for a reason the warning-sign screen gave (a report that names the unchecked signs
    on their own need not repeat them in the reasons)."""
    return reason.startswith(SCREEN_REASON_START)


def apply_screen(decision: TriageDecision, screen: Screen) -> TriageDecision:
    """Add the warning-sign screen's floor and reasons to ``decision`` (see ``screening``).

    Below ``SCREEN_FLOOR`` the screen's reasons replace the "nothing calls for more" reason;
    above it they say what could still make the level more urgent.
    """
    if not screen:
        return decision
    reasons: list[str] = []
    if decision.level.rank < SCREEN_FLOOR.rank:
        if screen.unchecked:
            reasons.append(
                f"warning signs not checked: {_labels(screen.unchecked)} ({SCREEN_FLOOR.value})"
            )
        if screen.reported:
            reasons.append(
                f"warning signs reported whose follow-up questions are unanswered: "
                f"{_labels(screen.reported)} ({SCREEN_FLOOR.value})"
            )
        screen_floor = (SCREEN_FLOOR, "warning-sign screen not complete", None)
        return TriageDecision(SCREEN_FLOOR, tuple(reasons), (screen_floor, *decision.floors))
    if screen.unchecked:
        reasons.append(
            f"warning signs not checked that could make it more urgent: {_labels(screen.unchecked)}"
        )
    if screen.reported:
        reasons.append(
            "warning signs reported whose follow-up questions could make it more urgent: "
            f"{_labels(screen.reported)}"
        )
    return TriageDecision(
        decision.level,
        (*decision.reasons, *reasons),
        (*decision.floors, (SCREEN_FLOOR, "warning-sign screen not complete", None)),
    )


LISTED_IN_A_REASON = 3
"""Most warning signs a reason names; a longer list is counted, its first ones named (the
assessment's ``unchecked_red_flags`` lists them all, most dangerous first)."""


def _labels(signs: tuple[WarningSign, ...]) -> str:
    """The signs' labels, or for a long list its count and the first ones."""
    if len(signs) <= LISTED_IN_A_REASON:
        return ", ".join(sign.label for sign in signs)
    first = ", ".join(sign.label for sign in signs[:LISTED_IN_A_REASON])
    return f"{len(signs)}, among them {first}"

"""From fired rules to a 0-100 psoas score and a likelihood band (thresholds from the rule book).

Two refinements keep the score honest (issue 13):

- "likely" needs a psoas-specific sign: a fired rule marked ``psoas_specific`` (pain lifting the
  leg, groin pain with snapping or catching, a deep front-of-hip ache with pain getting up from
  sitting, weak hip flexion). Without one the band stops at "possible", however many locations
  and exposures add up: one source calls psoas syndrome rare and often misdiagnosed.
  The score itself is held just below the "likely" threshold then, so it says the same.
- Denials (rules on explicitly denied core signs) lower the score that is shown, but the triage
  level is decided on the band *before* denials, so a "no" can never lower the level.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from psoas_triage.models import Likelihood
from psoas_triage.rulebook import LoadedRule
from psoas_triage.schema import Bands

MIN_SCORE = 0
MAX_SCORE = 100


def psoas_score(points: Iterable[int]) -> int:
    """Sum the points of the fired rules and clamp the total to 0..100."""
    return max(MIN_SCORE, min(MAX_SCORE, sum(points)))


def likelihood_band(score: int, bands: Bands, specific_sign: bool = True) -> Likelihood:
    """The band a score falls in: ``likely`` at or above ``bands.likely`` (and only with a
    psoas-specific sign), ``possible`` at or above ``bands.possible``, else ``unlikely``."""
    if score >= bands.likely and specific_sign:
        return Likelihood.likely
    if score >= bands.possible:
        return Likelihood.possible
    return Likelihood.unlikely


@dataclass(frozen=True)
class Scored:
    """The score and band shown, and the band the triage policy uses (before denials)."""

    score: int
    likelihood: Likelihood
    specific_sign: bool
    triage_likelihood: Likelihood


def score_fired(fired: Sequence[LoadedRule], bands: Bands, needs_specific: bool = True) -> Scored:
    """Score the fired rules: all of them for the shown band, all but denials for triage.

    ``needs_specific`` is False for a rule book that marks no rule ``psoas_specific`` (an older
    or custom book): its bands are the plain thresholds.
    """
    specific = not needs_specific or any(loaded.rule.psoas_specific for loaded in fired)
    ceiling = MAX_SCORE if specific else bands.likely - 1
    score = min(ceiling, psoas_score(loaded.rule.points for loaded in fired))
    likelihood = likelihood_band(score, bands, specific)
    if not any(loaded.rule.is_denial for loaded in fired):
        return Scored(score, likelihood, specific, likelihood)
    before = psoas_score(loaded.rule.points for loaded in fired if not loaded.rule.is_denial)
    return Scored(score, likelihood, specific, likelihood_band(before, bands, specific))

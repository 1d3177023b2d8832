"""From fired rules to a 0-100 psoas score and a likelihood band (thresholds from the rule book)."""

from __future__ import annotations

from collections.abc import Iterable

from psoas_triage.models import Likelihood
from psoas_triage.schema import Bands

MIN_SCORE = 0
MAX_SCORE = 100


def psoas_score(points: Iterable[int]) -> int:
    """Sum the points of the fired rules and clamp the total to 0..100."""
    return max(MIN_SCORE, min(MAX_SCORE, sum(points)))


def likelihood_band(score: int, bands: Bands) -> Likelihood:
    """The band a score falls in: ``likely`` at or above ``bands.likely``, and so on down."""
    if score >= bands.likely:
        return Likelihood.likely
    if score >= bands.possible:
        return Likelihood.possible
    return Likelihood.unlikely

"""Did-you-mean suggestions for unknown vocabulary codes and rule ids."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], *, limit: int = 3) -> tuple[str, ...]:
    """Return up to ``limit`` choices closest to ``word``, best first.

    Matching is on a normalised form (lower case, spaces and hyphens as underscores) so
    ``"Groin pain"`` suggests ``groin_pain``; a substring match is offered when nothing is close.
    """
    pool = list(choices)
    key = normalise(word)
    by_key = {normalise(choice): choice for choice in pool}
    matches = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)
    if not matches and key:
        matches = [candidate for candidate in by_key if key in candidate][:limit]
    return tuple(by_key[match] for match in matches)


def normalise(word: str) -> str:
    """Lower-case ``word`` and turn spaces and hyphens into underscores."""
    return "_".join(word.strip().lower().replace("-", " ").split())

"""Words for messages: did-you-mean suggestions for unknown codes, ids and keys, and counted
nouns. One wording for every door."""

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


def did_you_mean(suggestions: Iterable[str]) -> str:
    """`` (did you mean: a, b?)`` for a message's end, or nothing when there is no suggestion:
    the one wording every door uses."""
    listed = ", ".join(suggestions)
    return f" (did you mean: {listed}?)" if listed else ""


def suggest(word: str, choices: Iterable[str], *, limit: int = 3) -> str:
    """``did_you_mean`` of the ``closest`` choices to ``word``."""
    return did_you_mean(closest(word, choices, limit=limit))


def plural(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def normalise(word: str) -> str:
    """Lower-case ``word`` and turn spaces and hyphens into underscores."""
    return "_".join(word.strip().lower().replace("-", " ").split())

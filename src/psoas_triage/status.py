"""What a rule's ``status`` does: experimental rules are opt-in for assessments.

``stable`` and ``test`` rules are used in every assessment. ``experimental`` rules (plausible
but weakly supported, or a judgement-only combination) are left out unless the caller asks for
them (``assess(..., include_experimental=True)``, ``--experimental``), so a default result rests
only on rules with evidence behind them. Lint and coverage still check experimental rules.

Leaving a rule out can never lower a default triage level: the loader refuses an experimental
rule with a triage floor or a red flag, and a rule without a floor may not give negative points
(``rulebook``), so an experimental rule can only add points or raise an alternative.
"""

from __future__ import annotations

import dataclasses

from psoas_triage.rulebook import RuleBook, per_book
from psoas_triage.schema import Status

VIEW_SUFFIX = ":without-experimental"
"""Appended to the digest of the book without its experimental rules. The engine cache keys on
the digest, so the view gets engines of its own (the report itself always runs on the whole
book's engine; the screen and the interview compile theirs from the view, within the cache's
per-directory bound); ``full_version`` (the digest's first 12 characters) still names the book
the rules came from."""


def _experimental_rule_ids(book: RuleBook) -> frozenset[str]:
    return frozenset(
        loaded.rule.id for loaded in book.rules if loaded.rule.status is Status.experimental
    )


experimental_rule_ids = per_book(_experimental_rule_ids)
"""Ids of the book's experimental rules (computed once per book)."""


def _without_experimental(book: RuleBook) -> RuleBook:
    experimental = experimental_rule_ids(book)
    if not experimental:
        return book
    rules = tuple(loaded for loaded in book.rules if loaded.rule.id not in experimental)
    index = {loaded.rule.id: loaded for loaded in rules}
    view = dataclasses.replace(book, rules=rules, digest=book.digest + VIEW_SUFFIX, _index=index)
    # A book that marks psoas-specific signs keeps needing one for "likely" even when its only
    # specific rules are experimental (a cached_property: set on the instance, as it would be).
    view.__dict__["marks_specific_signs"] = book.marks_specific_signs
    return view


without_experimental = per_book(_without_experimental)
"""The book without its experimental rules (the book itself when it has none), built once per
book and sharing its rule objects."""


def book_for(book: RuleBook, include_experimental: bool) -> RuleBook:
    """The rules an assessment uses: all of ``book`` or the book without experimental rules."""
    return book if include_experimental else without_experimental(book)

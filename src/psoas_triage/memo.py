"""Bounded memos: the per-book caches of assessments stay small on a stream of distinct reports.

A memo that is full is emptied and refilled, so what it holds at its fullest is what resident
memory keeps (the benchmark's memory series); 1,024 entries of small tuples of shared frozen
models stay under a megabyte per book.
"""

from __future__ import annotations

from typing import TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")

MAX_REMEMBERED = 1024
"""Default bound on each memo."""


def remember(memo: dict[Key, Value], key: Key, value: Value, limit: int = MAX_REMEMBERED) -> Value:
    """Store ``value`` under ``key`` and return it; a memo holding ``limit`` entries is emptied
    first, so it never holds more."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value

"""Plain clinical words to report values: findings, durations, levels, bands, professionals.

Steps read as prose ("groin pain and snapping hip", "3 weeks ago", "a physiotherapist"), so the
words are resolved here, strictly: an unknown word raises UnknownWordError with the closest
valid choices, never a silent guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from psoas_triage.models import Likelihood, Professional, TriageLevel
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import closest, did_you_mean, normalise


class UnknownWordError(AssertionError):
    """A word in a step that the rule book (or the step language) does not know."""

    def __init__(self, kind: str, word: str, suggestions: Iterable[str] = ()) -> None:
        self.kind = kind
        self.word = word
        self.suggestions = tuple(suggestions)
        hint = did_you_mean(repr(suggestion) for suggestion in self.suggestions)
        super().__init__(f"unknown {kind} {word!r}{hint}")


# "a, b and c", "a and b", "a, and b": separators between findings. A label may itself contain a
# comma or "and" ("pins and needles in the leg"), so splitting is resolved against the vocabulary.
_SEPARATOR = re.compile(r"(\s*,\s*(?:and\s+)?|\s+and\s+)")


def finding_names(book: RuleBook) -> list[str]:
    """Every word a step may use for a finding: codes, labels and synonyms."""
    names: list[str] = []
    for term in book.terms.values():
        # The label last: when a code and its label look alike, the label is suggested.
        names += [term.code, *term.synonyms, term.label]
    return names


def lookup(book: RuleBook, phrase: str) -> str | None:
    """The code a phrase names, or None; a leading "a", "an" or "the" may be left out."""
    code = book.code_for(phrase)
    if code is None:
        shorter = re.sub(r"^\s*(?:a|an|the)\s+", "", phrase, flags=re.IGNORECASE)
        if shorter != phrase:
            code = book.code_for(shorter)
    return code


def resolve_finding(book: RuleBook, word: str) -> str:
    """The vocabulary code for one finding given as a code, a label or a synonym."""
    __tracebackhide__ = True
    cleaned = word.strip().strip("\"'").strip()
    code = lookup(book, cleaned)
    if code is None:
        raise UnknownWordError("finding", cleaned, closest(cleaned, finding_names(book)))
    return code


def resolve_findings(book: RuleBook, text: str) -> list[str]:
    """Codes for a prose list of findings: "groin pain, snapping hip and running".

    Separators are commas and "and"; a label that itself holds one ("pins and needles in the
    leg") is kept whole because the longest run of words that names a finding wins. Quoted
    items ("a" and "b") are taken as written.
    """
    __tracebackhide__ = True
    quoted = re.findall(r'"([^"]+)"', text)
    if quoted:
        return _unique(resolve_finding(book, item) for item in quoted)
    parts = _SEPARATOR.split(text.strip())
    words, separators = parts[0::2], parts[1::2]
    codes = _segment(book, words, separators, 0, {})
    if codes is None:
        raise _first_unknown(book, words)
    return _unique(codes)


def _segment(
    book: RuleBook,
    words: list[str],
    separators: list[str],
    start: int,
    memo: dict[int, list[str] | None],
) -> list[str] | None:
    if start == len(words):
        return []
    if start in memo:
        return memo[start]
    found: list[str] | None = None
    for end in range(len(words), start, -1):  # longest first
        phrase = words[start]
        for index in range(start + 1, end):
            phrase += separators[index - 1] + words[index]
        code = lookup(book, phrase)
        if code is None:
            continue
        rest = _segment(book, words, separators, end, memo)
        if rest is not None:
            found = [code, *rest]
            break
    memo[start] = found
    return found


def _first_unknown(book: RuleBook, words: list[str]) -> UnknownWordError:
    for word in words:
        if lookup(book, word) is None:
            return UnknownWordError("finding", word.strip(), closest(word, finding_names(book)))
    text = " and ".join(words)
    return UnknownWordError("finding", text, closest(text, finding_names(book)))


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


_DAYS_PER = {"day": 1, "week": 7, "month": 30, "year": 365}


def duration_in_days(text: str) -> int:
    """Days in "3 weeks", "10 days", "2 months", "1 year", "today" (a month is 30 days)."""
    cleaned = text.strip().lower().removesuffix(" ago").strip()
    if cleaned in {"today", "0 days"}:
        return 0
    if cleaned == "yesterday":
        return 1
    match = re.fullmatch(r"(\d+|a|an|one)\s+(day|week|month|year)s?", cleaned)
    if match is None:
        raise UnknownWordError(
            "duration", text, ("3 days", "2 weeks", "4 months", "1 year", "today")
        )
    count = 1 if match.group(1) in {"a", "an", "one"} else int(match.group(1))
    return count * _DAYS_PER[match.group(2)]


def triage_level(text: str) -> TriageLevel:
    """A triage level from "emergency", "urgent", "consultation", "self-care" or "self care"."""
    return _enum(TriageLevel, text, "triage level")


def likelihood(text: str) -> Likelihood:
    """A likelihood band from "unlikely", "possible" or "likely"."""
    return _enum(Likelihood, text, "likelihood")


_PROFESSIONAL_WORDS = {
    "emergency department": Professional.emergency_department,
    "emergency room": Professional.emergency_department,
    "emergency care": Professional.emergency_department,
    "doctor": Professional.doctor,
    "physician": Professional.doctor,
    "gp": Professional.doctor,
    "physiotherapist": Professional.physiotherapist,
    "physical therapist": Professional.physiotherapist,
    "osteopathic physician": Professional.osteopathic_physician,
    "osteopath": Professional.osteopathic_physician,
    "chiropractor": Professional.chiropractor,
    "massage therapist": Professional.massage_therapist,
    "fitness trainer": Professional.fitness_trainer,
    "qualified fitness trainer": Professional.fitness_trainer,
}


def professional(text: str) -> Professional:
    """A professional from plain words: "a physiotherapist", "an emergency department"."""
    cleaned = re.sub(r"^(a|an|the)\s+", "", text.strip().lower())
    found = _PROFESSIONAL_WORDS.get(cleaned)
    if found is not None:
        return found
    try:
        return Professional(normalise(cleaned))
    except ValueError:
        raise UnknownWordError(
            "professional", text, closest(cleaned, list(_PROFESSIONAL_WORDS))
        ) from None


def _enum(kind: type[Enum], text: str, what: str) -> Any:
    key = normalise(text.strip().strip("\"'"))
    try:
        return kind(key)
    except ValueError:
        raise UnknownWordError(what, text, closest(key, [m.value for m in kind])) from None

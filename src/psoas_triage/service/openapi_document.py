"""The parts of the OpenAPI document that depend on the rule book: what a valid body really is.

The SymptomReport model's own schema says what the library's type accepts: any code-shaped
string, an empty report. The service is stricter, because it checks a report against the rule
book it serves: codes must be in its vocabulary (or be a label or synonym of one), a code cannot
be both present and absent, and ``/v1/assess``, ``/v1/report`` and CDS Hooks refuse a report that
says nothing. A client generated from a document that hid this would send requests the service
refuses, so the document carries these rules as schema components built from the book:

- ``SymptomWord`` and ``UnknownWord``: the strings ``present``/``absent`` and ``unknown`` take;
- ``ReportForThisBook``: a SymptomReport in this book's words (the body of ``/v1/next-question``,
  whose first step is empty). A code both present and absent is refused too, but is only said
  in words: JSON Schema can say it (``not`` and ``contains``, once per code) but generators such
  as schemathesis cannot produce data from that, and the document grew to 170 KB;
- ``AssessableReport``: the same, saying at least one thing (``/v1/assess``, ``/v1/report``);
- ``CdsPatientViewRequest``: a CdsRequest whose ``prefetch["psoas-triage"]`` is an
  AssessableReport.

The library model keeps its own component, ``SymptomReport``, unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from psoas_triage.locales import ENGLISH
from psoas_triage.models import ANSWER_FIELDS, NUMBER_FIELDS
from psoas_triage.rulebook import RuleBook
from psoas_triage.service import cds_hooks
from psoas_triage.suggestions import normalise

REF = "#/components/schemas/{name}"
MAX_WORD = 64
"""SymptomReport's longest code string: a longer label cannot be sent at all."""


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}


def words_by_code(book: RuleBook) -> dict[str, list[str]]:
    """Every string ``present`` and ``absent`` accept for each code: the code, its label and
    synonyms as written and in their normalised form (only those that resolve to that code)."""
    words: dict[str, list[str]] = {}
    for code, term in book.terms.items():
        spellings = [code, term.label, *term.synonyms]
        spellings += [normalise(word) for word in spellings]
        accepted = [
            word
            for word in dict.fromkeys(spellings)
            if 0 < len(word) <= MAX_WORD and book.code_for(word) == code
        ]
        words[code] = accepted if code in accepted else [code, *accepted]
    return words


def report_components(book: RuleBook) -> dict[str, Any]:
    """The body components for ``book`` (see the module docstring)."""
    words = words_by_code(book)
    numbers = list(NUMBER_FIELDS)
    given_or_unknown = [  # a number (or the sex) is given or unknown, not both
        {
            "if": {"required": ["unknown"], "properties": {"unknown": {"contains": {"const": n}}}},
            "then": {"properties": {n: {"type": "null"}}},
        }
        for n in ANSWER_FIELDS
    ]
    says_something = [
        *(
            {"required": [field], "properties": {field: {"minItems": 1}}}
            for field in ("present", "absent")
        ),
        *(
            {"required": [number], "properties": {number: {"type": "integer"}}}
            for number in numbers
        ),
    ]
    return {
        "SymptomWord": {
            "description": (
                "A symptom code of this rule book (GET /v1/vocabulary), or its label or a "
                "synonym; labels and synonyms are also matched ignoring case, spaces and hyphens."
            ),
            "type": "string",
            "enum": [word for spellings in words.values() for word in spellings],
        },
        "UnknownWord": {
            "description": "A symptom code of this rule book, or a number field or the sex "
            "answered don't know.",
            "type": "string",
            "enum": [*words, *ANSWER_FIELDS],
        },
        "ReportForThisBook": {
            "description": (
                "A SymptomReport in this rule book's words: every code known, no number both "
                "given and unknown. Also refused with a 422, said only here as JSON Schema "
                "cannot say it in a form generators follow: a code both present and absent (as "
                "code, label or synonym), or both unknown and answered."
            ),
            "allOf": [
                ref("SymptomReport"),
                {
                    "properties": {
                        "present": {"items": ref("SymptomWord")},
                        "absent": {"items": ref("SymptomWord")},
                        "unknown": {"items": ref("UnknownWord")},
                    }
                },
                *given_or_unknown,
            ],
        },
        "AssessableReport": {
            "description": (
                "A ReportForThisBook that says something: at least one present or absent code, "
                "or a number (an empty report is refused: nothing to assess)."
            ),
            "allOf": [ref("ReportForThisBook"), {"anyOf": says_something}],
        },
        "CdsPatientViewRequest": {
            "description": (
                f'A CdsRequest carrying the report as prefetch["{cds_hooks.REPORT_KEY}"]; '
                "without it the service has nothing to assess (422)."
            ),
            "allOf": [
                ref("CdsRequest"),
                {
                    "required": ["prefetch"],
                    "properties": {
                        "prefetch": {
                            "type": "object",
                            "required": [cds_hooks.REPORT_KEY],
                            "properties": {cds_hooks.REPORT_KEY: ref("AssessableReport")},
                        }
                    },
                },
            ],
        },
    }


def language_pattern(book: RuleBook) -> str:
    """A regular expression (ECMA 262 and Python alike) for every ``?language=`` answered.

    The same lookup as ``locales.resolve_language``: a tag the book has a locale for, or English,
    in any case, with ``_`` for ``-``, optionally followed by more subtags (``fr-CA``), without
    surrounding spaces. The service checks the query against this very pattern, so the document
    and the answers cannot drift apart.
    """
    tags = sorted(
        {ENGLISH, *(tag.lower() for tag in book.locales)}, key=lambda tag: (-len(tag), tag)
    )
    alternatives = "|".join(_any_case(tag) for tag in tags)
    return rf"^(?:{alternatives})(?:[-_][\s\S]*)?$"


def _any_case(tag: str) -> str:
    parts = []
    for char in tag:
        if char.isalpha() and char.isascii():
            parts.append(f"[{char.lower()}{char.upper()}]")
        elif char in "-_":
            parts.append("[-_]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)

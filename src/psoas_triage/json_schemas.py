"""JSON Schemas of the library's documents, bound to a rule book, for programs in other languages.

The pydantic models give the shape; a rule book adds what only it knows: the symptom codes, as an
``enum`` on ``present`` and ``absent`` (so a program can validate codes before sending a report),
the Assessment's ``language`` as an ``enum`` of English and the book's locales, and a ``$id``
that names the rule-book version the schema was made from. ``$schema`` says which
JSON Schema dialect pydantic writes (2020-12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from psoas_triage.models import ANSWER_FIELDS, Assessment, NextStep, SymptomReport
from psoas_triage.rulebook import RuleBook

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:psoas-triage:schema"

DOCUMENTS: dict[str, type[BaseModel]] = {
    "report": SymptomReport,
    "assessment": Assessment,
    "next-step": NextStep,
}
"""Every document with a schema, by the name ``psoas-triage schema NAME`` takes."""


def json_schema(name: str, book: RuleBook) -> dict[str, Any]:
    """The JSON Schema of document ``name`` (see ``DOCUMENTS``) for reports on ``book``.

    Raises KeyError for an unknown name.
    """
    model = DOCUMENTS[name]
    schema = model.model_json_schema()
    codes = sorted(book.terms)
    _for_each_report(schema, lambda report: _restrict_codes(report, codes))
    _restrict_languages(schema, ["en", *sorted(book.locales)])
    return {
        "$schema": DIALECT,
        "$id": f"{ID_PREFIX}:{name}:{book.full_version}",
        **schema,
    }


def _for_each_report(schema: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to the SymptomReport schema, at the top or among the definitions."""
    if schema.get("title") == SymptomReport.__name__:
        change(schema)
    for definition in schema.get("$defs", {}).values():
        if definition.get("title") == SymptomReport.__name__:
            change(definition)


def _restrict_languages(schema: dict[str, Any], languages: list[str]) -> None:
    """The Assessment's ``language`` is English or one of the book's locales."""
    for definition in [schema, *schema.get("$defs", {}).values()]:
        if definition.get("title") == Assessment.__name__:
            definition["properties"]["language"]["enum"] = languages


def _restrict_codes(report: dict[str, Any], codes: list[str]) -> None:
    for field in ("present", "absent", "unknown"):
        items = report["properties"][field]["items"]
        if field == "unknown":
            items["enum"] = [*codes, *ANSWER_FIELDS]
            items["description"] = "a symptom code of the vocabulary, a number field or sex"
            continue
        items["enum"] = codes
        items["description"] = "a symptom code of the rule book's vocabulary"

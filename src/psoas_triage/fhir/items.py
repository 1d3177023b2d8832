"""Which Questionnaire items a rule book has: the single description both directions share.

``to_questionnaire`` renders these items and ``from_questionnaire_response`` reads answers back by
the same linkIds, so the two cannot drift apart. linkIds are stable: a vocabulary code is its own
linkId, a number is its SymptomReport field name, and the warning-sign checklist is one group.

No ``enableWhen`` is derived yet: the vocabulary says what each question asks, not in which
context it applies, so every question is always enabled (unanswered means unknown).
"""

from __future__ import annotations

import enum
import typing
from dataclasses import dataclass
from typing import Literal

from psoas_triage.errors import RuleBookError
from psoas_triage.interview import NUMBER_QUESTIONS
from psoas_triage.models import CHOICE_FIELDS, NUMBER_FIELDS, SymptomReport
from psoas_triage.rulebook import RuleBook
from psoas_triage.schema import Category

WARNING_SIGNS = "warning_signs"
"""linkId of the group that holds the warning-sign (red-flag) questions."""


QUESTIONNAIRE_URL = "urn:psoas-triage:questionnaire"
VOCABULARY_SYSTEM = "urn:psoas-triage:vocabulary"

# The answers of FHIR's own value set "yesnodontknow" (http://hl7.org/fhir/ValueSet/yesnodontknow).
YES_NO_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0136"
DONT_KNOW_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
YES, NO, DONT_KNOW = "Y", "N", "asked-unknown"
CODE_ANSWERS = (
    (YES_NO_SYSTEM, YES, "Yes"),
    (YES_NO_SYSTEM, NO, "No"),
    (DONT_KNOW_SYSTEM, DONT_KNOW, "Don't know"),
)


@dataclass(frozen=True)
class Item:
    """One question of the Questionnaire, in the terms of the report it fills in."""

    link_id: str
    kind: Literal["code", "number", "choice"]
    text: str
    label: str = ""
    low: int | None = None
    high: int | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """The items of one rule book in display order: checklist, numbers, choices, other codes."""

    warning_signs: tuple[Item, ...]
    numbers: tuple[Item, ...]
    choices: tuple[Item, ...]
    codes: tuple[Item, ...]

    def by_link_id(self) -> dict[str, Item]:
        """Every answerable item by its linkId."""
        every = (*self.warning_signs, *self.numbers, *self.choices, *self.codes)
        return {item.link_id: item for item in every}


def layout(book: RuleBook) -> Layout:
    """The Questionnaire items of ``book``; a vocabulary code that clashes with a linkId fails."""
    reserved = {WARNING_SIGNS, *NUMBER_FIELDS, *CHOICE_FIELDS} & set(book.terms)
    if reserved:
        raise RuleBookError(
            f"vocabulary code {sorted(reserved)[0]!r} is also a linkId of the FHIR Questionnaire",
            file="vocabulary.yaml",
        )
    codes = [
        Item(term.code, "code", term.question, label=term.label) for term in book.terms.values()
    ]
    red = {term.code for term in book.terms.values() if term.category is Category.red_flag}
    return Layout(
        warning_signs=tuple(item for item in codes if item.link_id in red),
        numbers=tuple(_number(name) for name in NUMBER_FIELDS),
        choices=tuple(
            _choice(name) for name in CHOICE_FIELDS if name in SymptomReport.model_fields
        ),
        codes=tuple(item for item in codes if item.link_id not in red),
    )


def _number(name: str) -> Item:
    """A number item whose range is the one SymptomReport enforces."""
    field = SymptomReport.model_fields[name]
    # pydantic keeps ge= / le= as annotated_types.Ge / Le objects in the field's metadata.
    low = next((rule.ge for rule in field.metadata if hasattr(rule, "ge")), None)
    high = next((rule.le for rule in field.metadata if hasattr(rule, "le")), None)
    text = next(question.text for question in NUMBER_QUESTIONS if question.key == name)
    return Item(
        name,
        "number",
        text,
        label=field.description or name,
        low=None if low is None else int(low),
        high=None if high is None else int(high),
    )


def _choice(name: str) -> Item:
    """A pick-one item whose options are the values SymptomReport accepts for ``name``."""
    field = SymptomReport.model_fields[name]
    options = _values(field.annotation)
    label = field.description or name.replace("_", " ")
    text = f"What is your {label}? ({' or '.join(options)})"
    return Item(name, "choice", text, label=label, options=options)


def _values(annotation: object) -> tuple[str, ...]:
    """The string values of a Literal or Enum annotation, looking through ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(str(member.value) for member in annotation)
    if typing.get_origin(annotation) is Literal:
        return tuple(str(value) for value in typing.get_args(annotation))
    found: list[str] = []
    for part in typing.get_args(annotation):
        found += [value for value in _values(part) if value not in found]
    return tuple(found)

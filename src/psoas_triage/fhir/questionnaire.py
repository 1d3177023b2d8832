"""The vocabulary as a FHIR R4B Questionnaire, so a clinic system can render and fill it in.

Every code is a choice item answered yes / no / don't know (the codes of FHIR's value set
``yesnodontknow``) whose linkId is the code; the warning signs are one group shown first; the
numbers are integer items carrying their range in the standard ``minValue`` / ``maxValue``
extensions. See ``items`` for why no ``enableWhen`` is derived yet.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from psoas_triage.assessment import default_rulebook
from psoas_triage.fhir.items import (
    CODE_ANSWERS,
    QUESTIONNAIRE_URL,
    VOCABULARY_SYSTEM,
    WARNING_SIGNS,
    Item,
    Layout,
    layout,
)
from psoas_triage.fhir.r4b import (
    Coding,
    Extension,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
)
from psoas_triage.locales import Locale, resolve_language
from psoas_triage.rulebook import RuleBook

MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
CHOICE_SYSTEM = "urn:psoas-triage:report-field"


def questionnaire_url(book: RuleBook) -> str:
    """The canonical URL of ``book``'s Questionnaire (a URN: the project owns no web domain)."""
    return f"{QUESTIONNAIRE_URL}:{quote(book.name, safe='')}"


def to_questionnaire(
    rulebook: RuleBook | None = None, *, language: str | None = None
) -> Questionnaire:
    """A validated FHIR R4B Questionnaire asking every question of ``rulebook`` (default: shipped).

    The ``version`` is the rule book's full version (with its digest), so a response can be
    traced to the exact questions it answered. ``language`` takes the questions, labels and
    disclaimer from that locale (English where it has none) and sets ``Questionnaire.language``;
    linkIds and codes are the same in every language. Raises LanguageError for a language the
    book has no locale for.
    """
    book = rulebook if rulebook is not None else default_rulebook()
    locale = resolve_language(book, language)
    items = _localised(layout(book), locale)
    checklist = QuestionnaireItem(
        linkId=WARNING_SIGNS,
        type="group",
        text="Warning signs: please answer each of these first.",
        item=[_code_item(item) for item in items.warning_signs],
    )
    return Questionnaire(
        url=questionnaire_url(book),
        language=locale.language if locale is not None else "en",
        version=book.full_version,
        name="PsoasTriageSymptoms",
        title=f"Symptom questions of {book.name}",
        status="active",
        subjectType=["Patient"],
        description=(
            "Questions for psoas-triage, which supports triage of reported symptoms for psoas "
            f"(iliopsoas) involvement. "
            f"{locale.texts.disclaimer if locale is not None else book.policy.disclaimer}"
        ),
        item=[
            checklist,
            *(_number_item(item) for item in items.numbers),
            *(_choice_item(item) for item in items.choices),
            *(_code_item(item) for item in items.codes),
        ],
    )


def _localised(items: Layout, locale: Locale | None) -> Layout:
    """``items`` with ``locale``'s questions and labels, entry by entry."""
    if locale is None:
        return items
    texts = locale.texts

    def code(item: Item) -> Item:
        found = texts.vocabulary.get(item.link_id)
        return replace(
            item,
            text=(found and found.question) or item.text,
            label=(found and found.label) or item.label,
        )

    def number(item: Item) -> Item:
        return replace(item, text=getattr(texts.interview, item.link_id, None) or item.text)

    return replace(
        items,
        warning_signs=tuple(code(item) for item in items.warning_signs),
        numbers=tuple(number(item) for item in items.numbers),
        codes=tuple(code(item) for item in items.codes),
    )


def _code_item(item: Item) -> QuestionnaireItem:
    return QuestionnaireItem(
        linkId=item.link_id,
        code=[Coding(system=VOCABULARY_SYSTEM, code=item.link_id, display=item.label)],
        text=item.text,
        type="choice",
        answerOption=[
            QuestionnaireItemAnswerOption(
                valueCoding=Coding(system=system, code=code, display=display)
            )
            for system, code, display in CODE_ANSWERS
        ],
    )


def _number_item(item: Item) -> QuestionnaireItem:
    limits = [
        Extension(url=url, valueInteger=value)
        for url, value in ((MIN_VALUE, item.low), (MAX_VALUE, item.high))
        if value is not None
    ]
    return QuestionnaireItem(
        linkId=item.link_id,
        text=item.text,
        type="integer",
        extension=limits or None,
    )


def _choice_item(item: Item) -> QuestionnaireItem:
    return QuestionnaireItem(
        linkId=item.link_id,
        text=item.text,
        type="choice",
        answerOption=[
            QuestionnaireItemAnswerOption(
                valueCoding=Coding(system=f"{CHOICE_SYSTEM}:{item.link_id}", code=option)
            )
            for option in item.options
        ],
    )

"""Apply a locale to a finished Assessment or NextStep: only texts change, never a decision.

A separate step over the finished result, so the pipeline stays one language: codes, ids,
levels, scores, fired rules and the report are copied unchanged, and a test checks exactly that.
Each text comes from the locale when it has the entry, else stays English and its locale key is
listed in ``Assessment.untranslated``.

A question's ``why`` is phrased in the locale by ``next_question`` itself (``phrasing``).
Other generated sentences (``triage_reasons``, the evidence's ``band_note`` and floor reasons)
and referral reasons (which have no id in ``advice.yaml``) stay English in this version; they
are not locale keys, so they are not listed in ``untranslated``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psoas_triage.locales import Locale
from psoas_triage.memo import remember
from psoas_triage.models import (
    AdviceItem,
    Alternative,
    Assessment,
    Evidence,
    EvidenceItem,
    HeldBack,
    NextStep,
    Question,
    WarningSign,
)
from psoas_triage.rulebook import RuleBook, per_book

MAX_REMEMBERED = 4096
"""Bound on each locale's memo of translated parts (small frozen models, shared)."""

Memo = dict[Any, tuple[Any, tuple[str, ...], Any]]


def _new_memos(book: RuleBook) -> dict[str, Memo]:
    return {}


_memos = per_book(_new_memos)


class _Texts:
    """Look texts up in one locale, remembering the keys that fall back to English.

    Findings, red flags, warning signs, advice and alternatives are frozen models that many
    assessments share: each is translated once per book and locale and remembered with the keys
    it left in English, so localising an assessment is mostly dictionary lookups.
    """

    def __init__(self, book: RuleBook, locale: Locale) -> None:
        self.book = book
        self.texts = locale.texts
        self.untranslated: dict[str, None] = {}
        self.memo = _memos(book).setdefault(locale.language, {})
        self.groups = _memos(book).setdefault(f"{locale.language} groups", {})

    def pick(self, key: str, translated: str | None, english: str) -> str:
        if translated is None:
            self.untranslated[key] = None
            return english
        return translated

    def entry(self, section: str, key: str, field: str, english: str) -> str:
        found = getattr(self.texts, section).get(key)
        return self.pick(f"{section}.{key}.{field}", getattr(found, field, None), english)

    def translated(self, model: Any, section: str, key: str, fields: tuple[str, ...]) -> Any:
        """``model`` with ``fields`` from the locale's ``section`` entry ``key``, remembered.

        Remembered by identity: the parts are models the book's memos share, and hashing a
        model hashes every field (most of the cost). An equal copy only misses."""

        def build() -> Any:
            update = {
                field: self.entry(section, key, field, getattr(model, field)) for field in fields
            }
            return model.model_copy(update=update)

        return self._remembered(self.memo, (id(model), fields), model, build)

    def each(self, models: tuple[Any, ...], one: Callable[[Any], Any]) -> tuple[Any, ...]:
        """``one`` applied to each of ``models``, the whole group remembered by the ids of its
        members, for groups that recur (the open warning signs, up to a few dozen; the advice
        lists): one lookup instead of one per item. Groups live in their own memo, so clearing
        it never clears the items'."""
        if not models:
            return ()
        key = (one.__name__, *map(id, models))
        return self._remembered(
            self.groups, key, models, lambda: tuple(one(model) for model in models)
        )

    def _remembered(self, memo: Memo, key: Any, keep: Any, build: Callable[[], Any]) -> Any:
        """``build()``, remembered in ``memo`` under ``key`` with the locale keys it left in
        English (listed again on every hit). The entry holds ``keep``, whose ids are in ``key``:
        while the entry exists, no other object can have those ids."""
        hit = memo.get(key)
        if hit is None:
            outer, self.untranslated = self.untranslated, {}
            try:
                hit = (build(), tuple(self.untranslated), keep)
            finally:
                self.untranslated = outer
            remember(memo, key, hit, MAX_REMEMBERED)
        for name in hit[1]:
            self.untranslated[name] = None
        return hit[0]

    def rule(self, model: Any, *fields: str) -> Any:
        """A Finding, RedFlag or EvidenceItem with its rule's title (and description)."""
        return self.translated(model, "rules", model.rule_id, fields)

    def term(self, model: WarningSign) -> Any:
        return self.translated(model, "vocabulary", model.code, ("label", "question"))

    def advice_item(self, item: AdviceItem) -> AdviceItem:
        return self.translated(item, "advice", item.id, ("title", "text"))

    def alternative(self, item: Alternative) -> Alternative:
        return self.translated(item, "alternatives", item.id, ("title", "description"))

    def held_back(self, item: HeldBack) -> HeldBack:
        reason = self.pick(f"holdbacks.{item.id}", self.texts.holdbacks.get(item.id), item.reason)
        return item if reason == item.reason else item.model_copy(update={"reason": reason})

    def evidence(self, evidence: Evidence) -> Evidence:
        def items(group: tuple[EvidenceItem, ...]) -> tuple[EvidenceItem, ...]:
            return tuple(self.rule(item, "title") for item in group)

        return evidence.model_copy(
            update={
                "supporting": items(evidence.supporting),
                "conflicting": items(evidence.conflicting),
                "denials": items(evidence.denials),
            }
        )

    def question(self, question: Question) -> Question:
        interview = self.texts.interview
        if question.kind == "code" and question.code is not None:
            text = self.entry("vocabulary", question.code, "question", question.text)
        elif question.kind in ("number", "choice") and question.field is not None:
            text = self.pick(
                f"interview.{question.field}", getattr(interview, question.field), question.text
            )
        else:
            text = self.pick("interview.checklist", interview.checklist, question.text)
        return question.model_copy(update={"text": text})


def localise_assessment(
    assessment: Assessment, book: RuleBook, locale: Locale | None
) -> Assessment:
    """``assessment`` with ``locale``'s texts (unchanged when None: English)."""
    if locale is None:
        return assessment
    texts = _Texts(book, locale)
    return _localised(assessment, texts)


def _clinician_texts(assessment: Assessment, texts: _Texts, update: dict[str, Any]) -> None:
    """The clinician's action and disclaimer in the locale. A book without clinician texts
    shows clinicians its patient texts (``Policy.action_for_clinician``): they follow the
    patient texts' translation, so a locale needs nothing it could not translate."""
    level = assessment.triage_level
    policy = texts.book.policy
    if policy.clinician_actions is None:
        update["clinician_action"] = update["triage_action"]
    else:
        update["clinician_action"] = texts.pick(
            f"clinician_actions.{level.value}",
            texts.texts.clinician_actions.get(level),
            assessment.clinician_action,
        )
    if policy.clinician_disclaimer is None:
        update["clinician_disclaimer"] = update["disclaimer"]
    else:
        update["clinician_disclaimer"] = texts.pick(
            "clinician_disclaimer",
            texts.texts.clinician_disclaimer,
            assessment.clinician_disclaimer,
        )


def _localised(assessment: Assessment, texts: _Texts) -> Assessment:
    level = assessment.triage_level
    advice = assessment.advice
    update: dict[str, Any] = {
        "triage_action": texts.pick(
            f"triage_actions.{level.value}",
            texts.texts.triage_actions.get(level),
            assessment.triage_action,
        ),
        "disclaimer": texts.texts.disclaimer,
        "red_flags": tuple(
            texts.rule(flag, "title", "description") for flag in assessment.red_flags
        ),
        "unchecked_red_flags": texts.each(assessment.unchecked_red_flags, texts.term),
        "findings": tuple(texts.rule(finding, "title") for finding in assessment.findings),
        "advice": advice.model_copy(
            update={
                "self_care": texts.each(advice.self_care, texts.advice_item),
                "avoid": texts.each(advice.avoid, texts.advice_item),
                "seek_help": texts.each(advice.seek_help, texts.advice_item),
                "held_back": tuple(texts.held_back(item) for item in advice.held_back),
            }
        ),
        "more": assessment.more.model_copy(
            update={
                "self_care": texts.each(assessment.more.self_care, texts.advice_item),
                "avoid": texts.each(assessment.more.avoid, texts.advice_item),
            }
        ),
        "alternatives": tuple(texts.alternative(item) for item in assessment.alternatives),
        "evidence": texts.evidence(assessment.evidence),
    }
    _clinician_texts(assessment, texts, update)
    # Last: every lookup above has recorded what it left in English.
    update["language"] = texts.texts.language
    update["untranslated"] = tuple(texts.untranslated)
    return assessment.model_copy(update=update)


def localise_step(step: NextStep, book: RuleBook, locale: Locale | None) -> NextStep:
    """``step`` with ``locale``'s texts: the question's text and the assessment."""
    if locale is None:
        return step
    update: dict[str, Any] = {}
    if step.assessment is not None:
        update["assessment"] = localise_assessment(step.assessment, book, locale)
    if step.question is not None:
        update["question"] = _Texts(book, locale).question(step.question)
    return step.model_copy(update=update)


def localise_question(question: Question, book: RuleBook, locale: Locale | None) -> Question:
    """``question`` with ``locale``'s text (its ``why`` is phrased by ``next_question``)."""
    return question if locale is None else _Texts(book, locale).question(question)


def localise_signs(
    signs: tuple[WarningSign, ...], book: RuleBook, locale: Locale | None
) -> tuple[WarningSign, ...]:
    """The warning-sign checklist with ``locale``'s labels and questions."""
    if locale is None:
        return signs
    texts = _Texts(book, locale)
    return tuple(texts.term(sign) for sign in signs)

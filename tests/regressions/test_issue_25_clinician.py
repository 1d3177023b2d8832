"""Issue 25, item 4 ("Two audiences"): the person reads plain words, the clinician clinical ones.

The rule book's policy holds ``clinician_actions`` (one text per level) and a
``clinician_disclaimer`` beside the patient's ``triage_actions`` and ``disclaimer``. A book whose
clinician map lacks a level does not load; a book with no clinician texts at all still loads
(older books), shows clinicians its patient texts, and ``rules lint`` warns. The Assessment
carries both (``triage_action`` and ``clinician_action``), each in the requested language.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from psoas_triage import RuleBook, TriageLevel, assess, load_rulebook
from psoas_triage.errors import RuleBookError
from psoas_triage.fhir.risk import to_risk_assessment
from psoas_triage.json_schemas import json_schema
from psoas_triage.lint import lint_directory
from psoas_triage.locales import missing_keys
from psoas_triage.rulebook import DEFAULT_RULES_DIR
from psoas_triage.service.cds_hooks import card_for, md

EMERGENCY = {"present": ["low_back_pain", "saddle_numbness"], "age": 45}
PREGNANT = {
    "present": ["groin_pain", "pain_sit_to_stand", "pregnant_14_weeks_or_more"],
    "age": 30,
    "sex": "female",
    "duration_days": 20,
    "pain_intensity": 4,
}
SECOND_PERSON = re.compile(r"\byou(?:r|rs|rself|rselves)?\b", re.IGNORECASE)


def _speaks_to_the_reader(text: str, book: RuleBook) -> list[str]:
    """The second-person words in ``text``, leaving out cited source titles: a title such as
    "Get To Know Your Muscles" names a document, it does not address the reader."""
    for source in book.sources.values():
        text = text.replace(md(source.title), "").replace(source.title, "")
    return SECOND_PERSON.findall(text)


def test_every_level_has_its_own_clinical_text(shipped_book: RuleBook) -> None:
    policy = shipped_book.policy
    assert policy.clinician_actions is not None and policy.clinician_disclaimer is not None
    texts = [policy.clinician_actions[level] for level in TriageLevel]
    assert len(set(texts)) == len(TriageLevel)
    for level, text in zip(TriageLevel, texts, strict=True):
        assert text != policy.triage_actions[level]
        assert SECOND_PERSON.findall(text) == [], (level, text)
        assert "drive yourself" not in text.lower()
    assert SECOND_PERSON.findall(policy.clinician_disclaimer) == []


def test_no_clinical_text_denies_a_red_flag_its_level_can_carry(shipped_book: RuleBook) -> None:
    """A red flag can set consultation or urgent (fever, history of cancer): only the levels
    no red flag reaches may say none was reported."""
    floors = [
        loaded.rule.triage_floor
        for loaded in shipped_book.rules
        if loaded.rule.red_flag and loaded.rule.triage_floor is not None
    ]
    lowest = min(floors, key=lambda level: level.rank)
    assert lowest is TriageLevel.consultation
    for level in TriageLevel:
        if level.rank >= lowest.rank:
            assert "no red-flag" not in shipped_book.policy.action_for_clinician(level).lower()


def test_a_clinician_map_without_a_level_does_not_load(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    header = rules / "rulebook.yaml"
    text = header.read_text(encoding="utf-8")
    start = text.index("    self_care: >-", text.index("  clinician_actions:"))
    end = text.index("  disclaimer: >-", start)
    header.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(rules)
    error = caught.value
    assert error.file is not None and Path(error.file).name == "rulebook.yaml"
    assert "clinician_actions lacks a text for: self_care" in error.detail
    assert "rulebook.yaml" in str(error) and "self_care" in str(error)


def _without_clinician_texts(rules: Path) -> None:
    """Take the mini book's clinician texts out, as in a book written before them."""
    header = rules / "rulebook.yaml"
    lines = header.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  clinician_actions:\n")
    kept = [line for line in lines[:start] + lines[start + 5 :] if "clinician_" not in line]
    header.write_text("".join(kept), encoding="utf-8")


def test_a_book_without_clinician_texts_loads_and_lint_warns(mini_copy: Path) -> None:
    _without_clinician_texts(mini_copy)
    book = load_rulebook(mini_copy)
    assert book.policy.clinician_actions is None and book.policy.clinician_disclaimer is None
    for level in TriageLevel:
        assert book.policy.action_for_clinician(level) == book.policy.triage_actions[level]
    assert book.policy.disclaimer_for_clinician() == book.policy.disclaimer
    warnings = [p.message for p in lint_directory(mini_copy) if p.severity == "warning"]
    assert any("no clinician_actions" in message for message in warnings), warnings
    assert any("no clinician_disclaimer" in message for message in warnings), warnings
    assert not [p for p in lint_directory(mini_copy) if p.severity == "error"]


def test_the_shipped_book_and_its_french_locale_have_every_clinician_text(
    shipped_book: RuleBook,
) -> None:
    assert not [p for p in lint_directory() if "clinician" in p.message]
    missing = missing_keys(shipped_book, shipped_book.locales["fr"])
    assert missing.keys().isdisjoint({"clinician_actions", "clinician_disclaimer"})


def test_the_assessment_carries_both_texts(shipped_book: RuleBook) -> None:
    assessment = assess(EMERGENCY, shipped_book)
    assert assessment.triage_level is TriageLevel.emergency
    policy = shipped_book.policy
    assert policy.clinician_actions is not None
    assert assessment.clinician_action == policy.clinician_actions[TriageLevel.emergency]
    assert assessment.clinician_disclaimer == policy.clinician_disclaimer
    # The person's words are unchanged.
    assert assessment.triage_action == policy.triage_actions[TriageLevel.emergency]
    assert assessment.triage_action.startswith("Go to an emergency department now")
    assert "Do not drive yourself" in assessment.triage_action
    assert assessment.disclaimer == policy.disclaimer != assessment.clinician_disclaimer


def test_a_book_without_clinician_texts_gives_clinicians_the_patient_texts(
    mini_copy: Path,
) -> None:
    _without_clinician_texts(mini_copy)
    book = load_rulebook(mini_copy)
    result = assess({"present": ["fever"]}, book)
    assert result.clinician_action == result.triage_action
    assert result.clinician_action == book.policy.triage_actions[result.triage_level]
    assert result.clinician_disclaimer == result.disclaimer


def test_a_locale_of_a_book_without_clinician_texts_translates_them_with_the_patients(
    mini_copy: Path,
) -> None:
    _without_clinician_texts(mini_copy)
    (mini_copy / "locales").mkdir()
    (mini_copy / "locales" / "fr.yaml").write_text(
        "language: fr\nname: Français\ndisclaimer: Pas un diagnostic.\n"
        "triage_actions: {emergency: Urgences., urgent: Médecin aujourd'hui.}\n",
        encoding="utf-8",
    )
    book = load_rulebook(mini_copy)
    result = assess({"present": ["fever"]}, book, language="fr")
    assert result.triage_action == "Médecin aujourd'hui."
    assert result.clinician_action == result.triage_action
    assert result.clinician_disclaimer == "Pas un diagnostic."
    missing = missing_keys(book, book.locales["fr"])
    assert missing.keys().isdisjoint({"clinician_actions", "clinician_disclaimer"})


def test_the_french_assessment_has_the_french_clinician_texts(shipped_book: RuleBook) -> None:
    french = assess(EMERGENCY, shipped_book, language="fr")
    english = assess(EMERGENCY, shipped_book)
    assert french.clinician_action.startswith("Évaluation en urgence indiquée maintenant")
    assert french.clinician_action not in (french.triage_action, english.clinician_action)
    assert french.clinician_disclaimer.startswith("Aide à la décision")
    assert not {"clinician_actions.emergency", "clinician_disclaimer"} & set(french.untranslated)


def test_the_clinician_texts_are_always_filled_and_sent_with_details(
    shipped_book: RuleBook,
) -> None:
    schema = json_schema("assessment", shipped_book)
    assert "clinician" in schema["properties"]["clinician_action"]["description"]
    result = assess(EMERGENCY, shipped_book)
    assert result.clinician_action and result.clinician_disclaimer
    whole = json.loads(result.to_json(details=True))
    assert whole["clinician_action"] == result.clinician_action
    assert "clinician_action" not in json.loads(result.to_json())  # the person's short answer


def test_the_emergency_card_speaks_to_the_clinician(shipped_book: RuleBook) -> None:
    assessment = assess(EMERGENCY, shipped_book)
    card = card_for(assessment, shipped_book)
    assert card.detail is not None
    assert card.summary == (
        "psoas-triage: emergency. Emergency assessment indicated now: refer to the emergency "
        "department or the local same-day emergency pathway."
    )
    assert card.detail.startswith(f"**Triage: emergency.** {md(assessment.clinician_action)}\n")
    assert md(assessment.clinician_disclaimer) in card.detail
    for text in (card.summary, card.detail):
        assert "drive yourself" not in text.lower()
        assert " you " not in text and "your" not in text
        assert _speaks_to_the_reader(text, shipped_book) == []
    # The person's own text is untouched by the card.
    assert assessment.triage_action.startswith("Go to an emergency department now")


def test_the_card_lists_the_self_care_held_back_in_pregnancy(shipped_book: RuleBook) -> None:
    assessment = assess(PREGNANT, shipped_book)
    held_back = assessment.advice.held_back
    [pregnancy] = [held for held in held_back if held.reason.startswith("In pregnancy")]
    assert "lunges" in pregnancy.reason
    card = card_for(assessment, shipped_book)
    assert card.detail is not None
    lines = card.detail.splitlines()
    heading = lines.index("Self-care held back (reasons as given to the patient):")
    listed = f"- {md(pregnancy.reason)} (guideline: {md(', '.join(pregnancy.sources))})"
    assert listed in lines[heading + 1 : heading + 1 + len(held_back)]
    assert "| Fired rule | Points | Evidence | Sources |" in card.detail
    assert "| source\\-claim |" in card.detail
    assert "Referrals suggested: doctor, midwife, physiotherapist" in card.detail


def test_the_card_of_a_book_without_clinician_texts_shows_its_patient_texts(
    mini_copy: Path,
) -> None:
    _without_clinician_texts(mini_copy)
    book = load_rulebook(mini_copy)
    result = assess({"present": ["fever"]}, book)
    card = card_for(result, book)
    assert card.detail is not None and md(result.triage_action) in card.detail
    assert md(result.disclaimer) in card.detail


def test_the_emergency_risk_assessment_speaks_to_the_clinician(shipped_book: RuleBook) -> None:
    assessment = assess(EMERGENCY, shipped_book)
    risk = to_risk_assessment(assessment, rulebook=shipped_book)
    notes = [note.text for note in risk.note]
    assert notes[0] == assessment.clinician_disclaimer
    assert notes[1] == f"Action (emergency): {assessment.clinician_action}"
    assert risk.mitigation == f"Triage: emergency. {assessment.clinician_action}"
    for text in (risk.mitigation, *notes):
        assert "drive yourself" not in text.lower()
        assert _speaks_to_the_reader(text, shipped_book) == [], text


def test_the_risk_assessment_lists_the_self_care_held_back_in_pregnancy(
    shipped_book: RuleBook,
) -> None:
    assessment = assess(PREGNANT, shipped_book)
    [pregnancy] = [h for h in assessment.advice.held_back if h.reason.startswith("In pregnancy")]
    notes = [note.text for note in to_risk_assessment(assessment, rulebook=shipped_book).note]
    assert f"Self-care held back (pregnancy, evidence guideline): {pregnancy.reason}" in notes
    assert any("; evidence source-claim). Sources: " in note for note in notes)
    assert notes[0] == assessment.clinician_disclaimer
    assert notes[1] == f"Action (consultation): {assessment.clinician_action}"

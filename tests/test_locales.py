"""Locales (issue 15): translation files beside the rule book change texts, never decisions.

Loader errors name FILE:LINE with did-you-mean; each missing entry falls back to English and is
listed in ``untranslated``; an unknown language is an error naming the available ones; the
disclaimer and the emergency and urgent actions are required; lint notes what is untranslated.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from psoas_triage import (
    Assessment,
    LanguageError,
    Likelihood,
    RuleBook,
    RuleBookError,
    SymptomReport,
    TriageLevel,
    assess,
    default_rulebook,
    load_rulebook,
    next_question,
    warning_sign_checklist,
)
from psoas_triage.lint import lint_directory
from psoas_triage.locales import missing_keys, negotiate, resolve_language, safety_keys
from psoas_triage.localise import localise_question
from psoas_triage.next_step import question_for
from psoas_triage.phrasing import ENGLISH_WHY, NUMBER_SUBJECTS
from psoas_triage.rulebook import DEFAULT_RULES_DIR


def reasons(result: Assessment) -> list[str]:
    """The reasons the result gives for advice held back."""
    return [item.reason for item in result.advice.held_back]


MINI_LOCALE = {
    "language": "fr",
    "name": "Français",
    "disclaimer": "Livre de test. Pas un diagnostic.",
    "triage_actions": {
        "emergency": "Allez aux urgences maintenant.",
        "urgent": "Voyez un médecin aujourd'hui.",
    },
    "vocabulary": {"groin_pain": {"label": "douleur à l'aine"}},
}

SCALE = float(os.environ.get("PSOAS_TEST_SCALE", "1"))
"""Shrinks (or grows) the property runs, as in test_fuzz_input."""
PROFILE = settings(
    max_examples=max(15, int(60 * SCALE)),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
STEP_PROFILE = settings(PROFILE, max_examples=max(10, int(25 * SCALE)))
"""next_question costs more per call than assess (it plans what could still change)."""


def write_locale(directory: Path, data: Any, name: str = "fr.yaml") -> Path:
    folder = directory / "locales"
    folder.mkdir(exist_ok=True)
    file = folder / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    file.write_text(text, encoding="utf-8")
    return file


def load_error(directory: Path) -> RuleBookError:
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(directory)
    return caught.value


# --- the shipped French example -----------------------------------------------------------------


def test_the_shipped_book_has_a_french_locale_with_every_safety_text(shipped_book) -> None:
    assert "fr" in shipped_book.locales
    texts = shipped_book.locales["fr"].texts
    assert texts.name == "Français"
    # A shipped locale translates the disclaimer and all four actions, not only the two required.
    assert set(texts.triage_actions) == set(TriageLevel)
    assert "diagnostic" in texts.disclaimer


def test_an_emergency_in_french_says_what_to_do_in_french(shipped_book) -> None:
    report = {"present": ["groin_pain", "saddle_numbness"], "absent": ["fever"]}
    english = assess(report)
    french = assess(report, language="fr")
    assert french.language == "fr" and english.language == "en"
    assert french.triage_level is english.triage_level is TriageLevel.emergency
    assert french.triage_action.startswith("Rendez-vous maintenant aux urgences")
    assert french.disclaimer.startswith("Cet outil aide seulement")
    flag = next(flag for flag in french.red_flags if flag.rule_id == "saddle_numbness")
    assert flag.title.startswith("Engourdissement en selle")
    assert english.untranslated == ()
    # What the locale leaves out is English, and named: here the groin rule's title.
    assert "rules.groin_pain.title" in french.untranslated
    assert "rules.saddle_numbness.title" not in french.untranslated
    groin = next(finding for finding in french.findings if finding.rule_id == "groin_pain")
    assert groin.title == next(f.title for f in english.findings if f.rule_id == "groin_pain")


def test_held_back_advice_and_checklist_are_translated(shipped_book) -> None:
    french = assess({"present": ["groin_pain", "fever"]}, language="fr")
    assert any("signe d'alerte" in reason for reason in reasons(french))
    signs = {sign.code: sign for sign in warning_sign_checklist(language="fr")}
    assert signs["saddle_numbness"].label == "engourdissement entre les jambes"
    english = {sign.code: sign for sign in warning_sign_checklist()}
    assert list(signs) == list(english)
    assert signs["vomiting"] == english["vomiting"]  # not in the example: English


def test_next_question_in_french_asks_the_same_question_in_french() -> None:
    person = {"sex": "female", "age": 30}
    english, french = next_question(person), next_question(person, language="fr")
    assert english.question and french.question
    assert french.question.kind == english.question.kind == "group"
    assert french.question.codes == english.question.codes
    assert french.question.text.startswith("Avez-vous l'un de ces signes")
    assert french.question.why.startswith("posée en premier : un signe d'alerte")
    assert french.question.changes == english.question.changes
    assert french.assessment and french.assessment.language == "fr"
    sex = next_question({}, language="fr").question
    assert (
        sex is not None and sex.kind == "choice" and sex.text == "Êtes-vous une femme ou un homme ?"
    )
    english, french = next_question({"sex": "male"}), next_question({"sex": "male"}, language="fr")
    assert english.question and french.question
    assert english.question.kind == "number" and french.question.field == english.question.field
    assert french.question.text.endswith("?") and french.question.text != english.question.text
    # Which number comes first follows the rule book; the reason is the same, in each language.
    assert french.question.why.startswith("posée car la réponse sur « ")
    assert " » pourrait faire passer le niveau à « " in french.question.why
    assert "(actuellement « auto-soin » ; règle : " in french.question.why
    assert english.question.why.startswith("asked because ")
    assert french.question.changes == english.question.changes


# --- choosing the language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "used"),
    [(None, None), ("en", None), ("en-GB", None), ("fr", "fr"), ("FR", "fr"), ("fr-CA", "fr")],
)
def test_language_tags_match_like_bcp47_lookup(
    shipped_book: RuleBook, asked: str | None, used: str | None
) -> None:
    locale = resolve_language(shipped_book, asked)
    assert (locale.language if locale else None) == used


@pytest.mark.parametrize("asked", ["fre", "de", "français", "", "x" * 500])
def test_an_unknown_language_is_an_error_listing_the_available_ones(asked: str) -> None:
    with pytest.raises(LanguageError) as caught:
        assess({"present": ["groin_pain"]}, language=asked)
    assert caught.value.available == ("en", "fr")
    assert "available: en, fr" in str(caught.value)
    assert len(str(caught.value)) < 200
    if asked == "fre":
        assert "did you mean: fr?" in str(caught.value)


def test_a_language_that_is_not_text_is_a_language_error_too() -> None:
    with pytest.raises(LanguageError, match="available: en, fr"):
        assess({"present": ["groin_pain"]}, language=5)  # type: ignore[arg-type]


def test_next_question_refuses_an_unknown_language_too() -> None:
    with pytest.raises(LanguageError, match="available: en, fr"):
        next_question({}, language="de")


@pytest.mark.parametrize(
    ("header", "used"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("de, fr;q=0.5", "fr"),
        ("en, fr;q=0.5", None),
        ("de, it", None),
        ("fr;q=0", None),
        ("fr;q=abc, *", None),
        ("", None),
    ],
)
def test_accept_language_picks_the_best_locale_and_never_fails(
    shipped_book: RuleBook, header: str, used: str | None
) -> None:
    locale = negotiate(shipped_book, header)
    assert (locale.language if locale else None) == used


# --- fallback, entry by entry ---------------------------------------------------------------------


def test_each_missing_entry_falls_back_to_english_and_is_listed(mini_copy: Path) -> None:
    write_locale(mini_copy, MINI_LOCALE)
    book = load_rulebook(mini_copy)
    french = assess({"present": ["groin_pain"], "pain_intensity": 8}, book, language="fr")
    english = assess({"present": ["groin_pain"], "pain_intensity": 8}, book)
    assert french.disclaimer == "Livre de test. Pas un diagnostic."
    # consultation has no translation: English, and named in untranslated.
    assert french.triage_level is TriageLevel.consultation
    assert french.triage_action == english.triage_action
    assert "triage_actions.consultation" in french.untranslated
    fever = assess({"present": ["fever"]}, book, language="fr")
    assert fever.triage_action == "Voyez un médecin aujourd'hui."
    assert "triage_actions.urgent" not in fever.untranslated
    # A vocabulary entry with a label but no question: the question stays English.
    answered = {"absent": ["fever"], "age": 30, "duration_days": 1, "pain_intensity": 2}
    step = next_question(answered, book, language="fr", depth="full")
    assert step.question and "groin_pain" in step.question.codes
    asked = localise_question(question_for(book, "groin_pain"), book, book.locales["fr"])
    assert asked.text == "Do you have groin pain?"


def test_the_locale_counts_in_the_rule_book_version(mini_copy: Path) -> None:
    before = load_rulebook(mini_copy).full_version
    write_locale(mini_copy, MINI_LOCALE)
    with_locale = load_rulebook(mini_copy).full_version
    write_locale(mini_copy, {**MINI_LOCALE, "disclaimer": "Autre texte. Pas un diagnostic."})
    assert len({before, with_locale, load_rulebook(mini_copy).full_version}) == 3


# --- loader errors --------------------------------------------------------------------------------


def test_an_unknown_code_names_file_line_and_the_closest_code(mini_copy: Path) -> None:
    file = write_locale(
        mini_copy,
        "language: fr\nname: Français\ndisclaimer: Pas un diagnostic.\n"
        "triage_actions: {emergency: Urgences., urgent: Médecin aujourd'hui.}\n"
        "vocabulary:\n  groin_pain: {label: aine}\n  grion_pain: {label: aine}\n"
        "advice:\n  gentle_strech: {title: Étirement}\n",
    )
    error = load_error(mini_copy)
    found = [(problem.file, problem.line, problem.detail) for problem in error.problems]
    assert found == [
        (
            str(file),
            7,
            "vocabulary: 'grion_pain' is not in the rule book (did you mean: groin_pain?)",
        ),
        (
            str(file),
            9,
            "advice: 'gentle_strech' is not in the rule book (did you mean: gentle_stretch?)",
        ),
    ]


def test_a_misspelt_section_is_an_unknown_key_with_did_you_mean(mini_copy: Path) -> None:
    write_locale(mini_copy, {**MINI_LOCALE, "vocabulery": {}})
    error = load_error(mini_copy)
    assert "unknown key 'vocabulery' (did you mean: vocabulary?)" in error.detail
    assert error.line is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"disclaimer": None}, "missing key 'disclaimer'"),
        ({"triage_actions": {"emergency": "Urgences."}}, "must translate urgent"),
        ({"triage_actions": {"self_care": "Repos."}}, "must translate emergency and urgent"),
        ({"language": "french"}, "should match pattern"),
        ({"triage_actions": {**MINI_LOCALE["triage_actions"], "soon": "x"}}, "soon"),
        ({"vocabulary": {"groin_pain": {"lable": "aine"}}}, "did you mean: label?"),
        ({"disclaimer": "Pas \u202eun diagnostic"}, "bidirectional"),
        ({"interview": {"why_level": "car $sujet"}}, "unknown placeholder '$sujet'"),
        ({"interview": {"why_band": "coût 5 $"}}, "write $$ for a dollar sign"),
        ({"interview": {"why_band": "${__class__}"}}, "unknown placeholder"),
    ],
)
def test_schema_problems_are_errors(mini_copy: Path, change: dict, message: str) -> None:
    data = {**MINI_LOCALE, **change}
    write_locale(mini_copy, {key: value for key, value in data.items() if value is not None})
    error = load_error(mini_copy)
    assert message in str(error)
    assert error.file and error.file.endswith("fr.yaml")


def test_the_file_name_must_be_the_language(mini_copy: Path) -> None:
    write_locale(mini_copy, MINI_LOCALE, name="de.yaml")
    error = load_error(mini_copy)
    assert "language 'fr' in a file named 'de.yaml': name it fr.yaml" in error.detail
    assert error.line == 2  # safe_dump sorts the keys: disclaimer, then language


def test_english_needs_no_locale_and_other_files_are_refused(mini_copy: Path) -> None:
    write_locale(mini_copy, {**MINI_LOCALE, "language": "en"}, name="en.yaml")
    assert "English is the rule book's own language" in str(load_error(mini_copy))
    (mini_copy / "locales" / "en.yaml").unlink()
    write_locale(mini_copy, "language: fr\n", name="fr.yml")
    assert "locale files are named <language>.yaml" in str(load_error(mini_copy))


def test_locale_yaml_goes_through_the_safe_loader(mini_copy: Path) -> None:
    write_locale(mini_copy, "language: fr\nlanguage: de\n")
    assert "duplicate key 'language'" in str(load_error(mini_copy))
    write_locale(mini_copy, "language: !!python/object/apply:os.system ['true']\n")
    assert "invalid YAML" in str(load_error(mini_copy))


def test_locales_are_not_read_as_rule_files(mini_copy: Path, mini_book: RuleBook) -> None:
    write_locale(mini_copy, MINI_LOCALE)
    book = load_rulebook(mini_copy)
    assert [loaded.rule.id for loaded in book.rules] == [
        loaded.rule.id for loaded in mini_book.rules
    ]
    assert all(Path(loaded.file).parent == mini_copy for loaded in book.rules)


# --- lint -----------------------------------------------------------------------------------------


def test_lint_notes_every_untranslated_text_per_locale(mini_copy: Path) -> None:
    file = write_locale(mini_copy, MINI_LOCALE)
    book = load_rulebook(mini_copy)
    missing = missing_keys(book, book.locales["fr"])
    assert missing["vocabulary"] == [
        "groin_pain.question",
        "hip_snapping.label",
        "hip_snapping.question",
        "fever.label",
        "fever.question",
    ]
    assert missing["triage_actions"] == ["consultation", "self_care"]
    notes = [problem for problem in lint_directory(mini_copy) if problem.severity == "note"]
    assert {note.file for note in notes} == {str(file)}
    vocabulary = next(note for note in notes if "vocabulary" in note.message)
    safety = safety_keys(book)  # texts that warn of danger are listed first
    assert list(vocabulary.keys) == sorted(missing["vocabulary"], key=lambda k: k not in safety)
    assert "5 vocabulary texts not translated" in vocabulary.message


def test_lint_of_the_shipped_book_puts_danger_texts_first(shipped_book: RuleBook) -> None:
    from psoas_triage.lint import locale_notes

    notes = {note.message.split(":")[1].split()[1]: note for note in locale_notes(shipped_book)}
    rules = notes["rules"]
    assert "warn of danger: translate them first" in rules.message
    first = rules.keys[0].split(".")[0]
    assert shipped_book.rule(first).rule.red_flag
    assert "saddle_numbness.title" not in rules.keys


def test_lint_reports_a_broken_locale_as_an_error_with_its_line(mini_copy: Path) -> None:
    write_locale(mini_copy, {**MINI_LOCALE, "rules": {"fever_flg": {"title": "Fièvre"}}})
    errors = [problem for problem in lint_directory(mini_copy) if problem.severity == "error"]
    assert len(errors) == 1
    assert errors[0].line is not None and errors[0].file.endswith("fr.yaml")
    assert "did you mean: fever_flag?" in errors[0].message


# --- invariance: only texts change ---------------------------------------------------------------

TEXT_PATHS = {
    ("triage_action",),
    ("clinician_action",),
    ("disclaimer",),
    ("clinician_disclaimer",),
    ("red_flags", "title"),
    ("red_flags", "description"),
    ("unchecked_red_flags", "label"),
    ("unchecked_red_flags", "question"),
    ("findings", "title"),
    ("advice", "held_back", "reason"),
    ("alternatives", "title"),
    ("alternatives", "description"),
    *(("advice", kind, field) for kind in ("self_care", "avoid") for field in ("title", "text")),
    *(("more", kind, field) for kind in ("self_care", "avoid") for field in ("title", "text")),
    ("advice", "seek_help", "title"),
    ("advice", "seek_help", "text"),
    *(("evidence", group, "title") for group in ("supporting", "conflicting", "denials")),
}
"""Where an Assessment has a text a locale translates (list positions left out)."""

MARK = "eo: "


def compare(english: Any, other: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Walk two dumps; return the text paths; fail on any other difference."""
    texts = []
    if isinstance(english, dict):
        assert isinstance(other, dict) and english.keys() == other.keys(), path
        for key in english:
            texts += compare(english[key], other[key], (*path, key))
    elif isinstance(english, list):
        assert isinstance(other, list) and len(english) == len(other), path
        for left, right in zip(english, other, strict=True):
            texts += compare(left, right, path)
    elif path in TEXT_PATHS:
        assert other == MARK + english, path
        texts.append(path)
    else:
        assert other == english, path
    return texts


@pytest.fixture(scope="module")
def complete_book(tmp_path_factory: pytest.TempPathFactory) -> RuleBook:
    """The shipped book with a complete synthetic locale ``eo``: every text is marked."""
    target = tmp_path_factory.mktemp("book") / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target, ignore=shutil.ignore_patterns("locales"))
    book = default_rulebook()
    policy = book.policy

    def mark(text: str) -> str:
        return MARK + text

    data = {
        "language": "eo",
        "name": "Esperanto (test)",
        "disclaimer": mark(policy.disclaimer),
        "triage_actions": {
            level.value: mark(text) for level, text in policy.triage_actions.items()
        },
        "clinician_disclaimer": mark(policy.disclaimer_for_clinician()),
        "clinician_actions": {
            level.value: mark(policy.action_for_clinician(level)) for level in TriageLevel
        },
        "vocabulary": {
            code: {"label": mark(term.label), "question": mark(term.question)}
            for code, term in book.terms.items()
        },
        "advice": {
            item.id: {"title": mark(item.title), "text": mark(item.text)}
            for item in book.advice.advice
        },
        "holdbacks": {holdback.id: mark(holdback.reason) for holdback in book.advice.holdbacks},
        "rules": {
            loaded.rule.id: {
                "title": mark(loaded.rule.title),
                "description": mark(loaded.rule.description),
            }
            for loaded in book.rules
        },
        "alternatives": {
            key: {"title": mark(item.title), "description": mark(item.description)}
            for key, item in book.alternatives.items()
        },
        "interview": {
            "checklist": "eo: checklist",
            "age": "eo: age",
            "duration_days": "eo: days",
            "pain_intensity": "eo: pain",
            "sex": "eo: sex",
            **{name: mark(template) for name, template in ENGLISH_WHY.items()},
            "subjects": {name: mark(words) for name, words in NUMBER_SUBJECTS.items()},
            "and_word": "kaj",
        },
        "levels": {level.value: mark(level.value) for level in TriageLevel},
        "bands": {band.value: mark(band.value) for band in Likelihood},
    }
    write_locale(target, data, name="eo.yaml")
    complete = load_rulebook(target)
    assert missing_keys(complete, complete.locales["eo"]) == {}
    return complete


def _rule_codes() -> list[str]:
    book = default_rulebook()
    return sorted({code for loaded in book.rules for code in loaded.rule.when.codes()})


@st.composite
def reports(draw: st.DrawFn, allow_empty: bool = False) -> SymptomReport:
    """A valid report of shipped codes, favouring those the rules use (red flags included)."""
    vocabulary = sorted(default_rulebook().terms)
    code = st.one_of(st.sampled_from(_rule_codes()), st.sampled_from(vocabulary))
    present = draw(st.lists(code, unique=True, min_size=0 if allow_empty else 1, max_size=8))
    absent = draw(
        st.lists(st.sampled_from([c for c in vocabulary if c not in present]), max_size=6)
    )
    return SymptomReport(
        present=present,
        absent=tuple(dict.fromkeys(absent)),
        age=draw(st.none() | st.integers(0, 120)),
        duration_days=draw(st.none() | st.integers(0, 400)),
        pain_intensity=draw(st.none() | st.integers(0, 10)),
        sex=draw(st.sampled_from([None, "female", "male"])),
    )


@PROFILE
@given(reports())
def test_a_localised_assessment_differs_from_the_english_one_only_in_texts(
    complete_book: RuleBook, report: SymptomReport
) -> None:
    english = assess(report, complete_book).model_dump(mode="json")
    other = assess(report, complete_book, language="eo").model_dump(mode="json")
    assert (english.pop("language"), other.pop("language")) == ("en", "eo")
    assert (english.pop("untranslated"), other.pop("untranslated")) == ([], [])
    texts = compare(english, other)
    assert ("triage_action",) in texts and ("disclaimer",) in texts
    assert ("clinician_action",) in texts and ("clinician_disclaimer",) in texts


@PROFILE
@given(reports())
def test_the_partial_french_example_changes_no_decision(report: SymptomReport) -> None:
    english = assess(report)
    french = assess(report, language="fr")
    assert french.language == "fr"
    assert french.triage_level is english.triage_level
    assert french.likelihood is english.likelihood
    assert french.psoas_score == english.psoas_score
    assert french.fired_rule_ids == english.fired_rule_ids
    assert french.report == english.report
    assert french.triage_reasons == english.triage_reasons
    assert [flag.rule_id for flag in french.red_flags] == [f.rule_id for f in english.red_flags]
    assert french.referrals == english.referrals
    assert [item.id for item in french.advice.seek_help] == [
        item.id for item in english.advice.seek_help
    ]
    assert french.triage_action != english.triage_action  # all four actions are translated
    assert all(key.count(".") >= 1 for key in french.untranslated)


@STEP_PROFILE
@given(reports(allow_empty=True))
def test_a_localised_next_step_asks_the_same_question(
    complete_book: RuleBook, report: SymptomReport
) -> None:
    english = next_question(report, complete_book).model_dump(mode="json")
    other = next_question(report, complete_book, language="eo").model_dump(mode="json")
    if english["question"] is not None:
        text, translated = english["question"].pop("text"), other["question"].pop("text")
        assert translated.startswith(MARK) and translated != text
        why, translated = english["question"].pop("why"), other["question"].pop("why")
        assert translated.startswith(MARK) and translated != why
    assessments = english.pop("assessment"), other.pop("assessment")
    assert (assessments[0].pop("language"), assessments[1].pop("language")) == ("en", "eo")
    compare(*assessments)
    assert english == other  # should_stop, the question's kind, codes, why, changes, progress


def test_a_localised_assessment_is_valid_json_for_the_schema(complete_book: RuleBook) -> None:
    from psoas_triage import Assessment

    result = assess({"present": ["groin_pain", "fever"]}, complete_book, language="eo")
    assert Assessment.model_validate_json(result.model_dump_json()) == result
    assert json.loads(result.model_dump_json())["language"] == "eo"


def test_remembered_translations_give_what_a_fresh_translation_gives(shipped_book) -> None:
    """Parts and recurring groups are remembered (by identity) with the keys they left in
    English; a warm memo must give byte for byte what a cold one gives, ``untranslated`` (and
    its order) included, and English must stay untouched."""
    from psoas_triage.localise import _memos
    from psoas_triage.workload import mixed_reports

    reports = [
        report.model_dump(mode="json", exclude_none=True)
        for report in mixed_reports(shipped_book, 150)
    ]
    cold = []
    for report in reports:
        _memos(default_rulebook()).clear()
        cold.append(assess(report, language="fr").model_dump_json())
    warm = [assess(report, language="fr").model_dump_json() for report in reports]
    again = [assess(report, language="fr").model_dump_json() for report in reversed(reports)]
    assert warm == cold and again[::-1] == cold
    assert sum('"untranslated":[]' not in text for text in cold) > 100  # the check has teeth
    assert all('"language":"en"' in assess(report).model_dump_json() for report in reports[:20])

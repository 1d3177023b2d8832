"""Every door takes a language: the CLI's --language (assess, interview, batch, and lint's notes)
and the service's ?language= and Accept-Language. Only texts change."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import Assessment, LanguageError, assess, default_rulebook, warning_sign_checklist
from psoas_triage.cli import app

runner = CliRunner()
EMERGENCY = ["groin_pain", "saddle_numbness"]


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


# --- CLI ------------------------------------------------------------------------------------------


def test_assess_json_in_french_is_the_library_result() -> None:
    result = run("assess", *EMERGENCY, "--language", "fr", "--json", "--details")
    assert result.exit_code == 0, result.stderr
    printed = Assessment.model_validate_json(result.stdout)
    assert printed == assess({"present": EMERGENCY}, language="fr")
    assert printed.language == "fr"
    assert printed.triage_action.startswith("Rendez-vous maintenant aux urgences")


def test_assess_report_in_french_says_what_stays_english() -> None:
    result = run("assess", *EMERGENCY, "-l", "fr")
    assert result.exit_code == 0, result.stderr
    assert "Rendez-vous maintenant aux urgences" in result.stdout
    assert "Cet outil aide seulement" in result.stdout
    assert "Language fr:" in result.stdout and "shown in English" in result.stdout


def test_an_unknown_language_is_one_error_line_and_exit_2() -> None:
    result = run("assess", "groin_pain", "--language", "fre")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "psoas-triage: error: --language: no translation for language 'fre' "
        "(did you mean: fr?); available: en, fr"
    )


def test_interview_in_french_asks_in_french_and_reports_in_french() -> None:
    nones = "f\n40\nnone\nnone\nq\n"  # the sex, the age, two checklists, then stop
    result = run("interview", "--language", "fr", "--json", stdin=nones)
    assert result.exit_code == 0, result.stderr
    assert "Avez-vous l'un de ces signes" in result.stderr
    assert (
        "Quel âge avez-vous" in result.stderr and "Êtes-vous une femme ou un homme" in result.stderr
    )
    french = Assessment.model_validate_json(result.stdout)
    english_run = run("interview", "--json", stdin=nones)
    english = Assessment.model_validate_json(english_run.stdout)
    assert french.language == "fr"
    assert french.report == english.report  # the same questions were asked, in the same order
    assert french.triage_level is english.triage_level
    assert french.disclaimer != english.disclaimer


def test_interview_refuses_an_unknown_language_before_asking() -> None:
    result = run("interview", "--language", "de", stdin="none\n")
    assert result.exit_code == 2
    assert "available: en, fr" in result.stderr
    assert "Answer y" not in result.stderr


def test_batch_in_french(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"present": EMERGENCY}) + "\n" + json.dumps({"present": ["hip_pain"]}) + "\n"
    )
    result = run("batch", str(source), "--language", "fr", "-q")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line)["language"] for line in lines] == ["fr", "fr"]
    assert lines[0] == assess({"present": EMERGENCY}, language="fr").to_json()
    bad = run("batch", str(source), "--language", "xx", "-q")
    assert bad.exit_code == 2 and "available: en, fr" in bad.stderr


def test_rules_lint_notes_untranslated_texts_without_failing() -> None:
    result = run("rules", "lint")
    assert result.exit_code == 0, result.stdout
    assert "lint ok: 0 errors, 0 warnings, 4 notes on untranslated texts" in " ".join(
        result.stdout.split()
    )
    assert "note: locale fr:" in result.stdout


def test_rules_lint_json_lists_every_untranslated_key(mini_copy: Path) -> None:
    (mini_copy / "locales").mkdir()
    (mini_copy / "locales" / "fr.yaml").write_text(
        "language: fr\nname: Français\ndisclaimer: Pas un diagnostic.\n"
        "triage_actions: {emergency: Urgences., urgent: Médecin aujourd'hui.}\n"
        "rules: {groin: {title: Aine}}\n",
        encoding="utf-8",
    )
    result = run("rules", "lint", str(mini_copy), "--json")
    assert result.exit_code == 0, result.stdout
    notes = [entry for entry in json.loads(result.stdout) if entry["severity"] == "note"]
    rules = next(entry for entry in notes if "rules texts" in entry["message"])
    assert rules["file"] == str(mini_copy / "locales" / "fr.yaml")
    assert "groin.title" not in rules["keys"] and "groin.description" in rules["keys"]
    assert rules["keys"][:2] == ["fever_flag.title", "fever_flag.description"]  # danger first


# --- service --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
    pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from psoas_triage.service import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def test_the_service_takes_a_language_query(client) -> None:
    answer = client.post("/v1/assess?language=fr", json={"present": EMERGENCY})
    assert answer.status_code == 200
    assert answer.headers["content-language"] == "fr"
    assert answer.text == assess({"present": EMERGENCY}, language="fr").to_json()


def test_the_service_honours_accept_language_and_falls_back_to_english(client) -> None:
    french = client.post(
        "/v1/assess", json={"present": EMERGENCY}, headers={"Accept-Language": "fr-CH, en;q=0.5"}
    )
    assert french.json()["language"] == "fr" and french.headers["content-language"] == "fr"
    assert "accept-language" in french.headers["vary"].lower()
    german = client.post(
        "/v1/assess", json={"present": EMERGENCY}, headers={"Accept-Language": "de"}
    )
    assert german.status_code == 200
    assert german.json()["language"] == "en" and german.headers["content-language"] == "en"


def test_the_service_refuses_an_unknown_language_query(client) -> None:
    answer = client.post("/v1/assess?language=fre", json={"present": EMERGENCY})
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "unknown_language"
    assert body["problems"][0]["field"] == "language"
    assert body["problems"][0]["suggestions"] == ["fr"]


def test_the_service_interview_step_in_french(client) -> None:
    answer = client.post("/v1/next-question?language=fr", json={"sex": "female", "age": 40})
    assert answer.status_code == 200
    step = answer.json()
    assert step["question"]["text"].startswith("Avez-vous l'un de ces signes")
    assert set(step["question"]["codes"]) <= {sign.code for sign in warning_sign_checklist()}
    assert step["assessment"]["language"] == "fr"


# --- FHIR and the JSON Schema ---------------------------------------------------------------------


def test_the_fhir_questionnaire_in_french_keeps_its_link_ids() -> None:
    pytest.importorskip("fhir.resources", reason="the fhir extra is not installed")
    from psoas_triage.fhir import to_questionnaire

    english, french = to_questionnaire(), to_questionnaire(language="fr")
    assert (english.language, french.language) == ("en", "fr")

    def items(questionnaire) -> dict[str, str]:
        found = {}
        for item in questionnaire.item:
            for inner in [item, *(item.item or [])]:
                found[inner.linkId] = inner.text
        return found

    english_items, french_items = items(english), items(french)
    assert list(english_items) == list(french_items)
    assert french_items["groin_pain"] == "Avez-vous mal au pli de l'aine ?"
    assert french_items["age"] == "Quel âge avez-vous (en années) ?"
    assert french_items["vomiting"] == english_items["vomiting"]  # no translation: English
    assert "Cet outil aide seulement" in french.description
    with pytest.raises(LanguageError):
        to_questionnaire(language="de")


def test_the_assessment_schema_names_the_languages() -> None:
    from psoas_triage.json_schemas import json_schema

    schema = json_schema("assessment", default_rulebook())
    assert schema["properties"]["language"]["enum"] == ["en", "fr"]
    step = json_schema("next-step", default_rulebook())
    assert step["$defs"]["Assessment"]["properties"]["language"]["enum"] == ["en", "fr"]

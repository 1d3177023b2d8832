"""``psoas-triage rules list|show|lint|coverage``, ``vocabulary``, ``--help`` and ``--version``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import __version__, default_rulebook, load_rulebook
from psoas_triage.cli import app

ROOT = Path(__file__).resolve().parents[1]
MINI = str(ROOT / "tests" / "fixtures" / "mini_rules")

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# --- rules list / show --------------------------------------------------------------------------


def test_rules_list_table_and_json():
    result = run("rules", "list", "--rules", MINI)
    assert result.exit_code == 0, result.stderr
    for text in ("groin_snapping", "fever_flag", "severe_pain", "test", "12", "urgent"):
        assert text in result.stdout
    assert "4 rules" in result.stdout

    data = json.loads(run("rules", "list", "--rules", MINI, "--json").stdout)
    assert [rule["id"] for rule in data] == ["groin", "groin_snapping", "fever_flag", "severe_pain"]
    assert data[2] == {
        "id": "fever_flag",
        "title": "Fever",
        "status": "test",
        "family": "mini",
        "points": 0,
        "triage_floor": "urgent",
        "red_flag": True,
    }


def test_rules_show_sources_and_examples():
    result = run("rules", "show", "groin_snapping", "--rules", MINI)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Groin pain with snapping" in out
    assert "all of groin_pain, hip_snapping" in out
    assert "+10 points" in out
    assert "test_source: A source for tests" in out
    assert 'fires:          {"present":["groin_pain","hip_snapping"]}' in out
    assert 'does not fire:  {"present":["groin_pain"]}' in out

    data = json.loads(run("rules", "show", "severe_pain", "--rules", MINI, "--json").stdout)
    assert data["when"] == {
        "all": [],
        "any": [],
        "absent": [],
        "unless_denied": [],
        "pain_intensity": {"gte": 7},
    }
    assert data["triage_floor"] == "consultation"
    assert data["sources"] == ["test_source"]


def test_rules_show_unknown_id_suggests():
    result = run("rules", "show", "grion", "--rules", MINI)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "'grion'" in line and "did you mean: groin" in line
    assert result.stdout == ""


def test_rules_list_and_show_on_the_shipped_book():
    book = default_rulebook()
    data = json.loads(run("rules", "list", "--json").stdout)
    assert [rule["id"] for rule in data] == [loaded.rule.id for loaded in book.rules]
    assert any(rule["red_flag"] and rule["triage_floor"] == "emergency" for rule in data)
    some = book.rules[0].rule
    shown = run("rules", "show", some.id)
    assert shown.exit_code == 0
    assert some.title.split()[0] in shown.stdout
    assert some.sources[0] in shown.stdout


# --- rules lint ---------------------------------------------------------------------------------


def test_lint_clean_directory_exits_0():
    result = run("rules", "lint", MINI)
    assert result.exit_code == 0, result.stdout
    assert "lint ok: 0 errors, 0 warnings" in result.stdout


def test_lint_shipped_rules_has_no_errors():
    result = run("rules", "lint")
    assert result.exit_code == 0, result.stdout
    assert "0 errors" in result.stdout


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(MINI, copy)
    rules_file = copy / "rules.yaml"
    text = rules_file.read_text(encoding="utf-8")
    assert old in text
    rules_file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def test_lint_finds_a_rule_that_never_fires(tmp_path):
    # the example no longer fires the rule: it could never be shown to fire
    broken = _broken_copy(
        tmp_path, "fires: [{present: [groin_pain]}]", "fires: [{present: [hip_snapping]}]"
    )
    result = run("rules", "lint", str(broken))
    assert result.exit_code == 3
    assert "groin" in result.stdout and "does not fire the rule" in result.stdout
    assert "lint FAILED: 1 error, 0 warnings" in result.stdout

    data = json.loads(run("rules", "lint", str(broken), "--json").stdout)
    assert data[0]["severity"] == "error" and data[0]["rule"] == "groin"


def test_lint_finds_unknown_codes_and_duplicate_ids(tmp_path):
    unknown = _broken_copy(tmp_path, "when: {all: [groin_pain]}", "when: {all: [groin_pian]}")
    result = run("rules", "lint", str(unknown))
    assert result.exit_code == 3
    assert "unknown code 'groin_pian'" in result.stdout and "groin_pain" in result.stdout

    again = tmp_path / "again"
    duplicate = _broken_copy(again, "id: groin_snapping", "id: groin")
    result = run("rules", "lint", str(duplicate))
    assert result.exit_code == 3
    assert "duplicate rule id" in result.stdout


def test_lint_missing_directory_is_bad_input(tmp_path):
    result = run("rules", "lint", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "not a rule directory" in one_error_line(result)


# --- rules coverage -----------------------------------------------------------------------------


def test_coverage_below_100_percent_exits_3():
    result = run("rules", "coverage", str(ROOT / "features" / "groin.feature"), "--json")
    assert result.exit_code == 3, result.stderr
    data = json.loads(result.stdout)
    assert data["uncovered"] and 0 < data["percent"] < 100
    assert data["total"] == len(default_rulebook().rules)


def test_coverage_of_missing_features_is_bad_input(tmp_path):
    result = run("rules", "coverage", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert "no features" in one_error_line(result)


# --- vocabulary ---------------------------------------------------------------------------------


def test_vocabulary_json_is_a_form_description():
    result = run("vocabulary", "--rules", MINI, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data[0] == {
        "code": "groin_pain",
        "label": "groin pain",
        "question": "Do you have groin pain?",
        "category": "pain_location",
        "sources": ["test_source"],
        "synonyms": ["pain in the groin"],
        "applies_to": None,
    }
    assert [term["code"] for term in data] == list(load_rulebook(MINI).terms)
    shipped = {term["code"]: term for term in json.loads(run("vocabulary", "--json").stdout)}
    assert shipped["possible_pregnancy"]["applies_to"] == {
        "sex": "female",
        "age": {"gt": None, "gte": 10, "lt": None, "lte": 55},
    }


def test_vocabulary_table_and_shipped_json():
    result = run("vocabulary", "--rules", MINI)
    assert result.exit_code == 0
    for text in ("groin_pain", "Does your hip snap?", "red_flag"):
        assert text in result.stdout
    shipped = json.loads(run("vocabulary", "--json").stdout)
    codes = {term["code"] for term in shipped}
    assert {"groin_pain", "saddle_numbness"} <= codes
    assert all(term["question"] and term["sources"] for term in shipped)


# --- help and version ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["assess"],
        ["interview"],
        ["vocabulary"],
        ["batch"],
        ["rules"],
        ["rules", "list"],
        ["rules", "show"],
        ["rules", "lint"],
        ["rules", "coverage"],
    ],
)
def test_every_help_shows_an_example_and_the_exit_codes(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"psoas-triage {' '.join(command)}".strip() in result.stdout.split("Examples:")[1]
    assert "Exit codes" in result.stdout


def test_version_and_no_command():
    assert run("--version").stdout == f"psoas-triage {__version__}\n"
    bare = run()
    assert bare.exit_code == 2
    assert "Usage" in bare.stdout and "error" not in bare.stderr

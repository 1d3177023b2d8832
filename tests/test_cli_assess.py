"""The ``psoas-triage assess`` command, run through its real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import Assessment
from psoas_triage.cli import app

ROOT = Path(__file__).resolve().parents[1]
MINI = str(ROOT / "tests" / "fixtures" / "mini_rules")
SCRIPT = Path(sys.executable).with_name("psoas-triage")

runner = CliRunner()


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), input=stdin, env=env)


def one_error_line(result) -> str:
    """The single line a failing command writes to stderr (and nothing on stdout)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert lines[0].startswith("psoas-triage: error: ")
    return lines[0]


# --- mini rule book: exact values ---------------------------------------------------------------


def test_json_is_exactly_the_assessment():
    result = run("assess", "groin_pain", "hip_snapping", "--rules", MINI, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.endswith("}\n") and result.stdout.count("\n") == 1
    assessment = Assessment.model_validate_json(result.stdout)
    assert assessment.triage_level.value == "consultation"
    assert assessment.psoas_score == 22
    assert assessment.fired_rule_ids == ("groin", "groin_snapping")
    from psoas_triage import assess

    expected = assess({"present": ["groin_pain", "hip_snapping"]}, MINI)
    assert result.stdout == expected.to_json() + "\n"


def test_labels_synonyms_absent_and_numbers():
    result = run(
        "assess",
        "Pain in the groin",
        "--absent",
        "fever",
        "--age",
        "34",
        "--duration-days",
        "10",
        "--pain",
        "7",
        "--rules",
        MINI,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["report"] == {
        "present": ["groin_pain"],
        "absent": ["fever"],
        "age": 34,
        "duration_days": 10,
        "pain_intensity": 7,
        "sex": None,
        "unknown": [],
    }
    assert data["triage_level"] == "consultation"
    assert "severe_pain" in [finding["rule_id"] for finding in data["findings"]]


def test_human_report_shows_level_first_then_sections_in_order():
    result = run("assess", "fever", "groin_pain", "--rules", MINI, "--details")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out  # no colour codes when not a terminal
    assert out.index("TRIAGE: URGENT") < out.index("See a doctor within 24 hours.")
    # Urgent: the action (who to see, when to seek help) before the psoas score, worded as
    # secondary.
    order = [
        "TRIAGE: URGENT",
        "Red flags",
        "Fever (urgent): Fever with pain may be an infection.",
        "Who to see",
        "Doctor: A red flag needs a doctor.",
        "When to seek help",
        "Psoas score: 12/100",
        "possible",
        "not the reason for this advice",
        "Findings",
        "Other causes to discuss",
        "Sources",
        "Test rule book. Not a diagnosis.",
    ]
    positions = [out.index(text) for text in order]
    assert positions == sorted(positions)
    # the findings table lists rule titles, ids, points and sources, listed with their titles
    assert "Groin pain" in out and "+12" in out and "red flag" in out
    assert "sources: test_source" in out and "test_source: A source for tests" in out


def test_self_care_report_has_no_red_flag_section():
    result = run("assess", "hip_snapping", "--absent", "fever", "--rules", MINI)
    assert result.exit_code == 0
    assert "TRIAGE: SELF-CARE" in result.stdout
    assert "Red flags" not in result.stdout
    assert "Warning signs not checked" not in result.stdout
    assert "No rule fired" in result.stdout


def test_unchecked_warning_signs_are_shown_with_the_interview_suggested():
    result = run("assess", "hip_snapping", "--rules", MINI, "--details")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "TRIAGE: CONSULTATION" in out
    assert "warning signs not checked: fever (consultation)" in " ".join(out.split())
    section = " ".join(out[out.index("Warning signs not checked") :].split())
    assert "Do you have a fever? (fever)" in section
    assert "psoas-triage interview" in section and "--absent" in section
    as_json = json.loads(run("assess", "hip_snapping", "--rules", MINI, "--json").stdout)
    assert as_json["unchecked_red_flags"] == [{"code": "fever"}]  # the checklist has the rest
    whole = run("assess", "hip_snapping", "--rules", MINI, "--json", "--details").stdout
    assert json.loads(whole)["unchecked_red_flags"] == [
        {"code": "fever", "label": "fever", "question": "Do you have a fever?"}
    ]
    assert as_json["triage_level"] == "consultation"


def test_input_file_and_stdin(tmp_path):
    report = tmp_path / "report.json"
    report.write_text('{"present": ["fever"], "age": 40}', encoding="utf-8")
    from_file = run("assess", "--input", str(report), "--rules", MINI, "--json")
    from_stdin = run("assess", "--input", "-", "--rules", MINI, "--json", stdin=report.read_text())
    assert from_file.exit_code == from_stdin.exit_code == 0
    assert from_file.stdout == from_stdin.stdout
    assert json.loads(from_file.stdout)["triage_level"] == "urgent"


# --- bad input: exit 2, one line, the field and a suggestion -------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["groin_pian"], ["present[0]", "'groin_pian'", "did you mean: groin_pain"]),
        (["groin_pain", "--absent", "fevr"], ["absent[0]", "did you mean: fever"]),
        (["groin_pain", "--pain", "11"], ["--pain", "less than or equal to 10", "11"]),
        (["groin_pain", "--age", "-1"], ["--age", "greater than or equal to 0"]),
        (["groin_pain", "--pain", "abc"], ["--pain", "integer"]),
        (["fever", "--absent", "fever"], ["both present and absent", "fever"]),
        ([], ["nothing to assess"]),
        (["groin_pain", "--no-such-option"], ["No such option", "--no-such-option"]),
    ],
)
def test_bad_input_exits_2_with_one_line(args, expected):
    result = run("assess", *args, "--rules", MINI)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    line = one_error_line(result)
    for text in expected:
        assert text in line


def test_bad_json_input(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"present": ["groin_pain"', encoding="utf-8")
    result = run("assess", "--input", str(broken), "--rules", MINI)
    assert result.exit_code == 2
    assert "not valid JSON" in one_error_line(result)

    wrong = run("assess", "--input", "-", "--rules", MINI, stdin='{"presnt": ["groin_pain"]}')
    assert wrong.exit_code == 2
    line = one_error_line(wrong)
    assert "presnt" in line and "did you mean: present" in line

    missing = run("assess", "--input", str(tmp_path / "nope.json"), "--rules", MINI)
    assert missing.exit_code == 2
    assert "cannot read" in one_error_line(missing)

    mixed = run("assess", "fever", "--input", str(broken), "--rules", MINI)
    assert mixed.exit_code == 2
    assert "cannot be combined" in one_error_line(mixed)


def test_bad_rule_directory_exits_2(tmp_path):
    result = run("assess", "groin_pain", "--rules", str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert "not a rule directory" in one_error_line(result)


def test_internal_error_exits_1_without_traceback(monkeypatch):
    import psoas_triage.assessment as assessment_module

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(assessment_module, "assess", explode)
    result = run("assess", "groin_pain", "--rules", MINI, env={"PSOAS_TRIAGE_DEBUG": ""})
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "internal error" in line and "boom" in line and "PSOAS_TRIAGE_DEBUG" in line

    debug = run("assess", "groin_pain", "--rules", MINI, env={"PSOAS_TRIAGE_DEBUG": "1"})
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr and "RuntimeError: boom" in debug.stderr


def test_help_shows_an_example_and_exit_codes():
    result = run("assess", "--help")
    assert result.exit_code == 0
    assert "psoas-triage assess groin_pain" in result.stdout
    assert "Exit codes" in result.stdout


# --- the shipped rule book: real values, robust to tuning ----------------------------------------


def test_default_rules_saddle_numbness_is_an_emergency():
    result = run("assess", "saddle_numbness", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["triage_level"] == "emergency"
    assert data["red_flags"]
    human = run("assess", "saddle_numbness")
    assert human.stdout.lstrip().splitlines()[1].strip("│ ").startswith("TRIAGE: EMERGENCY")


def test_default_rules_suggest_groin_pain_for_a_typo():
    result = run("assess", "groin_pian")
    assert result.exit_code == 2
    assert "did you mean: groin_pain" in one_error_line(result)


# --- real processes -----------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PSOAS_TRIAGE_DEBUG", None)
    env.pop("PSOAS_TRIAGE_RULES", None)
    env["NO_COLOR"] = "1"
    return env


def test_console_script_json_and_error():
    ok = subprocess.run(
        [str(SCRIPT), "assess", "groin_pain", "--rules", MINI, "--json"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["psoas_score"] == 12
    assert ok.stderr == ""

    bad = subprocess.run(
        [str(SCRIPT), "assess", "groin_pian", "--rules", MINI],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "did you mean: groin_pain" in bad.stderr


def test_python_dash_m_reads_stdin():
    done = subprocess.run(
        [sys.executable, "-m", "psoas_triage", "assess", "--input", "-", "--rules", MINI],
        input='{"present": ["fever"]}',
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "TRIAGE: URGENT" in done.stdout
    assert "\x1b[" not in done.stdout


def test_the_report_is_short_by_default_and_details_show_how():
    short = run("assess", "groin_pain", "hip_snapping", "--rules", MINI)
    full = run("assess", "groin_pain", "hip_snapping", "--rules", MINI, "--details")
    assert short.exit_code == full.exit_code == 0
    assert "Gentle stretch" in short.stdout and "Gentle stretch" in full.stdout
    assert "Stretch gently." not in short.stdout
    assert "Stretch gently." in full.stdout
    assert "--details" in short.stdout
    # The safety net is never shortened.
    assert "Seek help if it gets worse." in short.stdout


# --- --json on bad input ------------------------------------------------------------------------


def test_json_mode_writes_a_bad_report_as_json_on_standard_output() -> None:
    result = CliRunner().invoke(app, ["assess", "groin_pian", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["error"] == "invalid_report"
    assert error["problems"][0]["field"] == "present[0]"
    assert error["problems"][0]["value"] == "groin_pian"
    assert "groin_pain" in error["problems"][0]["suggestions"]
    assert result.stderr.startswith("psoas-triage: error: invalid symptom report")


def test_json_mode_reports_bad_input_files_and_empty_reports_as_json(tmp_path) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"present": ["groin_pain"], "pain_intensity": 11}', encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", "--input", str(report), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["problems"][0]["field"] == "pain_intensity"
    empty = CliRunner().invoke(app, ["assess", "--json"])
    assert empty.exit_code == 2
    assert json.loads(empty.stdout)["problems"][0]["message"].startswith("nothing to assess")


def test_text_mode_keeps_standard_output_empty_on_bad_input() -> None:
    result = CliRunner().invoke(app, ["assess", "groin_pian"])
    assert result.exit_code == 2
    assert result.stdout == ""

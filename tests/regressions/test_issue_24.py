"""Issue 24: a safe disposition in about ten questions. The simulated patients
(``tests/test_interview_simulation.py``) and ``tests/test_next_question.py`` carry the interview;
these are the doors and the details the issue names."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from psoas_triage import NextStep, next_question
from psoas_triage.cli import app

runner = CliRunner()


def test_assess_takes_the_sex_and_a_rule_that_reads_it_fires() -> None:
    man = runner.invoke(
        app, ["assess", "groin_pain", "sudden_onset", "--age", "25", "--sex", "male", "--json"]
    )
    assert man.exit_code == 0, man.stderr
    assert json.loads(man.stdout)["triage_level"] == "emergency"
    woman = runner.invoke(
        app,
        [
            "assess",
            "groin_pain",
            "sudden_onset",
            "--age",
            "25",
            "--sex",
            "female",
            "--absent",
            "vomiting",
            "--json",
        ],
    )
    assert json.loads(woman.stdout)["triage_level"] != "emergency"


def test_a_bad_sex_names_the_option() -> None:
    result = runner.invoke(app, ["assess", "groin_pain", "--sex", "x"])
    assert result.exit_code == 2
    assert "--sex (sex)" in result.stderr


def test_sex_can_be_answered_dont_know_and_is_not_asked_again() -> None:
    step = next_question({"unknown": ["sex"]})
    assert step.question is not None and step.question.kind != "choice"


def _interview(report: dict[str, Any], answer: str) -> tuple[NextStep, list[str]]:
    """Drive ``next_question`` to its end, recording every code and field asked as ``answer``
    (``absent`` for a code, ``unknown`` for a field; or ``unknown`` for everything)."""
    report = {
        key: list(value) if isinstance(value, list) else value for key, value in report.items()
    }
    asked: list[str] = []
    for _ in range(30):
        step = next_question(report)
        if step.should_stop:
            return step, asked
        question = step.question
        assert question is not None
        keys = question.codes if question.kind == "group" else (question.code or question.field,)
        asked += [key for key in keys if key]
        for key in keys:
            target = "unknown" if question.kind in ("number", "choice") else answer
            report.setdefault(target, []).append(key)
    raise AssertionError("the interview did not stop")


def test_a_man_is_never_asked_about_vaginal_bleeding_nor_a_woman_about_a_testicle() -> None:
    for sex, never in (("male", "vaginal_bleeding"), ("female", "scrotal_pain")):
        report = {"sex": sex, "age": 30, "present": ["groin_pain"], "absent": []}
        step, asked = _interview(report, "absent")
        assert never not in asked
        assert step.should_stop


def test_stopping_with_only_dont_knows_left_says_the_level_is_provisional() -> None:
    from psoas_triage import warning_sign_checklist

    signs = [sign.code for sign in warning_sign_checklist()]
    report = {"present": ["groin_pain"], "age": 40, "sex": "female", "unknown": signs}
    step, _ = _interview(report, "unknown")
    assert step.should_stop and step.level_provisional
    assert step.assessment is not None and step.assessment.triage_level.value == "consultation"

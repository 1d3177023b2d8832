"""Issue 15: a person with pain for over a week was never asked where it hurts, and was told
"psoas involvement unlikely", after denying every warning sign and giving age 34, 10 days and
pain 5: the interview stopped once the triage level could not change."""

from __future__ import annotations

import os
from collections.abc import Callable

from rich.console import Console

from psoas_triage import default_rulebook, warning_sign_checklist
from psoas_triage.interview import InterviewResult, run_interview
from psoas_triage.render import render_assessment

NUMBERS = {"How old": "34", "How many days": "10", "How strong": "5"}


def _interview(code_reply: str | None) -> tuple[InterviewResult, list[str]]:
    """The measured answers (a woman; every list none; 34, 10, 5); every code question gets
    ``code_reply``, and None ends the input at the first question after the duration's."""
    prompts: list[str] = []
    numbers_given: set[str] = set()

    def read_line() -> str | None:
        last = prompts[-1]
        if "What is your sex?" in last:
            return "female"
        if code_reply is None and "How many days" in numbers_given:
            return None
        for start, value in NUMBERS.items():
            if start in last:
                numbers_given.add(start)
                return value
        if "Do you have any of these?" in last:
            return "none"
        return code_reply

    write: Callable[[str], None] = prompts.append
    return run_interview(default_rulebook(), read_line, write), prompts


def test_pain_over_a_week_is_asked_where_it_hurts():
    result, _ = _interview("n")
    assert result.ended_by == "complete"
    # asked (in a list of findings, each answered no): where it hurts
    assert {"groin_pain", "front_of_hip_pain", "hip_pain"} <= set(result.assessment.report.absent)
    assert "duration_days" in result.asked
    assert result.assessment.likelihood_provisional is False


def test_stopping_early_never_presents_an_unasked_question_as_a_no():
    result, _ = _interview(None)
    assessment = result.assessment
    assert result.ended_by == "eof"
    signs = {sign.code for sign in warning_sign_checklist()} - {"scrotal_pain"}  # a woman
    assert signs <= set(assessment.report.absent)
    assert "groin_pain" not in assessment.report.absent
    assert assessment.likelihood_provisional is True
    assert "groin_pain" in assessment.likelihood_open_questions
    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(render_assessment(assessment, width=200))
    text = console.export_text()
    count = len(assessment.likelihood_open_questions)
    assert f"(provisional: {count} questions not asked)" in " ".join(text.split())

"""``next_question``: the stateless interview, its order, its reasons, and sound stopping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from psoas_triage import (
    NextStep,
    ReportError,
    SymptomReport,
    assess,
    default_rulebook,
    load_rulebook,
    next_question,
    warning_sign_checklist,
)
from psoas_triage.assessment import assess_known_codes
from psoas_triage.interview import run_interview
from psoas_triage.reports import is_empty, parse_report

MINI = Path(__file__).resolve().parent / "fixtures" / "mini_rules"
MINI_BOOK = load_rulebook(MINI)
NUMBERS = ("age", "duration_days", "pain_intensity")


def _answer(report: dict[str, Any], step: NextStep, reply: Any) -> dict[str, Any]:
    """Apply an app's answer to the question of ``step``; ``reply`` is None for don't know."""
    question = step.question
    assert question is not None
    report = {
        key: list(value) if isinstance(value, list) else value for key, value in report.items()
    }
    for key in ("present", "absent", "unknown"):
        report.setdefault(key, [])
    if question.kind == "group":
        if reply is None:
            report["unknown"] += list(question.codes)
        else:
            report["present"] += [code for code in question.codes if code in reply]
            report["absent"] += [code for code in question.codes if code not in reply]
    elif question.kind == "number":
        assert question.field is not None
        if reply is None:
            report["unknown"].append(question.field)
        else:
            report[question.field] = reply
    else:
        target = {True: "present", False: "absent", None: "unknown"}[reply]
        report[target].append(question.code)
    return report


def _drive(book, answer_of, limit: int = 200):
    """A whole interview, the report travelling as JSON between calls (no shared state)."""
    wire = "{}"
    asked: list[NextStep] = []
    for _ in range(limit):
        step = NextStep.model_validate_json(next_question(json.loads(wire), book).model_dump_json())
        if step.should_stop:
            return step, asked, json.loads(wire)
        asked.append(step)
        wire = json.dumps(_answer(json.loads(wire), step, answer_of(step)))
    raise AssertionError("the interview did not stop")


def _yes_to(codes: set[str], numbers: dict[str, int]):
    def answer_of(step: NextStep) -> Any:
        question = step.question
        assert question is not None
        if question.kind == "group":
            return [code for code in question.codes if code in codes]
        if question.kind == "number":
            return numbers.get(question.field or "")
        return question.code in codes

    return answer_of


def test_first_question_is_the_warning_sign_checklist_with_its_reason():
    step = next_question({})
    assert not step.should_stop and step.question is not None
    assert step.question.kind == "group"
    assert step.question.codes == tuple(sign.code for sign in warning_sign_checklist())
    assert "emergency" in step.question.why
    assert step.progress.asked == 0 and step.progress.remaining_at_most >= 2
    assert step.assessment is not None and step.assessment.likelihood_provisional


def test_a_code_question_says_which_level_and_rule_it_could_change():
    book = MINI_BOOK
    step = next_question({"absent": ["fever"], "pain_intensity": 2}, book)
    assert step.question is not None and step.question.kind == "code"
    assert step.question.code == "groin_pain"
    assert step.question.why.startswith("asked because groin pain could make this consultation")
    assert step.question.changes[0].what == "triage_level"
    assert set(step.question.changes[0].rule_ids) == {"groin", "groin_snapping"}


def test_a_number_question_carries_its_range():
    step = next_question({"absent": ["fever"]}, MINI_BOOK)
    assert step.question is not None and step.question.kind == "number"
    assert (step.question.field, step.question.minimum, step.question.maximum) == (
        "pain_intensity",
        0,
        10,
    )


def test_unknown_is_not_asked_again_and_is_never_a_no():
    step = next_question({"unknown": ["fever"]}, MINI_BOOK)
    assert step.question is not None and step.question.codes != ("fever",)
    assert step.assessment is not None
    assert [flag.code for flag in step.assessment.unchecked_red_flags] == ["fever"]
    assert step.assessment.triage_level.value == "consultation"


def test_unknown_codes_are_checked_against_the_vocabulary():
    with pytest.raises(ReportError) as error:
        next_question({"unknown": ["groin_pian"]}, MINI_BOOK)
    assert error.value.problems[0].field == "unknown[0]"
    assert "groin_pain" in error.value.problems[0].suggestions
    with pytest.raises(ReportError):
        next_question({"unknown": ["fever"], "absent": ["fever"]}, MINI_BOOK)


CASES = {
    # red flag: numbness between the legs with low back pain
    "red flag": ({"saddle_numbness", "low_back_pain"}, {"age": 40}),
    "psoas": (
        {"groin_pain", "front_of_hip_pain", "pain_lifting_leg", "pain_sit_to_stand", "runner"},
        {"age": 30, "duration_days": 10, "pain_intensity": 5},
    ),
    "mild": (set(), {"age": 34, "duration_days": 2, "pain_intensity": 2}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_whole_interview_through_json_equals_assessing_the_answers(case):
    book = default_rulebook()
    codes, numbers = CASES[case]
    assert codes <= set(book.terms)
    final, asked, report = _drive(book, _yes_to(codes, numbers))
    assert final.assessment is not None
    assert final.assessment == assess(report, book)
    emergency = final.assessment.triage_level.value == "emergency"
    # an emergency stops at once; otherwise the band is settled before it stops
    assert final.assessment.likelihood_provisional is emergency
    assert len(asked) < len(book.terms)
    assert asked[0].question is not None and asked[0].question.kind == "group"
    signs = {sign.code for sign in warning_sign_checklist(book)}
    if final.assessment.triage_level.value == "self_care":
        assert signs <= set(report["absent"])
    print(f"{case}: {len(asked)} questions, level {final.assessment.triage_level.value}")


def test_red_flag_case_is_urgent_or_more_and_mild_is_self_care():
    book = default_rulebook()
    red = _drive(book, _yes_to(*CASES["red flag"]))[0].assessment
    mild = _drive(book, _yes_to(*CASES["mild"]))[0].assessment
    assert red is not None and red.triage_level.rank >= 2
    assert mild is not None and mild.triage_level.value == "self_care"


# --- should_stop is sound --------------------------------------------------------------------


def _random_answers(book, draw):
    keys = [*book.terms, *NUMBERS]
    values: dict[str, Any] = {}
    for key in keys:
        if key in NUMBERS:
            values[key] = draw(
                st.one_of(
                    st.none(),
                    st.integers(0, {"age": 120, "duration_days": 400, "pain_intensity": 10}[key]),
                )
            )
        else:
            values[key] = draw(st.sampled_from([True, False, False, None]))
    return values


def _answer_of(values):
    def answer_of(step: NextStep) -> Any:
        question = step.question
        assert question is not None
        if question.kind == "group":
            if any(values[code] is None for code in question.codes):
                return None
            return [code for code in question.codes if values[code]]
        if question.kind == "number":
            return values[question.field]
        return values[question.code]

    return answer_of


def _complete(report: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``report`` with every question it did not ask answered from ``values``."""
    asked = {*report.get("present", []), *report.get("absent", []), *report.get("unknown", [])}
    asked |= {name for name in NUMBERS if report.get(name) is not None}
    full = {key: list(report.get(key, [])) for key in ("present", "absent", "unknown")}
    full.update({name: report[name] for name in NUMBERS if report.get(name) is not None})
    for key, value in values.items():
        if key in asked:
            continue
        if key in NUMBERS:
            if value is not None:
                full[key] = value
        elif value is True:
            full["present"].append(key)
        elif value is False:
            full["absent"].append(key)
    return full


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_once_stopped_no_answers_to_the_rest_change_level_or_band_mini(data):
    _sound(MINI_BOOK, data)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_once_stopped_no_answers_to_the_rest_change_level_or_band_shipped(data):
    _sound(default_rulebook(), data)


def _sound(book, data):
    values = _random_answers(book, data.draw)
    final, _, report = _drive(book, _answer_of(values))
    assert final.assessment is not None
    rest = _random_answers(book, data.draw)
    # assess_known_codes: answers that are all "don't know" say nothing, which assess() refuses.
    full = assess_known_codes(parse_report(_complete(report, rest), book, allow_empty=True), book)
    assert full.triage_level is final.assessment.triage_level
    if full.triage_level.value != "emergency":  # an emergency stops with the band provisional
        assert full.likelihood is final.assessment.likelihood


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_terminal_interview_equals_assessing_its_answers(data):
    book = MINI_BOOK
    values = _random_answers(book, data.draw)
    final, _, report = _drive(book, _answer_of(values))

    lines = iter(_terminal_lines(book, values))
    result = run_interview(book, lambda: next(lines, None), lambda _text: None)
    # An interview answered only "don't know" says nothing, which assess() refuses as input.
    validated = SymptomReport.model_validate(report) if isinstance(report, dict) else report
    expected = assess_known_codes(validated, book) if is_empty(validated) else assess(report, book)
    assert result.assessment == final.assessment == expected
    assert set(result.assessment.report.unknown) == set(SymptomReport(**report).unknown)


def _terminal_lines(book, values):
    """Replies to the terminal interview, in the order next_question asks."""
    replies = []
    final_report: dict[str, Any] = {}
    answer_of = _answer_of(values)
    while True:
        step = next_question(final_report, book)
        if step.should_stop:
            return replies
        reply = answer_of(step)
        question = step.question
        assert question is not None
        if question.kind == "group":
            if reply is None:
                replies.append("?")
            else:
                picked = [str(i) for i, code in enumerate(question.codes, 1) if code in reply]
                replies.append(",".join(picked) or "none")
        elif question.kind == "number":
            replies.append("" if reply is None else str(reply))
        else:
            replies.append({True: "y", False: "n", None: "?"}[reply])
        final_report = _answer(final_report, step, reply)

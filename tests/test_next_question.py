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
from psoas_triage.models import Sex
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
    elif question.kind in ("number", "choice"):
        assert question.field is not None
        if reply is None:
            report["unknown"].append(question.field)
        else:
            report[question.field] = reply
    else:
        target = {True: "present", False: "absent", None: "unknown"}[reply]
        report[target].append(question.code)
    return report


def _drive(book, answer_of, limit: int = 200, depth: str = "triage"):
    """A whole interview, the report travelling as JSON between calls (no shared state)."""
    wire = "{}"
    asked: list[NextStep] = []
    for _ in range(limit):
        step = next_question(json.loads(wire), book, depth=depth)  # type: ignore[arg-type]
        step = NextStep.model_validate_json(step.model_dump_json())
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
        if question.kind in ("number", "choice"):
            return numbers.get(question.field or "")
        return question.code in codes

    return answer_of


def test_sex_comes_first_when_a_rule_that_could_change_the_level_reads_it():
    step = next_question({})
    assert not step.should_stop and step.question is not None
    assert step.question.kind == "choice" and step.question.field == "sex"
    assert step.question.options == ("female", "male")
    assert step.question.text == "What is your sex?"
    assert "your sex could make this emergency" in step.question.why
    assert step.progress.asked == 0 and step.progress.remaining_at_most >= 2


def test_then_the_warning_signs_come_in_short_checklists_most_dangerous_first():
    book = default_rulebook()
    report: dict[str, Any] = {"sex": "male", "age": 40}
    asked: list[str] = []
    for _ in range(6):
        step = next_question(report, book)
        assert step.question is not None
        if step.question.kind != "group" or not set(step.question.codes) & {
            sign.code for sign in warning_sign_checklist(book)
        }:
            break
        assert len(step.question.codes) <= 10
        assert "emergency" in step.question.why or "urgent" in step.question.why
        asked += step.question.codes
        report = _answer(report, step, [])
    signs = [sign.code for sign in warning_sign_checklist(book)]
    assert asked[0] == "saddle_numbness"  # the first group holds the emergencies
    assert "vaginal_bleeding" not in asked  # never asked of a man
    assert set(asked) == set(signs) - {"vaginal_bleeding"}


def test_a_level_resting_on_an_unanswered_key_sign_asks_it_before_stopping():
    step = next_question({"present": ["groin_pain", "sudden_onset"], "age": 24, "sex": "male"})
    assert step.assessment is not None and step.assessment.triage_level.value == "emergency"
    assert step.question is not None and step.question.kind == "code"
    assert step.question.code == "scrotal_pain"
    assert "could make this emergency" in step.question.why
    denied = next_question(
        {
            "present": ["groin_pain", "sudden_onset"],
            "absent": ["scrotal_pain"],
            "age": 24,
            "sex": "male",
        }
    )
    assert denied.assessment is not None
    assert denied.assessment.triage_level.value != "emergency"


def test_a_non_warning_group_says_which_level_it_could_change():
    book = MINI_BOOK
    step = next_question({"absent": ["fever"], "pain_intensity": 2}, book)
    assert step.question is not None and step.question.kind == "group"
    assert "groin_pain" in step.question.codes
    assert "could make this consultation" in step.question.why
    assert step.question.changes[0].what == "triage_level"
    assert "groin" in step.question.changes[0].rule_ids


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


@pytest.mark.parametrize("depth", ["triage", "full"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_whole_interview_through_json_equals_assessing_the_answers(case, depth):
    book = default_rulebook()
    codes, numbers = CASES[case]
    assert codes <= set(book.terms)
    final, asked, report = _drive(book, _yes_to(codes, {**numbers, "sex": "female"}), depth=depth)
    assert final.assessment is not None
    assert final.assessment == assess(report, book)
    emergency = final.assessment.triage_level.value == "emergency"
    if depth == "full":
        # an emergency stops at once; otherwise the band is settled before it stops
        assert final.assessment.likelihood_provisional is emergency
    assert len(asked) < len(book.terms)
    person = final.assessment.report
    signs = {
        sign.code
        for sign in warning_sign_checklist(book)
        if book.applies(sign.code, person.sex, person.age)  # never asked otherwise
    }
    if final.assessment.triage_level.value == "self_care":
        assert signs <= set(report["absent"])
    print(f"{case} ({depth}): {len(asked)} questions, {final.assessment.triage_level.value}")


def test_red_flag_case_is_urgent_or_more_and_mild_is_self_care():
    book = default_rulebook()
    codes, numbers = CASES["red flag"]
    red = _drive(book, _yes_to(codes, {**numbers, "sex": "male"}))[0].assessment
    codes, numbers = CASES["mild"]
    mild = _drive(book, _yes_to(codes, {**numbers, "sex": "female"}))[0].assessment
    assert red is not None and red.triage_level.rank >= 2
    assert mild is not None and mild.triage_level.value == "self_care"


# --- should_stop is sound --------------------------------------------------------------------


def _random_answers(book, draw):
    keys = [*book.terms, *NUMBERS]
    values: dict[str, Any] = {"sex": draw(st.sampled_from([None, "female", "male"]))}
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
        if question.kind in ("number", "choice"):
            return values[question.field]
        return values[question.code]

    return answer_of


def _complete(book, report: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``report`` with every question it did not ask answered from ``values``; a code that
    cannot apply to the person (their sex or age) stays unanswered, as it is never true."""
    fields = (*NUMBERS, "sex")
    asked = {*report.get("present", []), *report.get("absent", []), *report.get("unknown", [])}
    asked |= {name for name in fields if report.get(name) is not None}
    full = {key: list(report.get(key, [])) for key in ("present", "absent", "unknown")}
    full.update({name: report[name] for name in fields if report.get(name) is not None})
    if "sex" not in asked and values["sex"] is not None:
        full["sex"] = values["sex"]
    sex = Sex(full["sex"]) if full.get("sex") else None
    for key, value in values.items():
        if key in asked or key == "sex":
            continue
        if key in book.terms and not book.applies(key, sex, full.get("age")):
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
    depth = data.draw(st.sampled_from(["triage", "full"]), label="depth")
    values = _random_answers(book, data.draw)
    final, _, report = _drive(book, _answer_of(values), depth=depth)
    assert final.assessment is not None
    rest = _random_answers(book, data.draw)
    # assess_known_codes: answers that are all "don't know" say nothing, which assess() refuses.
    completed = _complete(book, report, rest)
    full = assess_known_codes(parse_report(completed, book, allow_empty=True), book)
    assert full.triage_level is final.assessment.triage_level
    # the band is settled by a full interview (an emergency stops with it provisional)
    if depth == "full" and full.triage_level.value != "emergency":
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
        elif question.kind == "choice":
            replies.append("?" if reply is None else reply)
        else:
            replies.append({True: "y", False: "n", None: "?"}[reply])
        final_report = _answer(final_report, step, reply)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_question_that_cannot_apply_is_ever_asked(data):
    """Whatever the sex and age, and whatever the answers, a code whose ``applies_to`` rules
    the person out is never asked (and so never left open by the screen)."""
    book = default_rulebook()
    values = _random_answers(book, data.draw)
    values["sex"] = data.draw(st.sampled_from(["female", "male"]), label="sex")
    values["age"] = data.draw(st.integers(0, 100), label="age")
    final, asked, _ = _drive(book, _answer_of(values))
    sex, age = Sex(values["sex"]), values["age"]
    for step in asked:
        question = step.question
        assert question is not None
        codes = question.codes if question.kind == "group" else (question.code,)
        wrong = [code for code in codes if code and not book.applies(code, sex, age)]
        assert wrong == [], (values["sex"], age, wrong)
    assert final.assessment is not None
    left_open = {flag.code for flag in final.assessment.unchecked_red_flags}
    assert all(book.applies(code, sex, age) for code in left_open)

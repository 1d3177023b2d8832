"""``psoas-triage interview``: piped answers, skipping, EOF, and skipping never changes triage."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from psoas_triage import assess, default_rulebook, load_rulebook, warning_sign_checklist
from psoas_triage.cli import app
from psoas_triage.interview import Answers, _ask, questions, run_interview
from psoas_triage.interview import Question as TerminalQuestion
from psoas_triage.models import Sex

ROOT = Path(__file__).resolve().parents[1]
MINI = str(ROOT / "tests" / "fixtures" / "mini_rules")

runner = CliRunner()

FEVER_Q = "Do you have a fever?"
GROIN_Q = "Do you have groin pain?"
SNAP_Q = "Does your hip snap?"
CHECKLIST_Q = "Do you have any of these?"
SEX_Q = "What is your sex?"
NUMBER_TEXTS = {
    "How old": "age",
    "How many days": "duration_days",
    "How strong": "pain_intensity",
}


def interview(answers: str, *extra: str, rules: str | None = MINI, depth: str = "full"):
    """The terminal interview; ``full`` depth by default, as these tests follow the band too."""
    args = ["interview", "--depth", depth, *extra]
    if rules is not None:
        args += ["--rules", rules]
    return runner.invoke(app, args, input=answers)


def test_warning_signs_first_as_one_checklist_then_only_what_can_still_change():
    result = interview("1\nn\n", "--json")
    assert result.exit_code == 0, result.stderr
    first_question = next(line for line in result.stderr.splitlines() if line.startswith("1. "))
    assert CHECKLIST_Q in first_question
    assert f"1) {FEVER_Q}" in result.stderr
    # urgent is the highest level the mini rule book can reach, so pain is never asked; the
    # band is still open, so its findings come next, as one list; "n" there is none
    assert "How strong" not in result.stderr
    assert f"2. {CHECKLIST_Q}" in result.stderr
    assert f"1) {GROIN_Q}" in result.stderr and f"2) {SNAP_Q}" in result.stderr
    data = json.loads(result.stdout)
    assert data["triage_level"] == "urgent"
    assert data["report"]["present"] == ["fever"]
    assert data["report"]["absent"] == ["groin_pain", "hip_snapping"]
    assert data["likelihood_provisional"] is False


def test_full_piped_interview_gives_the_same_json_as_assess():
    result = interview("none\n3\n1,2\n", "--json")
    assert result.exit_code == 0, result.stderr
    expected = assess(
        {"present": ["groin_pain", "hip_snapping"], "absent": ["fever"], "pain_intensity": 3},
        MINI,
    )
    assert result.stdout == expected.to_json() + "\n"
    assert "3 questions answered" in result.stderr
    # age and duration matter to no mini rule: never asked
    assert "How old" not in result.stderr and "How many days" not in result.stderr


def test_a_triage_interview_skips_what_only_moves_the_band():
    # depth triage: after the checklist and the pain, only a finding that could make psoas
    # involvement likely (a consultation) is worth asking; none of them: self-care, band open
    result = interview("none\n2\nnone\n", "--json", depth="triage")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["triage_level"] == "self_care"
    assert set(data["report"]["absent"]) == {"fever", "groin_pain", "hip_snapping"}


def test_severe_pain_reaches_the_highest_level_left_then_the_band_is_asked():
    result = interview("none\n8\n", "--json", "--details")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["triage_level"] == "consultation"
    # the level cannot rise any more, but the band is still open: never shown as settled
    assert f"3. {CHECKLIST_Q}" in result.stderr
    assert data["likelihood_provisional"] is True
    assert data["likelihood_open_questions"] == ["groin_pain", "hip_snapping"]


def test_eof_assesses_what_it_has():
    result = interview("none\n", "--json")
    assert result.exit_code == 0, result.stderr
    assert "end of input" in result.stderr
    data = json.loads(result.stdout)
    assert data["triage_level"] == "self_care"
    assert data["report"]["absent"] == ["fever"]

    nothing = interview("", "--json")
    assert nothing.exit_code == 0
    assert json.loads(nothing.stdout)["report"]["present"] == []


def test_invalid_answers_are_asked_again_then_count_as_unknown():
    result = interview("maybe\nnone\nabc\n11\n3\nmaybe\n1,2\n", "--json")
    assert result.exit_code == 0, result.stderr
    assert "Please answer none, or numbers from 1 to 1" in result.stderr
    assert "Please answer none, or numbers from 1 to 2" in result.stderr
    assert "whole number from 0 to 10" in result.stderr
    assert json.loads(result.stdout)["report"]["pain_intensity"] == 3

    answers = Answers()
    prompts: list[str] = []
    replies = iter(["maybe", "y"])
    code = TerminalQuestion("groin_pain", GROIN_Q, "code")
    assert _ask(code, 1, answers, lambda: next(replies), prompts.append) == "answered"
    assert "   Please answer y (yes), n (no) or ? (don't know).\n" in prompts
    assert answers.present == ["groin_pain"]
    sex = TerminalQuestion("sex", "What is your sex?", "choice", options=("female", "male"))
    replies = iter(["other", "m"])
    assert _ask(sex, 2, answers, lambda: next(replies), prompts.append) == "answered"
    assert answers.choices == {"sex": "male"}

    stubborn = interview("x\nx\nx\n", "--json")
    assert stubborn.exit_code == 0
    assert "counts as don't know" in stubborn.stderr
    assert "fever" not in json.loads(stubborn.stdout)["report"]["present"]


def test_quit_finishes_early_and_human_report():
    result = interview("none\nq\n")
    assert result.exit_code == 0
    assert "finished early" in result.stderr
    assert "TRIAGE: SELF-CARE" in result.stdout
    assert "Test rule book. Not a diagnosis." in result.stdout


def test_help_has_an_example():
    result = runner.invoke(app, ["interview", "--help"])
    assert result.exit_code == 0
    assert "psoas-triage interview" in result.stdout


def test_real_process_with_piped_answers():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSOAS_TRIAGE")}
    env["PSOAS_TRIAGE_CACHE_DIR"] = os.environ["PSOAS_TRIAGE_CACHE_DIR"]  # conftest: not ~/.cache
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "psoas_triage",
            "interview",
            "--rules",
            MINI,
            "--depth",
            "full",
            "--json",
        ],
        input="none\n3\n1,2\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["triage_level"] == "consultation"


# --- skipping is sound: the interview's level equals the level of every answer given ------------


def _scripted(book, replies: dict[str, str]):
    """Drive run_interview, answering each question from ``replies`` by its text."""
    by_text = {question.text: question.key for question in questions(book)}
    prompt: list[str] = []

    def write(text: str) -> None:
        prompt.append(text)

    def read_line() -> str | None:
        last = prompt[-1]
        if SEX_Q in last:
            return replies["sex"]
        if CHECKLIST_Q in last:
            items = re.findall(r"^ +(\d+)\) (.+)$", last, flags=re.MULTILINE)
            ticked = [number for number, text in items if replies[by_text[text]] == "y"]
            return ",".join(ticked) or "none"
        for text, key in by_text.items():
            if f" {text} [" in last:
                return replies[key]
        raise AssertionError(f"unexpected prompt {last!r}")

    return run_interview(book, read_line, write)


def _full_level(book, replies: dict[str, str]):
    """The level of every answer, as the person would give them: a code that cannot apply to
    them (their sex or age) is never asked, so it plays no part."""
    numbers: dict[str, object] = {
        key: int(value)
        for key, value in replies.items()
        if key in ("age", "duration_days", "pain_intensity") and value
    }
    if replies.get("sex") in ("female", "male"):
        numbers["sex"] = replies["sex"]
    sex = Sex(numbers["sex"]) if "sex" in numbers else None
    age = numbers.get("age")
    fits = [key for key in replies if key not in book.terms or book.applies(key, sex, age)]
    present = [key for key in fits if replies[key] == "y"]
    absent = [key for key in fits if replies[key] == "n"]
    return assess({"present": present, "absent": absent, **numbers}, book).triage_level


def _replies(book):
    keys = questions(book)
    warning_signs = {sign.code for sign in warning_sign_checklist(book)}
    strategies = {}
    for question in keys:
        if question.key in warning_signs:
            # the checklist takes yes or no per sign; "don't know" is one answer for all of them
            strategies[question.key] = st.sampled_from(["y", "n", "n", "n"])
        elif question.kind == "code":
            strategies[question.key] = st.sampled_from(["y", "n", "n", "?"])
        else:
            strategies[question.key] = st.one_of(
                st.just(""), st.integers(question.low, question.high).map(str)
            )
    strategies["sex"] = st.sampled_from(["female", "male", "?"])
    return st.fixed_dictionaries(strategies)


MINI_BOOK = load_rulebook(MINI)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_replies(MINI_BOOK))
def test_skipping_never_changes_the_level_mini(replies):
    result = _scripted(MINI_BOOK, replies)
    assert result.assessment.triage_level is _full_level(MINI_BOOK, replies)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_skipping_never_changes_the_level_shipped_rules(data):
    book = default_rulebook()
    replies = data.draw(_replies(book))
    result = _scripted(book, replies)
    assert result.assessment.triage_level is _full_level(book, replies)


def test_all_asks_every_question():
    result = interview("1\n\n\n\n\n\n", "--all", "--json")
    assert result.exit_code == 0, result.stderr
    for text in (FEVER_Q, "How old", "How many days", "How strong", GROIN_Q, SNAP_Q):
        assert text in result.stderr
    assert json.loads(result.stdout)["triage_level"] == "urgent"


# --- the warning-sign checklist -----------------------------------------------------------------


def test_checklist_numbers_tick_those_signs_and_deny_the_rest():
    book = default_rulebook()
    texts = {sign.question: sign.code for sign in warning_sign_checklist(book)}
    replies = iter(["male", "40", "4, 6"] + [""] * 200)
    prompts: list[str] = []
    result = run_interview(book, lambda: next(replies), prompts.append)
    checklist = next(text for text in prompts if CHECKLIST_Q in text)
    items = re.findall(r"^ +(\d+)\) (.+)$", checklist, flags=re.MULTILINE)
    codes = [texts[text] for _, text in items]
    assert 2 <= len(codes) <= 10 and codes[0] == "saddle_numbness"
    assert result.asked[:3] == ("sex", "age", "warning_signs")
    report = result.assessment.report
    assert set(report.present) >= {codes[3], codes[5]}
    assert set(codes) - {codes[3], codes[5]} <= set(report.absent)


def _answering(sex: str, numbers: dict[str, int]):
    """A person who answers every checklist none, every code no, and these numbers."""
    prompts: list[str] = []

    def read_line() -> str | None:
        last = prompts[-1]
        if SEX_Q in last:
            return sex
        if CHECKLIST_Q in last:
            return "none"
        for text, key in NUMBER_TEXTS.items():
            if text in last:
                return str(numbers[key])
        return "n"

    return prompts.append, read_line


def test_checklist_none_clears_the_screen_with_the_shipped_rules():
    write, read_line = _answering("female", {"age": 34, "duration_days": 2, "pain_intensity": 2})
    result = run_interview(default_rulebook(), read_line, write)
    assert result.assessment.unchecked_red_flags == ()
    assert result.assessment.triage_level.value == "self_care"
    assert result.ended_by == "complete"


def test_checklist_dont_know_keeps_the_signs_unchecked_and_self_care_out_of_reach():
    result = interview("?\n\n\n\n", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [flag["code"] for flag in data["unchecked_red_flags"]] == ["fever"]
    assert data["triage_level"] == "consultation"
    assert "warning signs not checked: fever" in data["triage_reasons"][0]


def test_checklist_out_of_range_numbers_are_asked_again():
    result = interview("2\n0x\n1\n", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("Please answer none, or numbers from 1 to 1") == 2
    assert json.loads(result.stdout)["report"]["present"] == ["fever"]

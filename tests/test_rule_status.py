"""Issue 14: a rule's ``status`` means something.

Experimental rules are left out of assessments unless asked for (every door: Python, CLI,
interview, batch, service, Gherkin), lint and coverage still check them, no experimental rule may
set a triage floor or be a red flag, and every rule that is not stable says why.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from psoas_triage import RuleBook, SymptomReport, assess, load_rulebook, next_question
from psoas_triage.batch import run_batch
from psoas_triage.cli import app
from psoas_triage.errors import RuleBookError
from psoas_triage.interview import run_interview
from psoas_triage.lint import lint_directory
from psoas_triage.schema import Rule, Status
from psoas_triage.status import experimental_rule_ids, without_experimental

KNEE = {"present": ["knee_pain", "groin_pain"], "absent": []}
"""Fires the experimental rules knee_pain and knee_pain_with_hip_pain beside groin_pain."""


def _experimental_fixture(mini_copy: Path, extra: str) -> Path:
    """The mini book with its ``groin`` rule made experimental and ``extra`` added to it."""
    rules = mini_copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace(
        "    title: Groin pain\n",
        f"    title: Groin pain\n    status: experimental\n{extra}",
        1,
    )
    rules.write_text(text, encoding="utf-8")
    return mini_copy


# --- what status does in an assessment -----------------------------------------------------------


def test_the_shipped_experimental_rules_are_known(shipped_book: RuleBook) -> None:
    assert experimental_rule_ids(shipped_book) == {
        "high_stress",
        "stress_with_back_pain",
        "training_increase_with_pain",
        "front_of_hip_tightness_with_upright_difficulty",
        "knee_pain",
        "knee_pain_with_hip_pain",
        "pelvic_instability_pattern",
        "muscle_imbalance_with_pain",
        "disc_problem_with_back_pain",
    }


def test_a_default_assessment_leaves_experimental_rules_out_and_names_them() -> None:
    default = assess(KNEE)
    assert default.experimental_included is False
    assert default.fired_rule_ids == ("groin_pain",)
    assert default.experimental_left_out == ("knee_pain", "knee_pain_with_hip_pain")
    assert default.psoas_score == 12


def test_included_experimental_rules_count_and_the_result_says_so() -> None:
    included = assess(KNEE, include_experimental=True)
    assert included.experimental_included is True
    assert set(included.fired_rule_ids) == {"groin_pain", "knee_pain", "knee_pain_with_hip_pain"}
    assert included.experimental_left_out == ()
    assert included.psoas_score == 20
    # The same rule book in both modes: the version names it, not the mode.
    assert included.rulebook_version == assess(KNEE).rulebook_version


def test_a_report_no_experimental_rule_matches_is_the_same_in_both_modes() -> None:
    report = {"present": ["groin_pain", "hip_snapping"], "age": 34}
    default, included = assess(report), assess(report, include_experimental=True)
    assert default.experimental_left_out == ()
    # Only what is still worth asking differs: experimental rules mention more codes.
    mode_parts = {"experimental_included", "likelihood_open_questions"}
    assert default.model_dump(exclude=mode_parts) == included.model_dump(exclude=mode_parts)
    assert set(default.likelihood_open_questions) < set(included.likelihood_open_questions)
    assert "knee_pain" in set(included.likelihood_open_questions) - set(
        default.likelihood_open_questions
    )


def test_the_book_without_experimental_rules_is_built_once_and_shares_the_rules(
    shipped_book: RuleBook,
) -> None:
    view = without_experimental(shipped_book)
    assert view is without_experimental(shipped_book)
    assert len(view.rules) == len(shipped_book.rules) - len(experimental_rule_ids(shipped_book))
    assert all(shipped_book.rule(loaded.rule.id) is loaded for loaded in view.rules)
    assert view.full_version == shipped_book.full_version
    assert view.digest != shipped_book.digest  # its own engines in the engine cache
    assert view.marks_specific_signs is shipped_book.marks_specific_signs


def test_a_book_without_experimental_rules_is_its_own_view(mini_book: RuleBook) -> None:
    assert without_experimental(mini_book) is mini_book


def test_no_shipped_experimental_rule_sets_a_floor_or_is_a_red_flag(
    shipped_book: RuleBook,
) -> None:
    for loaded in shipped_book.rules:
        if loaded.rule.status is Status.experimental:
            assert loaded.rule.triage_floor is None and not loaded.rule.red_flag, loaded.rule.id


def test_back_pain_from_fifty_counts_by_default() -> None:
    """An established red-flag screening item: promoted from experimental, it keeps its floor."""
    result = assess({"present": ["low_back_pain"], "age": 62})
    assert "back_pain_from_age_fifty" in result.fired_rule_ids
    assert result.triage_level.value == "consultation"


def test_every_shipped_rule_that_is_not_stable_says_why(shipped_book: RuleBook) -> None:
    missing = [
        loaded.rule.id
        for loaded in shipped_book.rules
        if loaded.rule.status is not Status.stable and not loaded.rule.status_reason
    ]
    assert missing == []


# --- the schema and lint -------------------------------------------------------------------------


def test_an_omitted_status_is_test_so_the_rule_still_counts(mini_book: RuleBook) -> None:
    assert {loaded.rule.status for loaded in mini_book.rules} == {Status.test}
    assert assess({"present": ["groin_pain"]}, mini_book).psoas_score == 12


@pytest.mark.parametrize(
    "extra",
    ["    triage_floor: consultation\n", "    red_flag: true\n    triage_floor: urgent\n"],
    ids=["floor", "red flag"],
)
def test_an_experimental_rule_with_a_floor_is_refused(mini_copy: Path, extra: str) -> None:
    directory = _experimental_fixture(mini_copy, extra.replace("points: 12\n", ""))
    if "red_flag" in extra:  # a red-flag rule gives no points
        rules = directory / "rules.yaml"
        rules.write_text(
            rules.read_text(encoding="utf-8").replace("    points: 12\n", "", 1), encoding="utf-8"
        )
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(directory)
    assert "experimental rule" in str(caught.value)
    assert "under-triage" in str(caught.value)
    problems = lint_directory(directory)
    assert [(p.rule, p.severity) for p in problems] == [("groin", "error")]
    assert "rules.yaml" in str(problems[0]) and "status test or stable" in str(problems[0])


def test_lint_requires_a_status_reason_for_rules_that_are_not_stable(mini_copy: Path) -> None:
    rules = mini_copy / "rules.yaml"
    reason = "    status_reason: A fixture for the tests, not a clinical rule.\n"
    rules.write_text(rules.read_text(encoding="utf-8").replace(reason, ""), encoding="utf-8")
    problems = [p for p in lint_directory(mini_copy) if "status_reason" in p.message]
    assert [p.rule for p in problems] == ["groin", "groin_snapping", "fever_flag", "severe_pain"]
    assert all(p.severity == "error" for p in problems)
    assert str(problems[0]).endswith(
        "rule groin: status test needs a status_reason: say why the rule is not stable yet "
        "(what evidence is missing)"
    )
    text = rules.read_text(encoding="utf-8").replace(
        "    title: Groin pain\n", "    title: Groin pain\n    status: stable\n", 1
    )
    rules.write_text(text, encoding="utf-8")
    assert "groin" not in [
        p.rule for p in lint_directory(mini_copy) if "status_reason" in p.message
    ]


def test_lint_and_its_examples_still_run_experimental_rules(mini_copy: Path) -> None:
    directory = _experimental_fixture(mini_copy, "")
    rules = directory / "rules.yaml"
    # A wrong example on the experimental rule: lint must still catch it.
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "fires: [{present: [groin_pain]}]", "fires: [{present: [hip_snapping]}]", 1
        ),
        encoding="utf-8",
    )
    messages = [(p.rule, p.message) for p in lint_directory(directory)]
    assert ("groin", "example fires[0] does not fire the rule") in messages


def test_status_reason_is_optional_in_the_schema() -> None:
    rule = Rule.model_validate(
        {
            "id": "some_rule",
            "title": "A rule",
            "description": "Why.",
            "when": {"all": ["groin_pain"]},
            "points": 1,
            "sources": ["test_source"],
            "examples": {"fires": [{"present": ["groin_pain"]}]},
        }
    )
    assert rule.status is Status.test and rule.status_reason is None


# --- every door takes the mode -------------------------------------------------------------------


def test_next_question_assesses_in_the_mode_it_is_given() -> None:
    default = next_question(KNEE)
    included = next_question(KNEE, include_experimental=True)
    assert default.assessment == assess(KNEE)
    assert included.assessment == assess(KNEE, include_experimental=True)


def test_the_interview_assesses_in_the_mode_it_is_given(shipped_book: RuleBook) -> None:
    def run(include: bool) -> tuple[str, ...]:
        answers = iter(["none", "40", "10", "3"])
        result = run_interview(
            shipped_book,
            lambda: next(answers, None),
            lambda _text: None,
            include_experimental=include,
        )
        return result.assessment.experimental_included, result.assessment.report

    (default, report), (included, same_report) = run(False), run(True)
    assert (default, included) == (False, True)
    assert report == same_report


def test_batch_assesses_in_the_mode_it_is_given(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(KNEE) + "\n", encoding="utf-8")
    for include, workers in ((False, 1), (True, 1), (True, 2)):
        output = tmp_path / f"out-{include}-{workers}.jsonl"
        run_batch(source, output, workers=workers, include_experimental=include)
        line = json.loads(output.read_text(encoding="utf-8"))
        assert line == json.loads(assess(KNEE, include_experimental=include).to_json())


runner = CliRunner()


@pytest.mark.parametrize(
    "arguments",
    [
        ["assess", "knee_pain", "groin_pain", "--json"],
        ["assess", "--input", "-", "--json"],
        ["interview", "--json"],
        ["batch", "-", "-q"],
    ],
    ids=["assess", "assess --input", "interview", "batch"],
)
def test_the_cli_takes_experimental(arguments: list[str]) -> None:
    stdin = {
        "assess": json.dumps(KNEE),
        "interview": "none\n40\n10\n3\n" + "y\n" * 3,
        "batch": json.dumps(KNEE) + "\n",
    }[arguments[0]]
    default = runner.invoke(app, arguments, input=stdin)
    included = runner.invoke(app, [*arguments, "--experimental"], input=stdin)
    assert default.exit_code == 0 and included.exit_code == 0, (default.output, included.output)
    default_json = json.loads(
        default.stdout.splitlines()[-1] if "batch" in arguments else default.stdout
    )
    included_json = json.loads(
        included.stdout.splitlines()[-1] if "batch" in arguments else included.stdout
    )
    assert default_json["experimental_included"] is False
    assert included_json["experimental_included"] is True
    assert included_json["experimental_left_out"] == []


def test_the_cli_names_the_rules_it_left_out_in_json() -> None:
    result = runner.invoke(app, ["assess", "knee_pain", "groin_pain", "--json"])
    assert json.loads(result.stdout)["experimental_left_out"] == [
        "knee_pain",
        "knee_pain_with_hip_pain",
    ]


def test_the_service_takes_experimental_as_a_query_parameter() -> None:
    pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
    pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")
    from fastapi.testclient import TestClient

    from psoas_triage.service import create_app

    client = TestClient(create_app())
    default = client.post("/v1/assess", json=KNEE)
    included = client.post("/v1/assess?experimental=true", json=KNEE)
    assert default.status_code == included.status_code == 200
    assert default.text == assess(KNEE).to_json()
    assert included.text == assess(KNEE, include_experimental=True).to_json()
    step = client.post("/v1/next-question?experimental=true", json=KNEE)
    assert step.json()["assessment"]["experimental_included"] is True
    page = client.post("/v1/report?experimental=1", json=KNEE)
    assert page.status_code == 200
    wrong = client.post("/v1/assess?experimental=perhaps", json=KNEE)
    assert wrong.status_code == 422


# --- safety in both modes ------------------------------------------------------------------------


@settings(
    # PSOAS_TEST_SCALE (default 1) scales the run, as in test_fuzz_input.
    max_examples=max(25, int(100 * float(os.environ.get("PSOAS_TEST_SCALE", "1")))),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_including_experimental_rules_never_lowers_the_triage_level(data: st.DataObject) -> None:
    from psoas_triage import default_rulebook

    book = default_rulebook()
    experimental_codes = sorted(
        {
            code
            for loaded in book.rules
            if loaded.rule.status is Status.experimental
            for code in loaded.rule.when.codes()
        }
    )
    codes = st.one_of(st.sampled_from(experimental_codes), st.sampled_from(sorted(book.terms)))
    present = data.draw(st.lists(codes, unique=True, min_size=1, max_size=8), label="present")
    report = SymptomReport(
        present=present,
        age=data.draw(st.none() | st.integers(0, 120), label="age"),
        pain_intensity=data.draw(st.none() | st.integers(0, 10), label="pain"),
    )
    default, included = assess(report, book), assess(report, book, include_experimental=True)
    assert included.triage_level.rank >= default.triage_level.rank
    # The same rules fire, plus the experimental ones the default left out.
    assert set(included.fired_rule_ids) == set(default.fired_rule_ids) | set(
        default.experimental_left_out
    )
    assert {flag.rule_id for flag in included.red_flags} == {
        flag.rule_id for flag in default.red_flags
    }


def test_the_terminal_report_says_the_mode() -> None:
    included = runner.invoke(app, ["assess", "knee_pain", "groin_pain", "--experimental"])
    assert "experimental rules included" in " ".join(included.stdout.split())
    details = " ".join(
        runner.invoke(app, ["assess", "knee_pain", "groin_pain", "--details"]).stdout.split()
    )
    assert "experimental rules left out: knee_pain, knee_pain_with_hip_pain" in details
    plain = runner.invoke(app, ["assess", "knee_pain", "groin_pain"]).stdout
    assert "experimental" not in plain

"""The step plugin as a downstream project sees it: throwaway pytest projects run by pytester.

Each project copies the tiny rule book from tests/fixtures/mini_rules (groin 12 points, groin with
snapping 10 more, fever a red flag with an urgent floor, pain 7+ a consultation floor; bands
possible 10, likely 20) and writes only feature files and a one-line ``scenarios(...)`` module:
the steps come from the ``pytest11`` entry point.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from psoas_triage import load_rulebook
from psoas_triage.bdd import UnknownWordError, duration_in_days, resolve_findings
from psoas_triage.coverage import CoverageError, measure_coverage

pytest_plugins = ["pytester"]

MINI_RULES = Path(__file__).parent / "fixtures" / "mini_rules"

PASSING = """\
Feature: Mini rules
  Scenario: Groin pain and a snapping hip
    Given the rules in "../rules"
    And a person reporting pain in the groin and hip snapping
    And the pain started 3 weeks ago
    And the pain is 5 out of 10
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the psoas score is 22
    And the triage level is "consultation"
    And a physiotherapist is recommended
    And the self-care advice includes "Gentle stretch"
    And the advice cites the source "A source for tests"
    And no red flag is raised

  Scenario Outline: Fever is a red flag
    Given the rules in "../rules"
    And a person reporting <findings>
    When the symptoms are assessed
    Then the red flag "Fever" is raised
    And the triage level is "urgent"
    And a doctor is recommended
    And no self-care advice is offered
    And "An infection" is raised as another cause to discuss

    Examples:
      | findings                 |
      | fever                    |
      | fever and groin pain     |

  Scenario: A full report as a table
    Given the rules in "../rules"
    And a person reports:
      | finding      | answer     |
      | groin pain   | yes        |
      | fever        | no         |
      | hip snapping | unknown    |
      | age          | 41         |
      | pain started | 2 days ago |
      | pain         | 7          |
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "severe_pain" is noted
    And psoas involvement is "possible"

  Scenario: A bad code is refused with a suggestion
    Given the rules in "../rules"
    And a report that lists the code "groin_pian"
    When the symptoms are assessed
    Then the report is rejected
    And the problem is in the field "present[0]"
    And "groin_pain" is suggested
"""

SCENARIOS_MODULE = 'from pytest_bdd import scenarios\n\nscenarios("features")\n'


def make_project(pytester: pytest.Pytester, feature: str, name: str = "mini") -> Path:
    """A project with the mini rules in ./rules, one feature file and the scenarios module."""
    shutil.copytree(MINI_RULES, pytester.path / "rules")
    features = pytester.path / "features"
    features.mkdir()
    (features / f"{name}.feature").write_text(feature, encoding="utf-8")
    pytester.makepyfile(test_downstream_scenarios=SCENARIOS_MODULE)
    return features


def one_scenario(*steps: str, rules_step: bool = True) -> str:
    lines = ["Feature: One", "  Scenario: One case"]
    if rules_step:
        lines.append('    Given the rules in "../rules"')
    lines += [f"    {step}" for step in steps]
    return "\n".join(lines) + "\n"


def test_a_downstream_project_with_only_features_passes(pytester: pytest.Pytester) -> None:
    make_project(pytester, PASSING)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_a_wrong_expectation_fails_with_a_readable_message(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        one_scenario(
            "And a person reporting groin pain and hip snapping",
            "When the symptoms are assessed",
            'Then the triage level is "emergency"',
        ),
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*triage level: expected "emergency", got "consultation" because '
            "psoas involvement is likely (consultation)*"
        ]
    )
    result.stdout.fnmatch_lines(["*rules fired: groin, groin_snapping*"])


@pytest.mark.parametrize(
    ("then", "message"),
    [
        ('Then psoas involvement is "unlikely"', '*expected "unlikely", got "likely"*'),
        ("Then a doctor is recommended", "*doctor is not recommended; recommended: *"),
        ('Then the red flag "Fever" is raised', "*red flag fever_flag was not raised*"),
        ("Then the report is rejected", "*expected the report to be rejected, but it was*"),
        ('Then the advice includes "When to seek hlp"', "*unknown advice item*seek_help*"),
        ("Then the psoas score is at most 10", "*psoas score: expected at most 10, got 22*"),
    ],
)
def test_each_kind_of_wrong_outcome_fails(pytester: pytest.Pytester, then: str, message: str):
    make_project(
        pytester,
        one_scenario(
            "And a person reporting groin pain and hip snapping",
            "When the symptoms are assessed",
            then,
        ),
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])


def test_an_unknown_label_fails_with_did_you_mean(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        one_scenario(
            "And a person reporting grion pain",
            "When the symptoms are assessed",
            'Then the triage level is "self-care"',
        ),
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown finding 'grion pain' (did you mean: 'groin pain'?)*"])


def test_a_missing_rule_directory_is_named(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        one_scenario(
            'Given the rules in "no/such/dir"',
            "When the symptoms are assessed",
            'Then the triage level is "self-care"',
            rules_step=False,
        ),
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no rule directory 'no/such/dir'*"])


FEVER_ONLY = (
    "Given a person reporting fever",
    "When the symptoms are assessed",
    'Then the red flag "fever_flag" is raised',
)


@pytest.mark.parametrize("how", ["option", "ini", "fixture"])
def test_the_rule_directory_can_be_chosen_without_a_step(pytester: pytest.Pytester, how: str):
    make_project(pytester, one_scenario(*FEVER_ONLY, rules_step=False))
    args = ["-p", "no:cacheprovider"]
    if how == "option":
        args += ["--psoas-rules", str(pytester.path / "rules")]
    elif how == "ini":
        pytester.makeini("[pytest]\npsoas_rules = rules\n")
    else:
        pytester.makeconftest(
            "import pathlib, pytest\n\n"
            "@pytest.fixture\n"
            "def psoas_rules_dir():\n"
            "    return pathlib.Path(__file__).parent / 'rules'\n"
        )
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1)


def test_without_a_choice_the_shipped_rules_are_used(pytester: pytest.Pytester) -> None:
    # The mini book's "fever_flag" id does not exist in the shipped book: the step says so.
    make_project(pytester, one_scenario(*FEVER_ONLY, rules_step=False))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown rule 'fever_flag'*"])


def test_a_table_answer_that_is_not_yes_or_no_fails(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        one_scenario(
            "And a person reports:",
            "  | finding    | answer |",
            "  | groin pain | maybe  |",
            "When the symptoms are assessed",
            'Then the triage level is "self-care"',
        ),
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown answer 'maybe'*"])


def test_the_coverage_option_lists_rules_no_scenario_fired(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        one_scenario(
            "And a person reporting groin pain",
            "When the symptoms are assessed",
            'Then the finding "Groin pain" is noted',
        ),
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--psoas-rules", "rules", "--psoas-rule-coverage"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*mini test rule book*1/4 rules fired by scenarios (25.0%)",
            "*never fired: groin_snapping (Groin pain with snapping)",
            "*never fired: fever_flag (Fever)",
            "*never fired: severe_pain (Severe pain)",
        ]
    )


def test_measure_coverage_counts_what_the_engine_fired(pytester: pytest.Pytester) -> None:
    features = make_project(pytester, PASSING)
    (features / "extra.feature").write_text(
        one_scenario(
            "And a person reporting groin pain",
            "And the pain is 9 out of 10",
            "When the symptoms are assessed",
            'Then the triage level is "consultation"',
            'And the finding "Severe pain" is noted',
        ),
        encoding="utf-8",
    )
    report = measure_coverage(features, pytester.path / "rules")
    assert report.total == 4
    assert report.covered == ("groin", "groin_snapping", "fever_flag", "severe_pain")
    assert report.uncovered == ()
    assert report.percent == 100.0
    assert report.scenario_counts == {"extra.feature": 1, "mini.feature": 5}
    assert report.failed == ()


def test_measure_coverage_reports_uncovered_rules_and_failures(pytester: pytest.Pytester):
    features = make_project(
        pytester,
        one_scenario(
            "And a person reporting groin pain",
            "And the pain is 9 out of 10",
            "When the symptoms are assessed",
            'Then the triage level is "emergency"',
        ),
    )
    report = measure_coverage(features / "mini.feature", pytester.path / "rules")
    # The scenario fails, yet the rules its report fired are covered: coverage is about firing.
    assert report.covered == ("groin", "severe_pain")
    assert report.uncovered == ("groin_snapping", "fever_flag")
    assert report.percent == 50.0
    assert report.scenario_counts == {"mini.feature": 1}
    assert len(report.failed) == 1
    assert "never fired: fever_flag (Fever)" in report.summary()


def test_measure_coverage_ignores_assessments_with_other_rules(pytester: pytest.Pytester):
    features = make_project(pytester, one_scenario(*FEVER_ONLY))
    other = pytester.path / "other_rules"
    shutil.copytree(MINI_RULES, other)
    report = measure_coverage(features, other)
    assert report.covered == ()
    assert report.percent == 0.0


def test_measure_coverage_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CoverageError, match="no features"):
        measure_coverage(tmp_path / "missing", MINI_RULES)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CoverageError, match=r"no \.feature files"):
        measure_coverage(tmp_path / "empty", MINI_RULES)


# --- the step language on its own -----------------------------------------------------------------


def test_findings_resolve_labels_synonyms_and_codes(mini_book) -> None:
    assert resolve_findings(mini_book, "pain in the groin and hip_snapping") == [
        "groin_pain",
        "hip_snapping",
    ]
    assert resolve_findings(mini_book, '"Groin Pain", "fever"') == ["groin_pain", "fever"]
    with pytest.raises(UnknownWordError, match="did you mean: 'fever'"):
        resolve_findings(mini_book, "groin pain and fevr")


def test_a_label_holding_and_or_a_comma_stays_whole(shipped_book) -> None:
    codes = resolve_findings(
        shipped_book,
        "pins and needles in the leg, worse with walking, running, jumping or climbing and "
        "groin pain",
    )
    assert codes == [
        shipped_book.code_for("pins and needles in the leg"),
        shipped_book.code_for("worse with walking, running, jumping or climbing"),
        "groin_pain",
    ]


@pytest.mark.parametrize(
    ("text", "days"),
    [("3 weeks ago", 21), ("10 days", 10), ("2 months ago", 60), ("a year ago", 365), ("today", 0)],
)
def test_durations_in_plain_words(text: str, days: int) -> None:
    assert duration_in_days(text) == days


def test_an_unclear_duration_is_refused() -> None:
    with pytest.raises(UnknownWordError, match="unknown duration 'a while ago'"):
        duration_in_days("a while ago")


def test_the_mini_rules_are_the_ones_these_tests_assume() -> None:
    book = load_rulebook(MINI_RULES)
    assert [loaded.rule.id for loaded in book.rules] == [
        "groin",
        "groin_snapping",
        "fever_flag",
        "severe_pain",
    ]


@pytest.mark.parametrize(
    ("then", "message"),
    [
        ("Then no warning sign is left unchecked", "*warning signs left unchecked: ?'fever'?*"),
        ('Then the warning sign "fever" is not listed as not checked', "*fever is listed*"),
        ('Then the warning sign "fevr" is listed as not checked', "*'fevr' is not a warning*"),
    ],
)
def test_the_warning_sign_steps_fail_readably(pytester: pytest.Pytester, then: str, message: str):
    make_project(
        pytester,
        one_scenario(
            "And a person reporting groin pain and hip snapping",
            "When the symptoms are assessed",
            then,
        ),
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])


def test_the_warning_sign_steps_pass_when_they_hold(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        one_scenario(
            "And a person reporting groin pain and hip snapping",
            "When the symptoms are assessed",
            'Then the warning sign "fever" is listed as not checked',
        ),
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)

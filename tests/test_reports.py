"""Bad input gets a ReportError naming the field, the value and the closest valid code."""

from __future__ import annotations

import pytest

from psoas_triage import (
    ReportError,
    RuleBook,
    SymptomReport,
    assess,
    parse_report,
    parse_report_json,
)


def test_unknown_code_names_position_and_suggests_the_closest(mini_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report({"present": ["groin_pain", "hip_snaping"]}, mini_book)
    (problem,) = caught.value.problems
    assert problem.field == "present[1]"
    assert problem.value == "hip_snaping"
    assert problem.suggestions[0] == "hip_snapping"
    assert "did you mean: hip_snapping" in str(caught.value)


def test_a_near_miss_of_a_label_is_not_guessed(mini_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report({"present": ["Groin pian"]}, mini_book)
    assert caught.value.problems[0].suggestions == ("groin_pain",)


def test_unknown_absent_codes_are_errors_too(mini_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report({"absent": ["fevre"]}, mini_book)
    assert caught.value.problems[0].field == "absent[0]"
    assert caught.value.problems[0].suggestions == ("fever",)


def test_every_problem_is_reported_at_once(mini_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report({"age": 200, "pain_intensity": 12, "sympton": []}, mini_book)
    fields = sorted(problem.field for problem in caught.value.problems)
    assert fields == ["age", "pain_intensity", "sympton"]
    unknown = next(p for p in caught.value.problems if p.field == "sympton")
    assert "a report has: present, absent" in unknown.message


def test_contradiction_is_reported_on_the_report(mini_book: RuleBook) -> None:
    with pytest.raises(ReportError, match="both present and absent: fever"):
        parse_report({"present": ["fever"], "absent": ["fever"]}, mini_book)


@pytest.mark.parametrize("data", [None, "groin_pain", ["groin_pain"], 42])
def test_non_mappings_are_refused_with_a_report_error(data: object, mini_book: RuleBook) -> None:
    with pytest.raises(ReportError, match="expected a mapping"):
        parse_report(data, mini_book)  # type: ignore[arg-type]


def test_json_input_is_validated_the_same_way(mini_book: RuleBook) -> None:
    report = parse_report_json('{"present": ["groin_pain"], "age": 30}', mini_book)
    assert report == SymptomReport(present=["groin_pain"], age=30)
    with pytest.raises(ReportError, match="not valid JSON"):
        parse_report_json("{present", mini_book)
    with pytest.raises(ReportError, match="unknown symptom code 'groin'"):
        parse_report_json('{"present": ["groin"]}', mini_book)


def test_a_report_built_elsewhere_is_still_checked_against_the_vocabulary(
    mini_book: RuleBook,
) -> None:
    with pytest.raises(ReportError, match="unknown symptom code 'knee_pain'"):
        assess(SymptomReport(present=["knee_pain"]), mini_book)


def test_error_records_are_json_ready(mini_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report({"present": ["groin_pian"]}, mini_book)
    record = caught.value.to_dict()
    assert record["error"] == "invalid_report"
    assert record["problems"] == [
        {
            "field": "present[0]",
            "message": "unknown symptom code 'groin_pian'",
            "value": "groin_pian",
            "suggestions": ["groin_pain"],
        }
    ]


def test_suggestions_also_match_labels_and_synonyms(shipped_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report({"present": ["snaping hip"]}, shipped_book)
    assert caught.value.problems[0].suggestions[0] == "hip_snapping"


def test_unknown_codes_are_reported_with_shape_problems_in_one_go(mini_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report({"present": ["groin_pian", 5], "age": 200}, mini_book)
    fields = [problem.field for problem in caught.value.problems]
    assert sorted(fields) == ["age", "present[0]", "present[1]"]
    unknown = next(p for p in caught.value.problems if p.field == "present[0]")
    assert unknown.suggestions == ("groin_pain",)

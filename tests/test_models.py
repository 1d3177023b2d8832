"""SymptomReport shape checks and the ordering of triage levels."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from psoas_triage import SymptomReport, TriageLevel


def test_triage_levels_rank_from_self_care_to_emergency() -> None:
    ranks = [level.rank for level in TriageLevel]
    assert [level.value for level in TriageLevel] == [
        "emergency",
        "urgent",
        "consultation",
        "self_care",
    ]
    assert ranks == [3, 2, 1, 0]


def test_most_urgent_picks_the_highest_rank_and_defaults_to_self_care() -> None:
    assert (
        TriageLevel.most_urgent(TriageLevel.consultation, TriageLevel.urgent) is TriageLevel.urgent
    )
    assert TriageLevel.most_urgent() is TriageLevel.self_care


def test_report_keeps_codes_and_numbers() -> None:
    report = SymptomReport(present=["groin_pain"], absent=["fever"], age=34, pain_intensity=5)
    assert report.present == ("groin_pain",)
    assert report.absent == ("fever",)
    assert (report.age, report.duration_days, report.pain_intensity) == (34, None, 5)


def test_repeated_codes_are_kept_once_in_first_order() -> None:
    report = SymptomReport(present=["hip_pain", "groin_pain", "hip_pain"])
    assert report.present == ("hip_pain", "groin_pain")


def test_a_code_cannot_be_both_present_and_absent() -> None:
    with pytest.raises(ValidationError, match="both present and absent: fever"):
        SymptomReport(present=["fever", "groin_pain"], absent=["fever"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("age", -1),
        ("age", 121),
        ("pain_intensity", 11),
        ("pain_intensity", -1),
        ("duration_days", -3),
        ("age", "34"),
        ("age", True),
        ("pain_intensity", 6.5),
    ],
)
def test_numbers_out_of_range_or_of_the_wrong_type_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        SymptomReport.model_validate({field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        SymptomReport.model_validate({"present": [], "symptoms": ["groin_pain"]})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_report_is_immutable() -> None:
    report = SymptomReport(present=["groin_pain"])
    with pytest.raises(ValidationError):
        report.age = 40  # type: ignore[misc]


def test_enums_print_as_their_value() -> None:
    from psoas_triage.models import Likelihood, Professional, TriageLevel

    assert str(TriageLevel.consultation) == "consultation"
    assert f"{TriageLevel.self_care}" == "self_care"
    assert str(Likelihood.likely) == "likely"
    assert str(Professional.doctor) == "doctor"

"""The public API end to end on the shipped rules: one test per triage level and the essentials."""

from __future__ import annotations

from pathlib import Path

import psoas_triage
from psoas_triage import (
    Assessment,
    Likelihood,
    Professional,
    SymptomReport,
    TriageLevel,
    assess,
    warning_sign_checklist,
)

MINI_RULES = Path(__file__).parent / "fixtures" / "mini_rules"
NO_WARNING_SIGN = [sign.code for sign in warning_sign_checklist()]
"""Every warning sign denied: the checklist answered "none" (self-care needs it)."""


def _professionals(result: Assessment) -> list[Professional]:
    return [referral.professional for referral in result.referrals]


def test_the_readme_example() -> None:
    result = assess(
        {
            "present": ["groin_pain", "hip_snapping", "pain_lifting_leg"],
            "absent": ["fever"],
            "age": 34,
            "duration_days": 10,
            "pain_intensity": 5,
        }
    )
    assert result.triage_level is TriageLevel.consultation
    assert result.likelihood is Likelihood.likely
    assert 45 <= result.psoas_score <= 100
    assert result.red_flags == ()
    assert Professional.physiotherapist in _professionals(result)
    assert {"groin_pain", "hip_snapping"} <= {
        code
        for finding in result.findings
        for code in psoas_triage.default_rulebook().rule(finding.rule_id).rule.when.codes()
    }
    assert result.advice.self_care, "a likely psoas picture without red flags gets self-care"
    assert "not a diagnosis" in result.disclaimer.lower()


def test_self_care_for_a_mild_recent_single_finding() -> None:
    result = assess(
        {
            "present": ["low_back_stiffness"],
            "absent": NO_WARNING_SIGN,
            "duration_days": 2,
            "pain_intensity": 2,
        }
    )
    assert result.triage_level is TriageLevel.self_care
    assert result.unchecked_red_flags == ()
    assert result.likelihood is Likelihood.unlikely
    assert result.red_flags == ()
    assert result.advice.self_care, "general self-care is offered even when psoas is unlikely"
    assert result.advice.seek_help, "self-care always comes with when to seek help"


def test_consultation_for_pain_lasting_more_than_a_week() -> None:
    stiff = {"present": ["low_back_stiffness"], "absent": NO_WARNING_SIGN, "pain_intensity": 2}
    short = assess({**stiff, "duration_days": 7})
    long = assess({**stiff, "duration_days": 8})
    assert short.triage_level is TriageLevel.self_care
    assert long.triage_level is TriageLevel.consultation
    assert Professional.doctor in _professionals(long)


def test_consultation_for_severe_pain_a_limp_or_surgery() -> None:
    for report in (
        {"present": ["low_back_stiffness"], "pain_intensity": 7},
        {"present": ["limp"]},
        {"present": ["hip_replacement"]},
        {"present": ["recent_surgery"]},
    ):
        assert assess(report).triage_level is TriageLevel.consultation, report


def test_the_doctor_is_among_referrals_after_hip_replacement_or_with_arthritis() -> None:
    for code in ("hip_replacement", "recent_surgery", "hip_arthritis"):
        result = assess({"present": [code, "groin_pain"]})
        assert Professional.doctor in _professionals(result), code


def test_urgent_for_fever_with_groin_pain_and_no_self_care() -> None:
    result = assess({"present": ["fever", "groin_pain", "hip_snapping"]})
    assert result.triage_level is TriageLevel.urgent
    assert result.red_flags[0].triage_floor is TriageLevel.urgent
    assert "fever" in result.red_flags[0].title.lower()
    assert Professional.doctor in _professionals(result)
    assert result.advice.self_care == ()


def test_emergency_overrides_a_strong_psoas_picture() -> None:
    result = assess(
        {
            "present": [
                "saddle_numbness",
                "groin_pain",
                "hip_snapping",
                "front_of_hip_pain",
                "runner",
            ]
        }
    )
    assert result.likelihood is Likelihood.likely
    assert result.triage_level is TriageLevel.emergency
    assert _professionals(result)[0] is Professional.emergency_department
    assert result.advice.self_care == ()
    assert result.red_flags[0].triage_floor is TriageLevel.emergency


def test_findings_carry_points_and_sources_that_add_up_to_the_score() -> None:
    result = assess({"present": ["groin_pain", "hip_snapping", "runner"]})
    total = sum(finding.points for finding in result.findings)
    assert result.psoas_score == max(0, min(100, total))
    book = psoas_triage.default_rulebook()
    for finding in result.findings:
        assert finding.sources and set(finding.sources) <= set(book.sources)


def test_json_round_trips_exactly() -> None:
    result = assess({"present": ["groin_pain", "fever"], "age": 50})
    again = Assessment.model_validate_json(result.model_dump_json())
    assert again == result
    assert again.report == SymptomReport(present=["groin_pain", "fever"], age=50)


def test_a_custom_rule_directory_can_be_passed_by_path() -> None:
    result = assess({"present": ["groin_pain", "hip_snapping"]}, MINI_RULES)
    assert result.fired_rule_ids == ("groin", "groin_snapping")
    assert result.rulebook_version.startswith("0.0.1+")
    assert result.disclaimer == "Test rule book. Not a diagnosis."


def test_alternatives_list_the_rules_that_raised_them() -> None:
    result = assess({"present": ["pain_below_knee", "leg_numbness_tingling", "low_back_pain"]})
    assert result.alternatives
    fired = set(result.fired_rule_ids)
    for alternative in result.alternatives:
        assert set(alternative.rule_ids) <= fired
    assert result.triage_level.rank >= TriageLevel.consultation.rank

"""Issue 25 (first part): advice that fits the person. Each context of the issue, through the
shipped book, holds back what its guidance says and offers what it recommends."""

from __future__ import annotations

from typing import Any

from psoas_triage import Assessment, Professional, assess, warning_sign_checklist


def reasons(result: Assessment) -> list[str]:
    """The reasons the result gives for advice held back."""
    return [item.reason for item in result.advice.held_back]


SIGNS = [sign.code for sign in warning_sign_checklist()]
HANDS_ON = {
    Professional.chiropractor,
    Professional.massage_therapist,
    Professional.fitness_trainer,
}


def _screened(present: list[str], **context: Any) -> Assessment:
    absent = [code for code in SIGNS if code not in present]
    return assess({"present": present, "absent": absent, **context})


def _offered(result: Assessment) -> set[str]:
    """Every self-care item offered, in the short list or beyond it."""
    return {item.id for item in (*result.advice.self_care, *result.more.self_care)}


def _referred(result: Assessment) -> set[Professional]:
    """Every professional referred to, in the short list or beyond it."""
    every = (*result.referrals, *result.more.referrals)
    return {referral.professional for referral in every}


def test_later_pregnancy_holds_back_lunges_kneeling_stretches_and_one_leg_loading() -> None:
    result = _screened(
        [
            "possible_pregnancy",
            "pregnant_14_weeks_or_more",
            "groin_pain",
            "pain_sit_to_stand",
            "front_of_hip_pain",
            "pain_lifting_leg",
        ],
        age=31,
        sex="female",
        duration_days=3,
        pain_intensity=4,
    )
    assert not {"lunges", "kneeling_psoas_stretch", "standing_leg_lifts"} & _offered(result)
    assert any("lunges" in reason for reason in reasons(result))
    assert not HANDS_ON & _referred(result)
    assert Professional.midwife in _referred(result)


def test_weeks_after_an_operation_no_manipulation_massage_or_trainer_referral() -> None:
    result = _screened(
        ["recent_surgery", "hip_replacement", "groin_pain", "hip_snapping", "pain_lifting_leg"],
        age=68,
        sex="female",
    )
    referred = _referred(result)
    assert not (HANDS_ON | {Professional.osteopathic_physician}) & referred
    assert Professional.doctor in referred


def test_on_a_blood_thinner_no_anti_inflammatories_and_the_bleeding_signs_are_named() -> None:
    result = _screened(
        ["anticoagulant_use", "low_back_pain", "pain_sit_to_stand"], age=70, sex="male"
    )
    avoid = {item.id: item.text for item in result.advice.avoid}
    assert "ibuprofen" in avoid["no_anti_inflammatories_on_blood_thinners"]
    seek = " ".join(item.text for item in result.advice.seek_help)
    assert "thigh becomes numb or weak" in seek and "faint" in seek
    assert Professional.massage_therapist not in _referred(result)


def test_every_referral_held_back_is_explained_with_its_source() -> None:
    cases = {
        "blood_thinner": _screened(
            ["anticoagulant_use", "groin_pain", "hip_snapping", "pain_lifting_leg"], age=50
        ),
        "pregnancy": _screened(
            ["pregnant_14_weeks_or_more", "groin_pain", "hip_snapping"], age=30, sex="female"
        ),
        "after_surgery": _screened(
            ["recent_surgery", "groin_pain", "hip_snapping", "pain_lifting_leg"], age=60
        ),
    }
    for holdback_id, result in cases.items():
        held = {item.id: item for item in result.advice.held_back}
        assert holdback_id in held, (holdback_id, list(held))
        assert held[holdback_id].sources and held[holdback_id].evidence_grade.value == "guideline"
        assert not {Professional.chiropractor, Professional.massage_therapist} & _referred(result)


def test_without_the_context_the_advice_is_unchanged() -> None:
    result = _screened(
        ["groin_pain", "hip_snapping", "pain_lifting_leg", "front_of_hip_pain"],
        age=30,
        sex="female",
        duration_days=3,
        pain_intensity=3,
    )
    assert "no_anti_inflammatories_on_blood_thinners" not in {i.id for i in result.advice.avoid}
    assert HANDS_ON & _referred(result)


def test_the_first_three_days_after_an_injury_hold_back_heat_stretching_and_massage() -> None:
    strain = ["groin_pain", "sudden_movement_strain", "kicking_sports", "pain_lifting_leg"]
    day_one = _screened(strain, age=24, sex="male", duration_days=1, pain_intensity=4)
    loading = {"stretch", "release", "heat", "strengthen"}
    assert not {item.category for item in day_one.advice.self_care} & loading
    assert "first_days_after_an_injury" in {item.id for item in day_one.advice.avoid}
    assert "first_days_after_an_injury" in {item.id for item in day_one.advice.held_back}
    assert not {Professional.massage_therapist, Professional.chiropractor} & _referred(day_one)
    day_ten = _screened(strain, age=24, sex="male", duration_days=10, pain_intensity=4)
    assert "first_days_after_an_injury" not in {item.id for item in day_ten.advice.avoid}
    assert "first_days_after_an_injury" not in {item.id for item in day_ten.advice.held_back}
    assert Professional.massage_therapist in _referred(day_ten)


def test_a_child_gets_no_adult_routine() -> None:
    result = _screened(["limp", "hip_pain"], age=7, sex="male", duration_days=2, pain_intensity=3)
    adult = {"posture_breaks", "gradual_training", "long_drive_breaks"}
    assert not adult & _offered(result)
    teen = _screened(
        ["groin_pain", "hip_snapping", "pain_lifting_leg", "runner"], age=13, duration_days=5
    )
    assert teen.likelihood.value != "unlikely"  # a psoas picture, which refers therapists
    assert not HANDS_ON & _referred(teen)
    assert any("children" in reason for reason in reasons(teen))
    assert any("children" in reason for reason in reasons(result))


UNSUPPORTED = [
    "releases the psoas",
    "safe way to strengthen the psoas",
    "linked with the diaphragm, so",
    "sitting keeps the psoas short",
    "past the toes",
    "cruise control",
    "have had cancer before, or",
]
"""Statements issue 25 found wrong or stated more surely than the evidence allows."""


def test_no_advice_text_makes_the_unsupported_claims() -> None:
    from psoas_triage import default_rulebook

    book = default_rulebook()
    texts = [f"{item.title} {item.text}" for item in book.advice.advice]
    texts += [holdback.reason for holdback in book.advice.holdbacks]
    found = [(claim, text[:60]) for text in texts for claim in UNSUPPORTED if claim in text]
    assert found == []

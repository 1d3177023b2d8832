"""One test per defect found in review or by fuzzing, so none comes back.

Each docstring says what was wrong. Expectations come from the clinical reasoning in the
review, not from copying current outputs.
"""

from __future__ import annotations

import pytest

from psoas_triage import ReportError, TriageLevel, assess, warning_sign_checklist


def test_cancer_history_with_groin_pain_is_urgent() -> None:
    """Spread of cancer to the hip or pelvis often hurts in the groin or front of the thigh; the
    cancer and weight-loss red flags once listed back, pelvic and hip pain only, so groin pain
    after cancer got 'consultation'."""
    for warning in ("history_of_cancer", "unexplained_weight_loss"):
        for pain in ("groin_pain", "front_of_hip_pain", "buttock_pain"):
            result = assess({"present": [warning, pain]})
            assert result.triage_level is TriageLevel.urgent, (warning, pain)


def test_back_pain_from_age_fifty_is_not_left_to_self_care() -> None:
    """No rule used age, so new low back pain at 75 was 'self_care'; red-flag screening asks for
    a professional's look from 50."""
    assert assess({"present": ["low_back_pain"], "age": 75}).triage_level is (
        TriageLevel.consultation
    )
    screened = {"absent": [sign.code for sign in warning_sign_checklist()]}
    young = assess({"present": ["low_back_pain"], "age": 30, **screened})
    assert young.triage_level is TriageLevel.self_care


def test_no_stretching_or_strengthening_is_offered_after_hip_replacement() -> None:
    """Kneeling psoas stretches and lunges were offered after a hip replacement, next to advice
    to clear exercise with the surgeon first."""
    for history in ("hip_replacement", "recent_surgery"):
        result = assess({"present": [history, "groin_pain", "hip_snapping"]})
        categories = {item.category for item in result.advice.self_care}
        assert not categories & {"stretch", "release", "strengthen", "heat"}, history
        assert result.advice.self_care, "gentle general advice is still offered"


def test_a_deeply_nested_report_is_a_report_error() -> None:
    """Fuzzing found a report nested 100,000 levels deep escaping as RecursionError."""
    nested: object = "groin_pain"
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(ReportError):
        assess({"present": nested})

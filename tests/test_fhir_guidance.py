"""``to_guidance_response``: a NextStep as a FHIR R4B GuidanceResponse, validated by fhir.resources,
and the provisional band shown in the RiskAssessment."""

from __future__ import annotations

import pytest

pytest.importorskip("fhir.resources.R4B.guidanceresponse")

from fhir.resources.R4B.guidanceresponse import GuidanceResponse

from psoas_triage import assess, next_question, warning_sign_checklist
from psoas_triage.fhir import to_guidance_response, to_risk_assessment


def _valid(resource: GuidanceResponse) -> GuidanceResponse:
    """Parse the JSON back through the R4B model: what a receiving system would do."""
    return GuidanceResponse.model_validate_json(resource.model_dump_json())


def test_data_required_carries_the_checklist_codes_and_why():
    step = next_question({"sex": "female", "age": 40})
    assert step.question is not None and step.question.kind == "group"
    response = _valid(to_guidance_response(step, subject="Patient/example"))
    assert response.status == "data-required"
    assert response.subject.reference == "Patient/example"
    codes = [coding.code for coding in response.dataRequirement[0].codeFilter[0].code]
    assert codes == list(step.question.codes)
    assert set(codes) <= {sign.code for sign in warning_sign_checklist()}
    assert response.dataRequirement[0].codeFilter[0].path == "item.linkId"
    assert response.reasonCode[0].text == step.question.why


@pytest.mark.parametrize(("report", "kind"), [({"sex": "male"}, "number"), ({}, "choice")])
def test_data_required_for_a_number_or_the_sex_names_the_field(report, kind):
    step = next_question(report)
    assert step.question is not None and step.question.kind == kind
    response = _valid(to_guidance_response(step))
    assert response.dataRequirement[0].codeFilter[0].code[0].code == step.question.field
    assert response.note[0].text == step.question.text


def test_success_contains_the_risk_assessment():
    report = {"present": ["saddle_numbness", "low_back_pain"]}
    step = next_question(report)
    assert step.should_stop
    response = _valid(to_guidance_response(step))
    assert response.status == "success"
    assert response.outputParameters.reference == "#output"
    risk = response.contained[0].parameter[0].resource
    assert risk.get_resource_type() == "RiskAssessment"
    level = next(ext for ext in risk.extension if ext.valueCoding is not None)
    assert level.valueCoding.code == step.assessment.triage_level.value
    assert response.note[0].text == step.assessment.disclaimer


def test_a_provisional_band_shows_in_the_risk_assessment():
    assessment = assess({"present": ["groin_pain"]})
    assert assessment.likelihood_provisional
    risk = to_risk_assessment(assessment)
    assert "(provisional)" in risk.prediction[0].qualitativeRisk.text
    assert "Provisional" in risk.prediction[0].rationale
    book_codes = {"present": ["saddle_numbness", "low_back_pain"]}
    assert (
        "(provisional)" in to_risk_assessment(assess(book_codes)).prediction[0].qualitativeRisk.text
    )
    open_keys = assessment.likelihood_open_questions
    numbers = {key: 0 for key in open_keys if key in ("age", "duration_days", "pain_intensity")}
    settled = assess(
        {
            "present": ["groin_pain"],
            "absent": [key for key in open_keys if key not in numbers],
            **numbers,
        }
    )
    assert not settled.likelihood_provisional
    assert "(provisional)" not in to_risk_assessment(settled).prediction[0].qualitativeRisk.text

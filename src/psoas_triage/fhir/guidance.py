"""A NextStep as a FHIR R4B GuidanceResponse: "data required" with the next question, or
"success" with the RiskAssessment.

- ``status`` ``data-required`` while the interview goes on: ``dataRequirement`` asks for a
  QuestionnaireResponse whose ``item.linkId`` is the question's code, field or the checklist's
  codes (the linkIds of ``to_questionnaire``); ``reasonCode`` carries why it is asked, ``note``
  the question text;
- ``status`` ``success`` once ``should_stop``: the RiskAssessment (``to_risk_assessment``) in a
  contained Parameters resource, referenced by ``outputParameters``.

Every resource is built from the fhir.resources models, so it is validated when made.
"""

from __future__ import annotations

from psoas_triage.fhir.items import VOCABULARY_SYSTEM
from psoas_triage.fhir.r4b import (
    Annotation,
    CodeableConcept,
    Coding,
    DataRequirement,
    DataRequirementCodeFilter,
    GuidanceResponse,
    Parameters,
    ParametersParameter,
    Reference,
)
from psoas_triage.fhir.risk import to_risk_assessment
from psoas_triage.models import NextStep
from psoas_triage.rulebook import RuleBook

MODULE_URI = "urn:psoas-triage:next-question"
OUTPUT_ID = "output"


def to_guidance_response(
    next_step: NextStep,
    *,
    subject: str | None = None,
    rulebook: RuleBook | None = None,
) -> GuidanceResponse:
    """A validated R4B GuidanceResponse for ``next_step`` (see the module docstring)."""
    who = Reference(reference=subject) if subject else None
    question = next_step.question
    if next_step.should_stop or question is None:
        if next_step.assessment is None:
            raise ValueError("a NextStep that stops carries its assessment")
        risk = to_risk_assessment(next_step.assessment, subject=subject, rulebook=rulebook)
        output = Parameters(
            id=OUTPUT_ID, parameter=[ParametersParameter(name="riskAssessment", resource=risk)]
        )
        return GuidanceResponse(
            status="success",
            moduleUri=MODULE_URI,
            subject=who,
            contained=[output],
            outputParameters=Reference(reference=f"#{OUTPUT_ID}"),
            note=[Annotation(text=next_step.assessment.disclaimer)],
        )
    link_ids = [question.code or question.field or ""] if question.kind != "group" else []
    link_ids += list(question.codes)
    wanted = DataRequirement(
        type="QuestionnaireResponse",
        codeFilter=[
            DataRequirementCodeFilter(
                path="item.linkId",
                code=[Coding(system=VOCABULARY_SYSTEM, code=link_id) for link_id in link_ids],
            )
        ],
    )
    return GuidanceResponse(
        status="data-required",
        moduleUri=MODULE_URI,
        subject=who,
        dataRequirement=[wanted],
        reasonCode=[CodeableConcept(text=question.why)],
        note=[Annotation(text=question.text)],
    )

"""The FHIR R4B model classes the bridge builds and reads, imported in one place.

``fhir.resources`` 8 ships R5 at its root and R4B under ``fhir.resources.R4B``, all on pydantic v2;
every resource the bridge emits is built from these classes, so it is validated on construction.
"""

from __future__ import annotations

from psoas_triage.fhir.extra import missing_extra

try:
    from fhir.resources.R4B.annotation import Annotation
    from fhir.resources.R4B.codeableconcept import CodeableConcept
    from fhir.resources.R4B.coding import Coding
    from fhir.resources.R4B.datarequirement import DataRequirement, DataRequirementCodeFilter
    from fhir.resources.R4B.extension import Extension
    from fhir.resources.R4B.guidanceresponse import GuidanceResponse
    from fhir.resources.R4B.identifier import Identifier
    from fhir.resources.R4B.parameters import Parameters, ParametersParameter
    from fhir.resources.R4B.questionnaire import (
        Questionnaire,
        QuestionnaireItem,
        QuestionnaireItemAnswerOption,
    )
    from fhir.resources.R4B.questionnaireresponse import (
        QuestionnaireResponse,
        QuestionnaireResponseItem,
        QuestionnaireResponseItemAnswer,
    )
    from fhir.resources.R4B.reference import Reference
    from fhir.resources.R4B.riskassessment import RiskAssessment, RiskAssessmentPrediction
except ImportError as error:  # the extra is not installed
    raise missing_extra(error) from error

__all__ = [
    "Annotation",
    "CodeableConcept",
    "Coding",
    "DataRequirement",
    "DataRequirementCodeFilter",
    "Extension",
    "GuidanceResponse",
    "Identifier",
    "Parameters",
    "ParametersParameter",
    "Questionnaire",
    "QuestionnaireItem",
    "QuestionnaireItemAnswerOption",
    "QuestionnaireResponse",
    "QuestionnaireResponseItem",
    "QuestionnaireResponseItemAnswer",
    "Reference",
    "RiskAssessment",
    "RiskAssessmentPrediction",
]

"""FHIR bridge (extra ``psoas-triage[fhir]``): a Questionnaire in, a RiskAssessment out.

An adapter on top of the core, built with the FHIR R4B models of ``fhir.resources``:

- ``to_questionnaire(rulebook, *, language=None)``: the vocabulary as a FHIR Questionnaire;
- ``from_questionnaire_response(qr, rulebook)``: a filled-in QuestionnaireResponse as a
  SymptomReport, or a ReportError naming the linkId of anything malformed;
- ``to_risk_assessment(assessment)``: an Assessment as a validated RiskAssessment;
- ``to_guidance_response(next_step)``: a NextStep as a GuidanceResponse (data-required with the
  next question, or success with the RiskAssessment).

The names are loaded on first use, so ``import psoas_triage.fhir`` (and the CLI that registers
the ``fhir`` command) works without the extra; using a name without it raises
``MissingExtraError`` with the install hint.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from psoas_triage.fhir.extra import INSTALL_HINT, MissingExtraError

if TYPE_CHECKING:
    from psoas_triage.fhir.guidance import to_guidance_response
    from psoas_triage.fhir.questionnaire import to_questionnaire
    from psoas_triage.fhir.response import from_questionnaire_response
    from psoas_triage.fhir.risk import to_risk_assessment

_HOMES = {
    "to_questionnaire": "psoas_triage.fhir.questionnaire",
    "from_questionnaire_response": "psoas_triage.fhir.response",
    "to_risk_assessment": "psoas_triage.fhir.risk",
    "to_guidance_response": "psoas_triage.fhir.guidance",
}

__all__ = [
    "INSTALL_HINT",
    "MissingExtraError",
    "from_questionnaire_response",
    "to_guidance_response",
    "to_questionnaire",
    "to_risk_assessment",
]


def __getattr__(name: str) -> object:
    """Import a bridge function on first use (PEP 562), so the extra stays optional."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)

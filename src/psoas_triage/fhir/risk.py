"""An Assessment as a FHIR R4B RiskAssessment, built from the models so it is validated.

Where each part of the Assessment goes:

- ``prediction[0]``: the psoas band as ``qualitativeRisk`` (this project's code, with the nearest
  code of HL7's ``risk-probability`` as a second coding) and the 0-100 score in the extension
  ``PSOAS_SCORE`` (a points score, not a probability, so ``probabilityDecimal`` is left empty);
- the triage level in the extension ``TRIAGE_LEVEL`` and its clinician action
  (``Assessment.clinician_action``) as ``mitigation``;
- ``basis``: one logical reference per fired rule (identifier system ``RULE_SYSTEM``, value the
  rule id, display its title);
- ``note``: the clinician disclaimer first, then the clinician action, the triage reasons, the
  warning signs, each fired rule with its sources, the referrals and the self-care held back
  with its reasons (so the reader sees why no exercises were given);
- ``method``: the rule book and its exact version.

The RiskAssessment is read by clinicians, so it carries the rule book's clinician texts, not the
patient's ("do not drive yourself"); referral and held-back reasons are the patient's words
(the book has no clinician wording for them).
"""

from __future__ import annotations

from psoas_triage.assessment import default_rulebook
from psoas_triage.fhir.r4b import (
    Annotation,
    CodeableConcept,
    Coding,
    Extension,
    Identifier,
    Reference,
    RiskAssessment,
    RiskAssessmentPrediction,
)
from psoas_triage.models import Assessment, Finding, Likelihood
from psoas_triage.rulebook import RuleBook

PSOAS_SCORE = "urn:psoas-triage:fhir:extension:psoas-score"
"""Extension (valueInteger, 0-100) on the psoas prediction: the points score behind the band."""
TRIAGE_LEVEL = "urn:psoas-triage:fhir:extension:triage-level"
"""Extension (valueCoding, system TRIAGE_SYSTEM) on the RiskAssessment: what to do next."""
TRIAGE_SYSTEM = "urn:psoas-triage:triage-level"
LIKELIHOOD_SYSTEM = "urn:psoas-triage:likelihood"
OUTCOME_SYSTEM = "urn:psoas-triage:outcome"
RULE_SYSTEM = "urn:psoas-triage:rule"
RULEBOOK_SYSTEM = "urn:psoas-triage:rulebook"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
NEAREST_RISK = {
    Likelihood.unlikely: "low",
    Likelihood.possible: "moderate",
    Likelihood.likely: "high",
}


def to_risk_assessment(
    assessment: Assessment,
    *,
    subject: str | None = None,
    rulebook: RuleBook | None = None,
) -> RiskAssessment:
    """A validated R4B RiskAssessment (status final) saying what ``assessment`` says.

    ``subject`` is a reference such as ``"Patient/123"``; without one the subject is described,
    not referenced (FHIR requires a subject). Source titles come from ``rulebook`` (default: the
    shipped one) when it is the book that made the assessment, otherwise the notes give ids.
    """
    book = rulebook if rulebook is not None else default_rulebook()
    titles = (
        {source.id: source.title for source in book.sources.values()}
        if book.full_version == assessment.rulebook_version
        else {}
    )
    level = assessment.triage_level.value
    return RiskAssessment(
        status="final",
        subject=(
            Reference(reference=subject)
            if subject
            else Reference(display="the person who answered the symptom questions")
        ),
        code=CodeableConcept(text="Psoas involvement screening and triage (not a diagnosis)"),
        method=CodeableConcept(
            coding=[
                Coding(
                    system=RULEBOOK_SYSTEM, code="psoas-triage", version=assessment.rulebook_version
                )
            ],
            text=f"psoas-triage rules, version {assessment.rulebook_version}",
        ),
        extension=[
            Extension(
                url=TRIAGE_LEVEL,
                valueCoding=Coding(
                    system=TRIAGE_SYSTEM, code=level, display=level.replace("_", " ")
                ),
            )
        ],
        prediction=[_psoas_prediction(assessment)],
        basis=[_rule_reference(finding) for finding in assessment.findings] or None,
        mitigation=f"Triage: {level.replace('_', ' ')}. {assessment.clinician_action}",
        note=[Annotation(text=text) for text in _notes(assessment, titles)],
    )


def _psoas_prediction(assessment: Assessment) -> RiskAssessmentPrediction:
    band = assessment.likelihood
    provisional = bool(getattr(assessment, "likelihood_provisional", False))
    rationale = (
        f"Psoas score {assessment.psoas_score}/100 from the rules that fired, band {band.value}. "
        "A points score, not a probability."
    )
    if provisional:
        rationale += " Provisional: not every question that could change the band was answered."
    return RiskAssessmentPrediction(
        outcome=CodeableConcept(
            coding=[
                Coding(
                    system=OUTCOME_SYSTEM,
                    code="psoas_involvement",
                    display="psoas (iliopsoas) involvement",
                )
            ],
            text="Psoas (iliopsoas) involvement",
        ),
        qualitativeRisk=CodeableConcept(
            coding=[
                Coding(system=LIKELIHOOD_SYSTEM, code=band.value, display=band.value),
                Coding(system=RISK_PROBABILITY, code=NEAREST_RISK[band]),
            ],
            text=f"psoas involvement {band.value}" + (" (provisional)" if provisional else ""),
        ),
        extension=[Extension(url=PSOAS_SCORE, valueInteger=assessment.psoas_score)],
        rationale=rationale,
    )


def _rule_reference(finding: Finding) -> Reference:
    return Reference(
        identifier=Identifier(system=RULE_SYSTEM, value=finding.rule_id),
        display=finding.title,
    )


def _notes(assessment: Assessment, titles: dict[str, str]) -> list[str]:
    """The disclaimer, the action, why this level, the warning signs, the rules, the referrals
    and the self-care held back, all in the clinician's texts where the book has them."""
    level = assessment.triage_level.value.replace("_", " ")
    notes = [assessment.clinician_disclaimer, f"Action ({level}): {assessment.clinician_action}"]
    if assessment.triage_reasons:
        notes.append("Why this triage level: " + "; ".join(assessment.triage_reasons))
    notes += [
        f"Warning sign ({flag.triage_floor.value.replace('_', ' ')}): {flag.title}. "
        f"{flag.description}"
        for flag in assessment.red_flags
    ]
    for finding in assessment.findings:
        effect = f"{finding.points:+d} points" if finding.points else "no points"
        if finding.triage_floor is not None:
            effect += f", triage at least {finding.triage_floor.value.replace('_', ' ')}"
        sources = "; ".join(
            f"{source} ({titles[source]})" if source in titles else source
            for source in finding.sources
        )
        notes.append(
            f"Rule {finding.rule_id}: {finding.title} ({effect}; evidence "
            f"{finding.evidence_grade.value}). Sources: {sources}"
        )
    notes += [
        f"Referral: {referral.professional.value.replace('_', ' ')}: {referral.reason}"
        for referral in assessment.referrals
    ]
    notes += [
        f"Self-care held back ({held.id}, evidence {held.evidence_grade.value}): {held.reason}"
        for held in assessment.advice.held_back
    ]
    return notes

"""CDS Hooks 2.0: the request and response shapes as pydantic models, and the card we answer with.

Where the symptom report comes from: ``prefetch["psoas-triage"]`` holds a SymptomReport as JSON
(the same body ``POST /v1/assess`` takes). The discovery document says so in its
``usageRequirements``. It declares no prefetch template, because no FHIR query returns a
SymptomReport; a FHIR QuestionnaireResponse may take this place once the FHIR bridge exists.

One card per call: indicator ``critical`` for emergency, ``warning`` for urgent and ``info``
otherwise; a summary under 140 characters; Markdown detail with the action, the fired rules and
their sources, and the disclaimer. No ``links``: the service has no page a link could point at.

The card is read by a clinician, so it carries the rule book's clinician texts
(``Assessment.clinician_action``, ``clinician_disclaimer``), never the patient's ("do not drive
yourself"). Referrals are listed by profession: their reasons are written to the patient. The
self-care held back is listed with its reasons, quoted as the patient was given them, so the
clinician sees why exercises are missing.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from psoas_triage.models import Assessment, TriageLevel
from psoas_triage.rulebook import RuleBook

SERVICE_ID = "psoas-triage"
HOOK = "patient-view"
REPORT_KEY = "psoas-triage"
MAX_SUMMARY = 139
"""The spec asks for a summary under 140 characters."""

INDICATORS: dict[TriageLevel, Literal["info", "warning", "critical"]] = {
    TriageLevel.emergency: "critical",
    TriageLevel.urgent: "warning",
    TriageLevel.consultation: "info",
    TriageLevel.self_care: "info",
}


class _Shape(BaseModel):
    """CDS Hooks objects: unknown keys are refused except the spec's ``extension``."""

    model_config = ConfigDict(extra="forbid")

    extension: dict[str, Any] | None = None


# --- discovery ----------------------------------------------------------------------------------


class CdsService(_Shape):
    hook: str
    title: str | None = None
    description: str
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._~-]+$")]
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class CdsDiscovery(_Shape):
    services: list[CdsService]


# --- request ------------------------------------------------------------------------------------


class FhirAuthorization(_Shape):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class PatientViewContext(_Shape):
    """The ``patient-view`` hook's context (the spec's fields only)."""

    userId: str
    patientId: str
    encounterId: str | None = None


class CdsRequest(_Shape):
    hook: Literal["patient-view"]
    hookInstance: UUID
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: PatientViewContext
    prefetch: dict[str, Any] | None = None


# --- response -----------------------------------------------------------------------------------


class Coding(_Shape):
    code: str
    system: str | None = None
    display: str | None = None


class CardSource(_Shape):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Link(_Shape):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None


class Card(_Shape):
    uuid: UUID | None = None
    summary: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SUMMARY)]
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: CardSource
    suggestions: list[dict[str, Any]] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] | None = None


class CdsResponse(_Shape):
    cards: list[Card] = Field(default_factory=list)
    systemActions: list[dict[str, Any]] | None = None


# --- what this service says ---------------------------------------------------------------------


def discovery() -> CdsDiscovery:
    """The discovery document: one service on the ``patient-view`` hook."""
    return CdsDiscovery(
        services=[
            CdsService(
                hook=HOOK,
                id=SERVICE_ID,
                title="psoas-triage symptom triage",
                description=(
                    "Triages reported symptoms for psoas involvement and red flags "
                    "(emergency / urgent / consultation / self-care). Supports triage; "
                    "never diagnoses."
                ),
                usageRequirements=(
                    f'Send the patient\'s SymptomReport JSON as prefetch["{REPORT_KEY}"] '
                    "(see GET /openapi.json, schema SymptomReport)."
                ),
            )
        ]
    )


def card_for(assessment: Assessment, book: RuleBook) -> Card:
    """The one card that carries an assessment into the health record."""
    return Card(
        summary=summary(assessment),
        detail=detail(assessment, book),
        indicator=INDICATORS[assessment.triage_level],
        source=CardSource(label=f"psoas-triage rule book {assessment.rulebook_version}"),
    )


def summary(assessment: Assessment) -> str:
    """Level and the first sentence of the clinician action, cut to fit under 140 characters."""
    level = assessment.triage_level.value.replace("_", "-")
    first = re.split(r"(?<=[.!?])\s", assessment.clinician_action.strip(), maxsplit=1)[0]
    text = f"psoas-triage: {level}. {first}"
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1].rstrip() + "\u2026"


def detail(assessment: Assessment, book: RuleBook) -> str:
    """Markdown for the clinician: the clinician action, reasons, red flags, fired rules with
    their evidence grades and sources, referrals, self-care held back and why (with its grade
    and sources), other causes, sources, disclaimer."""
    lines = [
        f"**Triage: {md(assessment.triage_level.value)}.** {md(assessment.clinician_action)}",
        "",
    ]
    if assessment.triage_reasons:
        lines += ["Reasons:", *(f"- {md(reason)}" for reason in assessment.triage_reasons), ""]
    if assessment.red_flags:
        lines += ["**Red flags (they override the score):**"]
        lines += [f"- {md(flag.title)}: {md(flag.description)}" for flag in assessment.red_flags]
        lines += [""]
    lines += [
        f"Psoas score {assessment.psoas_score}/100 (psoas involvement "
        f"{md(assessment.likelihood.value)}).",
        "",
    ]
    if assessment.findings:
        lines += ["| Fired rule | Points | Evidence | Sources |", "| --- | --- | --- | --- |"]
        for finding in assessment.findings:
            effect = f"{finding.points:+d}" if finding.points else "0"
            if finding.red_flag and finding.triage_floor is not None:
                effect = f"red flag, at least {finding.triage_floor.value}"
            lines.append(
                f"| {md(finding.title)} (`{finding.rule_id}`) | {md(effect)} | "
                f"{md(finding.evidence_grade.value)} | {md(', '.join(finding.sources))} |"
            )
        lines += [""]
    if assessment.referrals:
        professions = (r.professional.value.replace("_", " ") for r in assessment.referrals)
        lines += [f"Referrals suggested: {md(', '.join(professions))}.", ""]
    if assessment.advice.held_back:
        lines += ["Self-care held back (reasons as given to the patient):"]
        lines += [
            f"- {md(held.reason)} ({md(held.evidence_grade.value)}: {md(', '.join(held.sources))})"
            for held in assessment.advice.held_back
        ]
        lines += [""]
    if assessment.alternatives:
        lines += ["Other causes to consider:"]
        lines += [f"- {md(item.title)}: {md(item.description)}" for item in assessment.alternatives]
        lines += [""]
    cited = dict.fromkeys(source for finding in assessment.findings for source in finding.sources)
    if cited:
        lines += ["Sources:"]
        for source_id in cited:
            source = book.sources.get(source_id)
            lines.append(f"- {md(source_id)}: {md(source.title if source else source_id)}")
        lines += [""]
    lines += [f"_{md(assessment.clinician_disclaimer)}_"]
    return "\n".join(lines)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>()#+\-!|~])")


def md(text: str) -> str:
    """Text with Markdown (and inline HTML) characters escaped, so data cannot format itself."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))

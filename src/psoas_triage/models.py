"""The public data shapes: what goes in (SymptomReport) and what comes out (Assessment).

Both are pydantic v2 models, so they validate, serialise to stable JSON and publish a JSON schema.
The report is checked here for shape (types, ranges, contradictions); whether its codes exist is a
question for the rule book's vocabulary, answered in ``reports.parse_report``.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

MAX_CODES = 200
"""Upper bound on codes per list: a real report has a few dozen at most; this stops abuse."""

Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _StrEnum(str, Enum):
    """A str enum whose ``str()`` is its value, as ``enum.StrEnum`` does from Python 3.11."""

    def __str__(self) -> str:
        return str(self.value)


class TriageLevel(_StrEnum):
    """What the person should do next, from most to least urgent."""

    emergency = "emergency"
    urgent = "urgent"
    consultation = "consultation"
    self_care = "self_care"

    @property
    def rank(self) -> int:
        """0 for self-care up to 3 for emergency: higher means more urgent."""
        return _TRIAGE_RANK[self]

    @classmethod
    def most_urgent(cls, *levels: TriageLevel) -> TriageLevel:
        """The most urgent of ``levels`` (self-care when none are given)."""
        return max(levels, key=lambda level: level.rank, default=cls.self_care)


_TRIAGE_RANK = {
    TriageLevel.self_care: 0,
    TriageLevel.consultation: 1,
    TriageLevel.urgent: 2,
    TriageLevel.emergency: 3,
}


class Likelihood(_StrEnum):
    """How strongly the reported findings point at the psoas, from the score's band."""

    unlikely = "unlikely"
    possible = "possible"
    likely = "likely"


class Professional(_StrEnum):
    """Who a person may be referred to."""

    emergency_department = "emergency_department"
    doctor = "doctor"
    physiotherapist = "physiotherapist"
    osteopathic_physician = "osteopathic_physician"
    chiropractor = "chiropractor"
    massage_therapist = "massage_therapist"
    midwife = "midwife"
    fitness_trainer = "fitness_trainer"


class Sex(str, Enum):
    """Sex as context for rules (aneurysm risk, ectopic pregnancy, torsion); unknown when unset."""

    female = "female"
    male = "male"


class SymptomReport(BaseModel):
    """What a person reports: codes present, codes explicitly denied, and a few numbers.

    Anything neither present nor absent is unknown. Numbers are strict integers: a string such as
    ``"34"`` is an error rather than a guess. ``age`` and ``sex`` are context: rules may bound
    age from above (children) and read sex, so they carry no "more never lowers" promise; a
    present finding, pain and duration do.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    present: tuple[Code, ...] = Field(default=(), max_length=MAX_CODES)
    absent: tuple[Code, ...] = Field(default=(), max_length=MAX_CODES)
    age: int | None = Field(default=None, ge=0, le=120, strict=True, description="years")
    duration_days: int | None = Field(
        default=None, ge=0, le=36500, strict=True, description="days since the pain started"
    )
    pain_intensity: int | None = Field(
        default=None, ge=0, le=10, strict=True, description="0-10 numeric rating scale"
    )
    sex: Sex | None = Field(default=None, description="female or male; unknown when left out")

    @model_validator(mode="after")
    def _no_contradiction(self) -> SymptomReport:
        both = sorted(set(self.present) & set(self.absent))
        if both:
            raise ValueError(
                f"codes both present and absent: {', '.join(both)} (a code is one or the other)"
            )
        return self

    @field_validator("present", "absent")
    @classmethod
    def _deduplicate(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        # Repeating a code says nothing new; keep the first occurrence so order stays stable.
        return tuple(dict.fromkeys(codes))


class Finding(BaseModel):
    """One rule that fired: what it means, what it weighed and what it rests on."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    family: str
    points: int
    triage_floor: TriageLevel | None = None
    red_flag: bool = False
    sources: tuple[str, ...]


class RedFlag(BaseModel):
    """A finding that may mean something other than a muscle problem and sets a triage floor."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    triage_floor: TriageLevel
    description: str


class WarningSign(BaseModel):
    """A warning sign: a vocabulary code of category ``red_flag``, as a checklist item.

    An app can show ``question`` (or the short ``label``) and send the answer back as the code,
    in ``present`` or ``absent``.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    label: str
    question: str


class UncheckedRedFlag(WarningSign):
    """A warning sign the report neither reports nor denies, although it could still raise the
    triage level. While any is left, the level is at least ``consultation``."""


class Referral(BaseModel):
    """Who to see, and why."""

    model_config = ConfigDict(frozen=True)

    professional: Professional
    reason: str
    sources: tuple[str, ...]


class AdviceItem(BaseModel):
    """One piece of advice, paraphrased from the sources it cites."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    text: str
    category: str
    sources: tuple[str, ...]


class Advice(BaseModel):
    """Self-care to try, what to avoid while healing, and when to seek help.

    ``held_back`` says, in plain words, why exercises were left out for this person (after a
    fall, in pregnancy, with severe pain...), so the absence of exercises is never a mystery.
    """

    model_config = ConfigDict(frozen=True)

    self_care: tuple[AdviceItem, ...] = ()
    avoid: tuple[AdviceItem, ...] = ()
    seek_help: tuple[AdviceItem, ...] = ()
    held_back: tuple[str, ...] = ()


class Alternative(BaseModel):
    """Another cause worth discussing with a professional, and the rules that raised it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    description: str
    rule_ids: tuple[str, ...]
    sources: tuple[str, ...]


class EvidenceItem(BaseModel):
    """One fired rule as evidence for or against psoas involvement, with what it weighed."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    points: int
    sources: tuple[str, ...]
    alternatives: tuple[str, ...] = Field(
        default=(), description="ids of the other causes this finding raises for discussion"
    )


class Floor(BaseModel):
    """A triage floor that applied: the level it asks for at least, and why."""

    model_config = ConfigDict(frozen=True)

    level: TriageLevel
    reason: str
    rule_id: str | None = Field(
        default=None, description="the rule that set it; None for the band or the screen"
    )


class Evidence(BaseModel):
    """Why the result is what it is, like a clinician's note (issue 13).

    For the psoas band: the findings that support it (points and sources), the findings that
    conflict with it (negative points, or pointing to another cause) and the alternatives each
    raises, and the core signs the person denied. For the triage level: the floor that decided
    it and every other floor that applied.
    """

    model_config = ConfigDict(frozen=True)

    supporting: tuple[EvidenceItem, ...] = ()
    conflicting: tuple[EvidenceItem, ...] = ()
    denials: tuple[EvidenceItem, ...] = ()
    psoas_specific_sign: bool = Field(
        default=False, description="whether a sign specific to the psoas was reported"
    )
    band_note: str = ""
    deciding_floor: Floor | None = Field(
        default=None, description="the floor that set the triage level (None: self-care)"
    )
    other_floors: tuple[Floor, ...] = ()


class Assessment(BaseModel):
    """The result of assessing one report. Supports triage; it is not a diagnosis."""

    model_config = ConfigDict(frozen=True)

    triage_level: TriageLevel
    triage_action: str
    triage_reasons: tuple[str, ...]
    likelihood: Likelihood
    psoas_score: int = Field(ge=0, le=100)
    red_flags: tuple[RedFlag, ...]
    unchecked_red_flags: tuple[UncheckedRedFlag, ...] = Field(
        default=(),
        description="warning signs not yet answered that could still raise the triage level",
    )
    findings: tuple[Finding, ...]
    referrals: tuple[Referral, ...]
    advice: Advice
    alternatives: tuple[Alternative, ...]
    disclaimer: str
    rulebook_version: str
    report: SymptomReport
    evidence: Evidence = Field(
        default_factory=Evidence,
        description="supporting and conflicting findings, denials, and the triage floors",
    )

    @property
    def fired_rule_ids(self) -> tuple[str, ...]:
        """Ids of every rule that fired, in rule-book order."""
        return tuple(finding.rule_id for finding in self.findings)

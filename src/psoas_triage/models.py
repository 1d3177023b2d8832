"""The public data shapes: what goes in (SymptomReport) and what comes out (Assessment).

Both are pydantic v2 models, so they validate, serialise to stable JSON and publish a JSON schema.
The report is checked here for shape (types, ranges, contradictions); whether its codes exist is a
question for the rule book's vocabulary, answered in ``reports.parse_report``.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal

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

NumberField = Literal["age", "duration_days", "pain_intensity"]
NUMBER_FIELDS: tuple[NumberField, ...] = ("age", "duration_days", "pain_intensity")
"""The report's number fields, which an interview asks as number questions."""
CHOICE_FIELDS: tuple[Literal["sex"], ...] = ("sex",)
"""The report's choice fields, which an interview asks as choice questions."""
ANSWER_FIELDS: tuple[str, ...] = (*NUMBER_FIELDS, *CHOICE_FIELDS)
"""Report fields other than codes that an interview asks, and ``unknown`` may name."""


class _StrEnum(str, Enum):
    """A str enum whose ``str()`` is its value, as ``enum.StrEnum`` does from Python 3.11."""

    def __str__(self) -> str:
        return str(self.value)


class _Ranked(_StrEnum):
    """A str enum declared from the highest member to the lowest: ``rank`` is 0 for the last
    member and counts up to the first, so the declaration is the one place of the order."""

    @property
    def rank(self) -> int:
        """0 for the last declared member up to the first: higher is higher."""
        return _heights(type(self))[self]

    @classmethod
    def _highest(cls, members: tuple[Any, ...], default: Any) -> Any:
        return max(members, key=lambda member: member.rank, default=default)


@cache
def _heights(ranked: type[_Ranked]) -> dict[_Ranked, int]:
    """Each member's height, once per enum (ranks are read on every assessment)."""
    members = list(ranked)
    return {member: len(members) - 1 - index for index, member in enumerate(members)}


class TriageLevel(_Ranked):
    """What the person should do next, from most to least urgent."""

    emergency = "emergency"
    urgent = "urgent"
    consultation = "consultation"
    self_care = "self_care"

    @classmethod
    def most_urgent(cls, *levels: TriageLevel) -> TriageLevel:
        """The most urgent of ``levels`` (self-care when none are given); ``rank`` is 0 for
        self-care up to 3 for emergency."""
        result: TriageLevel = cls._highest(levels, cls.self_care)
        return result


class EvidenceGrade(_Ranked):
    """How firmly a rule or an advice item is supported, from its strongest cited source.

    From strongest to weakest: a named clinical ``guideline``; a ``consensus`` statement; a
    peer-reviewed ``review``; taught clinical ``practice`` with no single document; and a
    ``source-claim``, what the seed documents say and nothing firmer. A reader weighs a
    source-claim as the documents' advice, not as established fact.
    """

    guideline = "guideline"
    consensus = "consensus"
    review = "review"
    practice = "practice"
    source_claim = "source-claim"

    @classmethod
    def strongest(cls, *grades: EvidenceGrade) -> EvidenceGrade:
        """The firmest of ``grades`` (a source claim when none are given); ``rank`` is 4 for a
        guideline down to 0 for a source claim."""
        result: EvidenceGrade = cls._highest(grades, cls.source_claim)
        return result


Grade = Annotated[
    EvidenceGrade,
    Field(description="how firmly it is supported: its strongest cited source's kind"),
]
"""The evidence grade field of every output item that rests on sources."""

AdviceSources = Annotated[
    tuple[str, ...], Field(description="ids of the sources it rests on; in the JSON with details")
]
"""The source ids of an advice item, referral or holdback (the short JSON leaves them out)."""


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
    unknown: tuple[Code, ...] = Field(
        default=(),
        max_length=MAX_CODES,
        description=(
            "codes (or the fields age, duration_days, pain_intensity, sex) that were asked and "
            "answered don't know: neither present nor absent, never a no; an interview does not "
            "ask them again"
        ),
    )

    @model_validator(mode="after")
    def _no_contradiction(self) -> SymptomReport:
        both = sorted(set(self.present) & set(self.absent))
        if both:
            raise ValueError(
                f"codes both present and absent: {', '.join(both)} (a code is one or the other)"
            )
        answered = sorted(set(self.unknown) & {*self.present, *self.absent})
        if answered:
            raise ValueError(
                f"codes both unknown and answered: {', '.join(answered)} (unknown means neither)"
            )
        given = sorted(name for name in ANSWER_FIELDS if name in self.unknown)
        given = [name for name in given if getattr(self, name) is not None]
        if given:
            raise ValueError(f"fields both given and unknown: {', '.join(given)}")
        return self

    @field_validator("present", "absent", "unknown")
    @classmethod
    def _deduplicate(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        # Repeating a code says nothing new; keep the first occurrence so order stays stable.
        return tuple(dict.fromkeys(codes))


class Finding(BaseModel):
    """One rule that fired: what it means, what it weighed and what it rests on."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    family: str = ""
    points: int
    triage_floor: TriageLevel | None = None
    red_flag: bool = False
    sources: tuple[str, ...]
    evidence_grade: Grade = EvidenceGrade.source_claim


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
    triage level. While any is left, the level is at least ``consultation``.

    The short JSON (``Assessment.to_json``) keeps only the code: the checklist
    (``warning_sign_checklist``) and the interview have the label and the question."""

    label: str = ""
    question: str = ""


class Referral(BaseModel):
    """Who to see, and why."""

    model_config = ConfigDict(frozen=True)

    professional: Professional
    reason: str
    sources: AdviceSources = ()
    evidence_grade: Grade = EvidenceGrade.source_claim


class AdviceItem(BaseModel):
    """One piece of advice, paraphrased from the sources it cites."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    text: str
    category: str = ""
    sources: AdviceSources = ()
    evidence_grade: Grade = EvidenceGrade.source_claim
    rank: int = Field(default=0, description="1 = most relevant in its list; 0 = not ranked")


class HeldBack(BaseModel):
    """Advice held back for this person: why, and what says so (a holdback of the advice
    file, e.g. the first days after an injury or pregnancy)."""

    model_config = ConfigDict(frozen=True)

    id: str
    reason: str
    sources: AdviceSources = ()
    evidence_grade: Grade = EvidenceGrade.source_claim


class Advice(BaseModel):
    """Self-care to try, what to avoid while healing, and when to seek help.

    ``held_back`` says, in plain words, why exercises were left out for this person (after a
    fall, in pregnancy, with severe pain...), so the absence of exercises is never a mystery.
    """

    model_config = ConfigDict(frozen=True)

    self_care: tuple[AdviceItem, ...] = ()
    avoid: tuple[AdviceItem, ...] = ()
    seek_help: tuple[AdviceItem, ...] = ()
    held_back: tuple[HeldBack, ...] = ()


class MoreAdvice(BaseModel):
    """What the short lists of an assessment leave out, still in rank order: self-care beyond
    the first ``SHORT_LISTS["self_care"]``, things to avoid beyond the first 3, professionals
    beyond the first 3. A person can follow five things; the rest stays one step away (the
    report's ``--details``, the JSON with details) instead of burying the first ones."""

    model_config = ConfigDict(frozen=True)

    self_care: tuple[AdviceItem, ...] = ()
    avoid: tuple[AdviceItem, ...] = ()
    referrals: tuple[Referral, ...] = ()


SHORT_LISTS = {"self_care": 5, "avoid": 3, "referrals": 3}
DETAIL_FIELDS = frozenset(
    {
        "more",
        "evidence",
        "likelihood_open_questions",
        "clinician_action",
        "clinician_disclaimer",
    }
)
"""Assessment fields the short JSON leaves out (``to_json(details=True)`` keeps them): the
items beyond the short lists, the explanation, the band's open questions, and the texts for a
clinician (the CDS Hooks card and the FHIR RiskAssessment carry those)."""
_ADVICE_SHORT = {"__all__": {"category", "sources"}}
_SHORT_EXCLUDE: dict[str, Any] = {
    **dict.fromkeys(DETAIL_FIELDS, True),
    "unchecked_red_flags": {"__all__": {"label", "question"}},
    "findings": {"__all__": {"family"}},
    "referrals": {"__all__": {"sources"}},
    "advice": {
        **dict.fromkeys(("self_care", "avoid", "seek_help"), _ADVICE_SHORT),
        "held_back": {"__all__": {"sources"}},
    },
}
"""How many items of each list an assessment shows first; the rest go to ``more``. When to
seek help is never cut: it is the safety net."""


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
    evidence_grade: Grade = EvidenceGrade.source_claim


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
    triage_action: str = Field(
        description="what to do next, in plain words for the person (the rule book's "
        "triage_actions)"
    )
    clinician_action: str = Field(
        default="",
        description="the same level in clinical words, for a clinician (CDS Hooks card, FHIR "
        "RiskAssessment): the rule book's clinician_actions, or its triage_actions for a book "
        "that has none; in the JSON with details",
    )
    triage_reasons: tuple[str, ...]
    likelihood: Likelihood
    psoas_score: int = Field(ge=0, le=100)
    likelihood_provisional: bool = Field(
        default=False,
        description="true while a question that could still change the psoas band is not asked",
    )
    likelihood_open_questions: tuple[str, ...] = Field(
        default=(),
        description="codes and number fields not asked yet that could change the psoas band",
    )
    red_flags: tuple[RedFlag, ...]
    unchecked_red_flags: tuple[UncheckedRedFlag, ...] = Field(
        default=(),
        description="warning signs not yet answered that could still raise the triage level",
    )
    findings: tuple[Finding, ...]
    referrals: tuple[Referral, ...]
    advice: Advice
    more: MoreAdvice = Field(
        default_factory=MoreAdvice,
        description=(
            "self-care, things to avoid and professionals beyond the short lists, in rank "
            "order; left out of the JSON unless details are asked for"
        ),
    )
    alternatives: tuple[Alternative, ...]
    disclaimer: str
    clinician_disclaimer: str = Field(
        default="",
        description="the disclaimer in clinical words (the rule book's clinician_disclaimer, or "
        "its disclaimer for a book that has none); in the JSON with details",
    )
    rulebook_version: str
    report: SymptomReport
    evidence: Evidence = Field(
        default_factory=Evidence,
        description="supporting and conflicting findings, denials, and the triage floors",
    )
    language: str = Field(
        default="en",
        description="the language of the texts actually used: en, or a locale of the rule book",
    )
    untranslated: tuple[str, ...] = Field(
        default=(),
        description=(
            "locale keys of the texts in this assessment shown in English because the locale "
            "has no translation for them (e.g. rules.fever_with_pain.title); empty in English"
        ),
    )
    experimental_included: bool = Field(
        default=False,
        description="true when experimental rules were used (include_experimental / "
        "--experimental); by default they are left out",
    )
    experimental_left_out: tuple[str, ...] = Field(
        default=(),
        description="ids of experimental rules that matched the report but were left out "
        "(empty when experimental rules were included)",
    )

    def to_json(self, *, details: bool = False) -> str:
        """The assessment as JSON, the form every door sends: short unless ``details``, so an
        answer stays a few kilobytes. Short leaves out ``DETAIL_FIELDS``, the label and question
        of each unchecked warning sign (the checklist has them), each finding's family, and the
        source ids of the advice, referrals and holdbacks (their evidence grade stays; every
        fired rule keeps its sources). All of these have defaults, so the short JSON still
        validates as an Assessment. ``model_dump_json()`` is the whole model."""
        return self.model_dump_json(exclude=None if details else _SHORT_EXCLUDE)

    @property
    def fired_rule_ids(self) -> tuple[str, ...]:
        """Ids of every rule that fired, in rule-book order."""
        return tuple(finding.rule_id for finding in self.findings)


class Change(BaseModel):
    """What one answer could still change: the triage level or the psoas band, and through which
    rules."""

    model_config = ConfigDict(frozen=True)

    what: Literal["triage_level", "likelihood"]
    to: str = Field(description="the most urgent level, or the band, the answer could lead to")
    rule_ids: tuple[str, ...]


class Question(BaseModel):
    """The next question to put to the person.

    ``code``: yes / no / don't know about one vocabulary code (add it to ``present``, ``absent``
    or ``unknown``). ``group``: a checklist of codes (picked codes in ``present``, the rest in
    ``absent``; none = all absent; don't know = all in ``unknown``). ``number``: set ``field``
    to a whole number from ``minimum`` to ``maximum`` (or put the field name in ``unknown``).
    ``choice``: set ``field`` to one of ``options`` (or put the field name in ``unknown``).
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["code", "group", "number", "choice"]
    code: str | None = None
    codes: tuple[str, ...] = ()
    field: NumberField | Literal["sex"] | None = None
    options: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    text: str
    why: str
    changes: tuple[Change, ...] = ()


class Progress(BaseModel):
    """How far the interview is: answers given so far, and questions left at most."""

    model_config = ConfigDict(frozen=True)

    asked: int = Field(ge=0)
    remaining_at_most: int = Field(ge=0)


class NextStep(BaseModel):
    """What a stateless interview does next: ask ``question``, or stop (``should_stop``).

    ``assessment`` is the assessment of the answers so far: final once ``should_stop`` is
    true, provisional before. Supports triage; it is not a diagnosis.
    """

    model_config = ConfigDict(frozen=True)

    should_stop: bool
    question: Question | None = None
    assessment: Assessment | None = None
    progress: Progress
    level_provisional: bool = Field(
        default=False,
        description=(
            "true when the interview stopped with a question that could still change the triage "
            "level unanswered (only don't-know answers left): the level is the cautious one"
        ),
    )

    def to_json(self, *, details: bool = False) -> str:
        """The step as JSON, its assessment short unless ``details`` (``Assessment.to_json``)."""
        return self.model_dump_json(exclude=None if details else {"assessment": _SHORT_EXCLUDE})

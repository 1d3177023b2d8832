"""The rule-file schema: pydantic models for everything under ``rules/``.

These models check each file on its own (shape, types, ids, ranges, the monotone-triage guard on a
rule). Checks that need several files at once (a code or source that must be defined elsewhere)
live in ``rulebook.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from psoas_triage.models import (
    EvidenceGrade,
    Likelihood,
    Professional,
    Sex,
    SymptomReport,
    TriageLevel,
)

_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""Control characters (except tab and newline) and bidirectional overrides: in a title they can
rewrite a terminal's screen or make text read differently from what it is."""


def _printable(text: str) -> str:
    found = _INVISIBLE.search(text)
    if found:
        raise ValueError(
            f"control or bidirectional character U+{ord(found.group()):04X} at position "
            f"{found.start()} is not allowed in rule texts"
        )
    return text


Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000, strip_whitespace=True),
    AfterValidator(_printable),
]


class Strict(BaseModel):
    """Base for rule-file models: unknown keys are errors, values are immutable.

    Numbers and flags are strict types (``StrictInt``, ``StrictBool``): ``points: true`` or
    ``gte: '7'`` is an error, not a coercion.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- sources.yaml -------------------------------------------------------------------------------


class SourceKind(str, Enum):
    """What kind of evidence a source is.

    - ``document``: one of the seed documents (what the psoas patterns paraphrase);
    - ``guideline``: a named clinical guideline (a NICE guideline or CKS topic, a GIRFT pathway,
      a specialty society's guideline), cited with the section used;
    - ``consensus``: a published consensus statement or agreement of experts;
    - ``review``: a peer-reviewed clinical review, where no guideline covers the question;
    - ``clinical_practice``: widely taught practice with no single document; ``rules lint``
      warns about rules that rest only on it, so it is a stand-in to replace, not a goal.
    """

    document = "document"
    guideline = "guideline"
    consensus = "consensus"
    review = "review"
    clinical_practice = "clinical_practice"

    @property
    def grade(self) -> EvidenceGrade:
        """The evidence grade a rule resting on this kind of source earns."""
        return _GRADE_OF_KIND[self]


_GRADE_OF_KIND = {
    SourceKind.document: EvidenceGrade.source_claim,
    SourceKind.guideline: EvidenceGrade.guideline,
    SourceKind.consensus: EvidenceGrade.consensus,
    SourceKind.review: EvidenceGrade.review,
    SourceKind.clinical_practice: EvidenceGrade.practice,
}


class Source(Strict):
    """A document a rule rests on: a seed document, a named guideline or a consensus statement."""

    id: Identifier
    title: Text
    kind: SourceKind = SourceKind.document
    publisher: Text | None = None
    author: Text | None = None
    date: Text | None = None
    file: Text | None = None
    section: Text | None = None
    """The part of a guideline a rule uses (a CKS topic's section, a recommendation number)."""
    url: Text | None = None
    note: Text | None = None


class SourcesFile(Strict):
    sources: list[Source] = Field(min_length=1)


# --- number bounds (rules, and to whom a code applies) ----------------------------------------


_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class _Bound(Strict):
    """Shared reading of a number bound: its comparisons, whether a value meets them, words."""

    def comparisons(self) -> list[tuple[str, int]]:
        """The set comparisons as (operator, value), e.g. [("gte", 9), ("lte", 16)]."""
        return [
            (operator, value)
            for operator in _SYMBOLS
            if (value := getattr(self, operator, None)) is not None
        ]

    def holds(self, value: int | None) -> bool:
        """True when ``value`` is known and meets every comparison."""
        if value is None:
            return False
        checks = {
            "gt": value.__gt__,
            "gte": value.__ge__,
            "lt": value.__lt__,
            "lte": value.__le__,
        }
        return all(checks[operator](limit) for operator, limit in self.comparisons())

    def describe(self, name: str) -> str:
        """The bound in symbols: "age >= 9 and age <= 16"."""
        return " and ".join(f"{name} {_SYMBOLS[op]} {value}" for op, value in self.comparisons())


class AtLeast(_Bound):
    """A lower bound on a number. Only lower bounds exist for pain and duration, so more pain or
    a longer duration never un-fires a rule."""

    gt: StrictInt | None = None
    gte: StrictInt | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AtLeast:
        if (self.gt is None) == (self.gte is None):
            raise ValueError("give exactly one of gt or gte")
        return self


class AgeBound(_Bound):
    """Bounds on age: a lower bound, an upper bound (children, adolescents) or both.

    Age is context, not a finding: a rule for children stops firing at an older age, so an
    older age carries no promise of an equal or higher level (documented in the README).
    """

    gt: StrictInt | None = None
    gte: StrictInt | None = None
    lt: StrictInt | None = None
    lte: StrictInt | None = None

    @model_validator(mode="after")
    def _sensible(self) -> AgeBound:
        if self.gt is not None and self.gte is not None:
            raise ValueError("give at most one lower bound (gt or gte)")
        if self.lt is not None and self.lte is not None:
            raise ValueError("give at most one upper bound (lt or lte)")
        if not self.comparisons():
            raise ValueError("give a lower bound (gt or gte), an upper bound (lt or lte) or both")
        if not any(self.holds(age) for age in range(0, 121)):
            raise ValueError(f"no age from 0 to 120 meets {self.describe('age')}")
        return self


def within_days(duration_days: int | None, days: int | None) -> bool:
    """An onset window's reading, for rules and advice alike: the symptoms are at most ``days``
    old, or their age is unknown (the cautious reading); no window (None) always holds."""
    return days is None or duration_days is None or duration_days <= days


class OnsetWindow(_Bound):
    """An onset window on ``duration_days``: the rule fires while the symptoms are at most
    ``lte`` days old, or while their age is unknown (the cautious reading).

    Written ``started_within_days: N`` in a rule. It is the one upper bound on duration: "new"
    is part of what some warning signs mean (new symptoms in both legs are cauda equina until
    shown otherwise; the same symptoms stable for years are not). Leaving the window can lower
    the level, so a rule book that uses one must also say what the long-standing picture needs
    (``rules lint`` does not check that; the vignettes and Gherkin scenarios do).
    """

    lte: StrictInt = Field(ge=0, le=36500)

    def holds(self, value: int | None) -> bool:
        """True when the duration is unknown or within the window."""
        return within_days(value, self.lte)

    def describe(self, name: str) -> str:
        return f"{name} <= {self.lte} or not given"


# --- vocabulary.yaml ----------------------------------------------------------------------------


class Category(str, Enum):
    pain_location = "pain_location"
    mechanical_sign = "mechanical_sign"
    aggravating_factor = "aggravating_factor"
    easing_factor = "easing_factor"
    exposure = "exposure"
    history = "history"
    red_flag = "red_flag"


class AppliesTo(Strict):
    """To whom a code can apply: a sex, an age range, or both (unset: everyone).

    It decides who is asked (a man is never asked about vaginal bleeding, a 70-year-old never
    whether she could be pregnant); it never refuses a report that gives the code anyway.
    """

    sex: Sex | None = None
    age: AgeBound | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> AppliesTo:
        if self.sex is None and self.age is None:
            raise ValueError("give a sex, an age range or both (leave applies_to out for everyone)")
        return self

    def includes(self, sex: Sex | None, age: int | None) -> bool:
        """False only when the known sex or age rules the code out (unknown context includes)."""
        if self.sex is not None and sex is not None and sex is not self.sex:
            return False
        return not (self.age is not None and age is not None and not self.age.holds(age))


class Term(Strict):
    """One vocabulary code: what it means, how to ask about it, and to whom it can apply."""

    code: Identifier
    label: Text
    question: Text
    category: Category
    sources: list[Identifier] = Field(min_length=1)
    synonyms: list[Text] = Field(default_factory=list)
    applies_to: AppliesTo | None = None


class VocabularyFile(Strict):
    terms: list[Term] = Field(min_length=1)


# --- alternatives.yaml --------------------------------------------------------------------------


class AlternativeCause(Strict):
    """Another cause a rule may raise for discussion with a professional (never a diagnosis)."""

    id: Identifier
    title: Text
    description: Text
    sources: list[Identifier] = Field(min_length=1)


class AlternativesFile(Strict):
    alternatives: list[AlternativeCause] = Field(default_factory=list)


# --- rule files ---------------------------------------------------------------------------------


class Status(str, Enum):
    """How much evidence stands behind a rule (after Sigma's rule status), and what that does.

    - ``stable``: established in the sources and in clinical practice; used in every assessment.
    - ``test`` (the default): sourced and checked by examples and scenarios, but its weight or
      wording is still a judgement under review; used in every assessment.
    - ``experimental``: plausible but weakly supported, or a combination only judgement links;
      left out of assessments unless asked for (``include_experimental``, ``--experimental``).
      It may not set a triage floor or be a red flag: a safety rule must never be opt-in.

    A rule that is not ``stable`` says why in ``status_reason`` (``rules lint`` requires it).
    ``test`` is the default so a rule whose author left the status out still counts.
    """

    experimental = "experimental"
    test = "test"
    stable = "stable"


@dataclass(frozen=True)
class NeededCodes:
    """What a condition needs of the codes, for deciding from denials alone that it can never
    fire: every ``all`` code, one ``any`` code, and one ``unless_denied`` code left undenied."""

    all: frozenset[str]
    any: frozenset[str]
    cautious: frozenset[str]

    def ruled_out_by(self, denied: AbstractSet[str]) -> bool:
        """True when the denials alone mean the condition can never hold."""
        return (
            not self.all.isdisjoint(denied)
            or bool(self.any and self.any <= denied)
            or bool(self.cautious and self.cautious <= denied)
        )


def ruled_out(
    denied: AbstractSet[str],
    rules_with: Mapping[str, Iterable[str]],
    needs: Mapping[str, NeededCodes],
) -> set[str]:
    """The rules a set of denials rules out (``NeededCodes.ruled_out_by``), found through the
    denied codes only: ``rules_with`` maps a code to the rules whose condition names it."""
    found: set[str] = set()
    for code in denied:
        for rule_id in rules_with.get(code, ()):
            if rule_id not in found and needs[rule_id].ruled_out_by(denied):
                found.add(rule_id)
    return found


class Condition(Strict):
    """When a rule fires: every code in ``all``, at least one in ``any``, every number bound and
    the sex, if given; and, cautious until answered, some code of ``unless_denied`` not denied
    and the report's sex not ``unless_sex``.

    There is deliberately no "not" clause: a rule that stopped firing when a finding is added
    could lower the triage level, which this project forbids. Pain and duration take lower
    bounds only for the same reason. Age (which may be bounded above) and sex are context.

    ``absent`` lists codes the report must explicitly deny (a denial, not an unknown). A rule
    with ``absent`` is a denial rule: it may only take points away, and never sets a floor or
    raises an alternative (see ``Rule``), so a denial can lower the score but never the level.
    """

    all: list[Identifier] = Field(default_factory=list)
    any: list[Identifier] = Field(default_factory=list)
    absent: list[Identifier] = Field(default_factory=list)
    unless_denied: list[Identifier] = Field(default_factory=list)
    """Codes that keep the rule firing until every one of them is explicitly denied: while any is
    present or not yet answered, the rule fires. For a warning sign that stays the cautious
    reading until someone has asked (sudden groin pain is torsion until scrotal pain is denied).
    A present finding never stops it, so adding a finding still never lowers the level."""
    unless_sex: Sex | None = None
    """The rule fires unless the report gives this sex (an unknown sex keeps it firing)."""
    started_within_days: StrictInt | None = Field(default=None, ge=0, le=36500)
    """An onset window (see ``OnsetWindow``): fires while ``duration_days`` is unknown or at
    most this many days."""
    age: AgeBound | None = None
    duration_days: AtLeast | None = None
    pain_intensity: AtLeast | None = None
    sex: Sex | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not (self.all or self.any or self.absent or self.numbers()):
            raise ValueError(
                "a condition needs at least one of all, any, absent, or a number bound"
            )
        if len(self.any) == 1:
            raise ValueError("'any' with one code is 'all': move it there")
        repeated = set(self.all) & set(self.any)
        if repeated:
            raise ValueError(f"codes in both 'all' and 'any': {sorted(repeated)}")
        denied_and_present = set(self.absent) & (set(self.all) | set(self.any))
        if denied_and_present:
            raise ValueError(
                f"codes both required and denied: {sorted(denied_and_present)} (never fires)"
            )
        cautious = set(self.unless_denied)
        if cautious & (set(self.all) | set(self.any) | set(self.absent)):
            raise ValueError(
                "codes in unless_denied and in all, any or absent: "
                f"{sorted(cautious & (set(self.all) | set(self.any) | set(self.absent)))}"
            )
        if self.unless_denied and not (self.all or self.any or self.numbers()):
            raise ValueError("unless_denied narrows a rule: give all, any or a number bound too")
        if self.sex is not None and self.unless_sex is not None:
            raise ValueError("give sex or unless_sex, not both")
        if self.started_within_days is not None:
            if self.duration_days is not None:
                raise ValueError("give duration_days or started_within_days, not both")
            if not (self.all or self.any):
                raise ValueError("an onset window needs codes (all or any) to apply to")
        return self

    def numbers(self) -> dict[str, AtLeast | AgeBound | OnsetWindow]:
        """The number bounds that are set, by report field name (an onset window is the
        ``duration_days`` bound of its rule)."""
        window = (
            None if self.started_within_days is None else OnsetWindow(lte=self.started_within_days)
        )
        bounds: dict[str, AtLeast | AgeBound | OnsetWindow | None] = {
            "age": self.age,
            "duration_days": self.duration_days or window,
            "pain_intensity": self.pain_intensity,
        }
        return {name: bound for name, bound in bounds.items() if bound is not None}

    def codes(self) -> list[str]:
        """Every vocabulary code the condition mentions (present, denied or unless denied)."""
        return [*self.all, *self.any, *self.absent, *self.unless_denied]

    def needed_codes(self) -> NeededCodes:
        """The codes whose denials can rule the condition out, grouped by how."""
        return NeededCodes(frozenset(self.all), frozenset(self.any), frozenset(self.unless_denied))

    def has_context(self) -> bool:
        """True when the condition reads the sex (``sex`` or ``unless_sex``)."""
        return self.sex is not None or self.unless_sex is not None


class Examples(Strict):
    """Reports that must fire the rule and reports that must not (after Semgrep's ruleid/ok)."""

    fires: list[SymptomReport] = Field(min_length=1)
    does_not_fire: list[SymptomReport] = Field(default_factory=list)


RED_FLAG_MINIMUM_FLOOR = TriageLevel.consultation
"""The lowest triage floor a red flag may set: every red flag sends the person to a
professional (the shipped book's mildest red flags, such as a history of cancer, say
consultation)."""


class Rule(Strict):
    """One declarative rule: a condition over codes and numbers, and what firing it means."""

    id: Identifier
    title: Text
    status: Status = Status.test
    status_reason: Text | None = None
    """Why the rule is not ``stable`` yet (lint requires it for test and experimental rules)."""
    description: Text
    when: Condition
    points: StrictInt = Field(default=0, ge=-50, le=50)
    triage_floor: TriageLevel | None = None
    red_flag: StrictBool = False
    alternatives: list[Identifier] = Field(default_factory=list)
    psoas_specific: StrictBool = False
    """A sign specific to the psoas: the "likely" band needs at least one such rule to fire."""
    sources: list[Identifier] = Field(min_length=1)
    evidence: EvidenceGrade | None = None
    """A grade weaker than the cited sources earn, where they are cited for context and the
    item itself rests on less (loading refuses a grade stronger than its sources)."""
    examples: Examples

    @property
    def is_denial(self) -> bool:
        """True for a denial rule (its condition needs an explicitly denied code)."""
        return bool(self.when.absent)

    @model_validator(mode="after")
    def _denials_only_subtract(self) -> Rule:
        if not self.is_denial:
            return self
        if self.points >= 0:
            raise ValueError("a denial rule (when.absent) must give negative points")
        if self.triage_floor is not None or self.red_flag or self.alternatives:
            raise ValueError(
                "a denial rule (when.absent) only lowers the score: no triage_floor, red_flag "
                "or alternatives (denials never touch the triage level)"
            )
        if self.psoas_specific:
            raise ValueError("a denial rule cannot be a psoas-specific sign")
        return self

    @model_validator(mode="after")
    def _has_effect(self) -> Rule:
        if self.points == 0 and self.triage_floor is None and not self.alternatives:
            raise ValueError("a rule must give points, a triage floor or an alternative")
        if self.red_flag and self.triage_floor is None:
            raise ValueError("a red-flag rule must set a triage_floor")
        floor = self.triage_floor
        if self.red_flag and floor is not None and floor.rank < RED_FLAG_MINIMUM_FLOOR.rank:
            raise ValueError(
                "a red-flag rule needs a triage_floor of at least "
                f"{RED_FLAG_MINIMUM_FLOOR.value}: a warning sign must send the person to a "
                "professional, and a self_care floor would leave the level where it was"
            )
        if self.red_flag and self.points != 0:
            raise ValueError("a red-flag rule overrides the score and gives no points")
        if self.status is Status.experimental and (self.triage_floor is not None or self.red_flag):
            raise ValueError(
                "an experimental rule is left out of default assessments, so it cannot set a "
                "triage_floor or be a red flag (default results would under-triage): give it "
                "status test or stable with its evidence, or drop the floor"
            )
        return self


class RuleFile(Strict):
    family: Identifier
    title: Text
    rules: list[Rule] = Field(min_length=1)


# --- advice.yaml --------------------------------------------------------------------------------


class Selector(Strict):
    """When an advice item or referral applies: every key that is set must hold.

    ``present_none`` / ``rules_none`` exclude people (e.g. no deep stretches after a hip
    replacement). Advice is not triage, so exclusions here cannot lower a triage level.
    """

    triage_in: frozenset[TriageLevel] | None = None
    likelihood_in: frozenset[Likelihood] | None = None
    present_any: frozenset[Identifier] | None = None
    present_none: frozenset[Identifier] | None = None
    rules_any: frozenset[Identifier] | None = None
    rules_none: frozenset[Identifier] | None = None
    red_flag: StrictBool | None = None
    started_within_days: StrictInt | None = Field(default=None, ge=0, le=36500)
    """Holds while the pain is at most this many days old, or its age is unknown (the first
    days after an injury, when heat, stretching and massage are held back)."""

    def codes(self) -> frozenset[str]:
        """Every vocabulary code the selector mentions."""
        return (self.present_any or frozenset()) | (self.present_none or frozenset())

    def rule_ids(self) -> frozenset[str]:
        """Every rule id the selector mentions."""
        return (self.rules_any or frozenset()) | (self.rules_none or frozenset())


class ReferralRule(Strict):
    professional: Professional
    reason: Text
    when: Selector = Selector()
    sources: list[Identifier] = Field(min_length=1)
    evidence: EvidenceGrade | None = None
    """A grade weaker than the cited sources earn, where they are cited for context and the
    item itself rests on less (loading refuses a grade stronger than its sources)."""


AdviceKind = Literal["self_care", "avoid", "seek_help"]


class AdviceRule(Strict):
    """One advice item. ``conflicts_with`` names items that contradict this one ("pause
    hip-flexion workouts" against loaded hip-flexion exercises): when both would be offered, this
    item (put it on the cautious side) is kept and the others are left out, so no result says
    both. Loading checks the ids exist and that no two items claim each other."""

    id: Identifier
    kind: AdviceKind
    category: Identifier
    title: Text
    text: Text
    when: Selector = Selector()
    sources: list[Identifier] = Field(min_length=1)
    evidence: EvidenceGrade | None = None
    """A grade weaker than the cited sources earn, where they are cited for context and the
    item itself rests on less (loading refuses a grade stronger than its sources)."""
    conflicts_with: frozenset[Identifier] = frozenset()
    loads: frozenset[Identifier] | None = None
    """What a self-care item puts on the body (ids from the file's ``loads``; ``[]`` for
    nothing). ``rules lint`` needs it declared, so it can check the item against the level and
    against what an avoid item pauses."""
    pauses: frozenset[Identifier] = frozenset()
    """What an avoid item asks the person to stop for now (ids from the file's ``loads``): no
    self-care item offered beside it may load it (``rules lint`` checks)."""

    @model_validator(mode="after")
    def _loads_and_pauses_fit_the_kind(self) -> AdviceRule:
        if self.loads and self.kind != "self_care":
            raise ValueError("only a self_care item loads something ('loads')")
        if self.pauses and self.kind != "avoid":
            raise ValueError("only an avoid item pauses something ('pauses')")
        return self


class Holdback(Strict):
    """Self-care and referrals held back for this person, and why (said in the result).

    Exercises that load or stretch the hip and trunk do not suit someone who cannot bear
    weight, has just fallen, is pregnant or is a child; massage and manipulation do not suit
    someone on a blood thinner, in pregnancy, after an operation or in the first days after a
    muscle injury (``professionals``). The reason is shown so that what is missing is
    explained, never silently dropped.
    """

    id: Identifier
    reason: Text
    when: Selector
    categories: frozenset[Identifier] = frozenset()
    items: frozenset[Identifier] = frozenset()
    professionals: frozenset[Professional] = frozenset()
    sources: list[Identifier] = Field(min_length=1)

    @model_validator(mode="after")
    def _holds_something(self) -> Holdback:
        if not (self.categories or self.items or self.professionals):
            raise ValueError("a holdback needs categories, items or professionals to hold back")
        return self


class AdviceFile(Strict):
    loads: dict[Identifier, Text] = Field(default_factory=dict)
    """What exercises put on the body, by id, each with what it means (hip-flexion strength,
    single-leg loading, lying on the back...): the words ``loads`` and ``pauses`` use."""
    referrals: list[ReferralRule] = Field(min_length=1)
    advice: list[AdviceRule] = Field(min_length=1)
    holdbacks: list[Holdback] = Field(default_factory=list)


# --- rulebook.yaml ------------------------------------------------------------------------------


class Bands(Strict):
    """Score thresholds: a score at or above ``possible`` is possible, at or above ``likely``..."""

    possible: StrictInt = Field(ge=1, le=100)
    likely: StrictInt = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.possible >= self.likely:
            raise ValueError("the 'possible' threshold must be below the 'likely' one")
        return self


class Policy(Strict):
    """Numbers and words that are knowledge, not code: bands, triage by likelihood, texts.

    Texts for two audiences: ``triage_actions`` and ``disclaimer`` speak to the person in plain
    words; ``clinician_actions`` and ``clinician_disclaimer`` speak to the clinician who reads the
    CDS Hooks card or the FHIR RiskAssessment. The clinician texts are optional so that rule
    books written before them keep loading: a book without them shows its patient texts to the
    clinician too (``action_for_clinician``), which is the wrong register but never a weaker
    instruction, and ``rules lint`` warns. A map that is there must cover every level, as
    ``triage_actions`` must: a half-written map is a mistake, not an older book.
    """

    bands: Bands
    likelihood_triage: dict[Likelihood, TriageLevel]
    triage_actions: dict[TriageLevel, Text]
    clinician_actions: dict[TriageLevel, Text] | None = None
    disclaimer: Text
    clinician_disclaimer: Text | None = None

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        for name, texts in (
            ("triage_actions", self.triage_actions),
            ("clinician_actions", self.clinician_actions),
        ):
            if texts is None:  # only clinician_actions may be absent
                continue
            missing = [level.value for level in TriageLevel if level not in texts]
            if missing:
                raise ValueError(f"{name} lacks a text for: {', '.join(missing)}")
        return self

    def action_for_clinician(self, level: TriageLevel) -> str:
        """The clinician's text for ``level``; the patient's where the book has none."""
        return (self.clinician_actions or self.triage_actions)[level]

    def disclaimer_for_clinician(self) -> str:
        """The clinician's disclaimer; the patient's where the book has none."""
        return self.clinician_disclaimer or self.disclaimer


class RuleBookFile(Strict):
    name: Text
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.+-]{1,32}$")]
    policy: Policy


# --- body_map.yaml (optional) -------------------------------------------------------------------


class BodyRegion(str, Enum):
    """A place on the body map of the visual report (drawn on the front view, the back or both)."""

    upper_back = "upper_back"
    flank = "flank"
    low_back = "low_back"
    paraspinal = "paraspinal"
    lumbosacral = "lumbosacral"
    sacroiliac = "sacroiliac"
    buttock = "buttock"
    pelvis = "pelvis"
    groin = "groin"
    front_of_hip = "front_of_hip"
    hip = "hip"
    thigh = "thigh"
    knee = "knee"
    below_knee = "below_knee"


class BodyMapFile(Strict):
    """Where each pain-location code is drawn: data, so a new location needs no code change.

    ``regions`` maps a vocabulary code of category ``pain_location`` to the regions it lights up.
    """

    regions: dict[Identifier, list[BodyRegion]] = Field(min_length=1)

    @model_validator(mode="after")
    def _not_empty(self) -> BodyMapFile:
        empty = sorted(code for code, regions in self.regions.items() if not regions)
        if empty:
            raise ValueError(f"codes with no region: {', '.join(empty)}")
        return self

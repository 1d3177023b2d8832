"""Check a rule directory beyond its schema: load problems, examples, reachability, unused codes.

The loader already refuses a malformed book (schema, unknown codes and sources, duplicate ids,
the monotone-triage guard). Lint adds what needs the engine: every ``fires`` example fires its
rule (so every rule can fire) and no ``does_not_fire`` example does; and what is legal but
suspicious: vocabulary codes no rule uses, and warning-sign codes (category red_flag) that no
rule with a triage floor uses (a warning sign that can never raise the level is a silent gap).
And a note per locale listing the texts it leaves in English.

Score calibration (issue 13): one finding alone must not reach "likely"; a finding and every
combination that needs it add up to less than the "likely" threshold (no double counting);
a psoas-specific rule must rest on a sign (a mechanical sign or an aggravating factor), never on
a location and an exposure alone; denials together weigh at most ``MAX_DENIAL_POINTS``.

Status (issue 14): every rule that is not ``stable`` says why in ``status_reason``. Lint runs
every rule, experimental ones included (they are opt-in for assessments, not for checks).

Two audiences (issue 25): a policy without clinician texts is legal (older books) but shows
clinicians the patient's words, so lint warns.

Sources (issue 23): a rule that cites only ``clinical_practice`` stand-ins rests on nothing a
clinician can look up; lint warns so the stand-in is replaced by a named guideline, consensus
statement or review (the kind stays in the schema so older rule books keep loading).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from psoas_triage.engine import engine_for
from psoas_triage.errors import RuleBookError
from psoas_triage.locales import missing_keys, safety_keys
from psoas_triage.models import EvidenceGrade, Likelihood, SymptomReport, TriageLevel
from psoas_triage.rulebook import LoadedRule, RuleBook, load_body_map, load_rulebook
from psoas_triage.schema import AdviceRule, Category, Selector, SourceKind, Status
from psoas_triage.scoring import score_fired

MAX_SOURCE_CLAIM_EXPOSURE_POINTS = 3
"""Most one rule may weigh when it needs an exposure and rests only on the seed documents'
claims (posture, sleeping curled up, high heels...): the documents' advice, not evidence."""

MAX_SOURCE_CLAIM_EXPOSURE_TOTAL = 6
"""Most one exposure may add through every source-claim rule that needs it."""

MAX_DENIAL_POINTS = 20
"""Most the denials of core psoas signs may take away together (a bounded amount)."""

SIGN_CATEGORIES = frozenset({Category.mechanical_sign, Category.aggravating_factor})
"""Categories that make a rule a sign rather than a place or an exposure."""


@dataclass(frozen=True)
class LintProblem:
    """One thing wrong with a rule directory, printed as ``FILE:LINE: rule ID: message`` (the
    way compilers print, so editors can jump to it); warnings say ``warning:`` after the place."""

    file: str | None
    rule: str | None
    message: str
    severity: str = "error"
    line: int | None = None
    keys: tuple[str, ...] = ()
    """For a missing-translation note: every locale key it stands for (the message shows a few)."""

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.file and self.line else self.file
        parts = [part for part in (place, self.rule and f"rule {self.rule}") if part]
        if self.severity != "error":
            parts.append(self.severity)
        return ": ".join([*parts, self.message])


def lint_directory(path: str | Path | None = None) -> list[LintProblem]:
    """Every problem in the rule directory at ``path`` (the shipped one when None)."""
    try:
        book = load_rulebook(path)
    except RuleBookError as error:
        return [
            LintProblem(problem.file, problem.rule, problem.detail, line=problem.line)
            for problem in error.problems
        ]
    return lint_rulebook(book)


def lint_rulebook(book: RuleBook) -> list[LintProblem]:
    """Problems of a loaded book: examples that misbehave, codes nobody uses, unmapped places."""
    return [
        *example_problems(book),
        *unused_code_problems(book),
        *body_map_problems(book),
        *calibration_problems(book),
        *locale_notes(book),
        *status_problems(book),
        *source_problems(book),
        *advice_problems(book),
        *clinician_text_problems(book),
    ]


def clinician_text_problems(book: RuleBook) -> list[LintProblem]:
    """A warning for each clinician text the policy leaves out: the book still loads (older
    books have none) and clinicians are shown the patient's text, which is safe but written for
    the person ("do not drive yourself"), not for the clinician reading a CDS card."""
    file = str(book.path / "rulebook.yaml")
    policy = book.policy
    missing = [
        (name, patient)
        for name, patient, text in (
            ("clinician_actions", "triage_actions", policy.clinician_actions),
            ("clinician_disclaimer", "disclaimer", policy.clinician_disclaimer),
        )
        if text is None
    ]
    return [
        LintProblem(
            file,
            None,
            f"policy has no {name}: the CDS Hooks card and the FHIR RiskAssessment show "
            f"clinicians the patient's {patient}; add {name} in clinical words",
            "warning",
        )
        for name, patient in missing
    ]


EXERCISE_LEVELS = frozenset({TriageLevel.consultation, TriageLevel.self_care})
"""The levels at which an exercise (a self-care item that loads something) fits: at urgent or
emergency the person is to be seen first."""


def advice_problems(book: RuleBook) -> list[LintProblem]:
    """Advice that contradicts itself or the level: a self-care item that does not say what it
    loads; one that loads something and can be offered at urgent or emergency; one that loads
    what an avoid item pauses while both can apply to the same person (name it in that avoid
    item's ``conflicts_with`` or narrow a ``when``)."""
    file = str(book.path / "advice.yaml")
    items = book.advice.advice
    problems = []
    for item in items:
        if item.kind != "self_care":
            continue
        if item.loads is None:
            # An error once the book names its loads; before that, a nudge to start.
            severity = "error" if book.advice.loads else "warning"
            problems.append(
                LintProblem(file, item.id, "say what it loads ('loads: []' for nothing)", severity)
            )
            continue
        levels = item.when.triage_in
        if item.loads and (levels is None or not levels <= EXERCISE_LEVELS):
            problems.append(
                LintProblem(
                    file,
                    item.id,
                    f"loads {', '.join(sorted(item.loads))} but can be offered at urgent or "
                    "emergency, where the person is to be seen first: add "
                    "'triage_in: [consultation, self_care]' to its when",
                )
            )
        for other in items:
            paused = (item.loads or frozenset()) & other.pauses
            if (
                paused
                and item.id not in other.conflicts_with
                and can_apply_together(item.when, other.when)
                and not _held_back_whenever(book, item, other.when)
            ):
                problems.append(
                    LintProblem(
                        file,
                        item.id,
                        f"loads {', '.join(sorted(paused))}, which {other.id!r} pauses, and "
                        "both can apply to the same person: add it to that item's "
                        "conflicts_with or narrow one of the two 'when's",
                    )
                )
    return problems


def can_apply_together(first: Selector, second: Selector) -> bool:
    """False only when no situation can meet both selectors (their levels, bands or red-flag
    settings differ, or one needs a code or rule the other excludes); True when unsure."""
    for mine, theirs in ((first, second), (second, first)):
        if mine.present_any is not None and mine.present_any <= (theirs.present_none or set()):
            return False
        if mine.rules_any is not None and mine.rules_any <= (theirs.rules_none or set()):
            return False
    return not (
        _disjoint(first.triage_in, second.triage_in)
        or _disjoint(first.likelihood_in, second.likelihood_in)
        or (
            first.red_flag is not None
            and second.red_flag is not None
            and first.red_flag != second.red_flag
        )
    )


def _disjoint(first: AbstractSet[object] | None, second: AbstractSet[object] | None) -> bool:
    return first is not None and second is not None and first.isdisjoint(second)


def _held_back_whenever(book: RuleBook, item: AdviceRule, when: Selector) -> bool:
    """Some holdback holds ``item`` back in every situation ``when`` describes (its own
    selector asks nothing ``when`` does not ask the same way)."""
    asked = when.model_dump(exclude_none=True)
    return any(
        (item.id in holdback.items or item.category in holdback.categories)
        and all(
            asked.get(key) == value
            for key, value in holdback.when.model_dump(exclude_none=True).items()
        )
        for holdback in book.advice.holdbacks
    )


def source_problems(book: RuleBook) -> list[LintProblem]:
    """A warning for each rule whose every source is a ``clinical_practice`` stand-in."""
    stand_ins = {
        sid for sid, source in book.sources.items() if source.kind is SourceKind.clinical_practice
    }
    return [
        LintProblem(
            loaded.file,
            loaded.rule.id,
            f"cites only general clinical practice ({', '.join(loaded.rule.sources)}): cite a "
            "named guideline, consensus statement or review and the section used",
            "warning",
            line=loaded.line,
        )
        for loaded in book.rules
        if loaded.rule.sources and set(loaded.rule.sources) <= stand_ins
    ]


def status_problems(book: RuleBook) -> list[LintProblem]:
    """A rule that is not ``stable`` must say why (``status_reason``). An experimental rule
    with a triage floor or a red flag is refused by the loader already (it would be left out of
    default assessments)."""
    return [
        LintProblem(
            loaded.file,
            loaded.rule.id,
            f"status {loaded.rule.status.value} needs a status_reason: say why the rule is not "
            "stable yet (what evidence is missing)",
            line=loaded.line,
        )
        for loaded in book.rules
        if loaded.rule.status is not Status.stable and not loaded.rule.status_reason
    ]


SHOWN_KEYS = 8
"""Missing locale keys named in a note's message; ``keys`` (and ``--json``) has them all."""


def locale_notes(book: RuleBook) -> list[LintProblem]:
    """One note per locale and section listing the texts it leaves in English.

    A note, not a warning: a partial locale is legal (each entry falls back to English, and the
    assessment lists what it showed in English). The safety texts a locale must have (the
    disclaimer, the emergency and urgent actions) are load errors, reported above.
    """
    notes = []
    safety = safety_keys(book)
    for language, locale in sorted(book.locales.items()):
        for section, found in missing_keys(book, locale).items():
            # Texts that warn of danger first: they are the ones to translate first.
            keys = sorted(found, key=lambda key: key not in safety)
            urgent = sum(key in safety for key in keys)
            first = f" ({urgent} warn of danger: translate them first)" if urgent else ""
            shown = ", ".join(keys[:SHOWN_KEYS])
            more = f" and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else ""
            notes.append(
                LintProblem(
                    locale.file,
                    None,
                    f"locale {language}: {len(keys)} {section} texts not translated{first}, "
                    f"shown in English: {shown}{more}",
                    "note",
                    keys=tuple(keys),
                )
            )
    return notes


def calibration_problems(book: RuleBook) -> list[LintProblem]:
    """Score calibration: one finding reaching likely, denials; and, for a book that marks
    psoas-specific signs (the calibrated model), double counting and the specific signs."""
    problems = [
        *single_finding_problems(book),
        *denial_problems(book),
        *source_claim_exposure_problems(book),
    ]
    if book.marks_specific_signs:
        problems += [*finding_weight_problems(book), *specific_sign_problems(book)]
    return problems


def source_claim_exposure_problems(book: RuleBook) -> list[LintProblem]:
    """An exposure resting only on the seed documents' claims weighs little: at most
    ``MAX_SOURCE_CLAIM_EXPOSURE_POINTS`` per rule and ``MAX_SOURCE_CLAIM_EXPOSURE_TOTAL``
    through all the rules that need it, so no amount of sitting or posture makes a psoas
    picture by itself (the documents themselves call psoas syndrome rare)."""
    problems = []
    totals: dict[str, list[LoadedRule]] = {}
    for loaded in book.rules:
        rule = loaded.rule
        if rule.points <= 0 or book.grade(rule.sources, rule.evidence) is not (
            EvidenceGrade.source_claim
        ):
            continue
        exposures = [
            code
            for code in dict.fromkeys([*rule.when.all, *rule.when.any])
            if code in book.terms and book.terms[code].category is Category.exposure
        ]
        for code in exposures:
            totals.setdefault(code, []).append(loaded)
        if exposures and rule.points > MAX_SOURCE_CLAIM_EXPOSURE_POINTS:
            problems.append(
                LintProblem(
                    loaded.file,
                    rule.id,
                    f"weighs {rule.points} points on an exposure ({', '.join(exposures)}) that "
                    f"rests only on source claims: at most {MAX_SOURCE_CLAIM_EXPOSURE_POINTS}",
                )
            )
    vocabulary = str(book.path / "vocabulary.yaml")
    for code, rules in totals.items():
        total = sum(loaded.rule.points for loaded in rules)
        if total > MAX_SOURCE_CLAIM_EXPOSURE_TOTAL:
            problems.append(
                LintProblem(
                    vocabulary,
                    code,
                    f"this exposure adds up to {total} points through source-claim rules "
                    f"({', '.join(loaded.rule.id for loaded in rules)}): at most "
                    f"{MAX_SOURCE_CLAIM_EXPOSURE_TOTAL}",
                )
            )
    return problems


def finding_weight_problems(book: RuleBook) -> list[LintProblem]:
    """A finding plus every combination that needs it (``all``) must stay below "likely"."""
    limit = book.policy.bands.likely
    weight: dict[str, int] = {}
    needing: dict[str, list[str]] = {}
    for loaded in book.rules:
        if loaded.rule.points > 0:
            for code in loaded.rule.when.all:
                weight[code] = weight.get(code, 0) + loaded.rule.points
                needing.setdefault(code, []).append(loaded.rule.id)
    vocabulary = str(book.path / "vocabulary.yaml")
    return [
        LintProblem(
            vocabulary,
            code,
            f"counted {total} points by the rules that need it ({', '.join(needing[code])}), "
            f"reaching the likely threshold {limit}: double counting",
        )
        for code, total in weight.items()
        if total >= limit
    ]


def single_finding_problems(book: RuleBook) -> list[LintProblem]:
    """No report with one present finding (and nothing else) may be "likely"."""
    engine = engine_for(book)
    problems = []
    vocabulary = str(book.path / "vocabulary.yaml")
    for code in book.terms:
        fired = [
            book.rule(rule_id) for rule_id in engine.fired_rule_ids(SymptomReport(present=(code,)))
        ]
        scored = score_fired(fired, book.policy.bands, book.marks_specific_signs)
        if scored.likelihood is Likelihood.likely:
            problems.append(
                LintProblem(vocabulary, code, f"this finding alone reaches likely ({scored.score})")
            )
    return problems


def specific_sign_problems(book: RuleBook) -> list[LintProblem]:
    """ "Likely" needs a psoas-specific rule, and such a rule must need a sign, not only
    locations and exposures; a book with none can never say "likely" (a warning)."""
    specific = [loaded for loaded in book.rules if loaded.rule.psoas_specific]
    if not specific:
        return [
            LintProblem(
                None, None, "no rule is psoas_specific: no report can reach likely", "warning"
            )
        ]
    problems = []
    for loaded in specific:
        needed = [*loaded.rule.when.all, *loaded.rule.when.any]
        categories = {book.terms[code].category for code in needed if code in book.terms}
        if loaded.rule.points <= 0 or not categories & SIGN_CATEGORIES:
            problems.append(
                LintProblem(
                    loaded.file,
                    loaded.rule.id,
                    "a psoas_specific rule needs positive points and a sign (mechanical sign or "
                    "aggravating factor): without one, location and exposure alone reach likely",
                )
            )
    return problems


def denial_problems(book: RuleBook) -> list[LintProblem]:
    """Denials together take away at most MAX_DENIAL_POINTS."""
    denials = [loaded for loaded in book.rules if loaded.rule.is_denial]
    total = -sum(loaded.rule.points for loaded in denials)
    if total <= MAX_DENIAL_POINTS:
        return []
    return [
        LintProblem(
            denials[0].file,
            None,
            f"denials take away {total} points together, more than {MAX_DENIAL_POINTS}",
        )
    ]


def example_problems(book: RuleBook) -> list[LintProblem]:
    """Run every rule's examples through durable_rules and report the ones that misbehave."""
    engine = engine_for(book)
    problems = []
    for loaded in book.rules:
        rule = loaded.rule
        for number, example in enumerate(rule.examples.fires):
            if rule.id not in engine.fired_rule_ids(example):
                problems.append(
                    LintProblem(
                        loaded.file,
                        rule.id,
                        f"example fires[{number}] does not fire the rule",
                        line=loaded.line,
                    )
                )
        for number, example in enumerate(rule.examples.does_not_fire):
            if rule.id in engine.fired_rule_ids(example):
                problems.append(
                    LintProblem(
                        loaded.file,
                        rule.id,
                        f"example does_not_fire[{number}] fires the rule",
                        line=loaded.line,
                    )
                )
    return problems


def unused_code_problems(book: RuleBook) -> list[LintProblem]:
    """Vocabulary codes no rule mentions; red-flag codes no rule with a triage floor mentions."""
    vocabulary = str(book.path / "vocabulary.yaml")
    used = {code for loaded in book.rules for code in loaded.rule.when.codes()}
    flagged = {
        code
        for loaded in book.rules
        if loaded.rule.triage_floor is not None
        for code in loaded.rule.when.codes()
    }
    problems = []
    for term in book.terms.values():
        if term.code not in used:
            problems.append(LintProblem(vocabulary, term.code, "no rule uses this code", "warning"))
        elif term.category is Category.red_flag and term.code not in flagged:
            problems.append(
                LintProblem(
                    vocabulary, term.code, "red-flag code used by no rule with a triage floor"
                )
            )
    return problems


def body_map_problems(book: RuleBook) -> list[LintProblem]:
    """The optional body map must place every pain_location code, and only vocabulary codes."""
    file = str(book.path / "body_map.yaml")
    try:
        body_map = load_body_map(book)
    except RuleBookError as error:
        return [LintProblem(error.file, error.rule, error.detail)]
    if body_map is None:
        return []
    locations = [t.code for t in book.terms.values() if t.category is Category.pain_location]
    problems = [
        LintProblem(file, code, f"pain_location code {code!r} has no body-map region: add it")
        for code in locations
        if code not in body_map.regions
    ]
    problems += [
        LintProblem(file, code, f"{code!r} is not a pain_location code of the vocabulary")
        for code in body_map.regions
        if code not in locations
    ]
    return problems

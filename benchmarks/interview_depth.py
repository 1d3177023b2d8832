"""How long the interview is, and whether it stays safe: simulated patients from the vignettes.

    python benchmarks/interview_depth.py                      # every depth, both variants, with sex
    python benchmarks/interview_depth.py --no-sex             # patients start without their sex
    python benchmarks/interview_depth.py --variant dont_know  # one variant
    python benchmarks/interview_depth.py --depth triage       # one depth (issue 24)

Each case of ``tests/vignettes/guideline_vignettes.yaml`` is a patient. Its *truth* is what
``tests/test_vignettes.py`` assesses (``Vignette.full_report``): the report, and when the case is
``screened`` (the default) every warning sign (vocabulary category ``red_flag``) not present
denied. The patient starts the interview from its chief complaint: its present codes of category
``pain_location`` (its first present code when it has none), with its age and sex (``--no-sex``:
without its sex). Then it answers every question of ``next_question`` from its truth, the way
``docs/embedding.md`` records answers:

- a code present in the truth: yes (``present``); absent in the truth: no (``absent``); any
  other code: no in the variant ``knows``, don't know (``unknown``) in the variant ``dont_know``;
  a group question (the checklist) is answered code by code the same way;
- a number (or any question with a ``field``, such as a ``choice`` question about ``sex``): the
  truth's value, or the field name in ``unknown`` when the truth has none.

It goes on until ``should_stop``, or ``MAX_QUESTIONS`` questions (a failure). Per patient:
questions asked (a group counts as one), items answered (each code of a group counts), keys
asked although already answered (a repeated question), questions that cannot apply to the
patient (a code whose vocabulary ``applies_to`` excludes the patient's true sex or age), the
final level against ``assess(truth)`` with the same rule book and against the level of every
answer the patient would give (``answers_report``: below that is under-triage by the interview;
below the truth alone happens where a ``knows`` patient denies a sign the vignette leaves
unsaid), the questions until the level first equals its final value, and for interviews that
end in self-care the questions until self-care was offered (the interview stopped). When
``next_question`` takes ``depth`` (issue 24), every depth is run; before that there is one,
shown as ``-``.

The functions are pure (rule book in, outcomes out); ``tests/test_interview_simulation.py``
imports them. Not part of the benchmark table of ``run.py``: this one is about questions, not
time (``run.py`` already times ``next_question``). Today's interview (40-77 questions, about
20 ms a call, most of it the report check computing spelling suggestions for the number fields
in ``unknown``) makes the default table about 190 s of CPU; ``--workers`` (default 2) shares the
patients among processes.
"""

from __future__ import annotations

import argparse
import inspect
import multiprocessing
import os
import statistics
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psoas_triage import (
    NextStep,
    Question,
    RuleBook,
    TriageLevel,
    assess,
    default_rulebook,
    load_rulebook,
    next_question,
)
from psoas_triage.models import NUMBER_FIELDS, Sex
from psoas_triage.yaml_files import read_yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VIGNETTES = ROOT / "tests" / "vignettes" / "guideline_vignettes.yaml"
MAX_QUESTIONS = 200
"""An interview still asking after this many questions counts as a failure."""
VARIANTS = ("knows", "dont_know")
"""How a patient answers a code its truth does not mention: no, or don't know."""
ANSWER_KEYS = ("present", "absent", "unknown")
RED_FLAG = "red_flag"
CHIEF_COMPLAINT = "pain_location"


# --- patients -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Patient:
    """One simulated patient: its full truth, and the report it starts the interview with."""

    id: str
    truth: Mapping[str, Any]
    start: Mapping[str, Any]

    @property
    def sex(self) -> Sex | None:
        value = self.truth.get("sex")
        return None if value is None else Sex(value)

    @property
    def age(self) -> int | None:
        return self.truth.get("age")


def truth_report(case: Mapping[str, Any], book: RuleBook) -> dict[str, Any]:
    """A vignette's full truth, as ``tests/test_vignettes.py::Vignette.full_report`` builds it:
    the report, and when ``screened`` (default true) every red-flag code not present, denied."""
    report = dict(case["report"])
    if case.get("screened", True):
        present = set(report.get("present", []))
        signs = sorted(
            code
            for code, term in book.terms.items()
            if term.category.value == RED_FLAG and code not in present
        )
        report["absent"] = sorted({*report.get("absent", []), *signs})
    return report


def start_report(
    truth: Mapping[str, Any], book: RuleBook, *, with_sex: bool = True
) -> dict[str, Any]:
    """The chief complaint: the truth's present pain locations (its first present code when it
    has none), with its age and (``with_sex``) its sex."""
    present = list(truth.get("present", []))
    complaint = [code for code in present if book.terms[code].category.value == CHIEF_COMPLAINT]
    start: dict[str, Any] = {"present": complaint or present[:1]}
    fields = ("age", "sex") if with_sex else ("age",)
    start |= {name: truth[name] for name in fields if truth.get(name) is not None}
    return start


def load_cases(path: Path = VIGNETTES) -> list[dict[str, Any]]:
    """The vignette cases as written (``read_yaml``: the project's own YAML reader)."""
    return list(read_yaml(path)["vignettes"])


def load_patients(
    book: RuleBook, *, with_sex: bool = True, path: Path = VIGNETTES
) -> list[Patient]:
    """One patient per vignette, in the suite's order."""
    patients = []
    for case in load_cases(path):
        truth = truth_report(case, book)
        start = start_report(truth, book, with_sex=with_sex)
        patients.append(Patient(id=case["id"], truth=truth, start=start))
    return patients


# --- depth --------------------------------------------------------------------------------------


def depths(ask: Callable[..., NextStep] = next_question) -> tuple[str | None, ...]:
    """The depths to run: ``("triage", "full")`` once ``next_question`` takes ``depth``
    (issue 24), else ``(None,)`` (today's one interview)."""
    if "depth" in inspect.signature(ask).parameters:
        return ("triage", "full")
    return (None,)


# --- answering ----------------------------------------------------------------------------------


def question_keys(question: Question) -> tuple[str, ...]:
    """What a question asks about: its field (a number, or sex), else its code(s)."""
    field = getattr(question, "field", None)
    if field is not None:
        return (str(field),)
    codes = tuple(getattr(question, "codes", ()) or ())
    if codes:
        return codes
    code = getattr(question, "code", None)
    if code is not None:
        return (code,)
    raise ValueError(f"a question of kind {question.kind!r} asks about nothing the harness knows")


def answered_keys(report: Mapping[str, Any]) -> set[str]:
    """Every code and field the report already answers (don't know included)."""
    keys = {key for name in ANSWER_KEYS for key in report.get(name, ())}
    keys |= {
        name for name, value in report.items() if name not in ANSWER_KEYS and value is not None
    }
    return keys


def record_answers(
    report: Mapping[str, Any], question: Question, truth: Mapping[str, Any], variant: str
) -> dict[str, Any]:
    """``report`` with the patient's answer to ``question`` (a new dict; ``report`` is kept).

    A field (a number, or a choice such as ``sex``) gets the truth's value, or goes to
    ``unknown`` when the truth has none. A code goes to ``present`` or ``absent`` as in the
    truth, otherwise to ``absent`` (``knows``) or ``unknown`` (``dont_know``). A key already in
    the report is left as it is (asking it again is counted, not answered twice).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: {', '.join(VARIANTS)}")
    updated: dict[str, Any] = {key: value for key, value in report.items()}
    for name in ANSWER_KEYS:
        updated[name] = list(report.get(name, ()))
    answered = answered_keys(report)
    truth_present = set(truth.get("present", ()))
    truth_absent = set(truth.get("absent", ()))
    field = getattr(question, "field", None)
    for key in question_keys(question):
        if key in answered:
            continue
        if field is not None:
            value = truth.get(key)
            if value is None:
                updated["unknown"].append(key)
            else:
                updated[key] = value
        elif key in truth_present:
            updated["present"].append(key)
        elif key in truth_absent or variant == "knows":
            updated["absent"].append(key)
        else:
            updated["unknown"].append(key)
    return updated


def answers_report(patient: Patient, book: RuleBook, variant: str) -> dict[str, Any]:
    """Every answer the patient would give if asked everything: the truth, each code the truth
    does not mention answered as the variant answers it (``knows``: no; ``dont_know``: don't
    know), each missing number don't know, and its sex when the truth has one.

    Its level is the reference an interview must never end below. It can be lower than the
    truth's (``assess(truth)``): a ``knows`` patient denies signs the vignette leaves unsaid, and
    rules that stay cautious until a sign is denied (``unless_denied``) then stand down.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: {', '.join(VARIANTS)}")
    truth = patient.truth
    present = list(truth.get("present", ()))
    absent = set(truth.get("absent", ()))
    unmentioned = sorted(set(book.terms) - set(present) - absent)
    report: dict[str, Any] = {key: value for key, value in truth.items() if key not in ANSWER_KEYS}
    report["present"] = present
    if variant == "knows":
        report["absent"] = sorted(absent | set(unmentioned))
        report["unknown"] = []
    else:
        report["absent"] = sorted(absent)
        report["unknown"] = unmentioned
    report["unknown"] += [name for name in NUMBER_FIELDS if truth.get(name) is None]
    return report


def inapplicable_codes(book: RuleBook, question: Question, patient: Patient) -> tuple[str, ...]:
    """The codes of ``question`` whose vocabulary ``applies_to`` rules the patient out (by the
    patient's true sex and age, whether or not the interview knows them)."""
    found = []
    for key in question_keys(question):
        term = book.terms.get(key)
        applies = getattr(term, "applies_to", None) if term is not None else None
        if applies is not None and not applies.includes(patient.sex, patient.age):
            found.append(key)
    return tuple(found)


# --- one interview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One simulated interview."""

    id: str
    questions: int
    """Questions asked; a group question counts as one."""
    items: int
    """Answers given; each code of a group counts."""
    repeated: tuple[str, ...]
    """Keys asked although the report already answered them."""
    inapplicable: tuple[str, ...]
    """Codes asked that cannot apply to this patient (``applies_to``)."""
    inapplicable_questions: int
    """Questions with at least one such code."""
    final_level: TriageLevel
    full_level: TriageLevel
    """The level of ``assess(truth)``: the vignette's full truth, as its test assesses it."""
    answers_level: TriageLevel
    """The level of every answer the patient would give (``answers_report``): the floor."""
    level_after: int
    """Questions until the level first equals its final value (0: from the start)."""
    finished: bool
    """Stopped by ``should_stop`` within ``MAX_QUESTIONS``."""

    @property
    def difference(self) -> int:
        """Final level's rank minus the full truth's (negative: ended below it)."""
        return self.final_level.rank - self.full_level.rank

    @property
    def answers_difference(self) -> int:
        """Final level's rank minus that of all the patient's answers (negative: under-triage)."""
        return self.final_level.rank - self.answers_level.rank

    @property
    def self_care_after(self) -> int | None:
        """For an interview that offered self-care (stopped there): questions until then."""
        if self.finished and self.final_level is TriageLevel.self_care:
            return self.questions
        return None


def interview(
    patient: Patient,
    book: RuleBook,
    *,
    variant: str = "knows",
    depth: str | None = None,
    max_questions: int = MAX_QUESTIONS,
    ask: Callable[..., NextStep] = next_question,
) -> Outcome:
    """Run one patient through the stateless interview, answering from its truth."""
    options: dict[str, Any] = {} if depth is None else {"depth": depth}
    report: dict[str, Any] = dict(patient.start)
    step = ask(report, book, **options)
    levels = [_level(step)]
    questions = items = inapplicable_questions = 0
    repeated: list[str] = []
    inapplicable: list[str] = []
    while not step.should_stop and questions < max_questions:
        question = step.question
        if question is None:
            raise ValueError(f"{patient.id}: no question, yet should_stop is false")
        keys = question_keys(question)
        answered = answered_keys(report)
        repeated += [key for key in keys if key in answered]
        wrong = inapplicable_codes(book, question, patient)
        inapplicable += wrong
        inapplicable_questions += bool(wrong)
        questions += 1
        items += len(keys)
        report = record_answers(report, question, patient.truth, variant)
        step = ask(report, book, **options)
        levels.append(_level(step))
    final = levels[-1]
    return Outcome(
        id=patient.id,
        questions=questions,
        items=items,
        repeated=tuple(repeated),
        inapplicable=tuple(inapplicable),
        inapplicable_questions=inapplicable_questions,
        final_level=final,
        full_level=assess(patient.truth, book).triage_level,
        answers_level=assess(answers_report(patient, book, variant), book).triage_level,
        level_after=levels.index(final),
        finished=step.should_stop,
    )


def _level(step: NextStep) -> TriageLevel:
    assert step.assessment is not None, "a NextStep always carries the assessment so far"
    return step.assessment.triage_level


def run_all(
    patients: Sequence[Patient],
    book: RuleBook,
    *,
    variant: str = "knows",
    depth: str | None = None,
    workers: int = 1,
) -> list[Outcome]:
    """Every patient's interview, in order. ``workers`` > 1 shares them among fresh (spawned)
    processes, each loading the same rule book from its directory."""
    if workers <= 1 or len(patients) < 2 * workers:
        return [interview(patient, book, variant=variant, depth=depth) for patient in patients]
    chunks = [list(patients[number::workers]) for number in range(workers)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        parts = pool.map(
            _run_chunk,
            [str(book.path)] * workers,
            chunks,
            [variant] * workers,
            [depth] * workers,
        )
        by_id = {outcome.id: outcome for part in parts for outcome in part}
    return [by_id[patient.id] for patient in patients]


def _run_chunk(
    rules: str, patients: list[Patient], variant: str, depth: str | None
) -> list[Outcome]:
    book = load_rulebook(rules)
    return [interview(patient, book, variant=variant, depth=depth) for patient in patients]


# --- the summary --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One row of the table: a depth and a variant over every patient."""

    label: str
    patients: int
    questions_median: float
    questions_p90: float
    questions_max: int
    items_median: float
    level_after_median: float
    self_care: tuple[int, ...]
    """Questions until self-care, for each interview that offered it."""
    below_answers: tuple[str, ...]
    """Ids that ended below the level of all their answers: under-triage by the interview."""
    below_truth: tuple[str, ...]
    """Ids that ended below ``assess(truth)`` (includes the signs a ``knows`` patient denies)."""
    above_answers: tuple[str, ...]
    above_truth: tuple[str, ...]
    repeated: tuple[str, ...]
    """Ids that were asked some key twice."""
    inapplicable: tuple[tuple[str, str], ...]
    """(id, code) of every inapplicable code asked."""
    inapplicable_patients: int
    inapplicable_questions: int
    unfinished: tuple[str, ...]
    """Ids still asking after MAX_QUESTIONS."""


def p90(values: Sequence[float]) -> float:
    """The 90th percentile (``statistics.quantiles``, inclusive: within the data's range)."""
    if len(values) < 2:
        return float(values[0]) if values else 0.0
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def summarise(label: str, outcomes: Sequence[Outcome]) -> Summary:
    questions = [outcome.questions for outcome in outcomes] or [0]
    return Summary(
        label=label,
        patients=len(outcomes),
        questions_median=statistics.median(questions),
        questions_p90=p90(questions),
        questions_max=max(questions),
        items_median=statistics.median([outcome.items for outcome in outcomes] or [0]),
        level_after_median=statistics.median([o.level_after for o in outcomes] or [0]),
        self_care=tuple(o.self_care_after for o in outcomes if o.self_care_after is not None),
        below_answers=tuple(o.id for o in outcomes if o.answers_difference < 0),
        below_truth=tuple(o.id for o in outcomes if o.difference < 0),
        above_answers=tuple(o.id for o in outcomes if o.answers_difference > 0),
        above_truth=tuple(o.id for o in outcomes if o.difference > 0),
        repeated=tuple(o.id for o in outcomes if o.repeated),
        inapplicable=tuple((o.id, code) for o in outcomes for code in o.inapplicable),
        inapplicable_patients=sum(1 for o in outcomes if o.inapplicable),
        inapplicable_questions=sum(o.inapplicable_questions for o in outcomes),
        unfinished=tuple(o.id for o in outcomes if not o.finished),
    )


COLUMNS = (
    ("run", 24),
    ("patients", 8),
    ("questions med/p90/max", 21),
    ("items med", 9),
    ("level set med", 13),
    ("self-care within med/max (n)", 28),
    ("below ans/truth", 15),
    ("above ans/truth", 15),
    ("repeated", 8),
    ("inapplicable q (patients)", 25),
    (f">{MAX_QUESTIONS}", 4),
)
LEGEND = f"""\
questions: a group question counts as one; items: each code of a group counts. level set: \
questions until the level first equals its final value. self-care within: questions until an \
interview that ends in self-care offers it (median/max, and how many end there). below/above \
ans: the final level against the level of every answer the patient would give (below is \
under-triage); truth: against assess() of the vignette's full truth, which can be higher when a \
'knows' patient denies a sign the vignette leaves unsaid. inapplicable: questions about a code \
whose applies_to rules the patient out (patients asked one). >{MAX_QUESTIONS}: interviews that \
did not stop."""


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def table_lines(summaries: Iterable[Summary], examples: int = 6) -> list[str]:
    """The table, then per row the ids below either reference and a few inapplicable codes."""
    summaries = list(summaries)
    header = "  ".join(name.ljust(width) for name, width in COLUMNS).rstrip()
    lines = [header, "-" * len(header)]
    for row in summaries:
        self_care = "- (0)"
        if row.self_care:
            median = _number(statistics.median(row.self_care))
            self_care = f"{median}/{max(row.self_care)} ({len(row.self_care)})"
        cells = (
            row.label,
            str(row.patients),
            f"{_number(row.questions_median)}/{_number(row.questions_p90)}/{row.questions_max}",
            _number(row.items_median),
            _number(row.level_after_median),
            self_care,
            f"{len(row.below_answers)}/{len(row.below_truth)}",
            f"{len(row.above_answers)}/{len(row.above_truth)}",
            str(len(row.repeated)),
            f"{row.inapplicable_questions} ({row.inapplicable_patients})",
            str(len(row.unfinished)),
        )
        cells_text = "  ".join(
            cell.ljust(width) for cell, (_, width) in zip(cells, COLUMNS, strict=True)
        )
        lines.append(cells_text.rstrip())
    lines += ["", *textwrap.wrap(LEGEND, 100), ""]
    for row in summaries:
        below = ", ".join(row.below_answers) or "none"
        notes = [f"under-triage (below all its answers): {below}"]
        only_truth = [pid for pid in row.below_truth if pid not in row.below_answers]
        if only_truth:
            notes.append(
                f"below the truth only (denied what it leaves unsaid): {', '.join(only_truth)}"
            )
        if row.above_answers:
            notes.append(f"above all its answers: {', '.join(row.above_answers)}")
        if row.repeated:
            notes.append(f"asked twice: {', '.join(row.repeated)}")
        if row.unfinished:
            notes.append(f"over {MAX_QUESTIONS} questions: {', '.join(row.unfinished)}")
        if row.inapplicable:
            counts = Counter(code for _, code in row.inapplicable)
            by_code = ", ".join(f"{code} {count}" for code, count in counts.most_common())
            shown = "; ".join(f"{pid}: {code}" for pid, code in row.inapplicable[:examples])
            notes.append(f"inapplicable codes asked: {by_code}; e.g. {shown}")
        lines.append(f"{row.label}:")
        lines += [
            line
            for note in notes
            for line in textwrap.wrap(note, 100, initial_indent="  ", subsequent_indent="    ")
        ]
    return lines


def label(depth: str | None, variant: str, with_sex: bool) -> str:
    return f"{depth or '-'} / {variant} / {'sex' if with_sex else 'no sex'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    available = depths()
    parser.add_argument(
        "--depth",
        choices=[depth for depth in available if depth is not None] or None,
        help="one depth (only once next_question takes depth); default: every depth",
    )
    parser.add_argument("--variant", choices=VARIANTS, help="one variant; default: both")
    parser.add_argument("--no-sex", action="store_true", help="patients start without their sex")
    parser.add_argument("--rules", type=Path, help="a rule directory (default: the shipped rules)")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes to share the patients (default: 2, or 1 on one core)",
    )
    args = parser.parse_args(argv)
    book = load_rulebook(args.rules) if args.rules else default_rulebook()
    with_sex = not args.no_sex
    patients = load_patients(book, with_sex=with_sex)
    runs = [
        (depth, variant)
        for depth in ([args.depth] if args.depth else available)
        for variant in ([args.variant] if args.variant else VARIANTS)
    ]
    started = time.perf_counter()
    summaries = []
    for depth, variant in runs:
        outcomes = run_all(patients, book, variant=variant, depth=depth, workers=args.workers)
        summaries.append(summarise(label(depth, variant, with_sex), outcomes))
    took = time.perf_counter() - started
    print(f"interview depth: {len(patients)} vignette patients, {book.name} {book.full_version}")
    print("\n".join(table_lines(summaries)))
    print(f"took {took:.1f} s with {args.workers} worker(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

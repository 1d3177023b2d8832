"""Ask the vocabulary's questions and assess the answers.

The warning signs (vocabulary category ``red_flag``) come first, as ONE checklist question
("Do you have any of these? ... none, or the numbers"), then age, duration and pain, then the
rest by category, one at a time. Before each question the interview checks, soundly, whether
any answer to it could still change the triage level; questions that cannot are skipped:

- the whole interview stops when the most urgent level still reachable (the floors of every rule
  that can still fire, and the likelihood band of all their positive points) is no higher than
  the level of the answers so far (for example once it is an emergency);
- a single question is skipped when no rule that mentions it can still fire (another code it
  needs was answered no, or a number it needs was answered too low) with an effect that could
  raise the level above the current one.

Which rules can still fire, and whether a question could raise the level, are the warning-sign
screen's own functions (``screening.reachable_rule_ids`` and ``screening.could_raise``), so the
interview and the screen can never disagree. "The current level" is the answers' level before
the screen: answering no to a warning sign may lower consultation to self-care, so the screen's
own floor is not a reason to skip a question.

Input and output are plain callables, so the CLI, a test or another front end can drive it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from psoas_triage.assessment import assess_known_codes
from psoas_triage.models import Assessment, SymptomReport, TriageLevel
from psoas_triage.rulebook import RuleBook
from psoas_triage.schema import Category
from psoas_triage.scoring import likelihood_band, psoas_score
from psoas_triage.screening import could_raise, reachable_rule_ids, warning_sign_items
from psoas_triage.triage import decide_triage

YES = frozenset({"y", "yes"})
NO = frozenset({"n", "no"})
UNKNOWN = frozenset({"", "?", "dk", "don't know", "dont know", "unknown", "not sure", "u"})
QUIT = frozenset({"q", "quit", "done"})
MAX_ATTEMPTS = 3
"""Invalid answers allowed per question before it counts as don't know (piped input ends)."""

NONE = frozenset({"none", "no", "n", "0", "nothing"})
CHECKLIST_KEY = "warning_signs"
"""The key the warning-sign checklist question is recorded under in ``asked`` / ``skipped``."""

CATEGORY_ORDER = [
    Category.red_flag,
    Category.pain_location,
    Category.mechanical_sign,
    Category.aggravating_factor,
    Category.easing_factor,
    Category.exposure,
    Category.history,
]


@dataclass(frozen=True)
class Question:
    """One question: a vocabulary code (yes / no / don't know) or a number field."""

    key: str
    text: str
    kind: Literal["code", "number", "checklist"]
    low: int = 0
    high: int = 0
    items: tuple[Question, ...] = ()
    """For the checklist: its warning-sign questions, numbered from 1 in this order."""


NUMBER_QUESTIONS = (
    Question("age", "How old are you (years)?", "number", 0, 120),
    Question("duration_days", "How many days ago did the pain start?", "number", 0, 36500),
    Question(
        "pain_intensity",
        "How strong is the pain now, from 0 (none) to 10 (worst imaginable)?",
        "number",
        0,
        10,
    ),
)


@dataclass
class Answers:
    """What has been answered so far."""

    present: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    numbers: dict[str, int | None] = field(default_factory=dict)

    def answered(self, key: str) -> bool:
        return (
            key in self.numbers or key in self.present or key in self.absent or key in self.unknown
        )

    def report(self) -> SymptomReport:
        values = {name: value for name, value in self.numbers.items() if value is not None}
        return SymptomReport.model_validate(
            {"present": tuple(self.present), "absent": tuple(self.absent), **values}
        )


@dataclass(frozen=True)
class InterviewResult:
    """The assessment of the answers, with what was asked and skipped."""

    assessment: Assessment
    answers: Answers
    asked: tuple[str, ...]
    skipped: tuple[str, ...]
    ended_by: Literal["complete", "eof", "quit"]


def questions(book: RuleBook) -> list[Question]:
    """Every yes/no or number question in asking order: warning signs, numbers, the rest by
    category. The interview asks the warning signs together, as one checklist."""
    terms = list(book.terms.values())
    order = {category: position for position, category in enumerate(CATEGORY_ORDER)}
    terms.sort(key=lambda term: order.get(term.category, len(order)))
    code_questions = [Question(term.code, term.question, "code") for term in terms]
    red = [q for q, t in zip(code_questions, terms, strict=True) if t.category is Category.red_flag]
    rest = [
        q for q, t in zip(code_questions, terms, strict=True) if t.category is not Category.red_flag
    ]
    return [*red, *NUMBER_QUESTIONS, *rest]


def checklist_question(book: RuleBook, codes: list[str] | None = None) -> Question:
    """The warning signs as one question (``codes`` limits and orders them)."""
    signs = {item.code: item for item in warning_sign_items(book)}
    chosen = codes if codes is not None else list(signs)
    items = tuple(Question(code, signs[code].question, "code") for code in chosen)
    lines = "".join(f"\n     {number}) {item.text}" for number, item in enumerate(items, 1))
    text = (
        f"Do you have any of these?{lines}\n"
        "   Answer none, or the numbers that apply (e.g. 1,3); ? if you do not know."
    )
    return Question(CHECKLIST_KEY, text, "checklist", items=items)


def base_level(book: RuleBook, assessment: Assessment) -> TriageLevel:
    """The assessment's level before the warning-sign screen's floor."""
    fired = [book.rule(rule_id) for rule_id in assessment.fired_rule_ids]
    return decide_triage(fired, assessment.likelihood, book.policy).level


def reachable_level(book: RuleBook, reachable: frozenset[str]) -> TriageLevel:
    """The most urgent level any later answers could give: every floor of a rule that can still
    fire, and the band of all their positive points (an upper bound on the score)."""
    rules = [book.rule(rule_id).rule for rule_id in reachable]
    floors = [rule.triage_floor for rule in rules if rule.triage_floor is not None]
    best = likelihood_band(psoas_score(max(rule.points, 0) for rule in rules), book.policy.bands)
    by_band = book.policy.likelihood_triage.get(best)
    return TriageLevel.most_urgent(*floors, *([by_band] if by_band is not None else []))


def _asking_order(book: RuleBook) -> list[Question]:
    """The checklist (when the book has warning signs), then every other question."""
    red = frozenset(item.code for item in warning_sign_items(book))
    rest = [question for question in questions(book) if question.key not in red]
    return [checklist_question(book), *rest] if red else rest


def run_interview(
    book: RuleBook,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
    skip: bool = True,
) -> InterviewResult:
    """Ask, skip what cannot matter, and assess. ``read_line`` returns None at end of input.

    ``skip=False`` asks every question (for a fuller psoas score and advice).
    """
    answers = Answers()
    asked: list[str] = []
    skipped: list[str] = []
    ended_by: Literal["complete", "eof", "quit"] = "complete"
    write(
        "Answer y (yes), n (no) or ? / blank (don't know); leave a number blank to skip; "
        "q finishes early. This supports triage; it is not a diagnosis.\n"
    )
    pending = _asking_order(book)
    while pending:
        report = answers.report()
        current = base_level(book, assess_known_codes(report, book))
        reachable = reachable_rule_ids(book, report)
        if skip and reachable_level(book, reachable).rank <= current.rank:
            skipped.extend(question.key for question in pending)
            break
        question = pending.pop(0)
        if question.kind == "checklist":
            relevant = [
                item.key
                for item in question.items
                if not skip or could_raise(book, reachable, item.key, current)
            ]
            skipped.extend(item.key for item in question.items if item.key not in relevant)
            if not relevant:
                continue
            question = checklist_question(book, relevant)
        elif skip and not could_raise(book, reachable, question.key, current):
            skipped.append(question.key)
            continue
        asked.append(question.key)
        outcome = _ask(question, len(asked), answers, read_line, write)
        if outcome != "answered":
            ended_by = outcome
            skipped.extend(q.key for q in pending)
            break
    answered = len(asked) - (ended_by != "complete")
    if ended_by == "eof":
        write(f"(end of input: assessing the {_count(answered, 'answer')} given)\n")
    elif ended_by == "quit":
        write(f"(finished early: assessing the {_count(answered, 'answer')} given)\n")
    else:
        write(
            f"{_count(answered, 'question')} answered; {len(skipped)} skipped because they "
            "could not change the triage level.\n"
        )
    write("\n")
    assessment = assess_known_codes(answers.report(), book)
    return InterviewResult(assessment, answers, tuple(asked), tuple(skipped), ended_by)


def _ask(
    question: Question,
    number: int,
    answers: Answers,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> Literal["answered", "eof", "quit"]:
    if question.kind == "checklist":
        return _ask_checklist(question, number, answers, read_line, write)
    hint = (
        "[y/n/?]" if question.kind == "code" else f"[{question.low}-{question.high}, blank: skip]"
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt == MAX_ATTEMPTS:
            write("   (last try: an invalid answer now counts as don't know)\n")
        write(f"{number}. {question.text} {hint} ")
        line = read_line()
        if line is None:
            write("\n")
            return "eof"
        reply = " ".join(line.strip().lower().split())
        if reply in QUIT:
            return "quit"
        if question.kind == "code":
            if reply in YES:
                answers.present.append(question.key)
            elif reply in NO:
                answers.absent.append(question.key)
            elif reply in UNKNOWN:
                answers.unknown.append(question.key)
            else:
                write("   Please answer y (yes), n (no) or ? (don't know).\n")
                continue
            return "answered"
        if reply == "":
            answers.numbers[question.key] = None
            return "answered"
        try:
            value = int(reply)
        except ValueError:
            value = None
        if value is None or not question.low <= value <= question.high:
            write(
                f"   Please give a whole number from {question.low} to {question.high}, "
                "or leave it blank to skip.\n"
            )
            continue
        answers.numbers[question.key] = value
        return "answered"
    if question.kind == "code":
        answers.unknown.append(question.key)
    else:
        answers.numbers[question.key] = None
    return "answered"


def _ask_checklist(
    question: Question,
    number: int,
    answers: Answers,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> Literal["answered", "eof", "quit"]:
    """One answer for every warning sign: none (all no), the numbers that apply (those yes, the
    rest no), or don't know (all unknown, which keeps the level at consultation or above)."""
    codes = [item.key for item in question.items]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt == MAX_ATTEMPTS:
            write("   (last try: an invalid answer now counts as don't know)\n")
        write(f"{number}. {question.text} [none / numbers / ?] ")
        line = read_line()
        if line is None:
            write("\n")
            return "eof"
        reply = " ".join(line.strip().lower().split())
        if reply in QUIT:
            return "quit"
        if reply in NONE:
            answers.absent.extend(codes)
            return "answered"
        if reply in UNKNOWN:
            answers.unknown.extend(codes)
            return "answered"
        chosen = _numbers(reply, len(codes))
        if chosen is None:
            write(
                f"   Please answer none, or numbers from 1 to {len(codes)} separated by commas "
                "(e.g. 1,3), or ? if you do not know.\n"
            )
            continue
        answers.present.extend(code for i, code in enumerate(codes, 1) if i in chosen)
        answers.absent.extend(code for i, code in enumerate(codes, 1) if i not in chosen)
        return "answered"
    answers.unknown.extend(codes)
    return "answered"


def _numbers(reply: str, count: int) -> set[int] | None:
    """``"1, 3"`` or ``"1 3"`` -> {1, 3}; None unless every part is a number from 1 to count."""
    parts = [part for part in re.split(r"[,;\s]+", reply) if part]
    if not parts or not all(part.isdigit() and 1 <= int(part) <= count for part in parts):
        return None
    return {int(part) for part in parts}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"

"""Ask the vocabulary's questions one at a time and assess the answers.

Red-flag questions come first, then age, duration and pain, then the rest by category. Before
each question the interview checks, soundly, whether any answer to it could still change the
triage level; questions that cannot are skipped:

- the whole interview stops when the most urgent level still reachable (every unanswered code
  present, every unanswered number at its maximum; triage is monotone in those, so nothing can
  exceed that; an unanswered age is tried at each age a rule's bound turns on, since age is
  context and may be bounded from above) equals the level of the answers so far;
- a single question is skipped when no rule that mentions it can still fire (another code it
  needs was answered no or don't know, or a number it needs was answered too low) with an
  effect that could raise the level above the current one. Which rules can still fire is
  asked of the engine itself, on that same optimistic report.

Input and output are plain callables, so the CLI, a test or another front end can drive it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from psoas_triage.assessment import assess
from psoas_triage.models import Assessment, SymptomReport, TriageLevel
from psoas_triage.rulebook import RuleBook
from psoas_triage.schema import Category, Rule

YES = frozenset({"y", "yes"})
NO = frozenset({"n", "no"})
UNKNOWN = frozenset({"", "?", "dk", "don't know", "dont know", "unknown", "not sure", "u"})
QUIT = frozenset({"q", "quit", "done"})
MAX_ATTEMPTS = 3
"""Invalid answers allowed per question before it counts as don't know (piped input ends)."""

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
    kind: Literal["code", "number"]
    low: int = 0
    high: int = 0


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
    """Every question in asking order: red flags, then numbers, then the rest by category."""
    terms = list(book.terms.values())
    order = {category: position for position, category in enumerate(CATEGORY_ORDER)}
    terms.sort(key=lambda term: order.get(term.category, len(order)))
    code_questions = [Question(term.code, term.question, "code") for term in terms]
    red = [q for q, t in zip(code_questions, terms, strict=True) if t.category is Category.red_flag]
    rest = [
        q for q, t in zip(code_questions, terms, strict=True) if t.category is not Category.red_flag
    ]
    return [*red, *NUMBER_QUESTIONS, *rest]


def optimistic_report(answers: Answers, pending: list[Question]) -> SymptomReport:
    """The answers so far with every pending code present and every pending number at its
    maximum: since conditions only require presence and lower bounds, no rule can fire later
    that does not fire on this report, and no triage level can be reached that it does not reach.
    """
    present = list(answers.present)
    numbers = {name: value for name, value in answers.numbers.items() if value is not None}
    for question in pending:
        if question.kind == "code":
            present.append(question.key)
        else:
            numbers[question.key] = question.high
    return SymptomReport.model_validate(
        {"present": tuple(present), "absent": tuple(answers.absent), **numbers}
    )


def optimistic_reports(
    book: RuleBook, answers: Answers, pending: list[Question]
) -> list[SymptomReport]:
    """The optimistic report, once for each age that matters while age is unanswered.

    Age is context, not a finding: rules may bound it from above (children), so the largest
    age is not the most urgent one. Every rule's age bound is met by its smallest or largest
    qualifying age, so trying those (and the maximum) reaches every rule an answer could fire.
    """
    base = optimistic_report(answers, pending)
    if not any(question.key == "age" for question in pending):
        return [base]
    ages = {120}
    for loaded in book.rules:
        bound = loaded.rule.when.age
        if bound is not None:
            meeting = [age for age in range(121) if bound.holds(age)]
            ages.update((meeting[0], meeting[-1]))
    return [base.model_copy(update={"age": age}) for age in sorted(ages)]


def could_change_triage(
    book: RuleBook, reachable: Assessment, question: Question, current: TriageLevel
) -> bool:
    """Whether some answer to ``question`` could raise the triage level above ``current``.

    ``reachable`` is the assessment of the optimistic report: its fired rules, decided by the
    engine, are exactly the rules that can still fire.
    """
    likelihood_floor = TriageLevel.most_urgent(*book.policy.likelihood_triage.values())
    for rule_id in reachable.fired_rule_ids:
        rule = book.rule(rule_id).rule
        if not _mentions(rule, question.key):
            continue
        if rule.triage_floor is not None and rule.triage_floor.rank > current.rank:
            return True
        if rule.points > 0 and likelihood_floor.rank > current.rank:
            return True
    return False


def _mentions(rule: Rule, key: str) -> bool:
    return key in rule.when.all or key in rule.when.any or key in rule.when.numbers()


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
    pending = questions(book)
    while pending:
        current = assess(answers.report(), book).triage_level
        reachables = [assess(report, book) for report in optimistic_reports(book, answers, pending)]
        most_urgent = TriageLevel.most_urgent(*(r.triage_level for r in reachables))
        if skip and most_urgent is current:
            skipped.extend(question.key for question in pending)
            break
        question = pending.pop(0)
        if skip and not any(
            could_change_triage(book, reachable, question, current) for reachable in reachables
        ):
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
    assessment = assess(answers.report(), book)
    return InterviewResult(assessment, answers, tuple(asked), tuple(skipped), ended_by)


def _ask(
    question: Question,
    number: int,
    answers: Answers,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> Literal["answered", "eof", "quit"]:
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"

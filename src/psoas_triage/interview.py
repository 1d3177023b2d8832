"""The terminal interview, driven by ``next_question`` (one interview logic for every app).

Each turn sends everything answered so far to ``next_step.next_question`` and asks what it
returns: a choice (the sex), a number, a yes / no code, or a list of codes (none, or the numbers
that apply). It stops when ``next_question`` says nothing left could change the level (and, at
depth ``full``, the psoas band). A "don't know" goes into the report's ``unknown`` list: never
asked again, never counted as a no.

Input and output are plain callables, so the CLI, a test or another front end can drive it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from psoas_triage.assessment import assess_known_codes
from psoas_triage.locales import Locale, resolve_language
from psoas_triage.localise import localise_assessment, localise_question, localise_signs
from psoas_triage.models import Assessment, SymptomReport
from psoas_triage.models import Question as StepQuestion
from psoas_triage.next_step import (
    NUMBER_PROMPTS,
    Depth,
    base_level,
    next_question,
    question_for,
)
from psoas_triage.open_questions import unasked_keys
from psoas_triage.rulebook import RuleBook
from psoas_triage.schema import Category
from psoas_triage.screening import warning_sign_items
from psoas_triage.suggestions import plural

__all__ = ["base_level"]

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
    """One question: a vocabulary code (yes / no / don't know), a number field, a choice (sex)
    or a checklist of codes."""

    key: str
    text: str
    kind: Literal["code", "number", "checklist", "choice"]
    low: int = 0
    high: int = 0
    items: tuple[Question, ...] = ()
    """For a checklist: its questions, numbered from 1 in this order."""
    options: tuple[str, ...] = ()
    """For a choice: the answers it takes (and their first letters)."""


NUMBER_QUESTIONS = tuple(
    Question(name, text, "number", low, high) for name, (text, low, high) in NUMBER_PROMPTS.items()
)


@dataclass
class Answers:
    """What has been answered so far."""

    present: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    numbers: dict[str, int | None] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    """Choice answers by field (``sex``)."""

    def answered(self, key: str) -> bool:
        return (
            key in self.numbers
            or key in self.choices
            or key in self.present
            or key in self.absent
            or key in self.unknown
        )

    def report(self) -> SymptomReport:
        values: dict[str, object] = {
            name: value for name, value in self.numbers.items() if value is not None
        }
        values.update(self.choices)
        unknown = self.unknown
        return SymptomReport.model_validate(
            {
                "present": tuple(self.present),
                "absent": tuple(self.absent),
                "unknown": tuple(dict.fromkeys(unknown)),
                **values,
            }
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
    category (for ``--all``). The interview itself asks what ``next_question`` asks."""
    terms = list(book.terms.values())
    order = {category: position for position, category in enumerate(CATEGORY_ORDER)}
    terms.sort(key=lambda term: order.get(term.category, len(order)))
    code_questions = [Question(term.code, term.question, "code") for term in terms]
    red = [q for q, t in zip(code_questions, terms, strict=True) if t.category is Category.red_flag]
    rest = [
        q for q, t in zip(code_questions, terms, strict=True) if t.category is not Category.red_flag
    ]
    return [*red, *NUMBER_QUESTIONS, *rest]


def checklist_question(
    book: RuleBook, codes: list[str] | None = None, locale: Locale | None = None
) -> Question:
    """Codes as one question (the warning signs unless ``codes`` names them), in ``locale``'s
    words where it has them (the answer syntax line stays English)."""
    signs = {item.code: item for item in localise_signs(warning_sign_items(book), book, locale)}
    chosen = codes if codes is not None else list(signs)
    items = tuple(
        Question(
            code,
            signs[code].question
            if code in signs
            else localise_question(question_for(book, code), book, locale).text,
            "code",
        )
        for code in chosen
    )
    lines = "".join(f"\n     {number}) {item.text}" for number, item in enumerate(items, 1))
    heading = (locale and locale.texts.interview.checklist) or "Do you have any of these?"
    text = (
        f"{heading}{lines}\n"
        "   Answer none, or the numbers that apply (e.g. 1,3); ? if you do not know."
    )
    return Question(CHECKLIST_KEY, text, "checklist", items=items)


def _terminal_question(
    book: RuleBook, step: StepQuestion, locale: Locale | None = None
) -> Question:
    """The terminal form of a ``next_question`` question."""
    if step.kind == "group":
        return checklist_question(book, list(step.codes), locale)
    if step.kind == "number":
        assert step.field is not None and step.minimum is not None and step.maximum is not None
        return Question(step.field, step.text, "number", step.minimum, step.maximum)
    if step.kind == "choice":
        assert step.field is not None
        return Question(step.field, step.text, "choice", options=step.options)
    assert step.code is not None
    return Question(step.code, step.text, "code")


def run_interview(
    book: RuleBook,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
    skip: bool = True,
    language: str | None = None,
    *,
    include_experimental: bool = False,
    depth: Depth = "full",
) -> InterviewResult:
    """Ask what ``next_question`` asks until it stops, and assess. ``read_line`` returns None at
    end of input. ``depth`` as ``next_question`` takes it; ``full`` by default, unlike
    ``next_question``: a person at a terminal reads the whole report, the psoas score and its
    advice included, and the band's findings come as a few lists (``triage`` stops once the
    level is settled).

    ``skip=False`` then asks every question left too (for a fuller score and advice).
    ``language`` asks the questions and gives the assessment in that locale's words (the
    terminal's own instructions and answer words stay English).
    ``include_experimental`` uses experimental rules too, in the questions and the assessment.
    """
    locale = resolve_language(book, language)
    answers = Answers()
    asked: list[str] = []
    ended_by: Literal["complete", "eof", "quit"] = "complete"
    write(
        "Answer y (yes), n (no) or ? / blank (don't know); leave a number blank to skip; "
        "q finishes early. This supports triage; it is not a diagnosis.\n"
    )
    while True:
        report = answers.report()
        step = next_question(
            report,
            book,
            language=language,
            include_experimental=include_experimental,
            depth=depth,
        )
        if step.question is not None:
            question = _terminal_question(book, step.question, locale)
        elif not skip and unasked_keys(book, report):
            left = unasked_keys(book, report)
            signs = [item.code for item in warning_sign_items(book) if item.code in left]
            if signs:
                question = checklist_question(book, signs, locale)
            else:
                plain = localise_question(question_for(book, left[0]), book, locale)
                question = _terminal_question(book, plain, locale)
        else:
            break
        asked.append(question.key)
        outcome = _ask(question, len(asked), answers, read_line, write)
        if outcome != "answered":
            ended_by = outcome
            break
    skipped = tuple(unasked_keys(book, answers.report()))
    answered = len(asked) - (ended_by != "complete")
    if ended_by == "eof":
        write(f"(end of input: assessing the {plural(answered, 'answer')} given)\n")
    elif ended_by == "quit":
        write(f"(finished early: assessing the {plural(answered, 'answer')} given)\n")
    else:
        write(
            f"{plural(answered, 'question')} answered; {len(skipped)} skipped because they "
            "could not change the triage level or the psoas band.\n"
        )
    write("\n")
    assessment = localise_assessment(
        assess_known_codes(answers.report(), book, include_experimental=include_experimental),
        book,
        locale,
    )
    return InterviewResult(assessment, answers, tuple(asked), skipped, ended_by)


def _ask(
    question: Question,
    number: int,
    answers: Answers,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> Literal["answered", "eof", "quit"]:
    if question.kind == "checklist":
        return _ask_checklist(question, number, answers, read_line, write)
    if question.kind == "choice":
        return _ask_choice(question, number, answers, read_line, write)
    hint = (
        "[y/n/?]" if question.kind == "code" else f"[{question.low}-{question.high}, blank: skip]"
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        reply = _reply(f"{number}. {question.text} {hint} ", attempt, read_line, write)
        if reply is None:
            return "eof"
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
            answers.unknown.append(question.key)
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
        answers.unknown.append(question.key)
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
        prompt = f"{number}. {question.text} [none / numbers / ?] "
        reply = _reply(prompt, attempt, read_line, write)
        if reply is None:
            return "eof"
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


def _ask_choice(
    question: Question,
    number: int,
    answers: Answers,
    read_line: Callable[[], str | None],
    write: Callable[[str], None],
) -> Literal["answered", "eof", "quit"]:
    """One of the options (or its first letter), or don't know (the field goes to unknown)."""
    by_reply = {option: option for option in question.options}
    by_reply.update({option[0]: option for option in question.options})
    by_reply.update({"woman": "female", "man": "male"} if "female" in question.options else {})
    hint = "[" + "/".join(question.options) + "/?]"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        reply = _reply(f"{number}. {question.text} {hint} ", attempt, read_line, write)
        if reply is None:
            return "eof"
        if reply in QUIT:
            return "quit"
        if reply in by_reply:
            answers.choices[question.key] = by_reply[reply]
            return "answered"
        if reply in UNKNOWN:
            break
        write(f"   Please answer {', '.join(question.options)} or ? (don't know).\n")
    answers.unknown.append(question.key)
    return "answered"


def _reply(
    prompt: str, attempt: int, read_line: Callable[[], str | None], write: Callable[[str], None]
) -> str | None:
    """Ask ``prompt`` (warning on the last attempt) and read the reply, lower-cased with its
    spaces squeezed; None at the end of the input."""
    if attempt == MAX_ATTEMPTS:
        write("   (last try: an invalid answer now counts as don't know)\n")
    write(prompt)
    line = read_line()
    if line is None:
        write("\n")
        return None
    return " ".join(line.strip().lower().split())


def _numbers(reply: str, count: int) -> set[int] | None:
    """``"1, 3"`` or ``"1 3"`` -> {1, 3}; None unless every part is a number from 1 to count."""
    parts = [part for part in re.split(r"[,;\s]+", reply) if part]
    if not parts or not all(part.isdigit() and 1 <= int(part) <= count for part in parts):
        return None
    return {int(part) for part in parts}

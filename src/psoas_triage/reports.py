"""Turn caller input into a SymptomReport the rule book understands, or a precise ReportError.

Every problem names the field, says what was wrong and, for an unknown code or field, offers the
closest valid ones. One input contract for every door (Python ``assess``, the CLI, ``--input``,
batch): a code, or a term's label or synonym, is accepted and resolved to its code by an exact
match on the normalised form (case, spaces, hyphens); the report that is assessed carries codes.
Nothing is guessed: a near miss ("groin pian") is an error that suggests ``groin_pain``. A report
with nothing in it is refused ("nothing to assess"), the same error everywhere.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from psoas_triage.errors import Problem, ReportError
from psoas_triage.json_input import read_json
from psoas_triage.models import MAX_CODES, SymptomReport
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import closest

REPORT_FIELDS = tuple(SymptomReport.model_fields)


def parse_report(
    data: SymptomReport | Mapping[str, Any], book: RuleBook, *, allow_empty: bool = False
) -> SymptomReport:
    """Validate ``data`` (a report or a mapping) against the model and the vocabulary.

    ``allow_empty`` is for the interview (``next_question``), whose first step has nothing
    answered yet; everywhere else an empty report is refused.

    A SymptomReport instance is validated again: ``model_construct``, ``model_copy(update=...)``
    or assignment through ``__dict__`` make instances that never passed validation, and an
    ``age=1000`` or a code both present and absent must not be assessed as if it were valid.
    """
    if isinstance(data, SymptomReport):
        report = _validated(lambda: SymptomReport.model_validate(dict(data.__dict__)), None)
    elif isinstance(data, Mapping):
        try:
            report = _validated(lambda: SymptomReport.model_validate(dict(data)), data)
        except ReportError as error:
            # Report unknown codes too, so a caller fixes everything in one go.
            raise ReportError(
                [*error.listed, *_raw_code_problems(data, book)], unlisted=error.unlisted
            ) from None
    else:
        raise ReportError(
            [Problem("report", f"expected a mapping of report fields, got {type(data).__name__}")]
        )
    return _checked(report, book, allow_empty=allow_empty)


NOTHING_TO_ASSESS = "nothing to assess: give at least one present or absent code or a number"


def _checked(report: SymptomReport, book: RuleBook, allow_empty: bool = False) -> SymptomReport:
    """``report`` with labels and synonyms resolved to codes, refused if unknown or empty."""
    report = _resolved(report, book)
    problems = book.report_problems(report)
    if problems:
        raise ReportError(problems)
    if is_empty(report) and not allow_empty:
        raise ReportError([Problem("report", NOTHING_TO_ASSESS)])
    return report


def is_empty(report: SymptomReport) -> bool:
    """True when ``report`` says nothing: no code either way and no number (sex is context)."""
    return (
        not report.present
        and not report.absent
        and all(
            value is None for value in (report.age, report.duration_days, report.pain_intensity)
        )
    )


def _resolved(report: SymptomReport, book: RuleBook) -> SymptomReport:
    """Labels and synonyms replaced by their codes (exact normalised match, never fuzzy).

    Validated again afterwards: ``"groin pain"`` present and ``groin_pain`` absent is the same
    contradiction as with codes.
    """
    present = tuple(_code(word, book) for word in report.present)
    absent = tuple(_code(word, book) for word in report.absent)
    if present == report.present and absent == report.absent:
        return report
    data = {**report.__dict__, "present": present, "absent": absent}
    return _validated(lambda: SymptomReport.model_validate(data), None)


def _code(word: str, book: RuleBook) -> str:
    if word in book.terms:
        return word
    return book.code_for(word) or word


def report_validator(book: RuleBook) -> Callable[[SymptomReport], SymptomReport]:
    """A pydantic after-validator that checks a report against ``book``'s vocabulary.

    For embedding: ``Annotated[SymptomReport, AfterValidator(report_validator(book))]`` as a
    FastAPI body type turns unknown codes into a 422 answer (ReportError is a ValueError)
    instead of a 500 at assessment time, and hands the endpoint a report with codes resolved.
    """

    def validate(report: SymptomReport) -> SymptomReport:
        return parse_report(report, book)

    return validate


def parse_report_json(
    text: str | bytes, book: RuleBook, *, allow_empty: bool = False
) -> SymptomReport:
    """Validate a JSON document as a report (the CLI's ``--input`` and batch lines).

    ``allow_empty`` as in ``parse_report`` (the interview's first step).

    ``book`` is the rule book whose vocabulary the codes (or labels and synonyms, resolved to
    codes) must belong to: the same checks as ``parse_report``.

    The text is read by the one JSON reader every door uses (``json_input.read_json``): a key
    given twice is an error naming it (JSON parsers keep the last value, so
    ``{"present": ["saddle_numbness"], "present": []}`` would silently lose a red flag), a UTF-8
    byte order mark is accepted, and size and depth are bounded. The value is then checked
    exactly as ``parse_report`` checks a mapping, so both report every problem alike.
    """
    return parse_report(read_json(text), book, allow_empty=allow_empty)


def _raw_code_problems(data: Mapping[str, Any], book: RuleBook) -> list[Problem]:
    """Unknown codes in a mapping that failed validation for other reasons."""
    problems = []
    for field_name in ("present", "absent"):
        codes = data.get(field_name)
        if isinstance(codes, (list, tuple)) and len(codes) <= MAX_CODES:
            problems += book.code_problems(field_name, codes)
    return problems


def _validated(build: Any, data: Mapping[str, Any] | None) -> SymptomReport:
    try:
        return build()
    except ValidationError as error:
        raise ReportError([_problem(detail, data) for detail in error.errors()]) from None
    except (RecursionError, ValueError, TypeError) as error:
        raise ReportError([Problem("report", f"cannot read the report: {error}")]) from None


def _problem(detail: Any, data: Mapping[str, Any] | None) -> Problem:
    location = detail.get("loc", ())
    field = _field_name(location)
    kind = detail.get("type", "")
    if kind == "extra_forbidden":
        name = str(location[-1]) if location else "?"
        return Problem(
            field=name,
            message=f"unknown field; a report has: {', '.join(REPORT_FIELDS)}",
            value=name,
            suggestions=closest(name, REPORT_FIELDS),
        )
    if kind == "json_invalid":
        return Problem(
            "report", f"not valid JSON: {detail.get('ctx', {}).get('error', '')}".strip()
        )
    message = str(detail.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return Problem(field=field, message=message, value=_short(detail.get("input")))


def _field_name(location: tuple[Any, ...]) -> str:
    if not location:
        return "report"
    name = str(location[0])
    for part in location[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def _short(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        try:
            text = repr(value)
        except RecursionError:  # nested deeper than repr can go: show the outer levels only
            text = reprlib.repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    return value

"""Turn caller input into a SymptomReport the rule book understands, or a precise ReportError.

Every problem names the field, says what was wrong and, for an unknown code or field, offers the
closest valid ones. Nothing is corrected silently: "Groin pain" is an error that suggests
``groin_pain``, not a guess.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from psoas_triage.errors import Problem, ReportError
from psoas_triage.models import MAX_CODES, SymptomReport
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import closest

REPORT_FIELDS = tuple(SymptomReport.model_fields)


def parse_report(data: SymptomReport | Mapping[str, Any], book: RuleBook) -> SymptomReport:
    """Validate ``data`` (a report or a mapping) against the model and the vocabulary."""
    if isinstance(data, SymptomReport):
        report = data
    elif isinstance(data, Mapping):
        try:
            report = _validated(lambda: SymptomReport.model_validate(dict(data)), data)
        except ReportError as error:
            # Report unknown codes too, so a caller fixes everything in one go.
            raise ReportError([*error.problems, *_raw_code_problems(data, book)]) from None
    else:
        raise ReportError(
            [Problem("report", f"expected a mapping of report fields, got {type(data).__name__}")]
        )
    problems = book.report_problems(report)
    if problems:
        raise ReportError(problems)
    return report


def parse_report_json(text: str | bytes, book: RuleBook) -> SymptomReport:
    """Validate a JSON document as a report (the CLI's ``--input`` and batch lines)."""
    report = _validated(lambda: SymptomReport.model_validate_json(text), None)
    problems = book.report_problems(report)
    if problems:
        raise ReportError(problems)
    return report


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

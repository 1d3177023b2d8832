"""A filled-in FHIR QuestionnaireResponse as a SymptomReport, or a ReportError naming the linkId.

Yes -> present, no -> absent, don't know or no answer -> unknown. Nothing is guessed: an unknown
linkId (with the closest valid ones), a second answer, an answer of the wrong type, a number out
of range or an option the question does not offer is an error, and every such problem is
reported at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from psoas_triage.assessment import default_rulebook
from psoas_triage.errors import MAX_PROBLEMS, Problem, ReportError
from psoas_triage.fhir.items import (
    DONT_KNOW,
    DONT_KNOW_SYSTEM,
    NO,
    WARNING_SIGNS,
    YES,
    YES_NO_SYSTEM,
    Item,
    layout,
)
from psoas_triage.fhir.questionnaire import questionnaire_url
from psoas_triage.fhir.r4b import QuestionnaireResponse
from psoas_triage.json_input import check_depth, read_json
from psoas_triage.models import SymptomReport
from psoas_triage.reports import parse_report
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import closest

RESOURCE = "QuestionnaireResponse"

USABLE_STATUSES = frozenset({"in-progress", "completed", "amended", "stopped"})
"""QuestionnaireResponse statuses whose answers can be assessed (not ``entered-in-error``)."""

VALUE_FIELDS = (
    "valueBoolean",
    "valueDecimal",
    "valueInteger",
    "valueDate",
    "valueDateTime",
    "valueTime",
    "valueString",
    "valueUri",
    "valueAttachment",
    "valueCoding",
    "valueQuantity",
    "valueReference",
)


def from_questionnaire_response(qr: Any, rulebook: RuleBook | None = None) -> SymptomReport:
    """The SymptomReport a QuestionnaireResponse answers, for the Questionnaire of ``rulebook``.

    ``qr`` is a ``fhir.resources`` QuestionnaireResponse, a dict or JSON text. Raises ReportError
    whose problems name the linkId (or the JSON location) of everything malformed.
    """
    book = rulebook if rulebook is not None else default_rulebook()
    response = _resource(qr)
    problems = _header_problems(response, book)
    items = layout(book).by_link_id()
    seen: set[str] = set()
    data: dict[str, Any] = {"present": [], "absent": []}
    for answered in _items(response.item or []):
        link_id = answered.linkId
        if link_id == WARNING_SIGNS:
            if answered.answer:
                problems.append(Problem(link_id, "the warning-sign group takes no answer itself"))
            continue
        item = items.get(link_id)
        if item is None:
            problems.append(
                Problem(
                    link_id,
                    "unknown linkId: not a question of the psoas-triage Questionnaire",
                    value=link_id,
                    # Suggestions only for problems that will be listed: 100,000 unknown
                    # linkIds must not cost 100,000 fuzzy searches.
                    suggestions=closest(link_id, [WARNING_SIGNS, *items])
                    if len(problems) < MAX_PROBLEMS
                    else (),
                )
            )
            continue
        if link_id in seen:
            problems.append(Problem(link_id, "answered more than once (one item per linkId)"))
            continue
        seen.add(link_id)
        answers = answered.answer or []
        if len(answers) > 1:
            problems.append(
                Problem(link_id, f"{len(answers)} answers given, one at most is expected")
            )
            continue
        if answers:
            problem = _read(item, answers[0], data)
            if problem is not None:
                problems.append(problem)
    if problems:
        raise ReportError(problems)  # it lists the first MAX_PROBLEMS and counts the rest
    return parse_report(data, book)


def _header_problems(response: Any, book: RuleBook) -> list[Problem]:
    """Problems with the response as a whole: a status that is not assessable, another form."""
    problems: list[Problem] = []
    if response.status not in USABLE_STATUSES:
        problems.append(
            Problem(
                "status",
                f"a QuestionnaireResponse with status {response.status!r} cannot be assessed "
                f"(expected one of {', '.join(sorted(USABLE_STATUSES))})",
                value=response.status,
            )
        )
    if response.questionnaire is not None:
        url, bar, version = response.questionnaire.partition("|")
        expected = questionnaire_url(book)
        if url != expected:
            problems.append(
                Problem(
                    "questionnaire",
                    f"answers another Questionnaire; expected {expected}",
                    value=_shown(response.questionnaire),
                )
            )
        elif bar and version != book.full_version:
            # Another version may ask other questions or offer other answers: its yes/no must not
            # be read as if it answered this one.
            problems.append(
                Problem(
                    "questionnaire",
                    f"answers version {version!r} of the Questionnaire; this rule book's is "
                    f"{book.full_version!r} (re-issue the form, or leave the version out)",
                    value=_shown(response.questionnaire),
                )
            )
    return problems


def _resource(qr: Any) -> Any:
    """``qr`` validated as an R4B QuestionnaireResponse, or a ReportError saying where it is not."""
    if isinstance(qr, QuestionnaireResponse):
        return qr
    if isinstance(qr, BaseModel):  # another FHIR release's object: re-read its JSON as R4B
        qr = qr.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(qr, (str, bytes, bytearray)):
        qr = read_json(qr, what=RESOURCE)  # duplicate keys, BOM, size and depth as at every door
    elif isinstance(qr, Mapping):
        check_depth(qr, what=RESOURCE)  # the same depth limit for a dict as for JSON text
    if not isinstance(qr, Mapping):
        raise ReportError(
            [
                Problem(
                    "QuestionnaireResponse",
                    "expected a QuestionnaireResponse (fhir.resources object, dict or JSON "
                    f"text), got {type(qr).__name__}",
                )
            ]
        )
    if qr.get("resourceType") != "QuestionnaireResponse":
        raise ReportError(
            [Problem("resourceType", "expected 'QuestionnaireResponse'", qr.get("resourceType"))]
        )
    loose = _loose_values(qr.get("item"))
    listed = list(itertools.islice(loose, MAX_PROBLEMS))
    if listed:
        raise ReportError(listed, unlisted=sum(1 for _ in loose))
    try:
        return QuestionnaireResponse.model_validate(dict(qr))
    except ValidationError as error:
        raise ReportError([_validation_problem(detail, qr) for detail in error.errors()]) from None
    except RecursionError:
        raise ReportError([Problem("QuestionnaireResponse", "nested too deeply")]) from None


STRICT_VALUES = {"valueInteger": int, "valueBoolean": bool}
"""JSON types the answers must have as written: pydantic would otherwise turn "34" into 34."""


def _loose_values(items: Any) -> Iterator[Problem]:
    """A Problem per raw answer whose integer or boolean is written as another JSON type."""
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, Mapping):
            continue
        link_id = item.get("linkId")
        answers = item.get("answer")
        for answer in answers if isinstance(answers, list) else []:
            if not isinstance(answer, Mapping):
                continue
            for name, kind in STRICT_VALUES.items():
                value = answer.get(name)
                if value is not None and (type(value) is not kind):
                    yield Problem(
                        link_id if isinstance(link_id, str) else "QuestionnaireResponse.item",
                        f"{name} must be a JSON {'integer' if kind is int else 'true or false'}, "
                        f"got {type(value).__name__} {_shown(value)!r}",
                        value=_shown(value),
                    )
            yield from _loose_values(answer.get("item"))
        yield from _loose_values(item.get("item"))


def _validation_problem(detail: Any, data: Mapping[str, Any]) -> Problem:
    """A fhir.resources validation error, named by the linkId of the item it is in."""
    location = tuple(detail.get("loc", ()))
    path = ".".join(str(part) for part in location) or "QuestionnaireResponse"
    message = str(detail.get("msg", "invalid value")).split("\n")[0].removeprefix("Value error, ")
    link_id = _enclosing_link_id(data, location)
    return Problem(
        link_id if link_id is not None else f"QuestionnaireResponse.{path}",
        f"not valid FHIR R4B: {message}" + (f" (at {path})" if link_id is not None else ""),
        value=_shown(detail.get("input")) if not isinstance(detail.get("input"), Mapping) else None,
    )


def _enclosing_link_id(data: Any, location: tuple[Any, ...]) -> str | None:
    """The linkId of the innermost item on the path ``location`` into the raw ``data``."""
    found = None
    for part in location:
        if isinstance(data, Mapping) and isinstance(data.get("linkId"), str):
            found = data["linkId"]
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            break
    return found


def _items(items: list[Any]) -> Iterator[Any]:
    """Every item, depth first, including items nested in groups and under answers."""
    for item in items:
        yield item
        yield from _items(item.item or [])
        for answer in item.answer or []:
            yield from _items(answer.item or [])


def _read(item: Item, answer: Any, data: dict[str, Any]) -> Problem | None:
    """Record ``answer`` to ``item`` in ``data``; the problem when it is not a valid answer."""
    given = [name for name in VALUE_FIELDS if getattr(answer, name, None) is not None]
    if len(given) != 1:
        return Problem(item.link_id, "an answer must carry exactly one value[x]")
    kind, value = given[0], getattr(answer, given[0])
    if item.kind == "code":
        return _read_code(item, kind, value, data)
    if item.kind == "number":
        if kind != "valueInteger" or isinstance(value, bool):
            return Problem(item.link_id, f"expected valueInteger, got {kind}", value=_shown(value))
        if (item.low is not None and value < item.low) or (
            item.high is not None and value > item.high
        ):
            return Problem(
                item.link_id,
                f"valueInteger {value} is out of range {item.low}-{item.high}",
                value=value,
            )
        data[item.link_id] = value
        return None
    if kind != "valueCoding" or value.code not in item.options:
        return Problem(
            item.link_id,
            f"expected valueCoding with code {' or '.join(item.options)}, got {kind}",
            value=_shown(value),
            suggestions=closest(str(value.code), item.options) if kind == "valueCoding" else (),
        )
    data[item.link_id] = value.code
    return None


def _read_code(item: Item, kind: str, value: Any, data: dict[str, Any]) -> Problem | None:
    if kind == "valueBoolean":
        data["present" if value else "absent"].append(item.link_id)
        return None
    expected = (
        f"expected valueCoding {YES} / {NO} ({YES_NO_SYSTEM}) or {DONT_KNOW} "
        f"({DONT_KNOW_SYSTEM}), or valueBoolean"
    )
    if kind != "valueCoding":
        return Problem(item.link_id, f"{expected}; got {kind}", value=_shown(value))
    system, code = value.system, value.code
    if code in (YES, NO) and system in (None, YES_NO_SYSTEM):
        data["present" if code == YES else "absent"].append(item.link_id)
        return None
    if code == DONT_KNOW and system in (None, DONT_KNOW_SYSTEM):
        return None  # don't know: the code stays unknown
    return Problem(
        item.link_id,
        f"{expected}; got code {code!r} of system {system!r}",
        value=code,
        suggestions=closest(str(code), (YES, NO, DONT_KNOW)),
    )


def _shown(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump_json(exclude_none=True)
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    return value

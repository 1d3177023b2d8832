"""Schema errors of a rule file in the author's words: every problem at once, in file order.

pydantic says ``rules.0.pionts: Extra inputs are not permitted`` and ``rules.0.when: Field
required``; a rule author needs ``FILE:LINE: rule ID: unknown key 'pionts' (did you mean:
points?)``, one line per mistake, and plain words where the format refuses something on purpose
(upper bounds on pain and duration, negation), with the reason and what to write instead.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from psoas_triage.errors import RuleBookError
from psoas_triage.suggestions import closest, suggest
from psoas_triage.yaml_files import Location, field_path, item_id

UPPER_BOUND = (
    "{field} takes lower bounds only (gt or gte), by design: more pain or a longer duration "
    "must never make a rule stop firing, or adding a finding could lower the triage level. "
    "Write the rule for the higher range only (for example gte: 7); age may have lt/lte"
)
NEGATION = (
    "'{key}' is not part of the format, by design: a rule that fires when a finding is missing "
    "would stop firing when that finding is added, which could lower the triage level. Write "
    "the rule for what is present (all / any), and give it negative points with a triage_floor "
    "if the finding argues against the psoas"
)
NEGATION_KEYS = frozenset({"not", "none", "not_any", "not_all", "except", "absent", "unless"})


def schema_problems(
    model: type[BaseModel],
    data: Mapping[str, Any],
    error: ValidationError,
    file: Path,
    lines: Mapping[Location, int],
) -> list[RuleBookError]:
    """One RuleBookError per mistake in ``error``, sorted by line, each with file, line, rule."""
    details = error.errors()
    typos: dict[Location, list[str]] = {}
    for detail in details:
        if detail["type"] == "extra_forbidden" and detail["loc"]:
            typos.setdefault(tuple(detail["loc"][:-1]), []).append(str(detail["loc"][-1]))
    problems = []
    for detail in details:
        location = tuple(detail["loc"])
        if _explained_by_a_typo(detail, location, typos, model):
            continue
        problems.append(
            RuleBookError(
                _message(model, detail, location),
                file=str(file),
                rule=item_id(data, location),
                line=_line(lines, location),
            )
        )
    return sorted(problems, key=lambda problem: problem.line or 0)


def _explained_by_a_typo(
    detail: Any, location: Location, typos: Mapping[Location, list[str]], model: type[BaseModel]
) -> bool:
    """A missing key whose misspelling is reported already (``wehn`` -> ``when``)."""
    if detail["type"] != "missing" or not location:
        return False
    allowed = _keys(model, location[:-1])
    return any(str(location[-1]) in closest(typo, allowed) for typo in typos.get(location[:-1], []))


def _message(model: type[BaseModel], detail: Any, location: Location) -> str:
    where = field_path(location)
    kind = detail["type"]
    if kind == "extra_forbidden" and location:
        key = str(location[-1])
        parent = location[:-1]
        if key in ("lt", "lte") and parent and parent[-1] in ("pain_intensity", "duration_days"):
            return f"{where}: " + UPPER_BOUND.format(field=parent[-1])
        if key in NEGATION_KEYS and parent and parent[-1] == "when":
            return f"{where}: " + NEGATION.format(key=key)
        allowed = _keys(model, parent)
        text = f"unknown key {key!r}"
        if hint := suggest(key, allowed):
            return text + hint
        return f"{text}; allowed here: {', '.join(allowed)}" if allowed else text
    if kind == "missing":
        return f"missing key {str(location[-1])!r}" if location else "missing value"
    message = str(detail.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _line(lines: Mapping[Location, int], location: Location) -> int | None:
    """The line of ``location`` or of the nearest enclosing key or item that has one."""
    for end in range(len(location), 0, -1):
        line = lines.get(location[:end])
        if line is not None:
            return line
    return None


def _keys(model: type[BaseModel], location: Location) -> list[str]:
    """The field names of the model that ``location`` points into (empty when unknown)."""
    current: Any = model
    for part in location:
        if isinstance(part, int):
            current = _item_type(current)
        elif typing.get_origin(current) is dict:  # a mapping's key: its values' type
            current = typing.get_args(current)[1]
        elif _is_model(current) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:
            return []
        current = _unwrap(current)
    return list(current.model_fields) if _is_model(current) else []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` -> ``X``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _item_type(annotation: Any) -> Any:
    args = typing.get_args(_unwrap(annotation))
    return args[0] if args else None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)

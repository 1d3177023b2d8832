"""One JSON reader for every door that takes JSON: library, CLI, batch, service, CDS Hooks, FHIR.

Plain ``json.loads`` (and pydantic's ``model_validate_json``) keep the last of two equal keys, so
``{"present": ["saddle_numbness"], "present": []}`` would silently lose a red flag. Every door
reads JSON here instead, so the same text gets the same answer everywhere:

- a key given twice in one object is an error naming the key and where it is;
- a UTF-8 byte order mark at the start is accepted (editors on Windows write one); bytes that are
  not UTF-8, and UTF-16 or UTF-32 text, are refused, saying so;
- a lone surrogate escape (``"\\ud800"``) is refused: it is no character and could not be written
  back out;
- more than ``MAX_JSON_BYTES`` of text, or nesting deeper than ``MAX_JSON_DEPTH``, is refused
  before any door's code recurses into it (the check itself is a loop, not a recursion).

Errors are ``ReportError``s whose problem names the document (``what``) or the key's JSON path, so
each door reports them the way it reports any other bad input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from psoas_triage.errors import Problem, ReportError, cut_text

MAX_JSON_BYTES = 4 * 1024 * 1024
"""The largest JSON document any door reads (a report is a few hundred bytes, a filled-in FHIR
Questionnaire a few tens of KB). The service refuses bodies over its own, smaller limit first."""

MAX_JSON_DEPTH = 64
"""The deepest nesting of objects and arrays accepted (a report needs 2, a QuestionnaireResponse
about 8): deeper input is refused before any code recurses into it."""

TOO_DEEP = f"nested deeper than {MAX_JSON_DEPTH} levels of objects and arrays"

UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = {
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\xfe\xff": "UTF-16",
    b"\xff\xfe": "UTF-16",
}


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return value


def read_json(text: str | bytes | bytearray, *, what: str = "report") -> Any:
    """The value of the JSON document ``text``, read the same way at every door.

    ``what`` names the document in errors ("report", "QuestionnaireResponse", "request"). Raises
    ReportError for anything refused (see the module docstring); never RecursionError or
    UnicodeError.
    """
    data = _utf8(text, what)
    if len(data) > MAX_JSON_BYTES:
        raise _error(
            what, f"JSON text of {len(data):,} bytes, over the limit of {MAX_JSON_BYTES:,}"
        )
    try:
        value = json.loads(data, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey as duplicate:
        path = _duplicate_path(data) or cut_text(duplicate.key, 80)
        raise ReportError(
            [
                Problem(
                    field=path,
                    message="key given more than once in one JSON object (which one is meant?)",
                    value=cut_text(duplicate.key, 80),
                )
            ]
        ) from None
    except RecursionError:
        raise _error(what, TOO_DEEP) from None
    except ValueError as error:
        raise _error(what, f"not valid JSON: {error}") from None
    if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH:  # else it cannot be too deep
        check_depth(value, what=what)
    if b"\\u" in data:
        _refuse_lone_surrogates(value, what)
    return value


def check_depth(value: Any, *, what: str) -> None:
    """Refuse an already-parsed value nested deeper than ``MAX_JSON_DEPTH`` (no recursion).

    For doors that take a dict as well as text (FHIR): the same limit as for JSON text.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _error(what, TOO_DEEP)
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, (Mapping, list, tuple))
        )


def _utf8(text: str | bytes | bytearray, what: str) -> bytes:
    """``text`` as UTF-8 bytes without a byte order mark, or a ReportError saying what it is."""
    if isinstance(text, str):
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise _error(what, f"text holds a lone surrogate at character {error.start}") from None
    elif isinstance(text, (bytes, bytearray)):
        data = bytes(text)
        for mark, encoding in _OTHER_BOMS.items():
            if data.startswith(mark):
                raise _error(what, f"JSON text is {encoding}; send it as UTF-8")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _error(what, f"not UTF-8: byte {error.start} is not valid UTF-8") from None
    else:
        raise _error(what, f"expected JSON text, got {type(text).__name__}")
    return data.removeprefix(UTF8_BOM)


def _duplicate_path(data: bytes) -> str | None:
    """The JSON path (``prefetch.psoas-triage.present``) of the first key given twice."""
    tree = json.loads(data, object_pairs_hook=lambda pairs: _Pairs(pairs))
    stack: list[tuple[Any, str]] = [(tree, "")]
    while stack:
        node, path = stack.pop(0)
        if isinstance(node, _Pairs):
            seen: set[str] = set()
            for key, child in node.pairs:
                where = f"{path}.{key}" if path else key
                if key in seen:
                    return cut_text(where, 200)
                seen.add(key)
                stack.append((child, where))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(node))
    return None


class _Pairs:
    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def _refuse_lone_surrogates(value: Any, what: str) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _encodable(item, what)
        elif isinstance(item, dict):
            for key, child in item.items():
                _encodable(key, what)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def _encodable(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        raise _error(
            what, f"a string holds a lone surrogate escape: {cut_text(shown, 60)!r}"
        ) from None


def _error(what: str, message: str) -> ReportError:
    return ReportError([Problem(what, message)])

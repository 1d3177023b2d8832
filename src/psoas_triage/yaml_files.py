"""Read rule files as plain data: safe YAML only, no aliases, no duplicate keys, bounded size.

Rule files come from whoever ships a rule directory, so they are treated as untrusted input:
explicit tags (``!!python/...``, ``!!binary``, ``!<tag:...>``, ``!include``) are refused before
anything is constructed, aliases are refused outright (they allow cycles and exponential "billion
laughs" expansion), and duplicate keys are errors instead of silent overrides.

PyYAML reads YAML 1.1, where ``0x10``, ``010``, ``1_0`` and ``1:30`` are numbers and ``yes``,
``no``, ``on`` and ``off`` are booleans; YAML 1.2 readers (and people) read them differently.
Such a plain value is an error naming the file, line, rule and field, never a silent guess:
numbers are plain decimal digits, flags are ``true`` or ``false``.

Two parsers give the same data: libyaml (``yaml.CSafeLoader``, about ten times faster) when
PyYAML was built with it, else PyYAML's pure-Python loader. libyaml composes nodes recursively
in C and crashes the process on YAML nested 100,000 deep (which fits in 1 MiB), so its input
first goes through a flat pass over the event stream that refuses aliases, nesting deeper than
MAX_DEPTH and more than MAX_NODES values before anything is composed. Set
``PSOAS_TRIAGE_PURE_YAML=1`` to use the pure-Python loader anyway.

``yaml`` itself is imported on first use: a process that never parses YAML (the rule-book
cache, ``import psoas_triage``) does not pay for it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psoas_triage.errors import RuleBookError
from psoas_triage.suggestions import plural

if TYPE_CHECKING:
    import yaml

MAX_FILE_BYTES = 1_048_576
"""A rule file larger than 1 MiB is refused: never more than this is read from it."""


MAX_NODES = 25_000
"""YAML nodes (values, lists, mappings) one rule file may hold: about 25 times the largest
shipped file. Parsing stops at the limit, so a file of a million empty rules costs a second,
not half a minute and gigabytes."""

MAX_DEPTH = 1_000
"""Lists and mappings one inside another, at most: the shipped files nest 7 deep. Checked
before libyaml composes (deeper input can overflow its C stack); the pure-Python loader stops
earlier, at Python's recursion limit."""

PURE_YAML_ENV = "PSOAS_TRIAGE_PURE_YAML"

ALIASES_REFUSED = "anchors and aliases are not allowed in rule files"

YAML_TAG_PREFIX = "tag:yaml.org,2002:"
PLAIN_INTEGER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
"""The one way to write an integer that every YAML reader reads alike."""


def tag_refused(tag: str) -> str:
    """The error for an explicit tag, showing it as the file may have written it."""
    if tag.startswith(YAML_TAG_PREFIX):
        shown = "!!" + tag.removeprefix(YAML_TAG_PREFIX)
    else:
        shown = tag if tag.startswith("!") else f"!<{tag}>"
    return (
        f"explicit tag {shown} is not allowed in rule files: write plain values (a tag can "
        "turn text into other types, or ask for code to run)"
    )


def _too_many_nodes() -> str:
    return f"more than {MAX_NODES} values in one file: parsing stopped (split the file)"


def libyaml_enabled() -> bool:
    """True when rule files are parsed with libyaml: PyYAML has it and it is not switched off."""
    if os.environ.get(PURE_YAML_ENV, "").strip() not in ("", "0"):
        return False
    return _loaders()[1] is not None


@lru_cache(maxsize=1)
def _loaders() -> tuple[type[Any], type[Any] | None]:
    """The pure-Python loader class and the libyaml one (None without libyaml), built once.

    Classes made here rather than at import time, so that importing this module does not
    import ``yaml``.
    """
    import yaml

    class RefuseDuplicateKeys:
        """Constructor part shared by both loaders: duplicate or non-scalar keys are errors."""

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
                if isinstance(key, (list, dict)):
                    raise yaml.constructor.ConstructorError(
                        None, None, "mapping keys must be plain values", key_node.start_mark
                    )
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)  # type: ignore[misc]

    class PureLoader(RefuseDuplicateKeys, yaml.SafeLoader):
        """SafeLoader that also refuses aliases, explicit tags and too many nodes while it
        composes."""

        nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise yaml.composer.ComposerError(
                    None, None, _too_many_nodes(), self.peek_event().start_mark
                )
            event = self.peek_event()
            mark: Any = event.start_mark
            if isinstance(event, yaml.AliasEvent):
                raise yaml.composer.ComposerError(None, None, ALIASES_REFUSED, mark)
            tag = getattr(event, "tag", None)
            if tag is not None:
                raise yaml.composer.ComposerError(None, None, tag_refused(tag), mark)
            return super().compose_node(parent, index)

    fast: type[Any] | None = None
    if getattr(yaml, "__with_libyaml__", False) and hasattr(yaml, "CSafeLoader"):

        class FastLoader(RefuseDuplicateKeys, yaml.CSafeLoader):
            """libyaml's safe loader; its input must pass ``_check_events`` first."""

        fast = FastLoader
    return PureLoader, fast


def _check_events(text: str) -> None:
    """Refuse aliases, explicit tags, nesting deeper than MAX_DEPTH and more than MAX_NODES
    values, reading
    libyaml's event stream in a flat loop (libyaml's parser keeps its own stack on the heap;
    only its composer recurses). Raises the YAML error the pure loader would raise."""
    import yaml

    assert _loaders()[1] is not None
    parser: Any = yaml.CSafeLoader(text)  # only its event parser is used
    start = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    depth = nodes = 0
    try:
        while (event := parser.get_event()) is not None:
            mark: Any = event.start_mark
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, *start)):
                nodes += 1
                if nodes > MAX_NODES:
                    raise yaml.composer.ComposerError(None, None, _too_many_nodes(), mark)
            if isinstance(event, yaml.AliasEvent):
                raise yaml.composer.ComposerError(None, None, ALIASES_REFUSED, mark)
            if isinstance(event, (yaml.ScalarEvent, *start)) and event.tag is not None:
                raise yaml.composer.ComposerError(None, None, tag_refused(event.tag), mark)
            if isinstance(event, start):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _TooDeep(mark)
            elif isinstance(event, end):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                break
    finally:
        parser.dispose()


class _TooDeep(Exception):
    """Nesting deeper than MAX_DEPTH, found before composing; carries where it starts."""

    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


Location = tuple[Any, ...]
"""A path into parsed data, as pydantic reports it: ``("rules", 0, "when", "all")``."""


def read_yaml(path: Path) -> Any:
    """Parse one rule file into plain Python data, or raise a RuleBookError naming the file."""
    return parse_yaml(read_rule_bytes(path), path)


def parse_yaml(data: bytes, path: Path) -> Any:
    """Parse the bytes of the rule file at ``path`` (named in errors) into plain Python data."""
    return parse_yaml_with_lines(data, path)[0]


def parse_yaml_with_lines(data: bytes, path: Path) -> tuple[Any, dict[Location, int]]:
    """Like ``parse_yaml``, plus the line (1-based) of every key and list item, so schema
    errors can say ``FILE:LINE``. The same safe loader composes the node tree once; the data
    is constructed from that tree, not parsed twice."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RuleBookError("file is not UTF-8 text", file=str(path)) from error
    import yaml

    pure, fast = _loaders()
    use_fast = fast is not None and libyaml_enabled()
    loader = None
    try:
        if use_fast:
            _check_events(text)
        loader = fast(text) if fast is not None and use_fast else pure(text)
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
        surprises = _yaml11_surprises(node, value, loader, path)
        if surprises:
            raise combined(surprises)
        return value, _lines(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        if "maximum nesting depth" in str(getattr(error, "problem", "")):
            # libyaml 0.2.5 has its own limit (1,000 levels); older ones rely on _check_events
            raise RuleBookError(
                f"YAML is nested too deeply (more than {MAX_DEPTH} levels)",
                file=str(path),
                line=mark.line + 1 if mark is not None else None,
            ) from None
        raise RuleBookError(
            f"invalid YAML: {_describe(error)}",
            file=str(path),
            line=mark.line + 1 if mark is not None else None,
        ) from error
    except _TooDeep as error:
        raise RuleBookError(
            f"YAML is nested too deeply (more than {MAX_DEPTH} levels)",
            file=str(path),
            line=error.mark.line + 1,
        ) from None
    except RecursionError as error:
        raise RuleBookError("YAML is nested too deeply", file=str(path)) from error
    finally:
        if loader is not None:
            loader.dispose()


def _yaml11_surprises(root: Any, data: Any, loader: Any, path: Path) -> list[RuleBookError]:
    """Every plain value YAML 1.1 reads as a number or flag where other readers would not
    (``0x10``, ``010``, ``1_0``, ``1:30``, ``yes``, ``off``), in file order, each naming its
    line, rule and field."""
    import yaml

    problems: list[RuleBookError] = []
    pending: list[tuple[Location, Any, bool]] = [((), root, False)] if root is not None else []
    while pending:
        where, node, is_key = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                pending += [(where, key_node, True), ((*where, key), value_node, False)]
        elif isinstance(node, yaml.SequenceNode):
            pending += [((*where, index), item, False) for index, item in enumerate(node.value)]
        elif isinstance(node, yaml.ScalarNode):  # a number or flag here was written plain
            message = _yaml11_reading(node, loader)
            if message is not None:
                field = " ".join(part for part in (field_path(where), is_key and "key") if part)
                problems.append(
                    RuleBookError(
                        f"{field}: {message}" if field else message,
                        file=str(path),
                        rule=item_id(data, where) if isinstance(data, Mapping) else None,
                        line=node.start_mark.line + 1,
                    )
                )
    return sorted(problems, key=lambda problem: problem.line or 0)


def _yaml11_reading(node: Any, loader: Any) -> str | None:
    """Why a plain scalar is refused (see ``_yaml11_surprises``); None when it is not."""
    text, tag = node.value, node.tag.removeprefix(YAML_TAG_PREFIX)
    if tag == "int" and not PLAIN_INTEGER.fullmatch(text):
        return (
            f"{text} is not a plain decimal integer: YAML 1.1 reads it as "
            f"{loader.construct_yaml_int(node)} ({_integer_form(text)}), other YAML readers "
            "differently; write it in decimal digits (no leading 0, no '_'), or quote it if it "
            "is text"
        )
    if tag == "float" and ("_" in text or ":" in text):
        return (
            f"{text} is not a plain decimal number: YAML 1.1 reads it as "
            f"{loader.construct_yaml_float(node)}, other YAML readers differently; write it "
            "in decimal digits (no '_' or ':'), or quote it if it is text"
        )
    if tag == "bool" and text.lower() not in ("true", "false"):
        return (
            f"{text} is read as {str(loader.construct_yaml_bool(node)).lower()} by YAML 1.1 "
            f"but as the text {text!r} by YAML 1.2: write true or false, or quote it if it "
            "is text"
        )
    return None


def _integer_form(text: str) -> str:
    """What YAML 1.1 took an integer written as ``text`` to be, for the message."""
    digits = text.lstrip("+-").lower()
    if ":" in digits:
        return "base 60, like a time"
    if digits.startswith("0x"):
        return "hexadecimal"
    if digits.startswith("0b"):
        return "binary"
    if digits.startswith("0") and digits.strip("0_"):
        return "octal, because of the leading 0"
    return "digits grouped with '_'"


def item_id(data: Mapping[str, Any], location: Location) -> str | None:
    """The id (or code) of the list item an error points into, for the message."""
    if len(location) >= 2 and isinstance(location[1], int):
        items = data.get(str(location[0]))
        if (
            isinstance(items, list)
            and location[1] < len(items)
            and isinstance(items[location[1]], dict)
        ):
            item = items[location[1]]
            found = item.get("id") or item.get("code")
            return str(found) if found is not None else f"#{location[1] + 1}"
    return None


def field_path(location: Location) -> str:
    """``rules.0.when.all`` without the rule's own position (the rule is named separately)."""
    parts = location[2:] if len(location) >= 2 and isinstance(location[1], int) else location
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def combined(problems: list[RuleBookError]) -> RuleBookError:
    """One error for several problems: the first one's words, a count of the others, and all
    of them in ``problems``."""
    first = problems[0]
    others = len(problems) - 1
    more = f" (and {plural(others, 'more problem')})" if others else ""
    error = RuleBookError(first.detail + more, file=first.file, rule=first.rule, line=first.line)
    error.problems = tuple(problems)
    return error


def _lines(root: Any) -> dict[Location, int]:
    """The line of each key (``path + (key,)``) and list item (``path + (index,)``)."""
    import yaml

    lines: dict[Location, int] = {}
    pending: list[tuple[Location, Any]] = [((), root)] if root is not None else []
    while pending:
        path, node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    where = (*path, key_node.value)
                    lines[where] = key_node.start_mark.line + 1
                    pending.append((where, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                place = (*path, index)
                lines[place] = item.start_mark.line + 1
                pending.append((place, item))
    return lines


def read_rule_bytes(path: Path) -> bytes:
    """The bytes of a regular file, at most MAX_FILE_BYTES of them, read without blocking.

    The limit is enforced on the stream itself, not trusted from the file's size: a symlink to
    ``/dev/zero`` or a file under ``/proc`` reports size 0 and never ends or lies. Opening with
    O_NONBLOCK means a FIFO cannot hang the loader; anything that is not a regular file, and a
    file whose content outgrows the size it reports (a kernel pseudo-file), is refused.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise RuleBookError(f"cannot read: {error.strerror or error}", file=str(path)) from error
    with os.fdopen(descriptor, "rb", buffering=0) as stream:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise RuleBookError(
                "not a regular file (rule files must be regular files)", file=str(path)
            )
        if info.st_size > MAX_FILE_BYTES:
            raise RuleBookError(
                f"file is {info.st_size} bytes; rule files are limited to {MAX_FILE_BYTES} bytes",
                file=str(path),
            )
        try:
            data = stream.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise RuleBookError(
                f"cannot read: {error.strerror or error}", file=str(path)
            ) from error
    if data is None or len(data) > MAX_FILE_BYTES:
        raise RuleBookError(
            f"file is over {MAX_FILE_BYTES} bytes; rule files are limited to that", file=str(path)
        )
    if len(data) > info.st_size:
        raise RuleBookError(
            "file reports a size smaller than its content (a kernel pseudo-file?): "
            "rule files must be ordinary files",
            file=str(path),
        )
    return data


def _describe(error: yaml.YAMLError) -> str:
    """The YAML error on one line, with its position but without the quoted snippet of the
    file (which could echo content that is not meant to be shown)."""
    import yaml

    if isinstance(error, yaml.MarkedYAMLError):
        parts = [part for part in (error.context, error.problem) if part]
        mark = error.problem_mark or error.context_mark
        text = "; ".join(" ".join(str(part).split()) for part in parts) or "cannot parse"
        if mark is not None:
            text += f" (line {mark.line + 1}, column {mark.column + 1})"
        return text[:300]
    return " ".join(str(error).split())[:300]

"""Read rule files as plain data: safe YAML only, no aliases, no duplicate keys, bounded size.

Rule files come from whoever ships a rule directory, so they are treated as untrusted input:
python tags are refused by the safe loader, aliases are refused outright (they allow cycles and
exponential "billion laughs" expansion), and duplicate keys are errors instead of silent overrides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from psoas_triage.errors import RuleBookError

MAX_FILE_BYTES = 1_048_576
"""A rule file larger than 1 MiB is refused before parsing."""


class _RuleFileLoader(yaml.SafeLoader):
    """SafeLoader that also refuses aliases and duplicate mapping keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed in rule files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be plain values", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Parse one rule file into plain Python data, or raise a RuleBookError naming the file."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise RuleBookError(f"cannot read: {error.strerror}", file=str(path)) from error
    if size > MAX_FILE_BYTES:
        raise RuleBookError(
            f"file is {size} bytes; rule files are limited to {MAX_FILE_BYTES} bytes",
            file=str(path),
        )
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_RuleFileLoader)
    except UnicodeDecodeError as error:
        raise RuleBookError("file is not UTF-8 text", file=str(path)) from error
    except yaml.YAMLError as error:
        raise RuleBookError(f"invalid YAML: {_one_line(error)}", file=str(path)) from error
    except RecursionError as error:
        raise RuleBookError("YAML is nested too deeply", file=str(path)) from error


def _one_line(error: yaml.YAMLError) -> str:
    return " ".join(str(error).split())

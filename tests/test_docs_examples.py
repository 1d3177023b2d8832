"""The command examples in the docs are real: every ``console`` block is run and compared
(``shell`` blocks, which need a running server, are shown but not run).

Each ```` ```console ```` block in ``docs/cli.md`` and ``README.md`` holds ``$ command`` lines,
each followed by the output it prints (standard output and standard error together, 80 columns, no
colour). The block runs as one bash script in a scratch folder that has ``rules/`` and
``features/`` of this checkout, so a block can create a file in one command and read it in the
next, and ``echo $?`` sees the previous command's exit status. A line holding only ``...`` in the
expected output skips the middle of a long output: the lines before it and after it must match the
start and the end.

Output that changes from run to run or machine to machine is masked before comparing: the
rule-book digest, timings and rates; paths are shown relative to the scratch folder.

When the CLI changes on purpose, regenerate the blocks instead of editing them by hand::

    PSOAS_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_docs_examples.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "docs" / "cli.md", ROOT / "README.md"]
UPDATE = os.environ.get("PSOAS_UPDATE_DOCS", "") not in ("", "0")
ELLIPSIS = "..."
_MARKER = "\x1epsoas-docs-example\x1e"
_MASKS = [
    (re.compile(r"\+[0-9a-f]{12}\b"), "+<digest>"),
    (re.compile(r"\b\d+\.\d+ s\b"), "<seconds> s"),
    (re.compile(r"\(\d+/s\)"), "(<rate>/s)"),
]


@dataclass
class Block:
    """One console block: where it sits in the document, its commands and their outputs."""

    start: int  # index of the first line inside the fence
    end: int  # index of the closing fence
    commands: list[str]
    outputs: list[list[str]]


def parse_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```console":
            index += 1
            continue
        start = index + 1
        end = start
        while lines[end].strip() != "```":
            end += 1
        commands: list[str] = []
        outputs: list[list[str]] = []
        for line in lines[start:end]:
            if line.startswith("$ "):
                commands.append(line[2:])
                outputs.append([])
            elif outputs:
                outputs[-1].append(line)
            else:
                raise AssertionError(f"line {start + 1}: output before any '$ ' command")
        blocks.append(Block(start, end, commands, outputs))
        index = end + 1
    return blocks


def run_block(block: Block, scratch: Path) -> list[list[str]]:
    """Run the block's commands in one bash script; each command's output lines."""
    script = ["set +e", "__status=0"]
    for command in block.commands:
        script.append(f"printf '%s\\n' '{_MARKER}'")
        script.append(f"( exit $__status ); {{ {command}\n}} 2>&1; __status=$?")
    environment = dict(os.environ)
    environment.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")]),
        COLUMNS="80",
        LINES="50",
        NO_COLOR="1",
        TERM="dumb",
        PYTHONIOENCODING="utf-8",
    )
    environment.pop("PSOAS_TRIAGE_RULES", None)
    environment.pop("FORCE_COLOR", None)
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=scratch,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    chunks = done.stdout.split(_MARKER + "\n")[1:]
    places = (str(scratch.resolve()) + "/", str(scratch) + "/", str(ROOT) + "/")
    outputs = []
    for chunk in chunks:
        lines = chunk.rstrip("\n").split("\n") if chunk.strip() else []
        for place in places:
            lines = [line.replace(place, "") for line in lines]
        outputs.append([line.rstrip() for line in lines])
    return outputs


def mask(lines: list[str]) -> list[str]:
    masked = []
    for line in lines:
        for pattern, replacement in _MASKS:
            line = pattern.sub(replacement, line)
        masked.append(line)
    return masked


def matches(expected: list[str], actual: list[str]) -> bool:
    expected, actual = mask(expected), mask(actual)
    if ELLIPSIS not in [line.strip() for line in expected]:
        return expected == actual
    cut = [line.strip() for line in expected].index(ELLIPSIS)
    head, tail = expected[:cut], expected[cut + 1 :]
    return (
        actual[: len(head)] == head
        and (not tail or actual[-len(tail) :] == tail)
        and len(actual) >= len(head) + len(tail)
    )


def regenerated(expected: list[str], actual: list[str]) -> list[str]:
    """The new expected output, keeping the document's choice of where to cut a long one."""
    stripped = [line.strip() for line in expected]
    if ELLIPSIS not in stripped:
        return actual
    cut = stripped.index(ELLIPSIS)
    head, tail = cut, len(expected) - cut - 1
    if len(actual) <= head + tail:
        return actual
    return [*actual[:head], expected[cut], *(actual[-tail:] if tail else [])]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs-examples")
    for name in ("rules", "features"):
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    return folder


def _not_this_checkout() -> str:
    """Why the examples cannot be compared here ('' when they can)."""
    import psoas_triage

    if ROOT / "src" not in Path(psoas_triage.__file__).resolve().parents:
        return "psoas_triage is not imported from this checkout (an installed sdist or wheel)"
    if os.environ.get("PSOAS_SKIP_DOCS_EXAMPLES", "") not in ("", "0"):
        return "PSOAS_SKIP_DOCS_EXAMPLES is set (terminal layout depends on rich's version)"
    return ""


@pytest.mark.skipif(bool(_not_this_checkout()), reason=_not_this_checkout() or "n/a")
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_console_example_prints_what_the_document_shows(
    document: Path, scratch: Path
) -> None:
    lines = document.read_text(encoding="utf-8").split("\n")
    blocks = parse_blocks(lines)
    assert blocks, f"{document} has no console examples"
    drifted: list[str] = []
    for block in reversed(blocks):  # from the end, so line numbers above stay valid on update
        actual = run_block(block, scratch)
        assert len(actual) == len(block.commands), f"{document}:{block.start}: a command hung up"
        new_body: list[str] = []
        for command, expected, output in zip(block.commands, block.outputs, actual, strict=True):
            if not matches(expected, output):
                drifted.append(f"{document.name}:{block.start}: $ {command}")
            new_body += [f"$ {command}", *regenerated(expected, output)]
        lines[block.start : block.end] = new_body
    if UPDATE:
        document.write_text("\n".join(lines), encoding="utf-8")
        return
    assert not drifted, (
        "these documented commands print something else now:\n  "
        + "\n  ".join(reversed(drifted))
        + "\nregenerate with: PSOAS_UPDATE_DOCS=1 .venv/bin/python -m pytest "
        "tests/test_docs_examples.py"
    )

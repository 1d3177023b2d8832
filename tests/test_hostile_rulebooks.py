"""Hostile rule files: every one is refused with a RuleBookError naming the file (and the rule).

Each case copies the mini rule directory and corrupts one file: python tags that would run a
command, anchors and (recursive) aliases, a file over 1 MiB, deep nesting, unknown operators and
keys, duplicate ids and keys, unknown codes and sources, bytes that are not UTF-8. Python tags
try to create a marker file; the test checks that it was never created, so "refused" also means
"nothing executed".
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from psoas_triage import RuleBookError, load_rulebook
from psoas_triage.rulebook import MAX_FOLDERS
from psoas_triage.yaml_files import MAX_FILE_BYTES

GROIN_DESCRIPTION = "description: Groin pain is a psoas sign."


@dataclass(frozen=True)
class Case:
    """One corruption: which file it breaks, how, and what the error must say."""

    file: str
    corrupt: Callable[[Path, Path], None]
    """Called with the rule directory and the marker path that must never appear."""
    rule: str | None
    message: str


def edit(name: str, old: str, new: str) -> Callable[[Path, Path], None]:
    """Replace ``old`` by ``new`` in file ``name``; ``{marker}`` in ``new`` is the marker path."""

    def corrupt(rules: Path, marker: Path) -> None:
        path = rules / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new.replace("{marker}", str(marker)), 1), "utf-8")

    return corrupt


def write(name: str, content: str | bytes) -> Callable[[Path, Path], None]:
    """Write ``content`` (str with ``{marker}``, or raw bytes) to file ``name``."""

    def corrupt(rules: Path, marker: Path) -> None:
        path = rules / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace("{marker}", str(marker)), "utf-8")

    return corrupt


def nested_flow(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_block(depth: int) -> str:
    lines = [f"{'  ' * level}k{level}:" for level in range(depth)]
    return "\n".join(lines) + " end"


SECOND_RULE_FILE = """\
family: more
title: More rules
rules:
  - id: groin
    title: Groin pain again
    description: A second rule with an id that already exists.
    when: {all: [groin_pain]}
    points: 5
    sources: [test_source]
    examples:
      fires: [{present: [groin_pain]}]
"""

CASES: dict[str, Case] = {
    # --- code execution through YAML tags -------------------------------------------------------
    "python object/apply os.system": Case(
        "rules.yaml",
        edit(
            "rules.yaml",
            GROIN_DESCRIPTION,
            'description: !!python/object/apply:os.system ["touch {marker}"]',
        ),
        None,
        "python/object/apply:os.system",
    ),
    "python object/new subprocess.Popen": Case(
        "vocabulary.yaml",
        edit(
            "vocabulary.yaml",
            "label: groin pain",
            'label: !!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
        ),
        None,
        "python/object/new:subprocess.Popen",
    ),
    "python name": Case(
        "sources.yaml",
        edit("sources.yaml", "title: A source for tests", "title: !!python/name:os.system"),
        None,
        "python/name:os.system",
    ),
    "python module": Case(
        "advice.yaml",
        edit("advice.yaml", "text: Stretch gently.", "text: !!python/module:os"),
        None,
        "python/module:os",
    ),
    "python tag on a whole file": Case(
        "rulebook.yaml",
        write("rulebook.yaml", '!!python/object/apply:os.system ["touch {marker}"]\n'),
        None,
        "explicit tag !!python/object/apply:os.system is not allowed",
    ),
    "unknown local tag": Case(
        "rules.yaml",
        edit("rules.yaml", GROIN_DESCRIPTION, "description: !include /etc/passwd"),
        None,
        "!include",
    ),
    # --- anchors, aliases, cycles ---------------------------------------------------------------
    "anchor and alias": Case(
        "sources.yaml",
        edit(
            "sources.yaml",
            "title: A source for tests",
            "title: &shared A source for tests\n    note: *shared",
        ),
        None,
        "anchors and aliases are not allowed",
    ),
    "recursive alias": Case(
        "sources.yaml",
        write("sources.yaml", "sources: &loop\n  - *loop\n"),
        None,
        "anchors and aliases are not allowed",
    ),
    "recursive mapping alias": Case(
        "rules.yaml",
        edit("rules.yaml", "  - id: groin\n", "  - &me\n    self: *me\n    id: groin\n"),
        None,
        "anchors and aliases are not allowed",
    ),
    "billion laughs": Case(
        "alternatives.yaml",
        write(
            "alternatives.yaml",
            "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + "".join(
                f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n"
                for n in range(8)
            ),
        ),
        None,
        "anchors and aliases are not allowed",
    ),
    "merge key pulling in an anchored mapping": Case(
        "rules.yaml",
        lambda rules, marker: (
            edit("rules.yaml", "family: mini", "base: &base {points: 50}\nfamily: mini")(
                rules, marker
            ),
            edit("rules.yaml", "  - id: groin\n", "  - <<: *base\n    id: groin\n")(rules, marker),
        ),
        None,
        "anchors and aliases are not allowed",
    ),
    "bare merge key": Case(
        "rules.yaml",
        edit("rules.yaml", "  - id: groin\n", "  - <<: {points: 50}\n    id: groin\n"),
        None,
        "merge",
    ),
    # --- size and nesting -----------------------------------------------------------------------
    "file over 1 MiB": Case(
        "rules.yaml",
        edit("rules.yaml", "family: mini", "# " + "x" * MAX_FILE_BYTES + "\nfamily: mini"),
        None,
        f"limited to {MAX_FILE_BYTES} bytes",
    ),
    "flow list nested 50,000 deep": Case(
        "rules.yaml",
        edit("rules.yaml", GROIN_DESCRIPTION, "description: " + nested_flow(50_000)),
        None,
        "nested too deeply",
    ),
    "block mapping nested 300 deep in a rule": Case(
        "rules.yaml",
        edit(
            "rules.yaml",
            GROIN_DESCRIPTION,
            "description:\n" + "\n".join("      " + line for line in nested_block(300).split("\n")),
        ),
        "groin",
        "description",
    ),
    # --- unknown operators and keys -------------------------------------------------------------
    "unknown operator 'not'": Case(
        "rules.yaml",
        edit("rules.yaml", "when: {all: [groin_pain]}", "when: {all: [groin_pain], not: [fever]}"),
        "groin",
        "not",
    ),
    "durable_rules operator smuggled in": Case(
        "rules.yaml",
        edit(
            "rules.yaml",
            "when: {all: [groin_pain]}",
            "when: {all: [groin_pain], $or: [{fever: true}]}",
        ),
        "groin",
        "$or",
    ),
    "upper bound (lt) on a number": Case(
        "rules.yaml",
        edit("rules.yaml", "when: {pain_intensity: {gte: 7}}", "when: {pain_intensity: {lt: 3}}"),
        "severe_pain",
        "lt",
    ),
    "match expression injected as a code": Case(
        "rules.yaml",
        edit(
            "rules.yaml",
            "when: {all: [groin_pain]}",
            'when: {all: [\'groin_pain": true}, {"$ex": {"x": 1}\']}',
        ),
        "groin",
        "when.all",
    ),
    "unknown rule key 'run'": Case(
        "rules.yaml",
        edit("rules.yaml", "    points: 12\n", "    points: 12\n    run: os.system\n"),
        "groin",
        "run",
    ),
    "points as code": Case(
        "rules.yaml",
        edit("rules.yaml", "points: 12", "points: __import__('os').system('touch {marker}')"),
        "groin",
        "points",
    ),
    "unknown policy key": Case(
        "rulebook.yaml",
        edit("rulebook.yaml", "  bands:", "  eval: print(1)\n  bands:"),
        None,
        "eval",
    ),
    # --- duplicates -----------------------------------------------------------------------------
    "duplicate rule id in one file": Case(
        "rules.yaml",
        edit("rules.yaml", "id: groin_snapping", "id: groin"),
        "groin",
        "duplicate rule id",
    ),
    "duplicate rule id across files": Case(
        "zz_more.yaml",
        write("zz_more.yaml", SECOND_RULE_FILE),
        "groin",
        "rules.yaml",
    ),
    "duplicate YAML key": Case(
        "rules.yaml",
        edit("rules.yaml", "    points: 12\n", "    points: 12\n    points: 50\n"),
        None,
        "duplicate key 'points'",
    ),
    "duplicate vocabulary code": Case(
        "vocabulary.yaml",
        edit("vocabulary.yaml", "code: hip_snapping", "code: groin_pain"),
        "groin_pain",
        "duplicate code",
    ),
    "duplicate source": Case(
        "sources.yaml",
        write(
            "sources.yaml",
            "sources:\n  - {id: test_source, title: A}\n  - {id: test_source, title: B}\n",
        ),
        "test_source",
        "duplicate source",
    ),
    # --- references to nothing ------------------------------------------------------------------
    "unknown code": Case(
        "rules.yaml",
        edit("rules.yaml", "when: {all: [groin_pain]}", "when: {all: [grion_pain]}"),
        "groin",
        "unknown code 'grion_pain' (did you mean: groin_pain?)",
    ),
    "unknown source": Case(
        "rules.yaml",
        edit(
            "rules.yaml",
            "alternatives: [infection]\n    sources: [test_source]",
            "alternatives: [infection]\n    sources: [test_sauce]",
        ),
        "fever_flag",
        "unknown source 'test_sauce'",
    ),
    "unknown alternative": Case(
        "rules.yaml",
        edit("rules.yaml", "alternatives: [infection]", "alternatives: [infektion]"),
        "fever_flag",
        "unknown alternative 'infektion'",
    ),
    "unknown code in an example": Case(
        "rules.yaml",
        edit(
            "rules.yaml",
            "does_not_fire: [{present: [hip_snapping]}]",
            "does_not_fire: [{present: [hip_snap]}]",
        ),
        "groin",
        "unknown symptom code 'hip_snap'",
    ),
    "negative points without a floor": Case(
        "rules.yaml",
        edit("rules.yaml", "points: 12", "points: -12"),
        "groin",
        "negative points need a triage_floor",
    ),
    # --- encodings and shapes -------------------------------------------------------------------
    "latin-1 bytes": Case(
        "rules.yaml",
        write("rules.yaml", "family: mini\ntitle: Leistenschmerz \xe9\n".encode("latin-1")),
        None,
        "not UTF-8",
    ),
    "UTF-16 file": Case(
        "vocabulary.yaml",
        write("vocabulary.yaml", "terms: []\n".encode("utf-16")),
        None,
        "not UTF-8",
    ),
    "binary garbage": Case(
        "advice.yaml",
        write("advice.yaml", bytes(range(256)) * 4),
        None,
        "",
    ),
    "a list at the top": Case(
        "rules.yaml",
        write("rules.yaml", "- id: groin\n"),
        None,
        "expected a mapping at the top, found list",
    ),
    "an empty file": Case(
        "rules.yaml",
        write("rules.yaml", ""),
        None,
        "expected a mapping at the top, found NoneType",
    ),
    # --- reserved names, strict types, control characters (issue 11) --------------------------
    **{
        f"reserved code {code!r}": Case(
            "vocabulary.yaml",
            edit("vocabulary.yaml", "  - code: fever\n", f"  - code: {code}\n"),
            code,
            "reserved",
        )
        for code in ("kind", "sid", "age", "duration_days", "pain_intensity", "sex", "id")
    },
    "points: true is not 1 point": Case(
        "rules.yaml", edit("rules.yaml", "points: 12", "points: true"), "groin", "points"
    ),
    "gte as a string": Case(
        "rules.yaml",
        edit("rules.yaml", "{pain_intensity: {gte: 7}}", "{pain_intensity: {gte: '7'}}"),
        "severe_pain",
        "gte",
    ),
    "red_flag as a string": Case(
        "rules.yaml", edit("rules.yaml", "red_flag: true", "red_flag: 'true'"), "fever_flag", "red"
    ),
    "ESC in a rule title": Case(
        "rules.yaml",
        edit("rules.yaml", "title: Groin pain\n", 'title: "Groin \\e[2J pain"\n'),
        "groin",
        "U+001B",
    ),
    "right-to-left override in a label": Case(
        "vocabulary.yaml",
        edit("vocabulary.yaml", "label: groin pain", 'label: "groin \\u202e pain"'),
        "groin_pain",
        "U+202E",
    ),
    "NUL in a source title": Case(
        "sources.yaml",
        edit("sources.yaml", "title: A source for tests", 'title: "A source\\0 for tests"'),
        "test_source",
        "U+0000",
    ),
    # --- rule files that are not regular files (issue 11) ---------------------------------------
    "dangling symlink as a rule file": Case(
        "flags.yaml",
        lambda rules, marker: (rules / "flags.yaml").symlink_to(rules / "missing.yaml"),
        None,
        "dangling symbolic link",
    ),
    "directory named like a rule file": Case(
        "folder.yaml",
        lambda rules, marker: (rules / "folder.yaml").mkdir(),
        None,
        "a directory",
    ),
    "FIFO as a rule file": Case(
        "pipe.yaml",
        lambda rules, marker: os.mkfifo(rules / "pipe.yaml"),
        None,
        "a FIFO",
    ),
    "FIFO as a special file": Case(
        "alternatives.yaml",
        lambda rules, marker: (
            (rules / "alternatives.yaml").unlink(),
            os.mkfifo(rules / "alternatives.yaml"),
        ),
        None,
        "not a regular file",
    ),
    "symlink to /dev/zero": Case(
        "advice.yaml",
        lambda rules, marker: (
            (rules / "advice.yaml").unlink(),
            (rules / "advice.yaml").symlink_to("/dev/zero"),
        ),
        None,
        "not a regular file",
    ),
    "rules list over the cap": Case(
        "many.yaml",
        write("many.yaml", "family: x\ntitle: y\nrules: [" + ",".join(["{}"] * 600) + "]\n"),
        None,
        "at most 500",
    ),
    "mapping used as a key": Case(
        "rules.yaml",
        edit("rules.yaml", "family: mini", "? {a: 1}\n: x\nfamily: mini"),
        None,
        "mapping keys must be plain values",
    ),
}


HANG_SECONDS = 30
"""Long enough for a loaded two-core CI machine; a hang or a pathological parse takes longer."""


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "executed-marker"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_rule_file_is_refused_naming_file_and_rule(
    name: str, mini_copy: Path, marker: Path, parser: str
) -> None:
    case = CASES[name]
    case.corrupt(mini_copy, marker)
    started = time.monotonic()
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    elapsed = time.monotonic() - started
    error = caught.value
    assert not marker.exists(), "a rule file executed code"
    assert error.file is not None and Path(error.file).name == case.file, str(error)
    assert Path(error.file).parent == mini_copy or mini_copy in Path(error.file).parents
    if case.rule is not None:
        assert error.rule == case.rule, str(error)
        assert f"rule {case.rule}" in str(error)
    assert case.message in str(error)
    assert case.file in str(error)
    assert all(problem.file for problem in error.problems), "every problem names its file"
    # A hang guard, not a speed target (speed lives in benchmarks/): generous for a loaded CI.
    assert elapsed < HANG_SECONDS, f"refusing took {elapsed:.1f}s"


def test_python_tags_anywhere_never_run(mini_copy: Path, marker: Path) -> None:
    """Every special file and the rule file gets a payload; none of them runs, all are named."""
    payload = f'\nzz_payload: !!python/object/apply:os.system ["touch {marker}"]\n'
    names = ["rulebook.yaml", "sources.yaml", "vocabulary.yaml", "advice.yaml", "rules.yaml"]
    for name in names:
        with (mini_copy / name).open("a", encoding="utf-8") as file:
            file.write(payload)
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert not marker.exists()
    named = {Path(problem.file).name for problem in caught.value.problems if problem.file}
    assert named == set(names)


def test_too_many_rule_files_are_refused(mini_copy: Path) -> None:
    extra = mini_copy / "many"
    extra.mkdir()
    for number in range(501):
        (extra / f"r{number:03}.yaml").write_text("family: x\n", encoding="utf-8")
    with pytest.raises(RuleBookError, match="at most 500") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy)


def test_too_many_folders_are_refused(mini_copy: Path) -> None:
    """Linked folders are followed, so a link to ``/`` could walk the disk: folders are capped."""
    for number in range(MAX_FOLDERS):
        (mini_copy / f"f{number:04}").mkdir()
    with pytest.raises(RuleBookError, match=f"at most {MAX_FOLDERS}") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy)


def test_a_symlink_cycle_in_the_rule_directory_is_refused_without_hanging(
    mini_copy: Path,
) -> None:
    """Linked folders are followed (issue 22), so a link back up is a loop: named, not walked."""
    os.symlink(mini_copy, mini_copy / "loop", target_is_directory=True)
    started = time.monotonic()
    with pytest.raises(RuleBookError, match="symbolic link loop") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "loop")
    assert "the rule directory itself" in str(caught.value)
    assert time.monotonic() - started < HANG_SECONDS


def test_the_untouched_copy_loads(mini_copy: Path) -> None:
    """The corruptions above are what fails, not the copying."""
    assert len(load_rulebook(mini_copy).rules) == 4
    shutil.rmtree(mini_copy)
    with pytest.raises(RuleBookError, match="not a rule directory"):
        load_rulebook(mini_copy)

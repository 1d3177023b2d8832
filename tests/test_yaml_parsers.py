"""The two YAML parsers behind rule files: libyaml (fast, behind a flat event pre-pass) and the
pure-Python loader. Both must give the same data and lines, and refuse the same hostile input;
YAML nested 100,000 deep must be refused by the fast path without crashing the process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from psoas_triage import DEFAULT_RULES_DIR, RuleBookError, load_rulebook, yaml_files
from psoas_triage.yaml_files import PURE_YAML_ENV, libyaml_enabled, parse_yaml_with_lines

MINI_RULES = Path(__file__).parent / "fixtures" / "mini_rules"
needs_libyaml = pytest.mark.skipif(
    not yaml_files._loaders()[1], reason="PyYAML was built without libyaml"
)


def rule_files() -> list[Path]:
    return sorted([*DEFAULT_RULES_DIR.rglob("*.yaml"), *MINI_RULES.rglob("*.yaml")])


@needs_libyaml
def test_both_parsers_give_the_same_data_and_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    files = rule_files()
    assert len(files) > 20
    monkeypatch.delenv(PURE_YAML_ENV, raising=False)
    assert libyaml_enabled()
    fast = [parse_yaml_with_lines(file.read_bytes(), file) for file in files]
    monkeypatch.setenv(PURE_YAML_ENV, "1")
    assert not libyaml_enabled()
    pure = [parse_yaml_with_lines(file.read_bytes(), file) for file in files]
    assert fast == pure
    data, lines = fast[files.index(MINI_RULES / "rules.yaml")]
    assert data["family"] == "mini"
    assert lines[("rules", 0)] == 4


def test_without_libyaml_the_pure_loader_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PyYAML built without libyaml: the same book loads, through the pure-Python loader."""
    pure, _ = yaml_files._loaders()
    monkeypatch.delenv(PURE_YAML_ENV, raising=False)
    monkeypatch.setattr(yaml_files, "_loaders", lambda: (pure, None))

    def no_prepass(text: str) -> None:
        raise AssertionError("the libyaml pre-pass ran without libyaml")

    monkeypatch.setattr(yaml_files, "_check_events", no_prepass)
    assert not libyaml_enabled()
    book = load_rulebook(MINI_RULES)
    assert [loaded.rule.id for loaded in book.rules][:2] == ["groin", "groin_snapping"]
    with pytest.raises(RuleBookError, match="aliases are not allowed"):
        parse_yaml_with_lines(b"a: &x 1\nb: *x\n", Path("aliases.yaml"))


@needs_libyaml
@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: [1,\n  [2, [3, [4]]]]\n", "more than 3 levels", 2),
        ("a:\n  b:\n    c:\n      d: 1\n", "more than 3 levels", 4),
        ("a: &x [1]\nb: *x\n", "anchors and aliases are not allowed", 2),
        ("<<: *undefined\n", "anchors and aliases are not allowed", 1),
    ],
)
def test_the_prepass_refuses_depth_and_aliases_before_libyaml_composes(
    monkeypatch: pytest.MonkeyPatch, text: str, message: str, line: int
) -> None:
    """With the limit lowered to 3, the pre-pass (not libyaml's own limit, which only newer
    libyaml releases have) is what refuses."""
    monkeypatch.delenv(PURE_YAML_ENV, raising=False)
    monkeypatch.setattr(yaml_files, "MAX_DEPTH", 3)
    with pytest.raises(RuleBookError) as caught:
        parse_yaml_with_lines(text.encode(), Path("hostile.yaml"))
    assert message in str(caught.value)
    assert caught.value.file == "hostile.yaml"
    assert caught.value.line == line


@needs_libyaml
def test_the_prepass_stops_at_the_node_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PURE_YAML_ENV, raising=False)
    monkeypatch.setattr(yaml_files, "MAX_NODES", 10)
    with pytest.raises(RuleBookError, match="more than 10 values in one file"):
        parse_yaml_with_lines(b"[" + b",".join([b"1"] * 20) + b"]\n", Path("many.yaml"))


DEEP_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from psoas_triage import RuleBookError, load_rulebook
    from psoas_triage.yaml_files import libyaml_enabled
    assert libyaml_enabled(), "the fast path is not in use"
    try:
        load_rulebook(Path(sys.argv[1]))
    except RuleBookError as error:
        print(error)
    else:
        print("loaded")
    """
)


@needs_libyaml
@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_yaml_nested_100000_deep_is_refused_by_the_fast_path(tmp_path: Path, opening: str) -> None:
    """In a child process, so that a crash in libyaml shows as a failure, not a dead pytest."""
    rules = tmp_path / "rules"
    shutil.copytree(MINI_RULES, rules)
    closing = "]" if opening == "[" else "}"
    deep = opening * 100_000 + "1" * (opening != "[") + closing * 100_000
    (rules / "deep.yaml").write_text(f"family: deep\ntitle: Deep\nrules: {deep}\n", "utf-8")
    assert (rules / "deep.yaml").stat().st_size < yaml_files.MAX_FILE_BYTES
    done = subprocess.run(
        [sys.executable, "-c", DEEP_CHILD, str(rules)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != PURE_YAML_ENV},
    )
    assert done.returncode == 0, f"child died with {done.returncode}: {done.stderr[-500:]}"
    assert "deep.yaml" in done.stdout
    assert "nested too deeply" in done.stdout

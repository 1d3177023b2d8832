"""Issue 22 ("No red flag lost on any door"): the items about loading a rule book.

One test per item, named after what it protects; each failed on the main of the day the issue
was filed. A rule directory is data written by people: a red-flag rule it holds must never be
left out without a word, and whatever the loader cannot read or refuses is an error naming the
file (and the rule and field where there is one).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from psoas_triage import RuleBookError, assess, load_rulebook, rulebook_cache
from psoas_triage.lint import lint_directory
from psoas_triage.models import TriageLevel
from psoas_triage.rulebook import DEFAULT_RULES_DIR
from psoas_triage.yaml_files import PURE_YAML_ENV, libyaml_enabled

SADDLE = {"present": ["saddle_numbness"]}
SADDLE_RULE = "  - id: saddle_numbness\n"
NEXT_RULE = "  - id: bladder_or_bowel_change\n"


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both YAML parsers behind rule files must refuse alike: libyaml and pure Python."""
    if request.param == "libyaml":
        monkeypatch.delenv(PURE_YAML_ENV, raising=False)
        if not libyaml_enabled():
            pytest.skip("PyYAML was built without libyaml")
    else:
        monkeypatch.setenv(PURE_YAML_ENV, "1")
    return str(request.param)


def replace_line(file: Path, old: str, new: str) -> int:
    """Replace the one line ``old`` of ``file`` by ``new``; its line number (1-based)."""
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    number = lines.index(old + "\n")
    lines[number] = new + "\n"
    file.write_text("".join(lines), encoding="utf-8")
    return number + 1


def shipped_copy(target: Path) -> Path:
    """A writable copy of the shipped rule book."""
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def move_saddle_rule_into_linked_folder(book: Path, elsewhere: Path) -> Path:
    """Take the saddle-numbness red flag out of ``red_flags.yaml`` into a file of its own, in
    a folder outside the book that the book reaches through a symbolic link ``linked/``.

    Nothing else in the book names that rule, so a loader that skips the linked folder loads
    a valid book without it: the silent loss of the issue. Returns the rule's new file.
    """
    red_flags = book / "red_flags.yaml"
    text = red_flags.read_text(encoding="utf-8")
    start, end = text.index(SADDLE_RULE), text.index(NEXT_RULE)
    red_flags.write_text(text[:start] + text[end:], encoding="utf-8")
    elsewhere.mkdir()
    moved = elsewhere / "saddle.yaml"
    header = "family: red_flags_linked\ntitle: Red flags kept in a linked folder\nrules:\n"
    moved.write_text(header + text[start:end], encoding="utf-8")
    (book / "linked").symlink_to(elsewhere, target_is_directory=True)
    return moved


# --- 1. a rule folder that is a symbolic link -------------------------------------------------


def test_a_red_flag_in_a_symlinked_folder_is_loaded_linted_and_assessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = shipped_copy(tmp_path / "book")
    moved = move_saddle_rule_into_linked_folder(book, tmp_path / "elsewhere")
    cache = tmp_path / "cache"
    monkeypatch.setenv(rulebook_cache.CACHE_DIR_ENV, str(cache))

    loaded = load_rulebook(book, cache=True)
    assert loaded.rule("saddle_numbness").file == str(book / "linked" / "saddle.yaml")
    assert [str(problem) for problem in lint_directory(book) if problem.severity == "error"] == []
    assert assess(SADDLE, loaded).triage_level is TriageLevel.emergency
    assert assess(SADDLE, book).triage_level is TriageLevel.emergency  # through book_memo
    from_cache = load_rulebook(book, cache=True)
    assert len(list(cache.glob("rulebook-*.json"))) == 1
    assert from_cache.digest == loaded.digest
    assert assess(SADDLE, from_cache).triage_level is TriageLevel.emergency

    # Only the linked folder's file changes: neither cache may serve the book it replaced.
    text = moved.read_text(encoding="utf-8")
    moved.write_text(text.replace("triage_floor: emergency", "triage_floor: urgent"), "utf-8")
    edited = load_rulebook(book, cache=True)
    assert edited.digest != loaded.digest
    assert assess(SADDLE, edited).triage_level is TriageLevel.urgent
    assert assess(SADDLE, book).triage_level is TriageLevel.urgent


def test_a_symlink_loop_among_rule_folders_is_an_error_naming_the_folder(mini_copy: Path) -> None:
    (mini_copy / "more").mkdir()
    (mini_copy / "more" / "back").symlink_to(mini_copy / "more", target_is_directory=True)
    with pytest.raises(RuleBookError, match="symbolic link loop") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "more" / "back")
    assert "folder 'more/back' is folder 'more' again" in str(caught.value)


# --- 2. a rule file ending in .yml or .YAML ---------------------------------------------------


@pytest.mark.parametrize("name", ["flags.yml", "flags.YAML", "deeper/flags.Yml"])
def test_a_rule_file_not_ending_in_lower_case_yaml_is_an_error_not_skipped(
    mini_copy: Path, name: str
) -> None:
    rules = mini_copy / "rules.yaml"
    target = mini_copy / name
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(rules.read_bytes())
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(target)
    assert "rule files must end in .yaml" in str(caught.value)
    assert Path(name).name in str(caught.value)


# --- 3. a file name that is not UTF-8 ---------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file names are bytes")
@pytest.mark.parametrize("name", [b"\xff.yaml", b"sub\xfe"], ids=["file", "folder"])
def test_a_file_name_that_is_not_utf8_is_a_clear_error_naming_the_folder(
    mini_copy: Path, name: bytes
) -> None:
    path = os.path.join(os.fsencode(mini_copy), name)
    try:
        if name.endswith(b".yaml"):
            with open(path, "wb") as file:
                file.write(b"family: x\n")
        else:
            os.mkdir(path)
    except OSError as error:  # a file system that insists on UTF-8 names
        pytest.skip(f"cannot create a non-UTF-8 name here: {error}")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy)
    assert f"name {name!r} is not UTF-8" in str(caught.value)


# --- 4. numbers and flags that YAML 1.1 reads its own way ------------------------------------


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("0x10", "16"), ("1_0", "10"), ("010", "8"), ("1:30", "90"), ("0b11", "3")],
)
def test_a_yaml11_number_form_is_refused_naming_file_rule_and_field(
    mini_copy: Path, parser: str, written: str, read_as: str
) -> None:
    rules = mini_copy / "rules.yaml"
    line = replace_line(rules, "    points: 12", f"    points: {written}")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.rule, error.line) == (str(rules), "groin", line)
    assert f"points: {written} is not a plain decimal integer" in error.detail
    assert f"YAML 1.1 reads it as {read_as} " in error.detail


@pytest.mark.parametrize("written", ["yes", "on", "Off", "NO"])
def test_a_yaml11_yes_no_on_off_flag_is_refused_naming_file_rule_and_field(
    mini_copy: Path, parser: str, written: str
) -> None:
    rules = mini_copy / "rules.yaml"
    line = replace_line(rules, "    red_flag: true", f"    red_flag: {written}")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.rule, error.line) == (str(rules), "fever_flag", line)
    assert f"red_flag: {written} is read as " in error.detail
    assert "write true or false" in error.detail


# --- 5. explicit tags -------------------------------------------------------------------------


DESCRIPTION = "    description: Groin pain is a psoas sign."


@pytest.mark.parametrize(
    ("old", "written", "shown"),
    [
        (DESCRIPTION, "    description: !!binary R3JvaW4gcGFpbiBpcyBhIHBzb2FzIHNpZ24u", "!!binary"),
        (DESCRIPTION, "    description: !<tag:yaml.org,2002:str> Groin pain.", "!!str"),
        (DESCRIPTION, "    description: !!str Groin pain is a psoas sign.", "!!str"),
        ("    points: 12", "    points: !!int 12", "!!int"),
    ],
)
def test_an_explicit_tag_in_a_rule_file_is_refused_naming_file_and_line(
    mini_copy: Path, parser: str, old: str, written: str, shown: str
) -> None:
    rules = mini_copy / "rules.yaml"
    line = replace_line(rules, old, written)
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.line) == (str(rules), line)
    assert f"explicit tag {shown} is not allowed in rule files" in error.detail


# --- 6. a red flag whose floor is self_care ---------------------------------------------------


def test_a_red_flag_with_a_self_care_floor_is_refused_naming_file_and_rule(
    mini_copy: Path,
) -> None:
    rules = mini_copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "    red_flag: true\n    triage_floor: urgent\n" in text
    rules.write_text(text.replace("triage_floor: urgent", "triage_floor: self_care", 1), "utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.rule) == (str(rules), "fever_flag")
    assert "a red-flag rule needs a triage_floor of at least consultation" in error.detail
    assert error.line is not None
    assert rules.read_text(encoding="utf-8").splitlines()[error.line - 1] == "  - id: fever_flag"

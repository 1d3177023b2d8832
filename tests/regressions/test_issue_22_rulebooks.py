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

SADDLE = {"present": ["saddle_numbness"]}
SADDLE_RULE = "  - id: saddle_numbness\n"
NEXT_RULE = "  - id: bladder_or_bowel_change\n"


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

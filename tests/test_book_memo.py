"""assess(report, path) loads a rule directory once per content and notices edits (issue 16)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from psoas_triage import RuleBookError, assess, book_memo, load_rulebook
from psoas_triage.book_memo import MAX_DIRECTORIES, rulebook_for

REPORT = {"present": ["groin_pain"]}


def _age(directory: Path, seconds: float = 60.0) -> None:
    """Make every file look older than the racy window, as files that were not just written."""
    for file in directory.rglob("*.yaml"):
        info = file.stat()
        os.utime(file, ns=(info.st_atime_ns, info.st_mtime_ns - int(seconds * 1e9)))


def test_the_same_directory_gives_the_same_book_without_reloading(mini_copy: Path) -> None:
    _age(mini_copy)
    first = rulebook_for(mini_copy)
    loads = book_memo.memo_stats()["loads"]
    assert rulebook_for(mini_copy) is first
    assert rulebook_for(str(mini_copy)) is first
    assert rulebook_for(mini_copy / ".." / mini_copy.name) is first  # keyed by resolved path
    assert book_memo.memo_stats()["loads"] == loads
    assert assess(REPORT, mini_copy).psoas_score == assess(REPORT, first).psoas_score


def test_an_edit_is_noticed_even_right_after_the_load(mini_copy: Path) -> None:
    before = assess(REPORT, mini_copy)
    rules = mini_copy / "rules.yaml"
    # Same size, written at once: only the content tells the two apart.
    rules.write_text(rules.read_text(encoding="utf-8").replace("points: 12", "points: 13"))
    after = assess(REPORT, mini_copy)
    assert (before.psoas_score, after.psoas_score) == (12, 13)
    assert after.rulebook_version != before.rulebook_version


def test_an_edit_to_an_old_file_is_noticed(mini_copy: Path) -> None:
    _age(mini_copy)
    first = rulebook_for(mini_copy)
    rules = mini_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("points: 12", "points: 25"))
    assert rulebook_for(mini_copy).digest != first.digest
    assert assess(REPORT, mini_copy).psoas_score == 25


def test_touching_a_file_keeps_the_book(mini_copy: Path) -> None:
    _age(mini_copy)
    first = rulebook_for(mini_copy)
    os.utime(mini_copy / "rules.yaml")  # new timestamp, same bytes
    assert rulebook_for(mini_copy) is first


def test_a_new_rule_file_and_a_removed_one_are_noticed(mini_copy: Path) -> None:
    _age(mini_copy)
    first = rulebook_for(mini_copy)
    extra = mini_copy / "more.yaml"
    extra.write_text((mini_copy / "rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RuleBookError):  # the same rule ids twice: the loader's own error
        rulebook_for(mini_copy)
    extra.unlink()
    assert rulebook_for(mini_copy).digest == first.digest
    (mini_copy / "vocabulary.yaml").unlink()
    with pytest.raises(RuleBookError, match=r"vocabulary\.yaml"):
        rulebook_for(mini_copy)


def test_the_memo_is_bounded(mini_copy: Path, tmp_path: Path) -> None:
    book_memo.forget_all()
    for number in range(MAX_DIRECTORIES + 3):
        target = tmp_path / f"copy{number}"
        shutil.copytree(mini_copy, target)
        rulebook_for(target)
    assert book_memo.memo_stats()["remembered"] == MAX_DIRECTORIES


def test_a_path_gives_the_book_load_rulebook_gives(mini_copy: Path) -> None:
    assert rulebook_for(mini_copy).digest == load_rulebook(mini_copy).digest


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A copy of the shipped book, which has translations under ``locales/``."""
    from psoas_triage.rulebook import DEFAULT_RULES_DIR

    target = tmp_path / "shipped"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    assert (target / "locales" / "fr.yaml").is_file()
    return target


def test_an_edited_translation_is_noticed(
    shipped_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A translation is part of the book (its digest, its safety texts): editing only
    ``locales/fr.yaml`` must give the new book, not the remembered one."""
    monkeypatch.setattr(book_memo, "RACY_SECONDS", 0.0)  # trust every timestamp
    first = rulebook_for(shipped_copy)
    assert rulebook_for(shipped_copy) is first
    french = shipped_copy / "locales" / "fr.yaml"
    french.write_text(french.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    again = rulebook_for(shipped_copy)
    assert again is not first
    assert again.digest == load_rulebook(shipped_copy).digest != first.digest


def test_touching_a_file_of_a_book_with_translations_keeps_the_book(shipped_copy: Path) -> None:
    """The content check compares like with like (the digest is not the book's, which also
    covers the translations): a touch reloads nothing."""
    first = rulebook_for(shipped_copy)
    loads = book_memo.memo_stats()["loads"]
    os.utime(shipped_copy / "red_flags.yaml")
    os.utime(shipped_copy / "locales" / "fr.yaml")
    assert rulebook_for(shipped_copy) is first
    assert book_memo.memo_stats()["loads"] == loads

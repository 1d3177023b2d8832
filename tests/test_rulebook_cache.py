"""The on-disk cache of validated rule books: used only when its key matches, never an error,
private to the user, bypassed by ``rules lint`` and ``--no-cache``, and the same results."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import assess, load_rulebook, rulebook_cache, yaml_files
from psoas_triage.cli import app
from psoas_triage.rulebook import RuleBook
from psoas_triage.workload import mixed_reports

runner = CliRunner()
BOOK_FIELDS = ("name", "version", "digest", "path", "policy", "sources", "terms", "alternatives")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory for one test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(rulebook_cache.CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv("PSOAS_TRIAGE_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The rule files parsed from YAML from now on (a cache hit parses none)."""
    parsed: list[Path] = []
    real = yaml_files.parse_yaml_with_lines

    def spy(data: bytes, path: Path):  # type: ignore[no-untyped-def]
        parsed.append(path)
        return real(data, path)

    monkeypatch.setattr("psoas_triage.rulebook.parse_yaml_with_lines", spy)
    monkeypatch.setattr("psoas_triage.locales.parse_yaml_with_lines", spy)
    return parsed


def entry(cache: Path) -> Path:
    (found,) = cache.glob("rulebook-*.json")
    return found


def same_book(one: RuleBook, other: RuleBook) -> None:
    for name in BOOK_FIELDS:
        assert getattr(one, name) == getattr(other, name), name
    assert one.rules == other.rules
    assert one.advice == other.advice


def test_second_load_comes_from_the_cache_and_is_the_same_book(
    cache: Path, mini_copy: Path, parses: list[Path]
) -> None:
    first = load_rulebook(mini_copy, cache=True)
    assert len(parses) == 6  # five special files and rules.yaml
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry(cache).stat().st_mode) == 0o600
    stored = json.loads(entry(cache).read_text("utf-8"))
    assert stored["format"] == rulebook_cache.FORMAT
    assert set(stored["files"]) == {
        "rulebook.yaml",
        "sources.yaml",
        "vocabulary.yaml",
        "alternatives.yaml",
        "advice.yaml",
        "rules.yaml",
        "locales/",  # the validated translations (none in this book)
    }
    parses.clear()
    second = load_rulebook(mini_copy, cache=True)
    assert parses == []
    same_book(first, second)
    assert second.rule("groin").line == first.rule("groin").line == 4
    same_book(second, load_rulebook(mini_copy))


def test_without_cache_true_nothing_is_read_or_written(cache: Path, mini_copy: Path) -> None:
    load_rulebook(mini_copy)
    assert not cache.exists()


def test_an_edited_rule_file_invalidates_the_entry(cache: Path, mini_copy: Path) -> None:
    load_rulebook(mini_copy, cache=True)
    rules = mini_copy / "rules.yaml"
    rules.write_text(
        rules.read_text("utf-8").replace("title: Groin pain", "title: Pain in the groin", 1),
        "utf-8",
    )
    book = load_rulebook(mini_copy, cache=True)
    assert book.rule("groin").rule.title == "Pain in the groin"
    assert load_rulebook(mini_copy, cache=True).rule("groin").rule.title == "Pain in the groin"


def test_an_entry_with_another_key_is_ignored_and_rewritten(
    cache: Path, mini_copy: Path, parses: list[Path]
) -> None:
    load_rulebook(mini_copy, cache=True)
    stored = json.loads(entry(cache).read_text("utf-8"))
    right_key = stored["key"]
    stored["key"] = "0" * 64
    for item in stored["files"]["rules.yaml"]["model"]["rules"]:
        item["title"] = "FORGED"
    entry(cache).write_text(json.dumps(stored), "utf-8")
    parses.clear()
    book = load_rulebook(mini_copy, cache=True)
    assert parses, "the YAML was not parsed again"
    assert book.rule("groin").rule.title == "Groin pain"
    assert json.loads(entry(cache).read_text("utf-8"))["key"] == right_key


def test_the_key_covers_the_library_code_and_versions(
    cache: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = load_rulebook(mini_copy)
    key = rulebook_cache.cache_key(book.digest)
    assert key == rulebook_cache.cache_key(book.digest)
    assert key != rulebook_cache.cache_key("another digest")
    monkeypatch.setattr(rulebook_cache, "_environment", lambda: "pydantic 9")
    assert rulebook_cache.cache_key(book.digest) != key


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "not json",
        "a list",
        "a file missing",
        "invalid model",
        "lines not numbers",
    ],
)
def test_a_corrupt_entry_is_ignored_and_rewritten(
    cache: Path, mini_copy: Path, damage: str
) -> None:
    good = load_rulebook(mini_copy, cache=True)
    path = entry(cache)
    text = path.read_text("utf-8")
    stored = json.loads(text)
    files = stored["files"]
    if damage == "truncated":
        text = text[: len(text) // 2]
    elif damage == "not json":
        text = "\x00\xff garbage"
    elif damage == "a list":
        text = "[1, 2]"
    else:
        if damage == "a file missing":
            del files["advice.yaml"]
        elif damage == "invalid model":
            files["rules.yaml"]["model"]["rules"][0]["points"] = 999
        else:
            files["rules.yaml"]["lines"] = {"groin": "four"}
        text = json.dumps(stored)
    path.write_text(text, "utf-8")
    again = load_rulebook(mini_copy, cache=True)
    same_book(good, again)
    rewritten = json.loads(path.read_text("utf-8"))
    assert rewritten["key"] == stored["key"]
    assert rewritten["files"]["rules.yaml"]["model"]["rules"][0]["points"] == 12
    assert len(rewritten["files"]) == 7  # six files and the (empty) locales


def test_a_group_or_world_writable_cache_directory_is_not_used(
    cache: Path, mini_copy: Path, parses: list[Path]
) -> None:
    load_rulebook(mini_copy, cache=True)
    cache.chmod(0o777)
    parses.clear()
    load_rulebook(mini_copy, cache=True)
    assert parses, "a world-writable cache was trusted"
    assert rulebook_cache.cache_dir() is None


def test_a_cache_directory_of_another_user_is_not_used(
    cache: Path, mini_copy: Path, parses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_rulebook(mini_copy, cache=True)
    monkeypatch.setattr(rulebook_cache.os, "geteuid", lambda: os.getuid() + 4242)
    parses.clear()
    load_rulebook(mini_copy, cache=True)
    assert parses, "another user's cache was trusted"


def test_a_symlinked_cache_directory_or_entry_is_not_used(
    tmp_path: Path, mini_copy: Path, parses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv(rulebook_cache.CACHE_DIR_ENV, str(link))
    load_rulebook(mini_copy, cache=True)
    assert list(real.iterdir()) == []
    monkeypatch.setenv(rulebook_cache.CACHE_DIR_ENV, str(real))
    load_rulebook(mini_copy, cache=True)
    stored = entry(real)
    moved = tmp_path / "elsewhere.json"
    stored.rename(moved)
    stored.symlink_to(moved)
    parses.clear()
    load_rulebook(mini_copy, cache=True)
    assert parses, "an entry that is a symbolic link was followed"


def test_a_world_writable_entry_is_not_used(
    cache: Path, mini_copy: Path, parses: list[Path]
) -> None:
    load_rulebook(mini_copy, cache=True)
    entry(cache).chmod(0o666)
    parses.clear()
    load_rulebook(mini_copy, cache=True)
    assert parses


def test_an_unwritable_cache_is_never_an_error(
    tmp_path: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory", "utf-8")
    monkeypatch.setenv(rulebook_cache.CACHE_DIR_ENV, str(blocker / "cache"))
    assert len(load_rulebook(mini_copy, cache=True).rules) == 4


def test_the_default_place_is_under_xdg_cache_home(
    tmp_path: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(rulebook_cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_rulebook(mini_copy, cache=True)
    folder = tmp_path / "xdg" / "psoas-triage"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert len(list(folder.glob("rulebook-*.json"))) == 1


def test_assessments_are_byte_identical_with_and_without_the_cache(
    cache: Path, shipped_book: RuleBook
) -> None:
    load_rulebook(shipped_book.path, cache=True)
    cached = load_rulebook(shipped_book.path, cache=True)  # a hit
    reports = mixed_reports(shipped_book, 300)
    assert len(reports) == 300
    for report in reports:
        with_cache = assess(report, cached).model_dump_json()
        assert with_cache == assess(report, shipped_book).model_dump_json()


# --- the command --------------------------------------------------------------------------------


def test_the_command_uses_the_cache_and_no_cache_bypasses_it(
    cache: Path, mini_copy: Path, parses: list[Path]
) -> None:
    first = runner.invoke(app, ["assess", "groin_pain", "--rules", str(mini_copy), "--json"])
    assert first.exit_code == 0, first.output
    assert entry(cache).is_file()
    assert parses
    parses.clear()
    second = runner.invoke(app, ["assess", "groin_pain", "--rules", str(mini_copy), "--json"])
    assert parses == []
    assert second.stdout == first.stdout
    entry(cache).unlink()
    uncached = runner.invoke(
        app, ["--no-cache", "assess", "groin_pain", "--rules", str(mini_copy), "--json"]
    )
    assert uncached.exit_code == 0
    assert uncached.stdout == first.stdout
    assert parses
    assert list(cache.iterdir()) == []


def test_the_no_cache_environment_variable_bypasses_it(cache: Path, mini_copy: Path) -> None:
    result = runner.invoke(
        app,
        ["rules", "list", "--rules", str(mini_copy), "--json"],
        env={"PSOAS_TRIAGE_NO_CACHE": "1"},
    )
    assert result.exit_code == 0, result.output
    assert not cache.exists() or list(cache.iterdir()) == []


def test_rules_lint_never_uses_the_cache(
    cache: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_cache(*_args: object) -> None:
        raise AssertionError("rules lint touched the cache")

    monkeypatch.setattr(rulebook_cache, "read_entry", no_cache)
    monkeypatch.setattr(rulebook_cache, "write_entry", no_cache)
    result = runner.invoke(app, ["rules", "lint", str(mini_copy)])
    assert result.exit_code == 0, result.output
    assert not cache.exists()


def test_an_entry_too_large_to_read_back_is_not_written(
    cache: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rulebook_cache, "MAX_ENTRY_BYTES", 1_000)
    load_rulebook(mini_copy, cache=True)
    assert list(cache.glob("rulebook-*.json")) == []
    assert list(cache.iterdir()) == [], "a temporary file was left behind"


def test_a_file_changed_between_the_two_reads_is_not_stored(
    cache: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is computed from a first read; the book from a second one. When they differ
    (a file edited meanwhile), the book is the second read and nothing is cached."""
    monkeypatch.setattr("psoas_triage.rulebook._digest_of", lambda *_args: "0" * 64)
    book = load_rulebook(mini_copy, cache=True)
    assert book.digest == load_rulebook(mini_copy).digest != "0" * 64
    assert list(cache.glob("rulebook-*.json")) == []


def test_a_locale_comes_from_the_cache_until_its_bytes_change(
    cache: Path, tmp_path: Path, parses: list[Path]
) -> None:
    """Translations are cached with the book, but an edited translation is never hidden."""
    import shutil

    from psoas_triage.rulebook import DEFAULT_RULES_DIR

    book_dir = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, book_dir)
    locale = book_dir / "locales" / "fr.yaml"
    first = load_rulebook(book_dir, cache=True)
    assert locale in parses
    parses.clear()
    second = load_rulebook(book_dir, cache=True)
    assert parses == []
    assert second.locales == first.locales and second.digest == first.digest

    import yaml

    data = yaml.safe_load(locale.read_text("utf-8"))
    data["disclaimer"] = "Ceci ne remplace pas un avis médical."
    locale.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    third = load_rulebook(book_dir, cache=True)
    assert parses == [locale]
    assert third.locales["fr"].texts.disclaimer == "Ceci ne remplace pas un avis médical."
    assert third.digest != first.digest
    assert third.digest == load_rulebook(book_dir).digest
    parses.clear()
    assert load_rulebook(book_dir, cache=True).locales == third.locales
    assert parses == []  # the entry now holds the edited translation

"""Shared fixtures: the tiny test rule book, a writable copy of it, and the shipped rule book."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from psoas_triage import RuleBook, default_rulebook, load_rulebook

MINI_RULES = Path(__file__).parent / "fixtures" / "mini_rules"


@pytest.fixture(scope="session")
def mini_book() -> RuleBook:
    """A four-rule book whose every number is known to the tests."""
    return load_rulebook(MINI_RULES)


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini rule directory, for tests that break one file."""
    target = tmp_path / "rules"
    shutil.copytree(MINI_RULES, target)
    return target


@pytest.fixture(scope="session")
def shipped_book() -> RuleBook:
    """The rule book that ships with the package."""
    return default_rulebook()

"""Shared fixtures: the tiny test rule book, a writable copy of it, and the shipped rule book."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from psoas_triage import RuleBook, default_rulebook, load_rulebook
from psoas_triage.yaml_files import PURE_YAML_ENV, libyaml_enabled

MINI_RULES = Path(__file__).parent / "fixtures" / "mini_rules"


@pytest.fixture(scope="session", autouse=True)
def _private_rulebook_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The CLI caches validated rule books per user: in tests, in a fresh folder of the run
    (child processes inherit it), never in the home directory of whoever runs them."""
    folder = tmp_path_factory.mktemp("rulebook-cache")
    folder.chmod(0o700)
    previous = os.environ.get("PSOAS_TRIAGE_CACHE_DIR")
    os.environ["PSOAS_TRIAGE_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("PSOAS_TRIAGE_CACHE_DIR", None)
    else:
        os.environ["PSOAS_TRIAGE_CACHE_DIR"] = previous


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


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a rule-file test through both YAML parsers behind rule files, which must answer alike:
    libyaml (behind its event pre-pass) and the pure-Python loader, which is what a PyYAML
    without libyaml uses."""
    if request.param == "libyaml":
        monkeypatch.delenv(PURE_YAML_ENV, raising=False)
        if not libyaml_enabled():
            pytest.skip("PyYAML was built without libyaml")
    else:
        monkeypatch.setenv(PURE_YAML_ENV, "1")
    return str(request.param)

"""Shared fixtures: the tiny test rule book, a writable copy of it, and the shipped rule book."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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


LOOPBACK = "127.0.0.1"


@contextlib.contextmanager
def _served(*options: str) -> Iterator[int]:
    """``psoas-triage serve`` on a free loopback port with ``options``: its port while it runs;
    stopped (terminated, killed if it lingers) on leaving."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "psoas_triage", "serve", "--host", LOOPBACK]
    process = subprocess.Popen(
        [*command, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited early with {process.returncode}")
            try:
                with socket.create_connection((LOOPBACK, port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("server did not start in time") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def serve_on_loopback() -> Callable[..., contextlib.AbstractContextManager[int]]:
    """``with serve_on_loopback("--timeout-read", "1") as port:`` runs a real server for a test
    (a module fixture usually holds it); the one way the tests start and stop one."""
    pytest.importorskip("uvicorn", reason="the service extra (uvicorn) is not installed")
    return _served

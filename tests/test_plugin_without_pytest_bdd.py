"""A project that has psoas-triage but not pytest-bdd: the pytest11 plugin must not break pytest.

The check runs pytest in a subprocess whose site-packages is this environment's minus pytest-bdd
(a folder of symlinks, so nothing is installed): exactly what a downstream user without the
``bdd`` extra has.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

DOWNSTREAM_TEST = """\
import sys

def test_own_code():
    assert sorted([3, 1, 2]) == [1, 2, 3]

def test_the_plugin_is_loaded_but_pytest_bdd_is_not():
    assert "psoas_triage.bdd.plugin" in sys.modules
    assert "pytest_bdd" not in sys.modules
"""

FEATURE = """\
Feature: Groin
  Scenario: Groin pain
    Given a person reporting groin pain
    When the symptoms are assessed
    Then the result says it is not a diagnosis
"""


@pytest.fixture(scope="module")
def site_without_pytest_bdd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder linking every installed distribution except pytest-bdd."""
    site = tmp_path_factory.mktemp("site")
    folders = {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}
    for folder in folders:
        for entry in folder.iterdir():
            if entry.name.lower().replace("-", "_").startswith("pytest_bdd"):
                continue
            link = site / entry.name
            if not link.exists():
                link.symlink_to(entry)
    return site


def run_pytest(site: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # -S: not this environment's site-packages, only the folder without pytest-bdd (with its .pth
    # files, so an editable psoas-triage is found too).
    code = (
        "import site, sys; site.addsitedir(sys.argv[1]); import pytest; "
        "sys.exit(pytest.main(sys.argv[2:]))"
    )
    return subprocess.run(
        [sys.executable, "-S", "-c", code, str(site), "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_plugin_module_imports_without_pytest_bdd(site_without_pytest_bdd: Path) -> None:
    code = (
        "import site, sys; site.addsitedir(sys.argv[1]); import psoas_triage.bdd.plugin as p; "
        "print(p.HAVE_PYTEST_BDD, 'pytest_bdd' in sys.modules, hasattr(p, 'psoas_case'))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, str(site_without_pytest_bdd)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False"]


def test_a_downstream_project_runs_its_own_tests(
    site_without_pytest_bdd: Path, tmp_path: Path
) -> None:
    (tmp_path / "test_own.py").write_text(DOWNSTREAM_TEST, encoding="utf-8")
    # A features folder not named on the command line is left alone, as without the plugin.
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "groin.feature").write_text(FEATURE, encoding="utf-8")
    result = run_pytest(site_without_pytest_bdd, tmp_path, "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "error" not in result.stdout.lower()


def test_a_feature_run_names_the_extra_to_install(
    site_without_pytest_bdd: Path, tmp_path: Path
) -> None:
    (tmp_path / "groin.feature").write_text(FEATURE, encoding="utf-8")
    result = run_pytest(site_without_pytest_bdd, tmp_path, "groin.feature")
    assert result.returncode == pytest.ExitCode.INTERRUPTED, result.stdout + result.stderr
    assert 'pip install "psoas-triage[bdd]"' in result.stdout
    assert "cannot run groin.feature" in result.stdout


def test_the_step_options_exist_only_with_pytest_bdd(
    site_without_pytest_bdd: Path, tmp_path: Path
) -> None:
    (tmp_path / "test_own.py").write_text(DOWNSTREAM_TEST, encoding="utf-8")
    without = run_pytest(site_without_pytest_bdd, tmp_path, "--help")
    assert without.returncode == 0, without.stderr
    assert "--psoas-rules" not in without.stdout
    with_bdd = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "--psoas-rules" in with_bdd.stdout

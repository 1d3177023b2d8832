"""What a user and a distributor get: the wheel holds the rule book, the sdist runs its own tests.

Both are built once from a copy of this source tree (the wheel from the unpacked sdist, as a
distributor would), with the build tools of this environment and no network. The wheel is then
installed into a folder of its own and used through a site folder without this checkout.
"""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".git", ".venv*", ".ci-venvs", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis",
)  # fmt: skip


def source_files(folder: str, pattern: str = "*") -> set[str]:
    """Files of this checkout below ``folder``, relative to the root, without caches."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / folder).rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel) built from a copy of this tree."""
    tree = tmp_path_factory.mktemp("tree") / "psoas-triage"
    shutil.copytree(ROOT, tree, ignore=SKIP, symlinks=True)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def test_the_rule_book_is_a_folder_not_a_symlink() -> None:
    assert not (ROOT / "src" / "psoas_triage" / "rules").exists()


def test_the_wheel_holds_every_module_and_rule_file(built: tuple[Path, Path]) -> None:
    _, wheel = built
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {f"psoas_triage/rules/{name[len('rules/') :]}" for name in source_files("rules")}
    modules = {name[len("src/") :] for name in source_files("src", "*.py")}
    assert any(name.endswith("psoas/groin.yaml") for name in rules)
    assert rules - names == set(), "rule files missing from the wheel"
    assert modules - names == set(), "modules missing from the wheel (list the package?)"
    assert "psoas_triage/py.typed" in names
    assert not [name for name in names if name.startswith(("tests/", "features/", "rules/"))]


def test_the_wheel_metadata_states_what_is_tested(built: tuple[Path, Path]) -> None:
    _, wheel = built
    archive = zipfile.ZipFile(wheel)
    info = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
    metadata = email.message_from_bytes(archive.read(info))
    assert metadata["Requires-Python"] == "<3.14,>=3.10"
    classifiers = metadata.get_all("Classifier")
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "Topic :: Scientific/Engineering :: Medical Science Apps." in classifiers
    assert "Typing :: Typed" in classifiers
    assert metadata.get_all("Project-URL") and metadata["Keywords"]
    assert "bdd" in metadata.get_all("Provides-Extra")
    requires = metadata.get_all("Requires-Dist")
    assert any(r.startswith("typer") and ">=0.16" in r for r in requires)
    assert any(r.startswith("pytest-bdd") and 'extra == "bdd"' in r for r in requires)
    assert not any(r.startswith("pytest-bdd") and "extra" not in r for r in requires)
    entry_points = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "psoas_triage = psoas_triage.bdd.plugin" in archive.read(entry_points).decode()


def test_the_sdist_carries_tests_features_fixtures_and_docs(built: tuple[Path, Path]) -> None:
    sdist, _ = built
    with tarfile.open(sdist) as archive:
        prefix = archive.getnames()[0].split("/")[0]
        names = {name[len(prefix) + 1 :] for name in archive.getnames()}
        assert not [m.name for m in archive.getmembers() if m.issym() or m.islnk()]
    wanted = set()
    for folder in ("rules", "tests", "features", "docs"):
        wanted |= source_files(folder)
    wanted |= {"pyproject.toml", "README.md", "LICENSE", "Makefile", "MANIFEST.in"}
    assert "tests/conftest.py" in wanted and "tests/fixtures/mini_rules/rules.yaml" in wanted
    assert wanted - names == set()


@pytest.fixture(scope="module")
def wheel_site(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder with the installed wheel and this environment's other packages."""
    _, wheel = built
    target = tmp_path_factory.mktemp("installed")
    # A pure-Python wheel installs by unpacking it (its console script aside): no pip needed.
    zipfile.ZipFile(wheel).extractall(target)
    for folder in {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}:
        for entry in folder.iterdir():
            # Everything but this checkout's own (editable) installation.
            if entry.name.startswith(("psoas_triage", "__editable__")):
                continue
            if not (target / entry.name).exists():
                (target / entry.name).symlink_to(entry)
    return target


def python_in(site: Path, code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    prelude = f"import site, sys; site.addsitedir({str(site)!r}); "
    return subprocess.run(
        [sys.executable, "-S", "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=cwd,
    )


def test_the_installed_wheel_finds_its_rule_book(wheel_site: Path) -> None:
    result = python_in(
        wheel_site,
        "import psoas_triage as p; book = p.load_rulebook(); "
        "r = p.assess({'present': ['groin_pain', 'fever']}); "
        "print(p.__file__); print(p.DEFAULT_RULES_DIR); "
        "print(len(book.rules), r.triage_level.value)",
    )
    assert result.returncode == 0, result.stderr
    module, rules_dir, summary = result.stdout.splitlines()
    assert Path(module).is_relative_to(wheel_site)
    assert Path(rules_dir) == (wheel_site / "psoas_triage" / "rules").resolve()
    count, level = summary.split()
    shipped = subprocess.run(
        [sys.executable, "-c", "import psoas_triage as p; print(len(p.load_rulebook().rules))"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert int(count) == int(shipped.stdout) > 30, "the wheel's rule book is not this checkout's"
    assert level == "urgent"  # fever with groin pain: a red flag


def test_the_unpacked_sdist_passes_its_own_tests(
    built: tuple[Path, Path], wheel_site: Path, tmp_path: Path
) -> None:
    """The sdist's tests, run against the wheel built from it (not against this checkout)."""
    sdist, _ = built
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")  # type: ignore[call-arg]
    (unpacked,) = tmp_path.iterdir()
    chosen = [
        "tests/test_api.py",
        "tests/test_shipped_rulebook.py",
        "tests/test_features.py",
        "tests/test_step_catalogue.py",
        "tests/test_durable_import.py",
    ]
    code = (
        "import pytest, psoas_triage; print('module', psoas_triage.__file__); "
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', *{chosen!r}]))"
    )
    result = python_in(wheel_site, code, cwd=unpacked)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"module {wheel_site}" in result.stdout
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_the_readme_links_work_off_the_repository() -> None:
    """The README is the package description on an index: no link may be relative to the repo."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)]+)\)", readme)
    assert links, "the README should link to the docs"
    assert [link for link in links if not link.startswith(("https://", "#"))] == []
    assert "pip install psoas-triage" in readme
    assert "CPPFLAGS=" in readme and "python3-dev" in readme

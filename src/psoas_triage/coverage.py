"""Rule coverage by Gherkin features: which rules the scenarios actually fired through the engine.

``measure_coverage`` runs the features with pytest in a child process, with the psoas-triage step
plugin recording every rule id that each assessment made by a step fired (per rule directory) and
every scenario run (per feature file, outline rows counted). It then compares the fired ids
with the rules of the rule book. Nothing is guessed from the feature text: a rule counts as
covered only when some scenario's report made durable_rules fire it.

Which rule book is measured follows the features: the ``rules`` argument (``--rules``) when
given, else the ``psoas_rules`` ini setting of the project the features belong to, else the one
book the scenarios used (``Given the rules in ...``), else the shipped book. The report names it.
The recorder keys fired rules by book directory, so rules of other books never count.

A child process keeps the measurement independent of the caller's own pytest session, options
and imported state; the features of this project run in a few seconds.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psoas_triage.errors import PsoasTriageError
from psoas_triage.rulebook import DEFAULT_RULES_DIR, RuleBook, load_rulebook
from psoas_triage.suggestions import plural, suggest

TIMEOUT_SECONDS = 600
_SRC_DIR = Path(__file__).resolve().parent.parent


class CoverageError(PsoasTriageError, RuntimeError):
    """The features could not be run to measure coverage (no features, collection errors...)."""


@dataclass(frozen=True)
class CoverageReport:
    """How many of a rule book's rules the scenarios of some features fired."""

    total: int
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]
    percent: float
    scenario_counts: dict[str, int]
    rulebook: str = ""
    features: str = ""
    passed: int = 0
    failed: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict, repr=False)
    rulebook_name: str = ""
    selection: str = ""

    @property
    def scenarios(self) -> int:
        """Scenarios run in total (outline rows counted)."""
        return sum(self.scenario_counts.values())

    def summary(self) -> str:
        """The book measured, the percentage, the rules covered and not, the scenario counts."""
        book = f"{self.rulebook_name} at {self.rulebook}" if self.rulebook_name else self.rulebook
        scope = f" ({self.selection})" if self.selection else ""
        lines = [
            f"rule book: {book}{scope}",
            f"{len(self.covered)}/{plural(self.total, 'rule')} fired by "
            f"{plural(self.scenarios, 'scenario')} ({self.percent:.1f}%)",
        ]
        for rule_id in self.covered:
            lines.append(f"  fired:       {self._named(rule_id)}")
        for rule_id in self.uncovered:
            lines.append(f"  never fired: {self._named(rule_id)}")
        lines += [
            f"  {name}: {plural(count, 'scenario')}" for name, count in self.scenario_counts.items()
        ]
        if self.failed:
            failed = plural(len(self.failed), "scenario")
            lines.append(f"  {failed} failed: {', '.join(self.failed)}")
        return "\n".join(lines)

    def _named(self, rule_id: str) -> str:
        title = self.titles.get(rule_id)
        return rule_id + (f" ({title})" if title else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the CLI)."""
        return {
            "rulebook": self.rulebook,
            "rulebook_name": self.rulebook_name,
            "selection": self.selection,
            "features": self.features,
            "total": self.total,
            "covered": list(self.covered),
            "uncovered": list(self.uncovered),
            "percent": self.percent,
            "scenario_counts": dict(self.scenario_counts),
            "passed": self.passed,
            "failed": list(self.failed),
        }


@dataclass(frozen=True)
class RuleFilter:
    """Which rules a coverage report counts: all of them, or one family, file or rule."""

    family: str | None = None
    file: str | None = None
    rule: str | None = None

    def describe(self) -> str:
        parts = [
            f"{name} {value}"
            for name, value in (("family", self.family), ("file", self.file), ("rule", self.rule))
            if value
        ]
        return ", ".join(parts)

    def select(self, book: RuleBook) -> list[str]:
        """The ids of the selected rules, in book order; CoverageError with did-you-mean if none."""
        chosen = list(book.rules)
        checks = (
            ("family", self.family, lambda loaded: loaded.family),
            ("file", self.file, lambda loaded: _relative(loaded.file, book.path)),
            ("rule", self.rule, lambda loaded: loaded.rule.id),
        )
        for name, wanted, key in checks:
            if not wanted:
                continue
            known = sorted({key(loaded) for loaded in book.rules})
            if wanted not in known:
                suffix = suggest(wanted, known)
                raise CoverageError(f"no {name} {wanted!r} in rule book {book.name}{suffix}")
            chosen = [loaded for loaded in chosen if key(loaded) == wanted]
        return [loaded.rule.id for loaded in chosen]


def measure_coverage(
    features: str | Path = "features",
    rules: str | Path | None = None,
    *,
    only: RuleFilter | None = None,
) -> CoverageReport:
    """Run the scenarios in ``features`` (a folder or one file) and report rule coverage.

    The rule book measured is ``rules`` when given, else the ``psoas_rules`` ini setting of the
    project that holds the features, else the one book the scenarios used (a scenario picks one
    with ``Given the rules in ...``), else the shipped book. When the scenarios used several books,
    the shipped one is measured if it is among them (scenarios that choose none use it);
    otherwise that is a CoverageError naming them. ``only`` counts one family, file or rule.
    Scenarios that fail still count for the rules they fired; their ids are in ``failed``.
    Raises CoverageError when the features cannot be run at all.
    """
    target = Path(features).resolve()
    if not target.exists():
        raise CoverageError(f"no features at {target}")
    feature_files = sorted(target.rglob("*.feature")) if target.is_dir() else [target]
    if not feature_files:
        raise CoverageError(f"no .feature files under {target}")
    configured = Path(rules).resolve() if rules is not None else configured_rules_dir(target)
    if configured is not None:
        load_rulebook(configured)  # a bad directory fails here, with its own error, not in pytest
    data = _run_features(target, configured)

    used = sorted(path for path in data.get("fired", {}) if path)
    shipped = str(DEFAULT_RULES_DIR.resolve())
    if configured is not None:
        book = load_rulebook(configured)
    elif len(used) > 1 and shipped in used:
        book = load_rulebook(None)  # the scenarios that choose no book use the shipped one
    elif len(used) > 1:
        raise CoverageError(
            "the scenarios used several rule books; choose one with --rules (or the psoas_rules "
            "ini setting): " + ", ".join(used)
        )
    else:
        book = load_rulebook(used[0] if used else None)

    fired = set(data.get("fired", {}).get(str(book.path.resolve()), ()))
    selection = only or RuleFilter()
    rule_ids = selection.select(book)
    covered = tuple(rule_id for rule_id in rule_ids if rule_id in fired)
    uncovered = tuple(rule_id for rule_id in rule_ids if rule_id not in fired)
    ran = {Path(name).resolve(): count for name, count in data.get("scenarios", {}).items()}
    counts = {_display(file, target): ran.get(file.resolve(), 0) for file in feature_files}
    return CoverageReport(
        total=len(rule_ids),
        covered=covered,
        uncovered=uncovered,
        percent=round(100.0 * len(covered) / len(rule_ids), 1) if rule_ids else 100.0,
        scenario_counts=counts,
        rulebook=str(book.path.resolve()),
        features=str(target),
        passed=int(data.get("passed", 0)),
        failed=tuple(data.get("failed", ())),
        titles={loaded.rule.id: loaded.rule.title for loaded in book.rules},
        rulebook_name=f"{book.name} {book.full_version}",
        selection=selection.describe(),
    )


def _relative(file: str, root: Path) -> str:
    """A rule file as an author names it: relative to the rule directory, with forward slashes."""
    path = Path(file)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


_INI_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def configured_rules_dir(features: Path) -> Path | None:
    """The ``psoas_rules`` ini setting of the pytest project that holds ``features``, if any.

    Looks upward from the features for the first pytest configuration file, as pytest picks its
    rootdir, and resolves the setting relative to that file's folder.
    """
    start = features if features.is_dir() else features.parent
    for folder in (start, *start.parents):
        for name in _INI_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            found, value = _ini_value(candidate)
            if found:
                return (folder / value).resolve() if value else None
    return None


def _ini_value(path: Path) -> tuple[bool, str | None]:
    """(is this pytest's configuration file, its psoas_rules value or None)."""
    if path.name == "pyproject.toml":
        # tomllib from 3.11; before that pytest itself depends on tomli, so it is installed.
        tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False, None
        options = data.get("tool", {}).get("pytest", {}).get("ini_options")
        if not isinstance(options, dict):
            return False, None
        value = options.get("psoas_rules")
        return True, value if isinstance(value, str) and value else None
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error):
        return False, None
    section = "tool:pytest" if path.name == "setup.cfg" else "pytest"
    if not parser.has_section(section):
        return path.name in ("pytest.ini", ".pytest.ini"), None
    value = parser.get(section, "psoas_rules", fallback="").strip()
    return True, value or None


def _run_features(target: Path, rules_dir: Path | None) -> dict[str, Any]:
    """Run the features in a child pytest with the recording plugin; the recorded JSON."""
    with tempfile.TemporaryDirectory(prefix="psoas-coverage-") as scratch:
        work = Path(scratch)
        record = work / "coverage.json"
        (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        (work / "test_psoas_features.py").write_text(
            "from pytest_bdd import scenarios\n\n"
            f"scenarios({str(target)!r}, features_base_dir={str(work)!r})\n",
            encoding="utf-8",
        )
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(work / "test_psoas_features.py"),
            "-c",
            str(work / "pytest.ini"),
            "--rootdir",
            str(work),
            "-q",
            "--no-header",
            "-p",
            "no:cacheprovider",
            "-p",
            "pytest_bdd.plugin",
            "-p",
            "psoas_triage.bdd.plugin",
            "-W",
            "ignore::pytest.PytestUnknownMarkWarning",
            "--psoas-rule-coverage-json",
            str(record),
        ]
        if rules_dir is not None:
            command += ["--psoas-rules", str(rules_dir)]
        env = dict(os.environ)
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(_SRC_DIR), env.get("PYTHONPATH", "")) if part
        )
        try:
            run = subprocess.run(
                command,
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise CoverageError(f"the features took longer than {TIMEOUT_SECONDS} s") from error
        if run.returncode not in (0, 1) or not record.exists():
            output = (run.stdout + run.stderr).strip().splitlines()
            tail = "\n".join(output[-30:])
            raise CoverageError(
                f"could not run the features in {target} (pytest exit code {run.returncode}):\n"
                f"{tail}"
            )
        data: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
        return data


def _display(file: Path, target: Path) -> str:
    if target.is_dir():
        return file.relative_to(target).as_posix()
    return file.name

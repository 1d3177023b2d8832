"""Rule coverage by Gherkin features: which rules the scenarios actually fired through the engine.

``measure_coverage`` runs the features with pytest in a child process, with the psoas-triage step
plugin recording every rule id that each assessment made by a step fired (per rule directory) and
every scenario run (per feature file, outline rows counted). It then compares the fired ids
with the rules of the rule book. Nothing is guessed from the feature text: a rule counts as
covered only when some scenario's report made durable_rules fire it.

A child process keeps the measurement independent of the caller's own pytest session, options
and imported state; the features of this project run in a few seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psoas_triage.errors import PsoasTriageError
from psoas_triage.rulebook import load_rulebook

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

    @property
    def scenarios(self) -> int:
        """Scenarios run in total (outline rows counted)."""
        return sum(self.scenario_counts.values())

    def summary(self) -> str:
        """A few plain lines: the percentage, the rules never fired, the scenario counts."""
        lines = [
            f"{len(self.covered)}/{self.total} rules fired by {self.scenarios} scenarios "
            f"({self.percent:.1f}%)"
        ]
        for rule_id in self.uncovered:
            title = self.titles.get(rule_id)
            lines.append(f"  never fired: {rule_id}" + (f" ({title})" if title else ""))
        lines += [f"  {name}: {count} scenarios" for name, count in self.scenario_counts.items()]
        if self.failed:
            lines.append(f"  {len(self.failed)} scenarios failed: {', '.join(self.failed)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the CLI)."""
        return {
            "rulebook": self.rulebook,
            "features": self.features,
            "total": self.total,
            "covered": list(self.covered),
            "uncovered": list(self.uncovered),
            "percent": self.percent,
            "scenario_counts": dict(self.scenario_counts),
            "passed": self.passed,
            "failed": list(self.failed),
        }


def measure_coverage(
    features: str | Path = "features", rules: str | Path | None = None
) -> CoverageReport:
    """Run the scenarios in ``features`` (a folder or one file) and report rule coverage.

    ``rules`` is the rule directory the steps use and whose rules are counted (the shipped rule
    book when None); a scenario that picks another directory with ``Given the rules in ...``
    counts for that directory only. Scenarios that fail still count for the rules they fired;
    their ids are in ``failed``. Raises CoverageError when the features cannot be run at all.
    """
    target = Path(features).resolve()
    if not target.exists():
        raise CoverageError(f"no features at {target}")
    feature_files = sorted(target.rglob("*.feature")) if target.is_dir() else [target]
    if not feature_files:
        raise CoverageError(f"no .feature files under {target}")
    book = load_rulebook(rules)

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
            "--psoas-rules",
            str(book.path),
            "--psoas-rule-coverage-json",
            str(record),
        ]
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
        data = json.loads(record.read_text(encoding="utf-8"))

    fired = set(data.get("fired", {}).get(str(book.path.resolve()), ()))
    rule_ids = [loaded.rule.id for loaded in book.rules]
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
    )


def _display(file: Path, target: Path) -> str:
    if target.is_dir():
        return file.relative_to(target).as_posix()
    return file.name

"""Record which rules the scenarios of a pytest session fired through the engine.

Every assessment made by a step is recorded with the rule book it used (by directory), and every
scenario run is counted by feature file. At the end of the session the record can be written as
JSON (``--psoas-rule-coverage-json``) and summarised on the terminal (``--psoas-rule-coverage``);
``psoas_triage.coverage.measure_coverage`` reads that JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psoas_triage.models import Assessment
from psoas_triage.rulebook import RuleBook

FORMAT_VERSION = 1


@dataclass
class CoverageRecorder:
    """Fired rule ids per rule directory, scenarios per feature file, failed scenario ids."""

    fired: dict[str, set[str]] = field(default_factory=dict)
    scenarios: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    passed: int = 0

    def record_assessment(self, book: RuleBook, assessment: Assessment) -> None:
        self.fired.setdefault(str(book.path.resolve()), set()).update(assessment.fired_rule_ids)

    def record_scenario(self, feature_file: str) -> None:
        key = str(Path(feature_file).resolve())
        self.scenarios[key] = self.scenarios.get(key, 0) + 1

    def fired_in(self, book: RuleBook) -> set[str]:
        return set(self.fired.get(str(book.path.resolve()), set()))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "fired": {path: sorted(ids) for path, ids in sorted(self.fired.items())},
            "scenarios": dict(sorted(self.scenarios.items())),
            "passed": self.passed,
            "failed": list(self.failed),
        }

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

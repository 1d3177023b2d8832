"""Every shipped rule must be fired by at least one scenario in features/.

``measure_coverage`` runs the features in a child pytest process with the step plugin recording
the rule ids each assessment fired through durable_rules (a few seconds), so a rule counts only
when a scenario's report actually fires it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from psoas_triage import default_rulebook
from psoas_triage.coverage import CoverageReport, measure_coverage

FEATURES = Path(__file__).resolve().parent.parent / "features"


@pytest.fixture(scope="module")
def coverage() -> CoverageReport:
    return measure_coverage(FEATURES)


def test_every_shipped_rule_is_fired_by_a_scenario(coverage: CoverageReport) -> None:
    assert coverage.uncovered == (), "rules no scenario fires:\n" + coverage.summary()
    assert coverage.percent == 100.0
    assert coverage.total == len(default_rulebook().rules)


def test_the_features_pass_while_measuring(coverage: CoverageReport) -> None:
    assert coverage.failed == ()
    assert coverage.passed == coverage.scenarios


def test_there_are_enough_scenarios_in_every_feature_file(coverage: CoverageReport) -> None:
    assert coverage.scenarios >= 60, coverage.scenario_counts
    empty = [name for name, count in coverage.scenario_counts.items() if count == 0]
    assert not empty, f"feature files with no scenario run: {empty}"

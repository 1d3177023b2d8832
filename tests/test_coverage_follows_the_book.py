"""``rules coverage`` measures the book the features use, names it, filters, and lists both sides.

Each case is a downstream project written with ``pytester``: the mini rule book copied to
``./rules`` and one feature file, as a rule author outside this repository would have it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage.cli import app
from psoas_triage.coverage import CoverageError, RuleFilter, measure_coverage

pytest_plugins = ["pytester"]

MINI_RULES = Path(__file__).parent / "fixtures" / "mini_rules"
GROIN_ONLY = """\
Feature: One
  Scenario: Groin pain
    {rules_step}
    And a person reporting groin pain
    When the symptoms are assessed
    Then the finding "Groin pain" is noted
"""
runner = CliRunner()


def project(root: Path, rules_step: str = 'Given the rules in "../rules"') -> Path:
    shutil.copytree(MINI_RULES, root / "rules")
    features = root / "features"
    features.mkdir()
    (features / "one.feature").write_text(
        GROIN_ONLY.format(rules_step=rules_step), encoding="utf-8"
    )
    return features


def test_the_book_named_by_the_features_is_measured(tmp_path: Path) -> None:
    report = measure_coverage(project(tmp_path))
    assert report.rulebook == str((tmp_path / "rules").resolve())
    assert report.total == 4  # the mini book, not the shipped one
    assert report.covered == ("groin",)
    first = report.summary().splitlines()[0]
    assert first.startswith("rule book: mini test rule book ")
    assert str((tmp_path / "rules").resolve()) in first


def test_the_psoas_rules_ini_setting_is_followed(tmp_path: Path) -> None:
    features = project(tmp_path, rules_step="Given the shipped rules")
    (features / "one.feature").write_text(
        GROIN_ONLY.format(rules_step="Given a person reporting nothing"), encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npsoas_rules = "rules"\n', encoding="utf-8"
    )
    report = measure_coverage(features)
    assert report.rulebook == str((tmp_path / "rules").resolve())
    assert report.covered == ("groin",)
    assert report.total == 4


def test_a_pytest_ini_setting_is_followed_too(tmp_path: Path) -> None:
    features = project(tmp_path)
    (features / "one.feature").write_text(
        GROIN_ONLY.format(rules_step="Given a person reporting nothing"), encoding="utf-8"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\npsoas_rules = rules\n", encoding="utf-8")
    assert measure_coverage(features).covered == ("groin",)


def test_text_mode_lists_covered_and_uncovered_rules(tmp_path: Path) -> None:
    summary = measure_coverage(project(tmp_path)).summary()
    assert "  fired:       groin (Groin pain)" in summary
    assert "  never fired: fever_flag (Fever)" in summary
    assert "1/4 rules fired by 1 scenario (25.0%)" in summary
    assert "one.feature: 1 scenario" in summary


def test_filters_count_one_family_file_or_rule(tmp_path: Path) -> None:
    features = project(tmp_path)
    by_rule = measure_coverage(features, only=RuleFilter(rule="fever_flag"))
    assert (by_rule.total, by_rule.covered, by_rule.uncovered) == (1, (), ("fever_flag",))
    assert "(rule fever_flag)" in by_rule.summary().splitlines()[0]
    by_file = measure_coverage(features, only=RuleFilter(file="rules.yaml"))
    assert by_file.total == 4


def test_an_unknown_filter_value_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(CoverageError, match=r"no rule 'fever_flg'.*did you mean: fever_flag"):
        measure_coverage(project(tmp_path), only=RuleFilter(rule="fever_flg"))


def test_the_cli_filters_and_names_the_book(tmp_path: Path) -> None:
    features = project(tmp_path)
    result = runner.invoke(app, ["rules", "coverage", str(features), "--rule", "groin"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("rule book: mini test rule book")
    assert "1/1 rule fired by 1 scenario (100.0%)" in result.stdout
    as_json = runner.invoke(app, ["rules", "coverage", str(features), "--json"])
    assert as_json.exit_code == 3
    data = json.loads(as_json.stdout)
    assert data["rulebook"] == str((tmp_path / "rules").resolve())
    assert data["rulebook_name"].startswith("mini test rule book ")
    assert data["covered"] == ["groin"]

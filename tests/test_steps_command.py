"""``psoas-triage steps`` and the nearest-step hint for a step nothing defines (issue 14)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage.bdd.catalogue import catalogue, nearest_steps, render_markdown
from psoas_triage.cli import app

pytest_plugins = ["pytester"]
MINI_RULES = Path(__file__).parent / "fixtures" / "mini_rules"
DOC = Path(__file__).resolve().parents[1] / "docs" / "gherkin.md"
runner = CliRunner()


def test_steps_lists_the_same_catalogue_as_the_docs() -> None:
    result = runner.invoke(app, ["steps", "--json"])
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    entries = catalogue()
    assert [(e["keyword"], e["phrase"], e["example"]) for e in listed] == [
        (e.keyword, e.phrase, e.example) for e in entries
    ]
    assert render_markdown(entries) in DOC.read_text(encoding="utf-8")
    text = runner.invoke(app, ["steps"]).stdout
    for entry in entries:
        assert f"{entry.keyword} {entry.phrase}\n" in text
        assert f"e.g. {entry.keyword} {entry.example}\n" in text


def test_the_nearest_step_to_a_negated_phrasing_is_the_negative_step() -> None:
    nearest = nearest_steps("a physiotherapist is not recommended", catalogue())
    assert nearest[0].example == "no physiotherapist is recommended"
    assert nearest_steps("xyzzy plugh", catalogue()) == []


def test_an_unknown_step_in_a_feature_names_the_nearest_steps(pytester: pytest.Pytester) -> None:
    shutil.copytree(MINI_RULES, pytester.path / "rules")
    features = pytester.path / "features"
    features.mkdir()
    (features / "one.feature").write_text(
        "Feature: One\n  Scenario: One case\n"
        '    Given the rules in "../rules"\n'
        "    And a person reporting groin pain\n"
        "    When the symptoms are assessed\n"
        "    Then a physiotherapist is not recommended\n",
        encoding="utf-8",
    )
    pytester.makepyfile(
        test_downstream='from pytest_bdd import scenarios\n\nscenarios("features")\n'
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "Step definition is not found" in output
    hint = re.search(r'Nearest psoas-triage steps: ("Then .*)', output)
    assert hint is not None, output
    assert hint.group(1).startswith('"Then no physiotherapist is recommended"')
    assert "psoas-triage steps" in hint.group(1)

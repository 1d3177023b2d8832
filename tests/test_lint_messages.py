"""Rule authors get every problem of a file at once, in the file's order, as
``FILE:LINE: rule ID: what is wrong (did you mean ...?)``, with plain words for the format's
deliberate limits (issue 14)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import load_rulebook
from psoas_triage.cli import app
from psoas_triage.errors import RuleBookError
from psoas_triage.lint import lint_directory

MINI = Path(__file__).parent / "fixtures" / "mini_rules"
runner = CliRunner()


def broken(tmp_path: Path, old: str, new: str) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(MINI, copy)
    path = copy / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def line_of(directory: Path, text: str) -> int:
    lines = (directory / "rules.yaml").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


THREE_MISTAKES = (
    "    when: {pain_intensity: {gte: 7}}\n    triage_floor: consultation\n",
    "    wehn: {pain_intensity: {gte: 7}}\n    triage_floor: consultation\n    pionts: 6\n"
    "    status: stabel\n",
)


def test_three_mistakes_in_one_rule_are_three_lines_in_file_order(tmp_path: Path) -> None:
    rules = broken(tmp_path, *THREE_MISTAKES)
    problems = lint_directory(rules)
    file = str(rules / "rules.yaml")
    assert [str(problem) for problem in problems] == [
        f"{file}:{line_of(rules, 'wehn')}: rule severe_pain: unknown key 'wehn' "
        "(did you mean: when?)",
        f"{file}:{line_of(rules, 'pionts')}: rule severe_pain: unknown key 'pionts' "
        "(did you mean: points?)",
        f"{file}:{line_of(rules, 'stabel')}: rule severe_pain: status: "
        + problems[2].message.split("status: ", 1)[1],
    ]
    assert "stable" in problems[2].message
    result = runner.invoke(app, ["rules", "lint", str(rules)])
    assert result.exit_code == 3
    assert "lint FAILED: 3 errors, 0 warnings" in result.stdout
    assert "Field required" not in result.stdout and "Extra inputs" not in result.stdout


def test_the_load_error_carries_every_problem_with_its_line(tmp_path: Path) -> None:
    rules = broken(tmp_path, *THREE_MISTAKES)
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(rules)
    assert len(caught.value.problems) == 3
    assert caught.value.line == line_of(rules, "wehn")
    assert "(and 2 more problems)" in str(caught.value)


def test_upper_bounds_on_pain_say_why_and_what_to_write(tmp_path: Path) -> None:
    rules = broken(tmp_path, "{pain_intensity: {gte: 7}}", "{pain_intensity: {lte: 7}}")
    [problem] = lint_directory(rules)
    assert problem.rule == "severe_pain" and problem.line == line_of(rules, "lte: 7")
    assert "lower bounds only" in problem.message and "gte" in problem.message
    assert "lower the triage level" in problem.message


def test_age_upper_bounds_are_allowed(tmp_path: Path) -> None:
    rules = broken(
        tmp_path, "{pain_intensity: {gte: 7}}", "{pain_intensity: {gte: 7}, age: {lte: 40}}"
    )
    problems = [p for p in lint_directory(rules) if p.severity == "error"]
    assert all("lower bounds only" not in problem.message for problem in problems)


def test_negation_says_why_and_what_to_write(tmp_path: Path) -> None:
    rules = broken(tmp_path, "when: {all: [groin_pain]}", "when: {all: [groin_pain], not: [fever]}")
    [problem] = lint_directory(rules)
    assert problem.rule == "groin"
    assert "'not' is not part of the format" in problem.message
    assert "all / any" in problem.message


def test_a_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    rules = broken(tmp_path, "title: Severe pain", "title: [Severe pain")
    [problem] = lint_directory(rules)
    assert problem.file == str(rules / "rules.yaml")
    assert problem.line is not None and "column" in problem.message
    assert "<unicode string>" not in str(problem)
    assert str(problem).startswith(f"{rules / 'rules.yaml'}:{problem.line}: invalid YAML")


def test_cross_reference_problems_point_at_the_rule_line(tmp_path: Path) -> None:
    rules = broken(tmp_path, "when: {all: [fever]}", "when: {all: [fevre]}")
    [problem] = lint_directory(rules)
    assert problem.line == line_of(rules, "id: fever_flag")
    assert "(did you mean: fever?)" in str(problem)


def test_one_error_is_singular(tmp_path: Path) -> None:
    rules = broken(tmp_path, "when: {all: [fever]}", "when: {all: [fevre]}")
    result = runner.invoke(app, ["rules", "lint", str(rules)])
    assert "lint FAILED: 1 error, 0 warnings" in result.stdout


def test_a_rule_citing_only_general_clinical_practice_is_a_warning(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(MINI, rules)
    (rules / "sources.yaml").write_text(
        "sources:\n"
        "  - id: test_source\n"
        "    title: A source for tests\n"
        "  - id: stand_in\n"
        "    title: General clinical practice, a stand-in\n"
        "    kind: clinical_practice\n",
        encoding="utf-8",
    )
    path = rules / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("sources: [test_source]", "sources: [stand_in]", 1), encoding="utf-8"
    )
    problems = [problem for problem in lint_directory(rules) if problem.severity == "warning"]
    assert [(problem.rule, problem.line) for problem in problems] == [
        ("groin", line_of(rules, "id: groin"))
    ]
    assert "cites only general clinical practice (stand_in)" in str(problems[0])
    assert "named guideline, consensus statement or review" in str(problems[0])
    # A named source beside the stand-in is enough: no warning.
    path.write_text(
        text.replace("sources: [test_source]", "sources: [stand_in, test_source]", 1),
        encoding="utf-8",
    )
    assert [problem for problem in lint_directory(rules) if problem.severity == "warning"] == []

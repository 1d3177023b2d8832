"""``psoas-triage schema``: JSON Schemas for programs in other languages."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from psoas_triage.cli import app

runner = CliRunner()


def test_report_schema_forbids_unknown_fields_and_bounds_numbers() -> None:
    result = runner.invoke(app, ["schema", "report"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "present",
        "absent",
        "age",
        "duration_days",
        "pain_intensity",
        "sex",
        "unknown",
    }
    pain = next(
        option
        for option in schema["properties"]["pain_intensity"]["anyOf"]
        if option["type"] == "integer"
    )
    assert (pain["minimum"], pain["maximum"]) == (0, 10)


def test_assessment_schema_names_the_triage_levels() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["$defs"]["TriageLevel"]["enum"] == [
        "emergency",
        "urgent",
        "consultation",
        "self_care",
    ]
    assert "disclaimer" in schema["required"]


def test_an_unknown_schema_is_bad_input() -> None:
    result = runner.invoke(app, ["schema", "reprot"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "psoas-triage: error: unknown schema 'reprot': choose report or assessment or next-step "
        "(did you mean: report?)"
    )


def test_schemas_name_their_dialect_and_rule_book_version() -> None:
    from psoas_triage import load_rulebook

    book = load_rulebook()
    for which in ("report", "assessment", "next-step"):
        schema = json.loads(runner.invoke(app, ["schema", which]).stdout)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"urn:psoas-triage:schema:{which}:{book.full_version}"


def test_report_codes_are_the_vocabulary_as_an_enum() -> None:
    from psoas_triage import load_rulebook

    codes = sorted(load_rulebook().terms)
    report = json.loads(runner.invoke(app, ["schema", "report"]).stdout)
    for field in ("present", "absent"):
        assert report["properties"][field]["items"]["enum"] == codes
    assessment = json.loads(runner.invoke(app, ["schema", "assessment"]).stdout)
    embedded = assessment["$defs"]["SymptomReport"]["properties"]["present"]["items"]
    assert embedded["enum"] == codes


def test_another_rule_book_gives_its_own_codes() -> None:
    mini = str(Path(__file__).parent / "fixtures" / "mini_rules")
    report = json.loads(runner.invoke(app, ["schema", "report", "--rules", mini]).stdout)
    assert report["properties"]["present"]["items"]["enum"] == sorted(
        ["groin_pain", "hip_snapping", "fever"]
    )


def test_next_step_schema_describes_the_question_and_its_kinds() -> None:
    result = runner.invoke(app, ["schema", "next-step"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert set(schema["required"]) == {"should_stop", "progress"}
    question = schema["$defs"]["Question"]
    assert question["properties"]["kind"]["enum"] == ["code", "group", "number", "choice"]
    assert {"text", "why", "kind"} <= set(question["required"])
    # the report inside the assessment carries the vocabulary and the unknown list
    report = schema["$defs"]["SymptomReport"]
    assert "duration_days" in report["properties"]["unknown"]["items"]["enum"]

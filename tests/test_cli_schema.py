"""``psoas-triage schema``: JSON Schemas for programs in other languages."""

from __future__ import annotations

import json

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
        == "psoas-triage: error: unknown schema 'reprot': choose report or assessment"
    )

"""One input contract for every door (issue 14): codes, labels and synonyms are accepted by the
Python ``assess``, ``--input`` files and batch lines alike, resolved to codes by an exact
normalised match (never fuzzy), and an empty report is the same "nothing to assess" error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import AfterValidator, BaseModel, ValidationError
from typer.testing import CliRunner

from psoas_triage import (
    ReportError,
    RuleBook,
    SymptomReport,
    assess,
    parse_report,
    parse_report_json,
    report_validator,
)
from psoas_triage.cli import app

runner = CliRunner()
WORDS = {"present": ["Groin Pain", "snapping hip"], "absent": ["Fever"]}


def expected_codes(book: RuleBook) -> tuple[tuple[str, ...], tuple[str, ...]]:
    present = tuple(book.code_for(word) or "" for word in WORDS["present"])
    absent = tuple(book.code_for(word) or "" for word in WORDS["absent"])
    assert all(present) and all(absent)
    return present, absent


def test_python_assess_resolves_labels_and_synonyms_to_codes(shipped_book: RuleBook) -> None:
    present, absent = expected_codes(shipped_book)
    result = assess(WORDS, shipped_book)
    assert result.report.present == present and result.report.absent == absent
    by_codes = assess({"present": list(present), "absent": list(absent)}, shipped_book)
    assert result.model_dump(exclude={"report"}) == by_codes.model_dump(exclude={"report"})


def test_a_report_instance_with_labels_is_resolved_too(shipped_book: RuleBook) -> None:
    present, _ = expected_codes(shipped_book)
    report = SymptomReport(present=WORDS["present"])
    assert parse_report(report, shipped_book).present == present


def test_json_input_and_batch_lines_resolve_the_same_way(
    shipped_book: RuleBook, tmp_path: Path
) -> None:
    present, absent = expected_codes(shipped_book)
    assert parse_report_json(json.dumps(WORDS), shipped_book).present == present
    source = tmp_path / "in.json"
    source.write_text(json.dumps(WORDS), encoding="utf-8")
    single = runner.invoke(app, ["assess", "--input", str(source), "--json"])
    assert single.exit_code == 0, single.stderr
    assert tuple(json.loads(single.stdout)["report"]["present"]) == present
    batch = runner.invoke(app, ["batch", str(source)])
    assert batch.exit_code == 0, batch.stderr
    assert tuple(json.loads(batch.stdout.splitlines()[0])["report"]["absent"]) == absent


def test_near_misses_are_never_guessed(shipped_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        assess({"present": ["groin pian"]}, shipped_book)
    problem = caught.value.problems[0]
    assert problem.suggestions[0] == "groin_pain"
    assert "'groin pian'" in str(caught.value)  # the message carries the offending value


def test_a_label_and_its_code_on_both_sides_is_a_contradiction(shipped_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        assess({"present": ["groin pain"], "absent": ["groin_pain"]}, shipped_book)
    assert "both present and absent: groin_pain" in str(caught.value)


@pytest.mark.parametrize("empty", [{}, SymptomReport(), "{}", {"sex": "female"}])
def test_an_empty_report_is_the_same_error_everywhere(empty, shipped_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        if isinstance(empty, str):
            parse_report_json(empty, shipped_book)
        else:
            assess(empty, shipped_book)
    assert caught.value.problems[0].message.startswith("nothing to assess")
    cli = runner.invoke(app, ["assess", "--json"])
    assert cli.exit_code == 2
    assert json.loads(cli.stdout)["problems"][0]["message"].startswith("nothing to assess")


def test_report_validator_turns_unknown_codes_into_a_validation_error(
    shipped_book: RuleBook,
) -> None:
    class Body(BaseModel):
        report: Annotated[SymptomReport, AfterValidator(report_validator(shipped_book))]

    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"report": {"present": ["groin_pian"]}})
    assert "groin_pain" in str(caught.value)  # the suggestion survives into the 422 detail
    body = Body.model_validate({"report": {"present": ["groin pain"]}})
    assert body.report.present == ("groin_pain",)

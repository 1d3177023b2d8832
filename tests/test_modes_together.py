"""A language and the experimental mode are independent switches: together they give the
experimental result in that language, at every door that takes both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import assess
from psoas_triage.batch import run_batch
from psoas_triage.cli import app

REPORT = {"present": ["knee_pain", "hip_pain"], "absent": ["fever"], "age": 40}


def test_assess_takes_both_switches_at_once() -> None:
    both = assess(REPORT, language="fr", include_experimental=True)
    experimental = assess(REPORT, include_experimental=True)
    french = assess(REPORT, language="fr")

    assert both.language == "fr" and both.experimental_included
    assert both.fired_rule_ids == experimental.fired_rule_ids
    assert set(both.fired_rule_ids) > set(french.fired_rule_ids)  # experimental rules fired
    assert both.disclaimer == french.disclaimer != experimental.disclaimer


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_writes_what_assess_gives_with_both(tmp_path: Path, workers: int) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(REPORT) + "\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"

    run_batch(source, output, workers=workers, language="fr", include_experimental=True)

    expected = assess(REPORT, language="fr", include_experimental=True).to_json()
    assert output.read_text(encoding="utf-8") == expected + "\n"


def test_the_cli_passes_both_to_assess() -> None:
    result = CliRunner().invoke(
        app,
        [
            *("assess", "knee_pain", "hip_pain", "--absent", "fever", "--age", "40", "--json"),
            *("--language", "fr", "--experimental"),
        ],
    )

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    expected = assess(REPORT, language="fr", include_experimental=True)
    assert shown["language"] == "fr" and shown["experimental_included"] is True
    assert [finding["rule_id"] for finding in shown["findings"]] == list(expected.fired_rule_ids)

"""A report with NaN or Infinity (Python's json accepts them) gives an error record that is JSON.

Found by the service's no-5xx property test: ``{"age": Infinity}`` was echoed back as the bare
token ``Infinity`` in batch error records, which no strict JSON reader accepts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psoas_triage.batch import run_batch


def _strict(text: str) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("line", ['{"age": Infinity}', '{"pain_intensity": NaN}'])
def test_batch_error_records_for_non_finite_numbers_are_strict_json(
    tmp_path: Path, line: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    summary = run_batch(source, output)
    assert summary.errors == 1
    record = _strict(output.read_text(encoding="utf-8").strip())
    assert isinstance(record, dict)
    assert record["line"] == 1
    assert record["error"]["error"] == "invalid_report"
    assert record["error"]["problems"][0]["value"] in ("inf", "nan")

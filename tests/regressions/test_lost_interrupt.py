"""CI, lowest-direct run: SIGTERM to ``psoas-triage batch -w 1`` was sometimes ignored and the
batch ran on to the end. The CLI turned SIGTERM into a KeyboardInterrupt, and one raised while
pydantic-core's serializer calls back into Python (an enum's ``value``) is swallowed there. The
handler now also calls ``batch.request_stop()``, which the batch checks after every line."""

from __future__ import annotations

from pathlib import Path

import pytest

import psoas_triage.assessment
from psoas_triage.batch import CHUNK_SIZE, BatchInterrupted, request_stop, run_batch

REPORT = '{"present":["groin_pain","hip_snapping"],"pain_intensity":8}\n'


def swallowed_interrupt_after(calls: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the ``calls``-th assessment request a stop the way a lost interrupt leaves it:
    the flag set, no exception anywhere."""
    real_assess = psoas_triage.assessment.assess
    seen = 0

    def assess_then_stop(*args: object, **kwargs: object) -> object:
        nonlocal seen
        seen += 1
        if seen == calls:
            request_stop()
        return real_assess(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(psoas_triage.assessment, "assess", assess_then_stop)


def test_a_stop_request_ends_the_batch_at_the_line_it_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line being assessed when the stop came is not written (its record may be the remains
    of a swallowed interrupt, issue 22); every line assessed before it is."""
    source = tmp_path / "in.jsonl"
    source.write_text(REPORT * (CHUNK_SIZE * 10), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    swallowed_interrupt_after(CHUNK_SIZE + 11, monkeypatch)

    with pytest.raises(BatchInterrupted) as interrupted:
        run_batch(source, output)

    assert interrupted.value.lines == CHUNK_SIZE + 10
    assert interrupted.value.line == CHUNK_SIZE + 10
    assert not output.exists()
    partial = output.with_name("out.jsonl.partial")
    assert interrupted.value.partial == partial
    written = partial.read_text(encoding="utf-8").splitlines()
    assert len(written) == CHUNK_SIZE + 10
    assert all('"triage_level"' in line for line in written)


def test_a_new_batch_starts_unstopped(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(REPORT * 3, encoding="utf-8")
    request_stop()  # left over from an earlier batch

    summary = run_batch(source, tmp_path / "out.jsonl")

    assert summary.assessed == 3
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") == 3

"""An interrupt between a chunk's write and its count must not make the message lie.

Seen in CI: "batch interrupted after 0 reports" while ``OUT.partial`` held 200 lines. The count in
the message now comes from the partial file, and a cut-off last line is removed from it.
"""

from __future__ import annotations

from pathlib import Path

from psoas_triage.batch import BatchSummary, _complete_lines


def test_the_partial_file_says_how_many_reports_were_written(tmp_path: Path) -> None:
    partial = tmp_path / "out.jsonl.tmp"
    partial.write_bytes(b'{"a":1}\n{"a":2}\n{"a":3}\n{"a":')
    assert _complete_lines(partial, counted=1) == 3
    assert partial.read_bytes() == b'{"a":1}\n{"a":2}\n{"a":3}\n'


def test_the_count_maps_back_to_the_input_line() -> None:
    summary = BatchSummary()
    summary.recent.append((0, [(1, "self_care"), (3, None)]))  # line 2 of the input was blank
    summary.recent.append((2, [(4, "urgent"), (5, "consultation")]))
    summary.total, summary.last_line = 2, 3  # the second chunk was written, not yet counted
    assert summary.written_up_to(4) == 5
    assert summary.written_up_to(3) == 4
    assert summary.written_up_to(2) == 3
    assert summary.written_up_to(0) == 0

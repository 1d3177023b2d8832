"""psoas_triage.dask: the batch on a Dask cluster writes the batch's bytes.

One LocalCluster of two worker processes on 127.0.0.1 serves the module and is stopped at its
end; every comparison is byte for byte against ``run_batch`` on the same input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the dask extra (distributed) is not installed")
pytest.importorskip("dask.dataframe", reason="the dask extra (dask[dataframe]) is not installed")

import dask
import dask.bag as db
import dask.dataframe as dd
import pandas as pd
from distributed import Client
from typer.testing import CliRunner

from psoas_triage.batch import run_batch
from psoas_triage.cli import app
from psoas_triage.dask import (
    TRIM,
    BookRef,
    RuleBookMismatch,
    _assess_chunk,
    _slow_trim,
    assess_bag,
    assess_dataframe,
    local_cluster,
    run_batch_on_cluster,
)

ROOT = Path(__file__).resolve().parents[1]
MINI = str(ROOT / "tests" / "fixtures" / "mini_rules")

LINES = [
    b'{"present": ["groin_pain"], "age": 34}',
    b'{"present": ["fever"], "age": 50}',
    b'{"present": ["groin_pian"]}',  # unknown code: an error record with a suggestion
    b"",  # blank: skipped, but counted
    b"not json at all",
    b'{"present": ["groin_pain", "hip_snapping"], "pain_intensity": 8}',
    b'{"present": ["\xff"]}',  # not UTF-8
    b'{"absent": ["fever"], "duration_days": 3}',
]


@pytest.fixture(scope="module")
def client():
    cluster = local_cluster(2)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def write_input(path: Path, repeat: int = 1) -> Path:
    path.write_bytes(b"\n".join(LINES * repeat) + b"\n")
    return path


def batch_bytes(source: Path, tmp_path: Path) -> bytes:
    target = tmp_path / "expected.jsonl"
    run_batch(source, target, rules=MINI)
    return target.read_bytes()


def test_the_cluster_listens_on_loopback_only_and_workers_run_without_dasks_malloc_trim(client):
    workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    assert all(address.startswith("tcp://127.0.0.1:") for address in workers)
    # Dask's nanny default (65536) makes the C engine ~3x slower; local_cluster unsets it.
    assert set(client.run(os.environ.get, TRIM).values()) == {os.environ.get(TRIM)}
    assert _slow_trim("65536") and not _slow_trim("134217728") and not _slow_trim(None)


def test_run_batch_on_cluster_writes_the_batch_bytes_in_order(client, tmp_path):
    source = write_input(tmp_path / "in.jsonl", repeat=6)  # 48 lines, chunks of 5: 10 tasks
    expected = batch_bytes(source, tmp_path)
    target = tmp_path / "out.jsonl"
    summary = run_batch_on_cluster(
        source, target, scheduler=client.scheduler.address, rules=MINI, chunk_size=5
    )
    assert target.read_bytes() == expected
    assert (summary.total, summary.assessed, summary.errors) == (42, 24, 18)
    assert summary.error_lines[:3] == [3, 5, 7]
    assert summary.workers == 2
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary file left behind


def test_cli_scheduler_address_gives_the_same_file_as_batch(client, tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    plain, clustered = tmp_path / "plain.jsonl", tmp_path / "clustered.jsonl"
    address = client.scheduler.address
    runner = CliRunner()
    first = runner.invoke(app, ["batch", str(source), "-o", str(plain), "--rules", MINI])
    second = runner.invoke(
        app,
        ["batch", str(source), "-o", str(clustered), "--rules", MINI, "--scheduler", address],
    )
    assert (first.exit_code, second.exit_code) == (2, 2), second.stderr
    assert clustered.read_bytes() == plain.read_bytes()
    assert "7 reports, 4 assessed, 3 errors (lines 3, 5, 7)" in second.stderr
    assert "with 2 workers" in second.stderr


def test_cli_scheduler_local_starts_and_stops_its_own_cluster(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app,
        ["batch", str(source), "-o", str(target), "-q", "--rules", MINI, "--scheduler", "local"],
    )
    assert result.exit_code == 2, result.stderr
    assert result.stderr == ""
    assert target.read_bytes() == batch_bytes(source, tmp_path)


def test_a_bag_of_json_lines_gives_the_batch_lines(client, tmp_path):
    source = tmp_path / "in.jsonl"
    utf8 = [line for line in LINES if b"\xff" not in line] * 5  # read_text decodes UTF-8
    source.write_bytes(b"\n".join(utf8) + b"\n")
    bag = db.read_text(str(source), blocksize=300)
    assert bag.npartitions > 2
    records = client.compute(assess_bag(bag, MINI)).result()
    assert "\n".join(records).encode() + b"\n" == batch_bytes(source, tmp_path)
    assert json.loads(records[-4])["line"] == 7 * 4 + 3  # the unknown code of the 5th copy


def test_a_bag_of_dicts_numbers_its_elements_and_keeps_bad_ones(client):
    reports = [{"present": ["fever"], "age": 50}, {"present": ["groin_pian"]}, {"when": {1, 2}}]
    records = client.compute(assess_bag(db.from_sequence(reports * 3, npartitions=3), MINI))
    lines = records.result()
    assert len(lines) == 9
    assert json.loads(lines[0])["triage_level"] == "urgent"
    errors = [json.loads(line) for line in lines if line.startswith('{"line":')]
    assert [error["line"] for error in errors] == [2, 3, 5, 6, 8, 9]
    assert "not JSON data" in errors[1]["error"]["message"]  # a set is not JSON: no guess
    assert "did you mean" in errors[0]["error"]["message"]


def test_a_dataframe_keeps_its_index_and_gets_line_level_and_record(client, tmp_path):
    rows = [line for line in LINES if line and b"\xff" not in line]  # no blank: line == row
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(rows) + b"\n")
    expected = batch_bytes(source, tmp_path).decode().splitlines()
    frame = pd.DataFrame(
        {"report": [row.decode() for row in rows], "site": list("abcdef")}, index=range(10, 16)
    )
    result = assess_dataframe(dd.from_pandas(frame, npartitions=3), rules=MINI)
    assert list(result.columns) == ["line", "triage_level", "record"]
    out = client.compute(result).result()
    assert list(out.index) == list(range(10, 16))
    assert list(out["line"]) == [1, 2, 3, 4, 5, 6]
    assert out["record"].tolist() == expected
    levels = [
        None if line.startswith('{"line":') else json.loads(line)["triage_level"]
        for line in expected
    ]
    assert [None if pd.isna(level) else level for level in out["triage_level"]] == levels
    assert levels.count(None) == 2


def test_a_dataframe_of_dicts_and_a_missing_cell(client):
    with dask.config.set({"dataframe.convert-string": False}):  # else dask turns dicts to str
        frame = dd.from_pandas(
            pd.DataFrame({"report": [{"present": ["fever"]}, None, float("nan")]}), npartitions=2
        )
        out = client.compute(assess_dataframe(frame, rules=MINI)).result()
    assert out["triage_level"].tolist()[0] == "urgent"
    assert out["triage_level"].isna().tolist() == [False, True, True]
    with pytest.raises(KeyError, match="no column 'reports'"):
        assess_dataframe(frame, "reports", rules=MINI)


def test_a_worker_with_other_rule_files_refuses_to_answer(client):
    wrong = BookRef(MINI, "0" * 64)
    future = client.submit(_assess_chunk, [(1, b'{"present": ["fever"]}')], wrong, pure=False)
    with pytest.raises(RuleBookMismatch, match="not the client's"):
        future.result()


def test_scheduler_without_the_extra_says_what_to_install(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    code = (
        "import sys; sys.modules['distributed'] = None\n"  # as if the extra were not installed
        f"sys.argv = ['psoas-triage', 'batch', {str(source)!r}, '--scheduler', 'local']\n"
        "from psoas_triage.cli import main; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "pip install 'psoas-triage[dask]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_the_library_and_cli_imports_no_dask():
    code = (
        "import sys, psoas_triage, psoas_triage.cli, psoas_triage.batch\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'pandas'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_an_interrupt_keeps_the_lines_written_as_partial(client, tmp_path, monkeypatch):
    from psoas_triage.batch import BatchInterrupted, BatchRun

    source = write_input(tmp_path / "in.jsonl", repeat=3)
    expected = batch_bytes(source, tmp_path)
    calls = []

    def write_then_interrupt(self, *args, **kwargs):
        if calls:
            raise KeyboardInterrupt
        calls.append(args)
        real_write(self, *args, **kwargs)

    real_write = BatchRun.write  # the writer every runner shares
    monkeypatch.setattr(BatchRun, "write", write_then_interrupt)
    target = tmp_path / "out.jsonl"
    with pytest.raises(BatchInterrupted) as interrupted:
        run_batch_on_cluster(
            source, target, scheduler=client.scheduler.address, rules=MINI, chunk_size=4
        )
    partial = tmp_path / "out.jsonl.partial"
    assert not target.exists()
    assert interrupted.value.partial == partial and interrupted.value.lines == 4
    assert partial.read_bytes() == b"".join(expected.splitlines(keepends=True)[:4])


def test_a_bad_scheduler_address_is_one_line_and_exit_1(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    result = CliRunner().invoke(
        app, ["batch", str(source), "--rules", MINI, "--scheduler", "no-port-here"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("psoas-triage: error: not a Dask scheduler address")
    assert len(result.stderr.splitlines()) == 1

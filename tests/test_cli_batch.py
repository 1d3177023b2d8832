"""``psoas-triage batch`` and ``run_batch``: order, bad lines, workers, real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import Assessment, RuleBookError, assess
from psoas_triage.batch import BatchSummary, run_batch
from psoas_triage.cli import app

ROOT = Path(__file__).resolve().parents[1]
MINI = str(ROOT / "tests" / "fixtures" / "mini_rules")
SCRIPT = Path(sys.executable).with_name("psoas-triage")

runner = CliRunner()

REPORTS = [
    {"present": ["groin_pain"]},
    {"present": ["fever"], "age": 50},
    "BAD: unknown code",
    {"present": ["groin_pain", "hip_snapping"], "pain_intensity": 8},
    {"absent": ["fever"]},
]


def write_input(path: Path) -> Path:
    lines = []
    for report in REPORTS:
        if report == "BAD: unknown code":
            lines.append('{"present": ["groin_pian"]}')
        else:
            lines.append(json.dumps(report))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check_output(lines: list[str]) -> None:
    """Five lines in input order: four assessments and the error record of line 3."""
    assert len(lines) == 5
    for number, (line, report) in enumerate(zip(lines, REPORTS, strict=True), start=1):
        data = json.loads(line)
        if report == "BAD: unknown code":
            assert data["line"] == number == 3
            error = data["error"]
            assert error["error"] == "invalid_report"
            assert error["problems"][0]["field"] == "present[0]"
            assert error["problems"][0]["suggestions"] == ["groin_pain"]
        else:
            assert line == assess(report, MINI).to_json()
            Assessment.model_validate_json(line)


def test_bad_line_in_the_middle_is_recorded_and_the_batch_goes_on(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    result = runner.invoke(app, ["batch", str(source), "--rules", MINI])
    assert result.exit_code == 2
    check_output(result.stdout.splitlines())
    summary = result.stderr.strip().splitlines()
    assert len(summary) == 1
    assert "5 reports, 4 assessed, 1 error (lines 3)" in summary[0]
    assert "Traceback" not in result.stderr


def test_output_file_two_workers_and_quiet(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["batch", str(source), "-o", str(target), "--workers", "2", "-q", "--rules", MINI]
    )
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr == ""
    check_output(target.read_text(encoding="utf-8").splitlines())


def test_all_good_exits_0_and_blank_lines_are_skipped(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '\n{"present": ["fever"]}\n   \n{"age": 30, "absent": ["fever"]}\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["batch", str(source), "--rules", MINI])
    assert result.exit_code == 0, result.stderr
    levels = [json.loads(line)["triage_level"] for line in result.stdout.splitlines()]
    assert levels == ["urgent", "self_care"]
    assert "2 reports, 2 assessed, 0 errors" in result.stderr


def test_standard_input(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    result = runner.invoke(app, ["batch", "-", "--rules", MINI], input=source.read_text())
    assert result.exit_code == 2
    check_output(result.stdout.splitlines())


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    for args, text in (
        (["batch", str(tmp_path / "missing.jsonl")], "cannot read"),
        (["batch", str(write_input(tmp_path / "in.jsonl")), "--workers", "0"], "--workers"),
        (["batch", str(tmp_path / "in.jsonl"), "--rules", str(tmp_path)], "rule book"),
        (["batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "in.jsonl")], "overwrite"),
    ):
        result = runner.invoke(app, [*args, "--rules", MINI] if "--rules" not in args else args)
        assert result.exit_code == 2, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and text in lines[0], result.stderr
        assert result.stdout == ""


def test_help_has_an_example():
    result = runner.invoke(app, ["batch", "--help"])
    assert result.exit_code == 0
    assert "psoas-triage batch reports.jsonl" in result.stdout


# --- run_batch from Python ----------------------------------------------------------------------


def test_run_batch_in_python_one_and_two_workers_agree(tmp_path):
    source = tmp_path / "many.jsonl"
    variants = [
        '{"present": ["groin_pain"], "absent": ["fever"], "age": %d}',
        '{"present": ["fever", "hip_snapping"], "pain_intensity": %d}',
        '{"present": ["groin_pain", "hip_snapping"], "duration_days": %d}',
        '{"present": ["nope_%d"]}',
    ]
    lines = [variants[i % 4] % (i % 11) for i in range(1200)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = run_batch(source, one, workers=1, rules=MINI)
    second = run_batch(source, two, workers=2, rules=MINI, chunk_size=37)
    assert isinstance(first, BatchSummary)
    assert (first.total, first.assessed, first.errors) == (1200, 900, 300)
    assert second.to_dict() | {"seconds": 0, "workers": 0} == first.to_dict() | {
        "seconds": 0,
        "workers": 0,
    }
    assert one.read_bytes() == two.read_bytes()
    out = one.read_text().splitlines()
    assert json.loads(out[3])["line"] == 4
    assert json.loads(out[1199])["line"] == 1200
    assert first.by_level == {"urgent": 300, "consultation": 300, "self_care": 300}


def test_run_batch_bad_rules_fail_before_any_work(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    with pytest.raises(RuleBookError):
        run_batch(source, tmp_path / "out.jsonl", rules=tmp_path)
    assert not (tmp_path / "out.jsonl").exists()


def test_undecodable_line_is_an_error_record(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"present": ["fever"]}\n{"present": ["\xff"]}\n')
    summary = run_batch(source, tmp_path / "out.jsonl", rules=MINI)
    assert (summary.assessed, summary.errors, summary.error_lines) == (1, 1, [2])
    record = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[1])
    assert record["line"] == 2 and "UTF-8" in record["error"]["message"]


# --- real process -------------------------------------------------------------------------------


def test_console_script_batch_with_two_workers(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSOAS_TRIAGE")}
    env["PSOAS_TRIAGE_CACHE_DIR"] = os.environ["PSOAS_TRIAGE_CACHE_DIR"]  # conftest: not ~/.cache
    done = subprocess.run(
        [str(SCRIPT), "batch", str(source), "--workers", "2", "--rules", MINI],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    check_output(done.stdout.splitlines())
    # stderr is not a terminal: no progress bar, just the one summary line
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("batch: 5 reports")
    assert "\x1b[" not in done.stderr


# --- interrupts (issue 11) ----------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_an_interrupt_keeps_only_a_partial_file_and_stops_every_worker(
    tmp_path, monkeypatch, workers
):
    """A KeyboardInterrupt in the middle (what Ctrl-C and, in the CLI, SIGTERM raise) leaves no
    file under the output's name, the lines written as OUT.partial, no spool folder and no
    worker process alive."""
    import multiprocessing

    import psoas_triage.batch as batch_module
    from psoas_triage.batch import BatchInterrupted

    source = tmp_path / "many.jsonl"
    source.write_text('{"present": ["groin_pain"]}\n' * 2_000, encoding="utf-8")
    output = tmp_path / "out" / "result.jsonl"
    output.parent.mkdir()
    spool_root = tmp_path / "spool"
    spool_root.mkdir()
    monkeypatch.setattr(batch_module.tempfile, "tempdir", str(spool_root))
    real_write = batch_module._write
    calls = []

    def write_then_interrupt(*args):
        real_write(*args)
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(batch_module, "_write", write_then_interrupt)
    with pytest.raises(BatchInterrupted) as caught:
        run_batch(source, output, workers=workers, rules=MINI, chunk_size=100)
    assert caught.value.lines == 300 and caught.value.line == 300
    assert caught.value.partial == output.with_name("result.jsonl.partial")
    assert sorted(path.name for path in output.parent.iterdir()) == ["result.jsonl.partial"]
    assert len(caught.value.partial.read_text(encoding="utf-8").splitlines()) == 300
    assert list(spool_root.iterdir()) == []
    assert multiprocessing.active_children() == []


def test_a_failed_batch_leaves_neither_output_nor_temp_file(tmp_path, monkeypatch):
    import psoas_triage.batch as batch_module

    source = write_input(tmp_path / "in.jsonl")
    output = tmp_path / "out" / "result.jsonl"
    output.parent.mkdir()

    def broken(*_args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(batch_module, "_write", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_batch(source, output, rules=MINI)
    assert list(output.parent.iterdir()) == []


def test_compact_records_carry_the_screening_fields_and_error_records_are_unchanged(tmp_path):
    source = write_input(tmp_path / "in.jsonl")
    full, short = tmp_path / "full.jsonl", tmp_path / "short.jsonl"
    run_batch(source, full, rules=MINI)
    result = runner.invoke(
        app, ["batch", str(source), "-o", str(short), "--compact", "-q", "--rules", MINI]
    )
    assert result.exit_code == 2  # line 3 is bad, as without --compact
    full_lines = full.read_text(encoding="utf-8").splitlines()
    short_lines = short.read_text(encoding="utf-8").splitlines()
    assert len(short_lines) == len(full_lines) == 5
    for report, long_line, line in zip(REPORTS, full_lines, short_lines, strict=True):
        if report == "BAD: unknown code":
            assert line == long_line  # the same error record
            continue
        expected = assess(report, MINI)
        assert json.loads(line) == {
            "triage_level": expected.triage_level.value,
            "likelihood": expected.likelihood.value,
            "psoas_score": expected.psoas_score,
            "red_flags": [flag.rule_id for flag in expected.red_flags],
            "fired_rule_ids": list(expected.fired_rule_ids),
            "rulebook_version": expected.rulebook_version,
        }
        assert len(line) * 3 < len(long_line)
    fever = json.loads(short_lines[1])
    assert fever["red_flags"] and fever["red_flags"][0] in fever["fired_rule_ids"]


def test_compact_batch_in_python_with_two_workers_matches_one(tmp_path):
    source = tmp_path / "many.jsonl"
    lines = [json.dumps({"present": ["groin_pain"], "age": i % 90}) for i in range(600)]
    source.write_text("\n".join([*lines, '{"present": ["nope"]}']) + "\n", encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_batch(source, one, rules=MINI, compact=True)
    summary = run_batch(source, two, workers=2, rules=MINI, compact=True, chunk_size=50)
    assert one.read_bytes() == two.read_bytes()
    assert (summary.assessed, summary.errors) == (600, 1)
    out = one.read_text(encoding="utf-8").splitlines()
    assert json.loads(out[0])["fired_rule_ids"] == ["groin"]
    assert json.loads(out[-1])["line"] == 601

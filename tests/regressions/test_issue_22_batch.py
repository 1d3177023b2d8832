"""Issue 22, the batch runner: no red flag lost on any door, no stray work after a fault.

One test per item, named after what it protects; each failed on the main of the day the issue was
filed. The interrupt tests deliver real signals to real processes, many times at different
moments (PSOAS_TEST_SCALE, default 1, scales how many), and check every line the interrupted batch
kept against the assessment of the same input line made here with the batch's own function: an
interrupt swallowed inside pydantic-core used to leave a valid report's line as an
``internal_error`` record, which a line count cannot see.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import psoas_triage.batch as batch_module
from psoas_triage.assessment import default_rulebook
from psoas_triage.batch import MAX_LINE_BYTES, BatchOutputError, assess_lines, run_batch

SCRIPT = Path(sys.executable).with_name("psoas-triage")
SCALE = float(os.environ.get("PSOAS_TEST_SCALE", "1"))
RUNS = max(4, int(12 * SCALE))
"""Interrupts per door. Every other one is aimed at the serializer: an interrupt is lost only when
it is handled while pydantic-core calls back into Python, a few percent of a line's time, so one
sent at any moment showed the bug in only 1 run in 3 to 1 in 8 (aimed: 9 in 10)."""

CODES = ["groin_pain", "hip_snapping", "fever", "saddle_numbness", "flank_pain_unknown"]


def write_reports(path: Path, count: int, seed: int = 22) -> list[bytes]:
    """``count`` reports (about one in five with an unknown code, so error records are checked
    too), one per line; the raw lines."""
    chooser = random.Random(seed)
    lines = []
    for _ in range(count):
        report = {
            "present": chooser.sample(CODES, chooser.randint(1, 3)),
            "age": chooser.randint(18, 90),
            "pain_intensity": chooser.randint(0, 10),
        }
        lines.append(json.dumps(report).encode("utf-8"))
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return lines


class Expected:
    """Each input line's record as the batch writes it, assessed here on demand."""

    def __init__(self, raw_lines: list[bytes]) -> None:
        self.raw_lines = raw_lines
        self.records: list[str] = []

    def first(self, count: int) -> list[str]:
        if count > len(self.records):
            numbered = [
                (number, self.raw_lines[number - 1])
                for number in range(len(self.records) + 1, count + 1)
            ]
            payload, _ = assess_lines(default_rulebook(), numbered)
            self.records.extend(payload.decode("utf-8").split("\n")[:-1])
        return self.records[:count]


def check_kept_lines(partial: Path, expected: Expected, reported: int) -> int:
    """Every line of an interrupted batch's partial file is the record of its input line."""
    kept = partial.read_text(encoding="utf-8").split("\n")
    assert kept[-1] == "", "the partial file ends with a cut-off line"
    kept = kept[:-1]
    assert len(kept) == reported, "the message's count is not the partial file's"
    wanted_lines = expected.first(len(kept))
    for number, (written, wanted) in enumerate(zip(kept, wanted_lines, strict=True), start=1):
        assert written == wanted, f"line {number} of {partial.name} is not its report's record"
    return len(kept)


def no_temporaries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


WATCHER = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time
    from pathlib import Path

    def interrupt_when_writing(folder, name, delay, number, aimed):
        # a real signal to this process once the batch has written its first lines; when aimed,
        # sent while the main thread serializes an assessment (model_dump_json on its stack)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if any(
                    path.name.startswith("." + name + ".") and path.stat().st_size > 0
                    for path in folder.iterdir()
                ):
                    break
            except OSError:
                pass
            time.sleep(0.002)
        time.sleep(delay)
        main = threading.main_thread().ident
        deadline = time.monotonic() + 10
        while aimed and time.monotonic() < deadline and not serializing(main):
            time.sleep(0)
        os.kill(os.getpid(), number)

    def serializing(thread):
        frame = sys._current_frames().get(thread)
        while frame is not None:
            if frame.f_code.co_name == "model_dump_json":
                return True
            frame = frame.f_back
        return False

    def start_watcher(folder, name, delay, number, aimed):
        watcher = threading.Thread(
            target=interrupt_when_writing, args=(folder, name, delay, number, aimed), daemon=True
        )
        watcher.start()
        return watcher
    """
)

PYTHON_CALLER = WATCHER + textwrap.dedent(
    """
    from psoas_triage.batch import BatchInterrupted, run_batch

    source, folder, delays = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    results = []
    for run, delay in enumerate(delays):
        output = folder / f"out-{run}.jsonl"
        watcher = start_watcher(folder, output.name, delay, signal.SIGINT, run % 2 == 0)
        try:
            summary = run_batch(source, output)
            results.append({"finished": summary.total})
        except BatchInterrupted as interrupted:
            results.append({"lines": interrupted.lines, "line": interrupted.line,
                            "partial": str(interrupted.partial)})
        except KeyboardInterrupt:
            results.append({"keyboard_interrupt": True})
        watcher.join()
    print(json.dumps(results))
    """
)

CLI_CALLER = WATCHER + textwrap.dedent(
    """
    import contextlib, io
    import typer
    from psoas_triage.cli import app

    source, folder, delays = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    command = typer.main.get_command(app)
    results = []
    for run, delay in enumerate(delays):
        output = folder / f"out-{run}.jsonl"
        number = (signal.SIGINT, signal.SIGTERM)[run % 2]
        watcher = start_watcher(folder, output.name, delay, number, run // 2 % 2 == 0)
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            code = command.main(
                args=["batch", source, "-o", str(output), "-w", "1", "-q"],
                prog_name="psoas-triage",
                standalone_mode=False,
            )
        watcher.join()
        results.append({"code": code, "stderr": errors.getvalue()})
    print(json.dumps(results))
    """
)


def run_interrupted(
    tmp_path: Path, caller: str, count: int, delays: list[float]
) -> tuple[Path, list[bytes], list[dict[str, Any]]]:
    """Run ``caller`` on ``count`` reports once per delay; what each run said."""
    source = tmp_path / "in.jsonl"
    raw_lines = write_reports(source, count)
    folder = tmp_path / "out"
    folder.mkdir()
    script = tmp_path / "caller.py"
    script.write_text(caller, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(source), str(folder), json.dumps(delays)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return folder, raw_lines, json.loads(done.stdout)


def spread(runs: int, longest: float) -> list[float]:
    """``runs`` delays from 0 to ``longest`` seconds, in a shuffled order."""
    delays = [round(longest * index / max(1, runs - 1), 3) for index in range(runs)]
    random.Random(runs).shuffle(delays)
    return delays


# --- item 4: Ctrl-C in run_batch called from Python -----------------------------------------------


def test_ctrl_c_stops_run_batch_from_python_and_keeps_only_correct_lines(tmp_path: Path) -> None:
    folder, raw_lines, results = run_interrupted(tmp_path, PYTHON_CALLER, 3_000, spread(RUNS, 0.4))
    expected = Expected(raw_lines)
    kept = []
    for run, result in enumerate(results):
        output = folder / f"out-{run}.jsonl"
        assert "finished" not in result, f"run {run}: the interrupt was lost, batch ran to the end"
        assert not output.exists(), f"run {run}: an interrupted batch has the final name"
        if "keyboard_interrupt" in result:  # a raw KeyboardInterrupt must not leave a file
            assert not output.with_name(output.name + ".partial").exists()
            continue
        assert result["partial"] == str(output.with_name(output.name + ".partial"))
        kept.append(check_kept_lines(Path(result["partial"]), expected, result["lines"]))
        assert result["line"] == result["lines"]  # no blank line: line N is the N-th report
    assert no_temporaries(folder) == []
    assert len(kept) >= len(results) // 2 and max(kept) > 0


# --- item 5: the same through the CLI with one worker, SIGINT and SIGTERM -------------------------


def test_sigint_and_sigterm_stop_the_cli_with_one_worker_and_keep_only_correct_lines(
    tmp_path: Path,
) -> None:
    folder, raw_lines, results = run_interrupted(tmp_path, CLI_CALLER, 3_000, spread(RUNS, 0.4))
    expected = Expected(raw_lines)
    for run, result in enumerate(results):
        output = folder / f"out-{run}.jsonl"
        partial = output.with_name(output.name + ".partial")
        assert result["code"] == 130, result["stderr"]
        assert not output.exists()
        reported = int(result["stderr"].split(" results written are in ")[0].split()[-1])
        assert f"the {reported} results written are in {partial}" in result["stderr"]
        check_kept_lines(partial, expected, reported)
    assert no_temporaries(folder) == []


# --- item 6: SIGKILL of the parent ----------------------------------------------------------------


def wait_for_temporary(folder: Path, name: str, process: subprocess.Popen[Any]) -> Path:
    """The batch's temporary output, once it holds data."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the batch ended before it was signalled"
        for path in folder.iterdir():
            try:
                if path.name.startswith(f".{name}.") and path.stat().st_size > 0:
                    return path
            except OSError:
                continue
        time.sleep(0.01)
    raise AssertionError("the batch wrote nothing within a minute")


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
        return found
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def is_running(pid: int) -> bool:
    """Alive and not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc or psutil")
def test_workers_die_with_a_killed_parent_and_the_next_run_removes_its_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "big.jsonl"
    write_reports(source, 40_000)
    output = tmp_path / "out.jsonl"
    spool_root = tmp_path / "spool"
    spool_root.mkdir()
    env = {**os.environ, "TMPDIR": str(spool_root)}
    process = subprocess.Popen(
        [str(SCRIPT), "batch", str(source), "-o", str(output), "-w", "2", "-q"], env=env
    )
    wait_for_temporary(tmp_path, output.name, process)
    workers = children_of(process.pid)
    assert len(workers) >= 2, "the batch runs two worker processes"
    process.kill()
    process.wait(timeout=10)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(is_running(pid) for pid in workers):
        time.sleep(0.05)
    alive = [pid for pid in workers if is_running(pid)]
    for pid in alive:  # never leave them behind this test either
        os.kill(pid, signal.SIGKILL)
    assert alive == [], "worker processes outlived their killed parent"
    assert no_temporaries(tmp_path) != [] and list(spool_root.iterdir()) != []

    # The next run to the same output finds the dead run's temporary output and spool folder.
    small = tmp_path / "small.jsonl"
    small.write_text('{"present": ["groin_pain"]}\n', encoding="utf-8")
    monkeypatch.setattr(batch_module.tempfile, "tempdir", str(spool_root))
    summary = run_batch(small, output)
    assert summary.assessed == 1
    assert no_temporaries(tmp_path) == []
    assert list(spool_root.iterdir()) == []
    assert len(summary.stale_removed) == 2
    assert "removed 2 temporary file(s) of a killed earlier run" in summary.describe()


def test_a_live_runs_temporaries_are_never_removed(tmp_path: Path) -> None:
    """Only a dead owner's temporaries go: one of a live process (here the test's parent) stays,
    and so does one whose name does not say its owner."""
    from psoas_triage import worker_guard

    output = tmp_path / "out.jsonl"
    live = tmp_path / f".out.jsonl.{worker_guard._host_tag()}-{os.getppid()}-abcd1234.tmp"
    unnamed = tmp_path / ".out.jsonl.abcd1234.tmp"
    dead_pid = dead_process_id()
    dead = tmp_path / f".out.jsonl.{worker_guard._host_tag()}-{dead_pid}-abcd1234.tmp"
    for path in (live, unnamed, dead):
        path.write_text("half a batch\n", encoding="utf-8")
    small = tmp_path / "small.jsonl"
    small.write_text('{"present": ["groin_pain"]}\n', encoding="utf-8")

    summary = run_batch(small, output)

    assert summary.stale_removed == [dead]
    assert live.exists() and unnamed.exists() and not dead.exists()


def dead_process_id() -> int:
    """The pid of a process that has ended (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_a_dask_batch_removes_the_temporary_output_of_a_killed_run(tmp_path: Path) -> None:
    """``batch --scheduler`` writes through the same writer, so it cleans up after a killed
    run the same way (the issue saw Dask leave its hidden temporary output behind)."""
    pytest.importorskip("distributed", reason="the dask extra (distributed) is not installed")
    from psoas_triage import worker_guard
    from psoas_triage.dask import run_batch_on_cluster

    output = tmp_path / "out.jsonl"
    stale = tmp_path / f".out.jsonl.{worker_guard._host_tag()}-{dead_process_id()}-abcd1234.tmp"
    stale.write_text("half a batch\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    raw_lines = write_reports(source, 3)

    summary = run_batch_on_cluster(source, output, scheduler="local", workers=1)

    assert summary.stale_removed == [stale] and not stale.exists()
    assert output.read_text(encoding="utf-8").splitlines() == Expected(raw_lines).first(3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child and leaves it")
def test_the_watchdog_ends_a_worker_whose_parent_is_gone_without_prctl(tmp_path: Path) -> None:
    """Where PR_SET_PDEATHSIG is not available, a thread notices the parent's death."""
    code = textwrap.dedent(
        """
        import os, sys, time
        from psoas_triage import worker_guard
        worker_guard._kill_on_parent_death = lambda: False
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            worker_guard.die_with_parent(parent)
            time.sleep(60)
            os._exit(0)
        print(child, flush=True)
        os._exit(0)  # the parent dies at once, without stopping its child
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    child = int(done.stdout)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and is_running(child):
        time.sleep(0.05)
    running = is_running(child)
    if running:
        os.kill(child, signal.SIGKILL)
    assert not running, "the orphan outlived its parent"


# --- minor items ----------------------------------------------------------------------------------


def test_a_full_spool_folder_is_a_clear_error_naming_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    from typer.testing import CliRunner

    from psoas_triage.cli import EXIT_INTERNAL, app

    source = tmp_path / "in.jsonl"
    write_reports(source, 300)
    output = tmp_path / "out.jsonl"
    spool_root = tmp_path / "spool"
    spool_root.mkdir()
    monkeypatch.setattr(batch_module.tempfile, "tempdir", str(spool_root))
    # forked workers inherit the full disk
    monkeypatch.setattr(batch_module, "_context", lambda: multiprocessing.get_context("fork"))

    def full_disk(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", full_disk)

    with pytest.raises(BatchOutputError) as caught:
        run_batch(source, output, workers=2, chunk_size=50)
    assert "spool folder" in str(caught.value) and str(spool_root) in str(caught.value)
    assert "No space left on device" in str(caught.value)

    result = CliRunner().invoke(app, ["batch", str(source), "-o", str(output), "-w", "2", "-q"])
    assert result.exit_code == EXIT_INTERNAL
    assert "please report" not in result.output and "internal error" not in result.output
    assert f"cannot write the spool folder {spool_root}" in result.output
    assert "No space left on device" in result.output
    assert list(tmp_path.glob("*out*")) == [] and list(spool_root.iterdir()) == []


def test_an_output_that_is_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    raw_lines = write_reports(source, 5)
    target = tmp_path / "results" / "today.jsonl"
    target.parent.mkdir()
    target.write_text("yesterday's results\n", encoding="utf-8")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)

    run_batch(source, link)

    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8").splitlines() == Expected(raw_lines).first(5)


def test_standard_input_redirected_from_the_output_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "reports.jsonl"
    write_reports(source, 5)
    before = source.read_bytes()
    with open(source, "rb") as stdin:
        done = subprocess.run(
            [str(SCRIPT), "batch", "-", "-o", str(source), "-q"],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert (
        f"the output file would overwrite the input file ({source} is standard input)"
        in done.stderr
    )
    assert source.read_bytes() == before


def test_an_over_long_line_is_an_error_record_and_is_never_held_in_memory(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.jsonl"
    good = b'{"present": ["groin_pain"]}'
    huge = b'{"present": ["' + b"x" * (10 * MAX_LINE_BYTES) + b'"]}'
    source.write_bytes(good + b"\n" + huge + b"\n" + good + b"\n" + huge)  # last: no newline
    output = tmp_path / "out.jsonl"

    tracemalloc.start()
    try:
        summary = run_batch(source, output)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 3 * MAX_LINE_BYTES, f"{peak:,} bytes held for a {len(huge):,}-byte line"
    assert (summary.total, summary.assessed, summary.error_lines) == (4, 2, [2, 4])
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == lines[2] == Expected([good]).first(1)[0]
    for number in (2, 4):
        record = json.loads(lines[number - 1])
        assert record["line"] == number
        assert record["error"]["error"] == "invalid_report"
        message = record["error"]["problems"][0]["message"]
        assert f"a line of {len(huge):,} bytes" in message
        assert f"over the limit of {MAX_LINE_BYTES:,} bytes per line" in message

"""Issue 11, "nothing lost, nothing crashes": one test per item, each failing before the fix.

Every docstring says what went wrong. Tests that could crash or hang the test process on a
regression (a segfault, a FIFO read forever) run their code in a child process with a timeout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from psoas_triage import (
    ReportError,
    RuleBookError,
    SymptomReport,
    TriageLevel,
    assess,
    engine_stats,
    load_rulebook,
    parse_report_json,
)
from psoas_triage.engine import ENGINES_PER_DIRECTORY, engine_for
from psoas_triage.rulebook import RESERVED_CODES
from psoas_triage.workload import rss_kib

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini_rules"
SHIPPED = ROOT / "rules"
SCRIPT = Path(sys.executable).with_name("psoas-triage")
SADDLE_ALONE = {"present": ["saddle_numbness"]}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (a crash or hang there cannot take pytest with it)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli(*args: str, stdin: str | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


def shell(command: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """``command`` under bash (for ``<&-``, ``>&-`` and ``<(...)``); $CLI is the console script."""
    return subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CLI": str(SCRIPT)},
        **kwargs,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert lines[0].startswith("psoas-triage: error: "), lines[0]
    return lines[0]


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(SHIPPED, target)
    return target


def add_term(rules: Path, code: str) -> None:
    vocabulary = rules / "vocabulary.yaml"
    vocabulary.write_text(
        vocabulary.read_text(encoding="utf-8")
        + f"  - code: {code}\n    label: {code} label\n    question: Is it {code}?\n"
        "    category: history\n    sources: [test_source]\n",
        encoding="utf-8",
    )


# --- crashes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(RESERVED_CODES))
def test_a_vocabulary_code_named_like_a_fact_key_is_refused(mini_copy: Path, code: str) -> None:
    """A code named ``kind`` (or sid, age, ...) passed the loader; every report with it then
    leaked an engine session and the 1,025th call segfaulted."""
    add_term(mini_copy, code)
    with pytest.raises(RuleBookError, match="reserved") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "vocabulary.yaml")
    assert caught.value.rule == code
    for required in ("kind", "sid", "age", "duration_days", "pain_intensity", "sex"):
        assert required in RESERVED_CODES


def test_rules_lint_fails_on_a_reserved_code(mini_copy: Path) -> None:
    add_term(mini_copy, "kind")
    result = cli("rules", "lint", str(mini_copy))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "reserved" in result.stdout


def test_a_reserved_code_that_bypasses_the_loader_never_leaks_a_session() -> None:
    """2,000 EngineErrors in a row: before the fix the 1,025th call crashed the process; now
    every call fails cleanly before it opens a session, and the engine still works after."""
    result = run_python(
        f"""
        import dataclasses
        from psoas_triage import EngineError, SymptomReport, load_rulebook
        from psoas_triage.engine import RuleEngine, engine_for
        book = load_rulebook({str(MINI)!r})
        term = next(iter(book.terms.values()))
        for code in ("kind", "sid"):
            bad_terms = {{**book.terms, code: term.model_copy(update={{"code": code}})}}
            try:
                RuleEngine(dataclasses.replace(book, terms=bad_terms))
            except EngineError:
                pass
            else:
                raise SystemExit("an engine compiled a reserved code")
        engine = engine_for(book)
        errors = 0
        for number in range(2000):
            code = ("kind", "sid", "age")[number % 3]
            try:
                engine.fired_rule_ids(SymptomReport(present=["groin_pain", code]))
            except EngineError:
                errors += 1
        assert errors == 2000, errors
        assert engine.live_sessions() == [], "sessions leaked"
        assert engine.fired_rule_ids(SymptomReport(present=["groin_pain"])) == ("groin",)
        print("ok", engine.sessions_started)
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["ok", "1"]


def test_an_engine_failure_after_the_fact_deletes_its_session() -> None:
    """Every error path deletes the session it opened: 2,000 failures while the matched rules
    are collected (more than durable_rules' 1,024 live sessions) leave none behind. A session
    with an action still queued crashes durable_rules when deleted, so this runs in a child."""
    result = run_python(
        f"""
        import psoas_triage.engine as engine_module
        from psoas_triage import EngineError, SymptomReport, load_rulebook
        from psoas_triage.engine import RuleEngine
        engine = RuleEngine(load_rulebook({str(MINI)!r}))
        drive = engine_module.durable_rules_engine
        real = drive.complete_and_start_action
        calls = []

        def first_time_broken(*args):
            calls.append(1)
            if len(calls) % 2:
                raise RuntimeError("injected failure")
            return real(*args)

        drive.complete_and_start_action = first_time_broken
        errors = 0
        for _ in range(2000):
            try:
                engine.fired_rule_ids(SymptomReport(present=["groin_pain", "hip_snapping"]))
            except EngineError as error:
                assert "injected failure" in str(error), error
                errors += 1
        drive.complete_and_start_action = real
        assert errors >= 1000, errors
        assert engine.retired is None
        assert engine.sessions_started == 2000
        assert engine.live_sessions() == []
        assert engine.fired_rule_ids(SymptomReport(present=["fever"])) == ("fever_flag",)
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["ok"]


def test_an_engine_that_cannot_clean_up_retires_instead_of_crashing() -> None:
    """When even taking the pending action fails, deleting the session would crash the process:
    the engine refuses further work (EngineError) and the cache builds a fresh one."""
    result = run_python(
        f"""
        import psoas_triage.engine as engine_module
        from psoas_triage import EngineError, SymptomReport, assess, load_rulebook
        from psoas_triage.engine import engine_for
        book = load_rulebook({str(MINI)!r})
        engine = engine_for(book)
        drive = engine_module.durable_rules_engine
        real = drive.start_action_for_state

        def broken(*args):
            raise RuntimeError("injected failure")

        drive.start_action_for_state = broken
        for _ in range(2000):
            try:
                engine.fired_rule_ids(SymptomReport(present=["groin_pain"]))
            except EngineError:
                pass
            else:
                raise SystemExit("no EngineError")
        drive.start_action_for_state = real
        assert engine.retired is not None
        assert engine.sessions_started == 1, engine.sessions_started
        assert engine_for(book) is not engine
        assert assess({{"present": ["fever"]}}, book).triage_level.value == "urgent"
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["ok"]


# --- silent loss of a red flag ------------------------------------------------------------------


def test_duplicate_json_keys_are_a_report_error_naming_the_key() -> None:
    """``{"present":["saddle_numbness"],"present":[]}`` gave self_care: the last key won."""
    assert assess(SADDLE_ALONE).triage_level is TriageLevel.emergency
    text = '{"present":["saddle_numbness"],"present":[]}'
    with pytest.raises(ReportError) as caught:
        parse_report_json(text, load_rulebook(SHIPPED))
    assert caught.value.problems[0].field == "present"
    assert "more than once" in str(caught.value)
    result = cli("assess", "--input", "-", "--json", stdin=text)
    # With --json the error is also JSON on standard output (never an Assessment).
    assert result.returncode == 2
    assert json.loads(result.stdout)["problems"][0]["field"] == "present"
    assert "present" in one_error_line(result)


def test_duplicate_json_keys_in_a_batch_line_are_an_error_record(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"present":["saddle_numbness"],"present":[]}\n{"age":40,"present":["groin_pain"],'
        '"age":41}\n',
        encoding="utf-8",
    )
    result = cli("batch", str(source), "-q")
    assert result.returncode == 2
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["line"] for record in records] == [1, 2]
    assert [record["error"]["problems"][0]["field"] for record in records] == ["present", "age"]


def test_a_dangling_symlink_rule_file_is_an_error(shipped_copy: Path) -> None:
    """``red_flags.yaml`` as a dangling symlink was skipped: lint said ok, saddle numbness
    alone became self_care."""
    target = shipped_copy / "red_flags.yaml"
    target.unlink()
    target.symlink_to(shipped_copy / "gone.yaml")
    with pytest.raises(RuleBookError, match="dangling") as caught:
        load_rulebook(shipped_copy)
    assert caught.value.file == str(target)
    lint = cli("rules", "lint", str(shipped_copy))
    assert lint.returncode != 0 and "ok: 0 errors" not in lint.stdout
    result = cli("assess", "saddle_numbness", "--rules", str(shipped_copy))
    assert result.returncode == 2 and "red_flags.yaml" in one_error_line(result)


@pytest.mark.parametrize("kind", ["fifo", "directory", "dangling symlink in a subfolder"])
def test_a_yaml_that_is_not_a_regular_file_is_an_error(mini_copy: Path, kind: str) -> None:
    """A FIFO or a directory named ``*.yaml`` was skipped without a word."""
    if kind == "fifo":
        path = mini_copy / "more.yaml"
        os.mkfifo(path)
    elif kind == "directory":
        path = mini_copy / "more.yaml"
        path.mkdir()
        (path / "inner.txt").write_text("x", encoding="utf-8")
    else:
        (mini_copy / "sub").mkdir()
        path = mini_copy / "sub" / "flags.yaml"
        path.symlink_to(mini_copy / "nowhere.yaml")
    with pytest.raises(RuleBookError, match="not a readable rule file") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(path)


@pytest.mark.skipif(IS_ROOT, reason="root can read a folder without permissions")
def test_an_unreadable_subfolder_is_an_error(mini_copy: Path) -> None:
    folder = mini_copy / "locked"
    folder.mkdir()
    (folder / "flags.yaml").write_text("family: x\n", encoding="utf-8")
    folder.chmod(0)
    try:
        with pytest.raises(RuleBookError, match="cannot list folder") as caught:
            load_rulebook(mini_copy)
        assert caught.value.file == str(folder)
    finally:
        folder.chmod(0o755)


def test_a_folder_that_cannot_be_listed_is_an_error(mini_copy: Path, monkeypatch) -> None:
    """The same as above for any user (root reads through permissions): a folder whose listing
    fails makes the load fail instead of skipping its rules."""
    folder = mini_copy / "locked"
    folder.mkdir()
    real_scandir = os.scandir

    def scandir(path=".", *args, **kwargs):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(folder))
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(RuleBookError, match="cannot list folder") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(folder)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"age": 1000}, "age"),
        ({"present": ("groin_pain",), "pain_intensity": 99}, "pain_intensity"),
        ({"present": ("groin_pain",), "absent": ("groin_pain",)}, "report"),
        ({"present": "saddle_numbness"}, "present"),
    ],
)
def test_constructed_reports_are_validated(fields: dict, field: str) -> None:
    """``SymptomReport.model_construct(...)`` skipped validation: age 1000 was assessed, pain 99
    gave consultation, a code both present and absent raised a raw pydantic ValidationError."""
    report = SymptomReport.model_construct(**fields)
    with pytest.raises(ReportError) as caught:
        assess(report)
    assert caught.value.problems[0].field == field


def test_a_valid_instance_is_still_accepted_unchanged() -> None:
    report = SymptomReport(present=["saddle_numbness"], age=40)
    assert assess(report).triage_level is TriageLevel.emergency
    assert assess(SymptomReport.model_construct(present=("saddle_numbness",))).triage_level is (
        TriageLevel.emergency
    )


# --- hangs and unbounded work -------------------------------------------------------------------


def test_a_fifo_special_file_does_not_hang(mini_copy: Path) -> None:
    """``sources.yaml`` as a FIFO hung load_rulebook and the CLI forever."""
    (mini_copy / "sources.yaml").unlink()
    os.mkfifo(mini_copy / "sources.yaml")
    result = run_python(
        f"""
        from psoas_triage import RuleBookError, load_rulebook
        try:
            load_rulebook({str(mini_copy)!r})
        except RuleBookError as error:
            print(error.problems[0])
        """,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "sources.yaml" in result.stdout and "not a regular file" in result.stdout


def test_a_symlink_to_dev_zero_is_refused_without_reading_it(mini_copy: Path) -> None:
    """A symlink to /dev/zero read until MemoryError: its size reads 0, so the cap trusted it."""
    (mini_copy / "sources.yaml").unlink()
    (mini_copy / "sources.yaml").symlink_to("/dev/zero")
    result = run_python(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
        from psoas_triage import RuleBookError, load_rulebook
        try:
            load_rulebook({str(mini_copy)!r})
        except RuleBookError as error:
            print(error.problems[0])
        """,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sources.yaml" in result.stdout and "not a regular file" in result.stdout


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_proc_file_is_refused_and_never_echoed(mini_copy: Path) -> None:
    """A rule file pointing into /proc was read and its content echoed in the YAML error
    (``/proc/self/status`` showed "Name: psoas-triage" in the message)."""
    (mini_copy / "sources.yaml").unlink()
    (mini_copy / "sources.yaml").symlink_to("/proc/self/status")
    result = cli("rules", "list", "--rules", str(mini_copy))
    assert result.returncode == 2
    line = one_error_line(result)
    assert "sources.yaml" in line and "Name:" not in line
    assert "pseudo-file" in line


def test_a_yaml_error_does_not_quote_the_file(mini_copy: Path) -> None:
    (mini_copy / "sources.yaml").write_text("secret-token-123: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert "secret-token-123" not in str(caught.value)
    assert "line" in str(caught.value)


def test_a_file_of_a_million_empty_rules_stops_early(mini_copy: Path) -> None:
    """1 MiB of ``rules: [{},{},...]`` took 22.7 s and 2.2 GiB before its error. Parsing now stops
    at a node limit, far below the memory that took (checked in a child with 1 GiB address
    space, which the old code exhausted)."""
    body = "family: x\ntitle: y\nrules: [" + ",".join(["{}"] * 340_000) + "]\n"
    (mini_copy / "huge.yaml").write_text(body, encoding="utf-8")
    result = run_python(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1024 ** 3, 1024 ** 3))
        from psoas_triage import RuleBookError, load_rulebook
        try:
            load_rulebook({str(mini_copy)!r})
        except RuleBookError as error:
            print(error.problems[0])
        """,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "huge.yaml" in result.stdout and "parsing stopped" in result.stdout


def test_rules_per_file_and_per_book_are_capped(mini_copy: Path, monkeypatch) -> None:
    """500 files of any number of rules were allowed."""
    import psoas_triage.rulebook as rulebook_module

    (mini_copy / "many.yaml").write_text(
        "family: x\ntitle: y\nrules: [" + ",".join(["{}"] * 501) + "]\n", encoding="utf-8"
    )
    with pytest.raises(RuleBookError, match="501 rules in one file; at most 500") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "many.yaml")
    (mini_copy / "many.yaml").unlink()
    monkeypatch.setattr(rulebook_module, "MAX_RULES", 3)
    with pytest.raises(RuleBookError, match="4 rules in the rule book; at most 3"):
        load_rulebook(mini_copy)


def test_a_huge_value_makes_a_short_error_message() -> None:
    """A 10 MB code built a 10 MB error message (2.6 s of did-you-mean)."""
    with pytest.raises(ReportError) as caught:
        assess({"present": ["x" * 10_000_000]})
    assert len(str(caught.value)) < 2_000
    assert len(json.dumps(caught.value.to_dict())) < 4_000


def test_reloading_an_edited_directory_keeps_the_engine_cache_bounded(mini_copy: Path) -> None:
    """Editing and reloading one directory 300 times kept 300 engines (+40 MiB). Now the cache
    keeps the newest few per directory, frees the rest, and ``engine_stats()`` shows it."""
    rules = mini_copy / "rules.yaml"
    original = rules.read_text(encoding="utf-8")
    before = engine_stats()
    rss_before = None
    for number in range(300):
        rules.write_text(original.replace("points: 12", f"points: {number % 40 + 1}"), "utf-8")
        book = load_rulebook(mini_copy)
        assert assess({"present": ["groin_pain"]}, book).psoas_score >= 0
        if number == 49:
            rss_before = rss_kib()
    stats = engine_stats()
    # Each content has two engines: the whole book and the warning-sign screen's small one,
    # each kind bounded per directory.
    kinds = 2
    same_directory = stats.built - before.built
    assert same_directory >= 40 * kinds  # 40 distinct contents were compiled (some recompiled)
    assert stats.cached - before.cached <= kinds * ENGINES_PER_DIRECTORY
    assert stats.alive - before.alive <= kinds * (ENGINES_PER_DIRECTORY + 1)
    assert stats.evicted - before.evicted >= same_directory - kinds * ENGINES_PER_DIRECTORY
    assert rss_before is not None and rss_kib() - rss_before < 8 * 1024
    assert engine_for(book) is engine_for(book)


# --- batch never loses data ---------------------------------------------------------------------


def make_input(path: Path, lines: int) -> Path:
    reports = [
        '{"present":["groin_pain"]}',
        '{"present":["fever"],"age":50}',
        '{"present":["groin_pain","hip_snapping"],"pain_intensity":8}',
    ]
    path.write_text("\n".join(reports[n % 3] for n in range(lines)) + "\n", encoding="utf-8")
    return path


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def wait_gone(pids: list[int], timeout: float = 10) -> list[int]:
    import time

    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        time.sleep(0.05)
    return alive


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_an_interrupted_batch_never_leaves_a_complete_looking_file(
    tmp_path: Path, workers: int, signal_name: str
) -> None:
    """SIGINT or SIGTERM left thousands of valid lines under the output's name, said nothing
    and (SIGTERM, 2 workers) left two orphaned workers and a temp folder. Now the output name
    appears only on success; an interrupt says so with the line reached, exits 130, removes its
    spool folder, stops every worker, and keeps the lines as ``OUT.partial``."""
    import signal
    import time

    source = make_input(tmp_path / "in.jsonl", 400_000)
    output = tmp_path / "out" / "out.jsonl"
    output.parent.mkdir()
    spool_root = tmp_path / "spool"
    spool_root.mkdir()
    process = subprocess.Popen(
        [str(SCRIPT), "batch", str(source), "-o", str(output), "-w", str(workers), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(spool_root)},
    )
    try:
        deadline = time.monotonic() + 60
        workers_seen: list[int] = []
        while time.monotonic() < deadline:
            temporary = [p for p in output.parent.iterdir() if p.name.endswith(".tmp")]
            workers_seen = sorted(set(workers_seen) | set(children_of(process.pid)))
            if temporary and temporary[0].stat().st_size > 50_000:
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        else:
            pytest.fail("the batch never started writing")
        if workers > 1:
            assert len(workers_seen) >= workers, workers_seen
        process.send_signal(getattr(signal, signal_name))
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    message = one_error_line(subprocess.CompletedProcess([], 130, "", stderr))
    assert "interrupted" in message and "incomplete" in message
    assert not output.exists(), "a complete-looking output file was left behind"
    partial = output.with_name("out.jsonl.partial")
    assert sorted(p.name for p in output.parent.iterdir()) == ["out.jsonl.partial"]
    lines = partial.read_text(encoding="utf-8").splitlines()
    assert f"after {len(lines)} reports" in message
    assert f"input line {len(lines)}" in message  # no blank lines: line N is report N
    for line in lines[:-1]:
        json.loads(line)
    assert list(spool_root.iterdir()) == [], "the spool folder was left behind"
    assert wait_gone(workers_seen) == [], "a worker survived the interrupt"


def test_a_completed_batch_replaces_the_output_atomically(tmp_path: Path) -> None:
    source = make_input(tmp_path / "in.jsonl", 30)
    output = tmp_path / "out.jsonl"
    output.write_text("old content\n", encoding="utf-8")
    result = cli("batch", str(source), "-o", str(output), "-q")
    assert result.returncode == 0, result.stderr
    assert len(output.read_text(encoding="utf-8").splitlines()) == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_a_hard_linked_output_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    """``ln in.jsonl out.jsonl; batch in.jsonl -o out.jsonl`` printed "0 reports", exit 0, and
    emptied the input: paths differ, the file is the same."""
    source = make_input(tmp_path / "in.jsonl", 10)
    before = source.read_bytes()
    os.link(source, tmp_path / "out.jsonl")
    result = cli("batch", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2
    assert "overwrite the input" in one_error_line(result)
    assert source.read_bytes() == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_write_error_names_the_output(tmp_path: Path) -> None:
    """``batch good.jsonl -o /dev/full`` blamed the input file."""
    source = make_input(tmp_path / "good.jsonl", 3000)
    result = cli("batch", str(source), "-o", "/dev/full", "-q")
    assert result.returncode == 1
    line = one_error_line(result)
    assert "/dev/full" in line and "good.jsonl" not in line


def test_a_stream_path_is_accepted_as_input(tmp_path: Path) -> None:
    """``batch <(cat x)`` said "no such file"."""
    source = make_input(tmp_path / "in.jsonl", 5)
    result = shell(f'"$CLI" batch <(cat {source}) -q')
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 5


# --- streams ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "code", "words"),
    [
        ('"$CLI" assess --input - <&-', 2, "standard input"),
        ('"$CLI" batch - <&-', 2, "standard input"),
        ('"$CLI" interview <&-', 2, "standard input"),
        ('"$CLI" batch IN >&-', 1, "standard output"),
        ('"$CLI" assess groin_pain >&-', 1, "standard output"),
        ('"$CLI" assess groin_pain --json >&-', 1, "standard output"),
        ('"$CLI" assess groin_pain --json > /dev/full', 1, "standard output"),
        ('"$CLI" assess groin_pain > /dev/full', 1, "standard output"),
        ('"$CLI" vocabulary > /dev/full', 1, "standard output"),
    ],
)
def test_closed_or_full_streams_are_one_clear_line(
    tmp_path: Path, command: str, code: int, words: str
) -> None:
    """Closed stdin/stdout ended in "internal error" (AttributeError); ``assess >&-`` exited 0
    with the output lost; ``--json > /dev/full`` was an internal error."""
    source = make_input(tmp_path / "in.jsonl", 3)
    result = shell(command.replace("IN", str(source)))
    assert result.returncode == code, result.stderr
    line = one_error_line(result) if "interview" not in command else result.stderr
    assert words in line.splitlines()[-1]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [["batch", "IN"], ["vocabulary"], ["rules", "list"], ["assess", "groin_pain"]],
)
def test_output_into_a_closed_pipe_ends_quietly_with_0(tmp_path: Path, args: list[str]) -> None:
    """``| head -1`` made batch, vocabulary and rules list exit 1. The reader here is gone
    before the first write, which is what ``head -1`` does to any longer output."""
    source = make_input(tmp_path / "in.jsonl", 500)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(SCRIPT), *[str(source) if arg == "IN" else arg for arg in args]],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "" or result.stderr.startswith("batch:"), result.stderr


def test_control_characters_in_rule_texts_are_refused(mini_copy: Path) -> None:
    """ESC, NUL and right-to-left overrides in rule titles were printed raw by ``rules list``."""
    rules = mini_copy / "rules.yaml"
    original = rules.read_text(encoding="utf-8")
    for character in ("\\e[2J", "\\0", "\\u202e"):
        rules.write_text(
            original.replace("title: Groin pain\n", f'title: "Groin {character}pain"\n', 1),
            encoding="utf-8",
        )
        with pytest.raises(RuleBookError, match="not allowed in rule texts") as caught:
            load_rulebook(mini_copy)
        assert caught.value.rule == "groin"


def test_terminal_output_escapes_control_characters() -> None:
    """Text that reaches the terminal from a rule book or from input shows escapes, not raw
    control characters (a code given on the command line is echoed in the error)."""
    from psoas_triage.cli import printable

    assert printable("a\x1b[2Jb\u202ec\x00") == "a\\x1b[2Jb\\u202ec\\x00"
    assert printable("plain text, é") == "plain text, é"
    result = cli("assess", "\x1b[31mgroin")
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\\x1b" in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("points: 12", "points: true", "points"),
        ("when: {pain_intensity: {gte: 7}}", "when: {pain_intensity: {gte: '7'}}", "gte"),
        ("red_flag: true", "red_flag: 'yes'", "red_flag"),
        ("points: 12", "points: 12.0", "points"),
    ],
)
def test_rule_files_are_not_coerced(mini_copy: Path, old: str, new: str, field: str) -> None:
    """``points: true`` counted as 1 point and ``gte: '7'`` was accepted."""
    rules = mini_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert field in str(caught.value)


def test_engine_stats_is_public_and_counts() -> None:
    stats = engine_stats()
    assert stats.per_directory == ENGINES_PER_DIRECTORY >= 1
    assert stats.cached <= stats.alive <= stats.built
    assert dataclasses.is_dataclass(stats)

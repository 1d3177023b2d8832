"""Benchmarks for psoas-triage: one command, one table.

    python benchmarks/run.py               # full run, writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick       # smaller counts, prints only (--write to record)
    python benchmarks/run.py --only assess,memory   # some sections (assess, rule-book,
                                           # next_question, cli, cold-start, batch, service,
                                           # dask, memory)
    python benchmarks/run.py --memory-1m   # the memory series goes on to 1,000,000 reports

Measured in one run, on the shipped rule book and a fixed-seed mix of realistic reports (1-5
findings each, about one in eight with a red flag), given as the public input (dicts and JSON
lines, not pre-validated models). The timed reports are all distinct, so the library's per-book
memos (advice, alternatives, screen) only help where real workloads would too. Wall and CPU
time (``time.process_time``) side by side: on a shared machine CPU time is the steadier one.

- ``assess(dict)`` latency (median, p99), CPU and wall time per call, throughput; with
  ``model_dump_json``; and the batch path (JSON line in, JSON out);
- the C-engine-calls floor: the library's compiled ruleset driven through
  ``durable_rules_engine`` directly (assert a prebuilt fact string, take and complete each
  action, delete the session), what any wrapper of this engine pays; ``assess(dict)`` / floor
  is the headline ratio (issue 16: <= 1.6x);
- the Host baseline: the same ruleset on a bare durable_rules Host (``assert_fact`` +
  ``delete_state``, actions that only append the rule id), i.e. with durable's Python layer;
- a plain-Python floor: an index from code to rules, summing the points of the rules whose
  conditions hold (no engine, no models);
- rule-book load and compile time; ``psoas-triage assess`` cold start as a whole process;
- batch throughput with 1 and 2 worker processes, the scaling ratio, ``--compact``, and the
  bytes per output line of the full and the compact record;
- with the service extra: ``POST /v1/assess`` requests/s over loopback, 1 and 2 server workers;
- resident memory while streaming distinct reports (10k, 100k, 250k; 1M with ``--memory-1m``)
  in a fresh process, with one rule book and with two alternating.

Not part of the test suite: numbers depend on the machine. Compare ratios within one run.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from psoas_triage import RuleBook, SymptomReport, assess, load_rulebook, parse_report
from psoas_triage.engine import (
    CATCH_ALL,
    RULESET_NAME,
    RuleEngine,
    compile_ruleset,
    engine_for,
    report_fact,
)
from psoas_triage.explain import build_evidence, evidence_item
from psoas_triage.localise import localise_assessment
from psoas_triage.reports import parse_report_json
from psoas_triage.scoring import score_fired
from psoas_triage.triage import decide_triage
from psoas_triage.workload import SEED, mixed_reports, rss_kib, stream_reports
from table import Row, print_table, status  # benchmarks/table.py, beside this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
COMMAND_FULL = "python benchmarks/run.py"


# --- workload -----------------------------------------------------------------------------------


# --- measuring helpers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    median_us: float
    p99_us: float
    per_second: float
    mean_us: float
    cpu_us: float
    """CPU time per call (time.process_time) in the round with the least of it."""


def compare(
    candidates: dict[str, tuple[Callable[[Any], Any], Sequence[Any]]],
    samples: int,
    rounds: int = 10,
) -> dict[str, Timing]:
    """Time each candidate in interleaved rounds, so a busy neighbour hits them all alike.

    Latency median and p99 come from every timed call; throughput from the best round (the
    usual estimator on a shared machine: noise only ever adds time).
    """
    for call, items in candidates.values():
        for item in items[: min(len(items), 500)]:
            call(item)  # warm up caches and the engine
    clock = time.perf_counter_ns
    cpu_clock = time.process_time_ns
    durations: dict[str, list[int]] = {name: [] for name in candidates}
    best: dict[str, float] = dict.fromkeys(candidates, float("inf"))
    best_cpu: dict[str, float] = dict.fromkeys(candidates, float("inf"))
    chunk = max(1, samples // rounds)
    gc.collect()
    for round_number in range(rounds):
        for name, (call, items) in candidates.items():
            count = len(items)
            offset = round_number * chunk
            record = durations[name].append
            started, cpu_started = clock(), cpu_clock()
            for number in range(offset, offset + chunk):
                item = items[number % count]
                before = clock()
                call(item)
                record(clock() - before)
            best[name] = min(best[name], (clock() - started) / chunk)
            best_cpu[name] = min(best_cpu[name], (cpu_clock() - cpu_started) / chunk)
    timings = {}
    for name, values in durations.items():
        values.sort()
        timings[name] = Timing(
            median_us=statistics.median(values) / 1000,
            p99_us=values[min(len(values) - 1, int(len(values) * 0.99))] / 1000,
            per_second=1e9 / best[name],
            mean_us=best[name] / 1000,
            cpu_us=best_cpu[name] / 1000,
        )
    return timings


# --- the three ways to evaluate a report --------------------------------------------------------


class BareHost:
    """The compiled ruleset on a plain durable_rules Host: the raw baseline, no library code.

    Only the stock Host's two timer threads are switched off (they call the lock-free C engine
    every 0.2 s from other threads, which can crash the process); nothing else is changed.
    """

    def __init__(self, book: RuleBook) -> None:
        from durable.engine import Host

        class NoTimerHost(Host):
            def _run(self) -> None:
                pass

        self.fired: list[str] = []
        definition = copy.deepcopy(compile_ruleset(book))
        for rule_id, rule in definition.items():
            rule["run"] = self._noop if rule_id == CATCH_ALL else self._recorder(rule_id)
        self.host = NoTimerHost({RULESET_NAME: definition})

    def _recorder(self, rule_id: str) -> Callable[[Any], None]:
        fired = self.fired

        def record(_closure: Any) -> None:
            fired.append(rule_id)

        return record

    @staticmethod
    def _noop(_closure: Any) -> None:
        pass

    def evaluate(self, fact: dict[str, Any]) -> list[str]:
        self.fired.clear()
        self.host.assert_fact(RULESET_NAME, fact)
        self.host.delete_state(RULESET_NAME, fact["sid"])
        return list(self.fired)


class CEngineFloor:
    """The floor: the C engine's own calls on a prebuilt fact string, nothing else.

    ``assert_fact``, then each matched rule's action taken and completed (``start_action`` /
    ``update_state`` / ``complete_and_start_action``, messages not decoded), then
    ``delete_state``, all on ``durable_rules_engine`` directly: what any wrapper of this engine
    must pay per report. The ruleset is the library's own compiled one.
    """

    def __init__(self, book: RuleBook) -> None:
        from durable.engine import Host

        from psoas_triage._durable import durable_rules_engine

        class NoTimerHost(Host):
            def _run(self) -> None:
                pass

        definition = copy.deepcopy(compile_ruleset(book))
        for rule in definition.values():
            rule["run"] = BareHost._noop
        self.host = NoTimerHost({RULESET_NAME: definition})
        self.handle = self.host.get_ruleset(RULESET_NAME)._handle
        self.engine = durable_rules_engine

    def evaluate(self, fact: str) -> int:
        """Actions taken for ``fact`` (a JSON string whose sid is "1")."""
        engine, handle = self.engine, self.handle
        code, state_handle = engine.assert_fact(handle, fact)
        taken = 0
        started = engine.start_action_for_state(handle, 0 if code == 3 else state_handle)
        if started:
            state, message = started[0], started[1]
            while message:
                taken += 1
                engine.update_state(handle, state)
                message = engine.complete_and_start_action(handle, state_handle)
        engine.delete_state(handle, "1")
        return taken


class PlainPython:
    """The floor: an index from code to rules, summing the points of rules whose codes hold."""

    def __init__(self, book: RuleBook) -> None:
        self.by_code: dict[str, list[Any]] = {}
        self.without_codes: list[Any] = []
        self.needs_specific = book.marks_specific_signs
        self.likely = book.policy.bands.likely
        for loaded in book.rules:
            rule = loaded.rule
            entry = (
                rule.id,
                frozenset(rule.when.all),
                frozenset(rule.when.any),
                tuple(rule.when.numbers().items()),
                rule.when.sex,
                rule.points,
                frozenset(rule.when.absent),
                rule.psoas_specific,
            )
            codes = rule.when.codes()
            if not codes:
                self.without_codes.append(entry)
            for code in dict.fromkeys(codes):
                self.by_code.setdefault(code, []).append(entry)

    def score(self, report: SymptomReport) -> int:
        present, absent = set(report.present), set(report.absent)
        seen: set[str] = set()
        total, specific = 0, not self.needs_specific
        codes = present | absent
        candidates = [entry for code in codes for entry in self.by_code.get(code, ())]
        for entry in candidates + self.without_codes:
            rule_id, all_codes, any_codes, numbers, sex, points, denied, is_specific = entry
            if rule_id in seen:
                continue
            seen.add(rule_id)
            if not all_codes <= present or (any_codes and not any_codes & present):
                continue
            if not denied <= absent or (sex is not None and report.sex is not sex):
                continue
            if all(bound.holds(getattr(report, name)) for name, bound in numbers):
                total += points
                specific = specific or is_specific
        ceiling = 100 if specific else self.likely - 1
        return max(0, min(ceiling, total))


# --- sections -----------------------------------------------------------------------------------


def _explain_inputs(book: RuleBook, report: SymptomReport) -> tuple[Any, ...]:
    """What ``build_evidence`` takes for one report, computed ahead so only it is timed."""
    fired = [book.rule(rule_id) for rule_id in engine_for(book).fired_rule_ids(report)]
    scored = score_fired(fired, book.policy.bands, book.marks_specific_signs)
    decision = decide_triage(fired, scored.triage_likelihood, book.policy, scored.likelihood)
    items = {
        loaded.rule.id: evidence_item(loaded, book.grade(loaded.rule.sources, loaded.rule.evidence))
        for loaded in book.rules
    }
    return (fired, scored, decision, book.policy.bands, items)


def measure_in_process(book: RuleBook, samples: int, rows: list[Row]) -> dict[str, float]:
    reports = mixed_reports(book, samples)  # every timed call sees a report it has not seen
    dicts = [report.model_dump(mode="json", exclude_none=True) for report in reports]
    # Each assess() candidate gets reports of its own, so none is timed on memos another warmed.
    dicts_for_json = [
        report.model_dump(mode="json", exclude_none=True)
        for report in mixed_reports(book, samples, seed=SEED + 3)
    ]
    lines = [
        report.model_dump_json(exclude_none=True)
        for report in mixed_reports(book, samples, seed=SEED + 4)
    ]
    facts = [report_fact(report, "1") for report in reports]
    fact_strings = [json.dumps(fact, ensure_ascii=False) for fact in facts]
    engine = engine_for(book)
    bare = BareHost(book)
    c_floor = CEngineFloor(book)
    floor = PlainPython(book)

    # They must agree before their speeds are compared.
    for report, fact, text in zip(reports[:500], facts[:500], fact_strings[:500], strict=True):
        # The baselines run the whole book, experimental rules included.
        whole = assess(report, book, include_experimental=True)
        expected = whole.fired_rule_ids
        assert tuple(sorted(set(bare.evaluate(fact)), key=expected.index)) == expected
        # one action per match (a rule with `any` can match twice) and the catch-all
        assert c_floor.evaluate(text) >= len(expected) + 1
        assert floor.score(report) == whole.psoas_score

    explain_inputs = [_explain_inputs(book, report) for report in reports]
    # The locale step alone, on finished assessments (assess(..., language=) is assess + this).
    locale = book.locales[min(book.locales)] if book.locales else None
    finished = [assess(report, book) for report in reports[: min(len(reports), 2_000)]]
    timings = compare(
        {
            "dict": (lambda data: assess(data, book), dicts),
            "dict_json": (lambda data: assess(data, book).model_dump_json(), dicts_for_json),
            "jsonl": (
                lambda line: assess(parse_report_json(line, book), book).model_dump_json(),
                lines,
            ),
            "locale": (lambda done: localise_assessment(done, book, locale), finished),
            "explain": (lambda args: build_evidence(*args), explain_inputs),
            "engine": (engine.fired_rule_ids, reports),
            "c_floor": (c_floor.evaluate, fact_strings),
            "raw": (bare.evaluate, facts),
            "plain": (floor.score, reports),
            "validate": (lambda data: parse_report(data, book), dicts),
        },
        samples,
    )
    library, engine_only, raw, c_engine, plain = (
        timings[name] for name in ("dict", "engine", "raw", "c_floor", "plain")
    )
    to_floor = library.cpu_us / c_engine.cpu_us
    rows += [
        Row("assess()", "assess(dict) latency median / p99 (wall)", _latency(library)),
        Row("assess()", "assess(dict) CPU / wall per call", _cpu_wall(library)),
        Row(
            "assess()",
            "throughput, one process",
            f"{library.per_second:,.0f} /s",
            ">= 3,000 /s",
            library.per_second >= 3_000,
        ),
        Row(
            "assess()",
            "assess(dict) + model_dump_json, CPU / wall",
            _cpu_wall(timings["dict_json"]),
        ),
        Row(
            "assess()",
            "JSON line -> parse_report_json -> assess -> JSON (the batch path), CPU / wall",
            _cpu_wall(timings["jsonl"]),
        ),
        Row(
            "baseline",
            "C engine calls floor (assert_fact + take actions + delete, prebuilt fact string)",
            f"{_latency(c_engine)}; {_cpu_wall(c_engine)}",
        ),
        Row(
            "baseline",
            "assess(dict) / C engine floor (CPU)",
            f"{to_floor:.2f}x",
            "<= 1.6x",
            to_floor <= 1.6,
        ),
        Row(
            "baseline",
            "Host.assert_fact + delete_state (durable's Python layer, prebuilt fact dict)",
            f"{_latency(raw)}; {_cpu_wall(raw)} ({raw.cpu_us / c_engine.cpu_us:.2f}x C floor)",
        ),
        Row(
            "baseline",
            "assess(dict) / Host.assert_fact (CPU)",
            f"{library.cpu_us / raw.cpu_us:.2f}x",
        ),
        Row(
            "baseline",
            "library engine layer only (RuleEngine.fired_rule_ids), CPU",
            f"{engine_only.cpu_us:.0f} µs ({engine_only.cpu_us / c_engine.cpu_us:.2f}x C floor)",
        ),
        Row(
            "baseline",
            "plain-Python floor (code index, sum points) median",
            f"{plain.median_us:.1f} µs ({plain.per_second:,.0f} /s; "
            f"assess is {library.cpu_us / plain.cpu_us:,.0f}x)",
        ),
    ]
    explained = timings["explain"]
    share = explained.cpu_us / library.cpu_us
    rows.append(
        Row(
            "assess()",
            "of which building Assessment.evidence (the explanation), CPU",
            f"{explained.cpu_us:.1f} µs ({share:.1%} of assess)",
            "< 10%",
            share < 0.10,
        )
    )
    if locale is not None:
        step = timings["locale"]
        cost = step.mean_us / library.mean_us
        rows.append(
            Row(
                "assess()",
                f"applying a locale (language={locale.language!r}) to the Assessment, median",
                f"{step.median_us:.1f} µs ({cost:.1%} of assess)",
                "< 15%",
                cost < 0.15,
            )
        )
    validate = timings["validate"]
    rows.append(
        Row(
            "assess()",
            "of which validating the dict (parse_report), CPU",
            f"{validate.cpu_us:.1f} µs ({validate.cpu_us / library.cpu_us:.0%} of assess)",
        )
    )
    return {"library_per_second": library.per_second, "ratio": to_floor}


def _latency(timing: Timing) -> str:
    return f"{timing.median_us:.0f} / {timing.p99_us:.0f} µs"


def _cpu_wall(timing: Timing) -> str:
    return f"{timing.cpu_us:.0f} / {timing.mean_us:.0f} µs"


def measure_load(path: Path, repeats: int, rows: list[Row]) -> None:
    loads, compiles = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        book = load_rulebook(path)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        RuleEngine(book)  # a fresh host each time (engine_for would return the cached one)
        compiles.append(time.perf_counter() - started)
    rows += [
        Row("rule book", f"load + validate {len(book.rules)} rules (median)", _ms(loads)),
        Row("rule book", "compile into a durable_rules host (median)", _ms(compiles)),
    ]


def measure_next_question(book: RuleBook, count: int, rows: list[Row]) -> None:
    """``next_question`` on mid-interview reports: the checklist answered, some findings and
    numbers given (distinct reports from the fixed-seed mix)."""
    from psoas_triage import next_question
    from psoas_triage.screening import warning_sign_codes

    signs = warning_sign_codes(book)
    reports = []
    for report in mixed_reports(book, count, seed=15):
        taken = {*report.present, *report.absent}
        absent = (*report.absent, *(code for code in signs if code not in taken))
        reports.append(report.model_copy(update={"absent": absent}))
    next_question(reports[0], book)  # warm the per-book caches once
    times = []
    for report in reports:
        started = time.perf_counter()
        next_question(report, book)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    rows.append(
        Row(
            "interview",
            f"next_question on a mid-interview report, median of {count}",
            f"{median * 1000:.1f} ms",
            "< 20 ms",
            median < 0.020,
        )
    )


def measure_cold_start(book: RuleBook, repeats: int, rows: list[Row]) -> None:
    script = Path(sys.executable).with_name("psoas-triage")
    if not script.exists():
        rows.append(Row("CLI", "psoas-triage assess cold start", "not installed"))
        return
    report = next(r for r in mixed_reports(book, 50) if 2 <= len(r.present) <= 3)
    command = [str(script), "assess", *report.present, "--age", "40", "--pain", "5"]
    times = []
    for number in range(repeats + 1):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
            rows.append(Row("CLI", "psoas-triage assess cold start", f"failed: {message}"))
            return
        if number:  # the first run only warms the page cache
            times.append(elapsed)
    import_times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import psoas_triage"], check=True)
        import_times.append(time.perf_counter() - started)
    median = statistics.median(times)
    rows += [
        Row(
            "CLI",
            f"`psoas-triage assess` ({len(report.present)} codes) cold start, median of {repeats}",
            f"{median * 1000:.0f} ms",
            "< 500 ms",
            median < 0.5,
        ),
        Row("CLI", "of which `python -c 'import psoas_triage'`", _ms(import_times)),
    ]


def measure_batch(book: RuleBook, count: int, rows: list[Row]) -> None:
    reports = mixed_reports(book, count, seed=SEED + 1)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        source.write_text(
            "".join(report.model_dump_json(exclude_none=True) + "\n" for report in reports),
            encoding="utf-8",
        )
        try:
            from psoas_triage.batch import run_batch
        except ImportError:
            rows.append(
                Row("batch", "run_batch", "psoas_triage.batch has not landed: not measured")
            )
            return
        speeds = {}
        for workers in (1, 2):
            target = Path(tmp) / f"out{workers}.jsonl"
            started = time.perf_counter()
            run_batch(source, target, workers=workers, rules=None, progress=False)
            elapsed = time.perf_counter() - started
            lines = sum(1 for _ in target.open(encoding="utf-8"))
            assert lines == count, f"batch wrote {lines} lines for {count} reports"
            speeds[workers] = count / elapsed
        first = (Path(tmp) / "out1.jsonl").read_bytes()
        assert first == (Path(tmp) / "out2.jsonl").read_bytes(), "1 and 2 workers differ"
        compact = Path(tmp) / "compact.jsonl"
        started = time.perf_counter()
        run_batch(source, compact, workers=2, rules=None, progress=False, compact=True)
        speeds[0] = count / (time.perf_counter() - started)
        sizes = {"full": len(first) / count, "compact": compact.stat().st_size / count}
    scaling = speeds[2] / speeds[1]
    rows += [
        Row("batch", f"{count:,} reports, 1 worker", f"{speeds[1]:,.0f} /s"),
        Row("batch", f"{count:,} reports, 2 workers", f"{speeds[2]:,.0f} /s"),
        Row("batch", "scaling 2 workers / 1 worker", f"{scaling:.2f}x", ">= 1.7x", scaling >= 1.7),
        Row("batch", f"--compact, {count:,} reports, 2 workers", f"{speeds[0]:,.0f} /s"),
        Row(
            "batch",
            "bytes per line: full record / --compact",
            f"{sizes['full']:,.0f} B / {sizes['compact']:,.0f} B "
            f"({sizes['full'] / sizes['compact']:.0f}x smaller)",
        ),
    ]


MEMORY_CHECKPOINTS = (10_000, 100_000, 250_000)
MEMORY_LONG = 1_000_000


def measure_memory(checkpoints: Sequence[int], rows: list[Row]) -> None:
    """RSS while streaming distinct reports (public input: dicts), in a fresh process each,
    with one rule book and with two books alternating; the growth from the first checkpoint
    to the last must stay under 5 MiB (issue 16)."""
    for books in (1, 2):
        command = [sys.executable, __file__, "--memory-child", str(books)]
        done = subprocess.run(
            [*command, *map(str, checkpoints)], capture_output=True, text=True, check=True
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rss = result["rss"]
        label = "one rule book" if books == 1 else "two rule books alternating"
        series = ", ".join(
            f"{count // 1000:,}k: {kib / 1024:.1f}"
            for count, kib in zip(checkpoints, rss, strict=True)
        )
        growth = (rss[-1] - rss[0]) / 1024
        rows += [
            Row("memory", f"RSS (MiB) streaming distinct reports, {label}", series),
            Row(
                "memory",
                f"growth {checkpoints[0]:,} -> {checkpoints[-1]:,} distinct, {label} "
                f"({result['seconds']:.0f} s)",
                f"{growth:+.2f} MiB",
                "< 5 MiB",
                growth < 5,
            ),
        ]


def memory_child(books: int, checkpoints: Sequence[int]) -> None:
    """Stream distinct reports through assess() and print the RSS at each checkpoint."""
    shipped = load_rulebook()
    rulebooks = [shipped]
    with tempfile.TemporaryDirectory() as tmp:
        if books == 2:  # the same rules under another digest: its own engine and memos
            other = Path(tmp) / "rules"
            shutil.copytree(shipped.path, other)
            vocabulary = other / "vocabulary.yaml"
            vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "# copy\n", "utf-8")
            rulebooks.append(load_rulebook(other))
        stream = stream_reports(shipped)
        started = time.perf_counter()
        done, rss = 0, []
        for checkpoint in checkpoints:
            for number in range(done, checkpoint):
                report = next(stream).model_dump(mode="json", exclude_none=True)
                assess(report, rulebooks[number % books])
            done = checkpoint
            gc.collect()
            rss.append(rss_kib())
            print(json.dumps({"reports": checkpoint, "rss_kib": rss[-1]}), flush=True)
        seconds = time.perf_counter() - started
    print(json.dumps({"rss": rss, "seconds": seconds}))


# --- report -------------------------------------------------------------------------------------


def _ms(seconds: Sequence[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f} ms"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"CPython {platform.python_version()}; durable-rules {metadata.version('durable-rules')}, "
        f"pydantic {metadata.version('pydantic')}"
    )


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def measure_service(book: RuleBook, count: int, rows: list[Row]) -> None:
    """Requests/s for POST /v1/assess on a real ``psoas-triage serve`` over loopback.

    Four client threads with keep-alive connections; 1 and 2 server workers; next to assess()
    in process on the same reports, so the HTTP cost per request is visible. The client shares
    the machine with the server, so on a small machine it limits the 2-worker figure too.
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        rows.append(Row("service", "POST /v1/assess", "service extra not installed: not measured"))
        return
    import http.client
    import socket
    from concurrent.futures import ThreadPoolExecutor

    reports = mixed_reports(book, count, seed=SEED + 2)
    bodies = [report.model_dump_json().encode() for report in reports]
    started = time.perf_counter()
    for report in reports:
        assess(report, book)
    in_process = count / (time.perf_counter() - started)
    clients = 4

    def post_all(port: int, part: list[bytes]) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        done = 0
        headers = {"Content-Type": "application/json"}
        for body in part:
            connection.request("POST", "/v1/assess", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            done += 1
        connection.close()
        return done

    speeds: dict[int, float] = {}
    for workers in (1, 2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [sys.executable, "-m", "psoas_triage", "serve", "--port", str(port)]
        command += ["--workers", str(workers)]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    post_all(port, bodies[:1])
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(post_all, [port] * clients, [bodies[:200]] * clients))
                parts = [bodies[number::clients] for number in range(clients)]
                started = time.perf_counter()
                done = sum(pool.map(post_all, [port] * clients, parts))
                speeds[workers] = done / (time.perf_counter() - started)
        finally:
            server.terminate()
            server.wait(timeout=30)
    cost = (1 / speeds[1] - 1 / in_process) * 1e6
    rows += [
        Row("service", f"assess() in process, same {count:,} reports", f"{in_process:,.0f} /s"),
        Row(
            "service",
            f"POST /v1/assess over loopback, 1 worker, {clients} clients",
            f"{speeds[1]:,.0f} /s",
        ),
        Row(
            "service",
            f"POST /v1/assess over loopback, 2 workers, {clients} clients",
            f"{speeds[2]:,.0f} /s",
        ),
        Row("service", "HTTP cost per request (1 worker vs in process)", f"{cost:,.0f} µs"),
    ]


def measure_cold_start_ratios(repeats: int, before: str | None, rows: list[Row]) -> None:
    """benchmarks/cold_start.py's rows: each CLI variant against the import floor."""
    sys.path.insert(0, str(HERE))
    import cold_start

    rows += [*cold_start.cold_start_rows(repeats, before), *cold_start.load_rows()]


def measure_before_after(befores: Sequence[str], count: int, rows: list[Row]) -> None:
    """benchmarks/before_after.py's rows: assess(dict) of each ``--before`` ref and of today."""
    if not befores:
        return
    sys.path.insert(0, str(HERE))
    import before_after

    rows += before_after.before_after_rows(befores, count)


def measure_dask(count: int, rows: list[Row]) -> None:
    """benchmarks/dask_rows.py's rows: 1 and 2 Dask workers beside batch --workers 1 and 2."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        rows.append(Row("dask", "Dask rows", "skipped: the dask extra is not installed"))
        return
    sys.path.insert(0, str(HERE))
    import dask_rows

    rows += dask_rows.rows(count)


def markdown(rows: list[Row], header: dict[str, str]) -> str:
    lines = ["# Benchmark results", ""]
    lines += [f"- **{key}**: {value}" for key, value in header.items()]
    lines += ["", "| | measure | result | target | |", "|---|---|---|---|---|"]
    for row in rows:
        value = row.value.replace("|", "\\|")
        lines.append(f"| {row.section} | {row.measure} | {value} | {row.target} | {status(row)} |")
    return "\n".join([*lines, "", NOTES]) + "\n"


NOTES = """\
Notes:
- The *C engine floor* drives the library's own compiled ruleset (one rule per rule-book rule
  plus the catch-all) through `durable_rules_engine` directly, on fact strings built
  beforehand: assert, take and complete every matched action (messages not decoded), delete.
  No wrapper of this engine can do less per report. The *Host* row is the same ruleset through
  `durable.engine.Host.assert_fact`, whose Python layer decodes and re-encodes the session
  state around every action; the library does not use that path.
- `assess(dict)` is the public input: a plain dict validated against the vocabulary, with
  everything `assess()` returns (screen, open questions, advice, explanation, the pydantic
  model). The warning-sign screen asks the engine (a small ruleset, on an optimistic report)
  only for a sex and number ranges it has not met before and remembers the answer, so nearly
  every report costs one engine call.
- CPU time is `time.process_time` in the best of 10 interleaved rounds; wall-clock latency
  percentiles are over every call. On a shared machine compare the ratios of one run.
- Memory is measured in a fresh process streaming distinct reports (dicts), after a
  `gc.collect()` at each checkpoint; the per-book memos are bounded and share their models."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, print only")
    parser.add_argument("--memory-child", nargs="+", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--memory-1m",
        action="store_true",
        help=f"stream {MEMORY_LONG:,} distinct reports in the memory series (long)",
    )
    parser.add_argument(
        "--before",
        metavar="REF",
        action="append",
        default=[],
        help="also time assess() of this git ref (e.g. the commit an optimisation started from) "
        "beside today's, on the same reports; the first one's CLI too (repeatable)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    parser.add_argument(
        "--write", action="store_true", help="write RESULTS.md even with --quick or --only"
    )
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help="comma-separated sections to run (assess, rule-book, next_question, cli, "
        "cold-start, before, batch, service, dask, memory); implies --no-write",
    )
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child[0], args.memory_child[1:])
        return 0

    quick = args.quick
    samples = 5_000 if quick else 50_000
    book = load_rulebook()
    rows: list[Row] = []
    started = time.perf_counter()
    steps: list[tuple[str, Callable[[], Any]]] = [
        (
            "assess, raw durable_rules and the floor",
            lambda: measure_in_process(book, samples, rows),
        ),
        ("rule-book load and compile", lambda: measure_load(book.path, 3 if quick else 7, rows)),
        ("next_question", lambda: measure_next_question(book, 200 if quick else 1_000, rows)),
        ("CLI cold start", lambda: measure_cold_start(book, 3 if quick else 7, rows)),
        (
            "cold-start against the import floor (cache, libyaml)",
            lambda: measure_cold_start_ratios(
                5 if quick else 11, args.before[0] if args.before else None, rows
            ),
        ),
        (
            "before, assess() of the --before refs beside today's",
            lambda: measure_before_after(args.before, 2_000 if quick else 10_000, rows),
        ),
        ("batch", lambda: measure_batch(book, 4_000 if quick else 40_000, rows)),
        ("service", lambda: measure_service(book, 2_000 if quick else 10_000, rows)),
        ("dask beside batch --workers", lambda: measure_dask(4_000 if quick else 20_000, rows)),
        (
            "memory",
            lambda: measure_memory(
                (10_000, 50_000)
                if quick
                else (*MEMORY_CHECKPOINTS, *((MEMORY_LONG,) if args.memory_1m else ())),
                rows,
            ),
        ),
    ]
    only = set(args.only.split(",")) if args.only else None
    for name, step in steps:
        if only is not None and name.split()[0].lower().strip(",") not in only:
            continue
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        step()
    command = (
        COMMAND_FULL
        + (" --quick" if quick else "")
        + (" --memory-1m" if args.memory_1m else "")
        + "".join(f" --before {ref}" for ref in args.before)
        + (f" --only {args.only}" if only else "")
    )
    header = {
        "command": f"`{command}` (from the repository root, with the project's venv)",
        "machine": machine(),
        "rule book": f"{book.name} {book.full_version}, {len(book.rules)} rules",
        "workload": "fixed-seed mix of reports from the rule book's vocabulary "
        "(1-5 findings, ~1 in 8 with a red flag); every timed report distinct",
        "commit": git_commit(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "took": f"{time.perf_counter() - started:.0f} s",
    }
    print_table(rows, f"psoas-triage benchmarks ({command})")
    for key, value in header.items():
        print(f"{key}: {value}")
    if args.write or (not quick and not args.no_write and only is None):
        RESULTS.write_text(markdown(rows, header), encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where the time of ``assess(dict)`` + ``model_dump_json()`` goes, stage by stage.

    python benchmarks/profile_shares.py                # 6,000 distinct reports, a few seconds
    python benchmarks/profile_shares.py --reports 20000

Each stage function is wrapped with a clock (``time.perf_counter_ns``, no system call) where the
pipeline looks it up, so the figures stay close to the unprofiled ones (a wrapper costs well
under a microsecond; cProfile instead charges every Python call and inflates the Python
stages). The engine layer includes durable_rules' C calls: benchmarks/run.py's "C engine calls
floor" row says how much of it they are. The unwrapped time per report, measured in the same
process, is printed last.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from psoas_triage import assess, assessment, engine, load_rulebook
from psoas_triage.models import Assessment
from psoas_triage.workload import mixed_reports
from table import Row, print_table  # benchmarks/table.py, beside this script

STAGES = (
    (assessment, "parse_report", "input validation (parse_report)"),
    (engine.RuleEngine, "fired_rule_ids", "engine layer (RuleEngine.fired_rule_ids)"),
    (assessment, "screen", "warning-sign screen"),
    (assessment, "band_open_keys", "band's open questions"),
    (assessment, "score_fired", "score"),
    (assessment, "decide_triage", "triage"),
    (assessment, "apply_screen", "triage: the screen's floor"),
    (assessment._Prepared, "advice_for", "advice and referrals (memo)"),
    (assessment._Prepared, "alternatives_for", "alternatives (memo)"),
    (assessment, "build_evidence", "explanation (evidence)"),
    (Assessment, "model_dump_json", "JSON output (model_dump_json)"),
)


def _timed(function: Callable[..., Any], totals: dict[str, int], label: str) -> Any:
    clock = time.perf_counter_ns

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] += clock() - started

    return timed


def shares(count: int) -> list[Row]:
    book = load_rulebook()
    reports = [r.model_dump(mode="json", exclude_none=True) for r in mixed_reports(book, count)]
    for report in reports[:1000]:  # memos and engines warm, as in a long-running process
        assess(report, book).model_dump_json()
    totals = {label: 0 for *_, label in STAGES}
    saved = []
    for owner, name, label in STAGES:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, _timed(getattr(owner, name), totals, label))
    try:
        started = time.perf_counter_ns()
        for report in reports[1000:]:
            assess(report, book).model_dump_json()
        total = time.perf_counter_ns() - started
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
    parts = dict(totals)
    parts["Assessment model, the rest"] = total - sum(parts.values())
    timed = len(reports) - 1000
    started = time.perf_counter_ns()
    for report in reports[1000:]:
        assess(report, book).model_dump_json()
    plain = time.perf_counter_ns() - started
    rows = [
        Row("profile", label, f"{spent / total:5.1%}  ({spent / timed / 1000:.1f} µs)")
        for label, spent in parts.items()
    ]
    rows += [
        Row("profile", "total per report, wrappers included", f"{total / timed / 1000:.1f} µs"),
        Row("profile", "total per report, unwrapped", f"{plain / timed / 1000:.1f} µs"),
    ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=6_000)
    options = parser.parse_args(argv)
    command = " ".join(["python benchmarks/profile_shares.py", *(argv or sys.argv[1:])])
    print_table(shares(options.reports), f"psoas-triage profile shares ({command})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

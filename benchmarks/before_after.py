"""``assess(dict)`` (and ``+ model_dump_json``) of git refs against today's tree, in one run.

    python benchmarks/before_after.py --before f9eb136 --before a600e1c   # a few minutes
    python benchmarks/before_after.py --before f9eb136 --reports 5000 --rounds 5

Each ref is exported with ``git archive`` and run from its ``src/`` in a child process of this
interpreter; today's tree is the installed one. Every child times the same distinct report dicts
(fixed seed, from today's rule book, keeping only codes every ref's vocabulary knows, so each
ref assesses exactly the same reports with its own rule book). The children run in turn within
each round, so a busy machine slows them alike; a child warms up on 1,000 other reports first,
and its figure is the CPU time (``time.process_time``) per report; the best round counts.
``before_after_rows()`` returns the rows for ``benchmarks/run.py --before``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cold_start import export_ref  # benchmarks/cold_start.py, beside this script
from table import Row, print_table

CHILD = """
import json, sys, time
from psoas_triage import assess, load_rulebook
book = load_rulebook()
if sys.argv[1] == "codes":
    print(json.dumps(sorted(book.terms)))
    raise SystemExit
with open(sys.argv[2], encoding="utf-8") as file:
    reports = json.load(file)
warm, timed = reports[:1000], reports[1000:]
for report in warm:
    assess(report, book).model_dump_json()
started = time.process_time()
for report in timed:
    assess(report, book)
plain = time.process_time() - started
started = time.process_time()
for report in timed:
    assess(report, book).model_dump_json()
dumped = time.process_time() - started
print(json.dumps({"assess": plain / len(timed), "json": dumped / len(timed)}))
"""


def _run(source: Path | None, *args: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PSOAS_TRIAGE")}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def workload(sources: dict[str, Path | None], count: int, path: Path) -> None:
    """``count`` + 1,000 distinct report dicts using only codes every tree's book knows."""
    from psoas_triage import load_rulebook
    from psoas_triage.workload import stream_reports

    known = set.intersection(*(set(json.loads(_run(src, "codes"))) for src in sources.values()))
    chosen: list[dict[str, object]] = []
    seen: set[str] = set()
    for report in stream_reports(load_rulebook()):
        if {*report.present, *report.absent} <= known:
            data = report.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            text = json.dumps(data, sort_keys=True)
            if text not in seen:
                seen.add(text)
                chosen.append(data)
        if len(chosen) == count + 1000:
            break
    path.write_text(json.dumps(chosen), encoding="utf-8")


def before_after_rows(befores: Sequence[str], count: int = 10_000, rounds: int = 5) -> list[Row]:
    with tempfile.TemporaryDirectory() as scratch:
        sources: dict[str, Path | None] = {
            ref: export_ref(ref, Path(scratch) / f"ref{number}")
            for number, ref in enumerate(befores)
        }
        sources["now"] = None
        reports = Path(scratch) / "reports.json"
        workload(sources, count, reports)
        best: dict[str, dict[str, float]] = {}
        for _ in range(rounds):
            for name, source in sources.items():
                measured = json.loads(_run(source, "time", str(reports)))
                kept = best.setdefault(name, measured)
                for key, value in measured.items():
                    kept[key] = min(kept[key], value)
    now = best["now"]
    rows = []
    for name in sources:
        figures = best[name]
        label = "today's tree" if name == "now" else f"at {name}"
        result = f"{figures['assess'] * 1e6:.0f} µs; + JSON {figures['json'] * 1e6:.0f} µs"
        if name != "now":
            result += (
                f" (now / then: {now['assess'] / figures['assess']:.2f}x,"
                f" + JSON {now['json'] / figures['json']:.2f}x)"
            )
        rows.append(Row("before/after", f"assess(dict) CPU per report, {label}", result))
    rows.append(
        Row("before/after", "same reports, every tree its own rule book", f"{count:,} distinct")
    )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", action="append", required=True, metavar="REF")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)
    rows = before_after_rows(options.before, options.reports, options.rounds)
    command = " ".join(["python benchmarks/before_after.py", *(argv or sys.argv[1:])])
    print_table(rows, f"psoas-triage before and after ({command})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

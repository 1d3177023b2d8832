"""Benchmark rows for the Dask extra: 1 and 2 Dask workers next to ``batch --workers 1/2``.

    python benchmarks/dask_rows.py                # 20,000 reports (about a minute)
    python benchmarks/dask_rows.py --count 4000   # quicker

One input (a fixed-seed mix of reports from the shipped rule book, the same generator as
benchmarks/run.py), assessed in one run by ``run_batch`` with 1 and 2 worker processes and by
``run_batch_on_cluster`` on a LocalCluster (loopback) of 1 and 2 single-threaded worker
processes. Every output is checked byte for byte against the first. Wall time and CPU time (this
process plus its workers) per run. The cluster's start, each worker's one rule-book load and the
stop are timed on their own row: a running cluster pays them once, not per batch. ``rows()``
returns the rows (the fields of run.py's Row), so run.py can add them to its table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psoas_triage import load_rulebook
from psoas_triage.batch import run_batch
from psoas_triage.workload import SEED, mixed_reports
from table import Row, print_table  # benchmarks/table.py, beside this script

COUNT = 20_000


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float


def _own_and_children_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed_batch(source: Path, target: Path, workers: int) -> Run:
    """``run_batch``: its worker processes are joined at the end, so RUSAGE_CHILDREN has them."""
    cpu, wall = _own_and_children_cpu(), time.perf_counter()
    run_batch(source, target, workers=workers, rules=None, progress=False)
    return Run(time.perf_counter() - wall, _own_and_children_cpu() - cpu)


def _worker_cpu() -> float:
    return time.process_time()


def _timed_cluster(source: Path, target: Path, client: Any) -> Run:
    """``run_batch_on_cluster`` on a running cluster: this process's CPU plus each worker
    process's CPU over the run (workers stay alive, so they are asked)."""
    from psoas_triage.dask import run_batch_on_cluster

    before = client.run(_worker_cpu)
    cpu, wall = time.process_time(), time.perf_counter()
    run_batch_on_cluster(source, target, scheduler=client.scheduler.address, progress=False)
    elapsed, own = time.perf_counter() - wall, time.process_time() - cpu
    after = client.run(_worker_cpu)
    return Run(elapsed, own + sum(after[worker] - before[worker] for worker in after))


def rows(count: int = COUNT, log: Callable[[str], None] | None = None) -> list[Row]:
    """Measure and return the rows (None when the dask extra is missing: one row says so)."""
    try:
        from distributed import Client

        from psoas_triage.dask import BookRef, local_cluster, preload
    except ImportError as error:
        return [Row("dask", "psoas_triage.dask", f"not measured: {error}")]
    say = log or (lambda _text: None)
    load = os.getloadavg()[0]  # other work on the machine skews every ratio: it is shown
    book = load_rulebook()
    reports = mixed_reports(book, count, seed=SEED + 1)
    ref = BookRef.of(None)
    ref.load()  # the shipped book loaded and compiled here, before any timing
    runs: dict[str, Run] = {}
    starts: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        source.write_text(
            "".join(report.model_dump_json(exclude_none=True) + "\n" for report in reports),
            encoding="utf-8",
        )
        warm = Path(tmp) / "warm.jsonl"  # this process's memos warm, as in a long batch
        with source.open("rb") as lines:
            warm.write_bytes(b"".join(line for _, line in zip(range(1000), lines, strict=False)))
        run_batch(warm, Path(tmp) / "warm.out.jsonl", workers=1, progress=False)
        expected: bytes | None = None

        def check(target: Path) -> None:
            nonlocal expected
            output = target.read_bytes()
            expected = expected or output
            assert output == expected, f"{target.name} differs from batch --workers 1"
            target.unlink()

        for workers in (1, 2):
            say(f"batch --workers {workers} ...")
            target = Path(tmp) / f"batch{workers}.jsonl"
            runs[f"batch --workers {workers}"] = _timed_batch(source, target, workers)
            check(target)
        for workers in (1, 2):
            say(f"Dask LocalCluster, {workers} worker(s) ...")
            started = time.perf_counter()
            cluster = local_cluster(workers)
            client = Client(cluster)
            client.wait_for_workers(workers)
            client.run(preload, ref)  # each worker loads the book once, as a cluster's would
            starts[workers] = time.perf_counter() - started
            try:
                target = Path(tmp) / f"dask{workers}.jsonl"
                runs[f"Dask, {workers} worker{'s' if workers > 1 else ''}"] = _timed_cluster(
                    source, target, client
                )
                check(target)
            finally:
                started = time.perf_counter()
                client.close()
                cluster.close()
                starts[workers] += time.perf_counter() - started
    table = [
        Row(
            "dask",
            "load average (1 min) at the start, at the end",
            f"{load:.1f}, {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        ),
    ]
    table += [
        Row(
            "dask",
            f"{count:,} reports, {name}",
            f"{count / run.wall:,.0f} /s; wall {run.wall:.2f} s, CPU {run.cpu:.2f} s",
        )
        for name, run in runs.items()
    ]
    base = runs["batch --workers 1"]
    for workers in (1, 2):
        name = f"Dask, {workers} worker{'s' if workers > 1 else ''}"
        table.append(
            Row(
                "dask",
                f"{name} / batch --workers {workers} (wall, CPU)",
                f"{runs[name].wall / runs[f'batch --workers {workers}'].wall:.2f}x, "
                f"{runs[name].cpu / runs[f'batch --workers {workers}'].cpu:.2f}x",
            )
        )
    dask_scaling = runs["Dask, 1 worker"].wall / runs["Dask, 2 workers"].wall
    batch_scaling = base.wall / runs["batch --workers 2"].wall
    table += [
        Row(
            "dask",
            "scaling 2 / 1 workers (wall): Dask, batch",
            f"{dask_scaling:.2f}x, {batch_scaling:.2f}x",
        ),
        Row(
            "dask",
            "LocalCluster start, book load, stop (not in the runs above)",
            f"1 worker {starts[1]:.1f} s, 2 workers {starts[2]:.1f} s",
        ),
    ]
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help="reports in the input")
    args = parser.parse_args(argv)
    found = rows(args.count, log=lambda text: print(text, file=sys.stderr, flush=True))
    print_table(found, f"psoas-triage on Dask beside batch --workers ({args.count:,} reports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cold start of ``psoas-triage assess groin_pain --json``, against the floor of its imports.

    python benchmarks/cold_start.py                     # about a minute
    python benchmarks/cold_start.py --before f9eb136    # also a git ref's CLI, in the same run
    python benchmarks/cold_start.py --repeats 21

Every figure is a whole child process: wall time and CPU time (user + system, from the child's
rusage), the median over the rounds. The variants run in turn within each round, so a busy
machine slows them alike, and the first round (which writes bytecode and the rule-book cache)
is not counted. The floor is ``python -c "import pydantic, durable.engine"``, the two libraries
no assessment can do without; ratios are CPU-time ratios to it. Bytecode is written as on a
user's machine (``PYTHONDONTWRITEBYTECODE`` is dropped for the children).

Variants of today's CLI: without the rule-book cache and with the pure-Python YAML loader (the
path of a PyYAML without libyaml), without the cache (libyaml), and with the cache (the default).
``--before REF`` adds the CLI of that git ref, exported with ``git archive`` and run from its
``src/``. ``cold_start_rows()`` returns the rows for ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from table import Row, print_table  # benchmarks/table.py, beside this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ASSESS = ["assess", "groin_pain", "--json"]
LAUNCH = "import sys; from psoas_triage.cli import main; sys.argv[0] = 'psoas-triage'; main()"
"""What the ``psoas-triage`` console script runs, for a tree that is not installed."""
TARGET = 0.5
"""Issue 16: the CLI's cold start at most half of what it was before."""


@dataclass(frozen=True)
class Variant:
    name: str
    command: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Times:
    wall: float
    cpu: float


def child_env(cache: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PSOAS_TRIAGE") and key != "PYTHONDONTWRITEBYTECODE"
    }
    env.update({"PSOAS_TRIAGE_CACHE_DIR": str(cache), "NO_COLOR": "1"}, **extra)
    return env


def run_once(variant: Variant) -> Times:
    """Wall and CPU time of one child process (CPU from the rusage of waited-for children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(variant.command, env=variant.env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"{variant.name} failed ({done.returncode}): {message}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Times(wall, cpu)


def export_ref(ref: str, into: Path) -> Path:
    """The tree of git ``ref`` under ``into``; its ``src/`` goes first on PYTHONPATH."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def variants(cache: Path, before: str | None, scratch: Path) -> list[Variant]:
    python = sys.executable
    script = Path(python).with_name("psoas-triage")
    cli = [str(script)] if script.exists() else [python, "-c", LAUNCH]
    found = [
        Variant("floor", [python, "-c", "import pydantic, durable.engine"], child_env(cache)),
        Variant("import", [python, "-c", "import psoas_triage"], child_env(cache)),
    ]
    if before is not None:
        source = export_ref(before, scratch)
        env = child_env(cache, PYTHONPATH=str(source))
        found.append(Variant(f"before ({before})", [python, "-c", LAUNCH, *ASSESS], env))
    no_cache = child_env(cache, PSOAS_TRIAGE_NO_CACHE="1")
    pure = child_env(cache, PSOAS_TRIAGE_NO_CACHE="1", PSOAS_TRIAGE_PURE_YAML="1")
    found += [
        Variant("no cache, pure-Python YAML", [*cli, *ASSESS], pure),
        Variant("no cache, libyaml", [*cli, *ASSESS], no_cache),
        Variant("with the cache", [*cli, *ASSESS], child_env(cache)),
    ]
    return found


def measure(found: Sequence[Variant], repeats: int) -> dict[str, list[Times]]:
    times: dict[str, list[Times]] = {variant.name: [] for variant in found}
    for round_number in range(repeats + 1):
        for variant in found:
            measured = run_once(variant)
            if round_number:  # round 0 writes bytecode and the cache entry
                times[variant.name].append(measured)
    return times


def median(values: Sequence[Times]) -> Times:
    return Times(
        statistics.median(value.wall for value in values),
        statistics.median(value.cpu for value in values),
    )


def cold_start_rows(repeats: int = 11, before: str | None = None) -> list[Row]:
    """The cold-start rows: floor, import, each CLI variant with its ratio to the floor, and
    the cached CLI against the starting figure (``before``, else no cache + pure YAML)."""
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        cache.mkdir(mode=0o700)
        tree = Path(scratch) / "tree"
        tree.mkdir()
        found = variants(cache, before, tree)
        results = {name: median(values) for name, values in measure(found, repeats).items()}
    floor = results["floor"]
    rows = [
        Row(
            "cold",
            f"floor: python -c 'import pydantic, durable.engine' (median of {repeats})",
            _times(floor),
        ),
        Row(
            "cold",
            "python -c 'import psoas_triage'",
            f"{_times(results['import'])}; {results['import'].cpu / floor.cpu:.2f}x floor",
        ),
    ]
    for name, value in results.items():
        if name in ("floor", "import"):
            continue
        rows.append(
            Row(
                "cold",
                f"psoas-triage assess groin_pain --json, {name}",
                f"{_times(value)}; {value.cpu / floor.cpu:.2f}x floor",
            )
        )
    start_name = next((name for name in results if name.startswith("before")), None)
    start = results[start_name or "no cache, pure-Python YAML"]
    cached = results["with the cache"]
    ratio = cached.cpu / start.cpu
    rows.append(
        Row(
            "cold",
            f"CLI with the cache / {start_name or 'no cache, pure-Python YAML'} (CPU)",
            f"{ratio:.2f}x (wall {cached.wall / start.wall:.2f}x)",
            f"<= {TARGET}x",
            ratio <= TARGET,
        )
    )
    return rows


def _times(value: Times) -> str:
    return f"{value.wall * 1000:.0f} ms wall, {value.cpu * 1000:.0f} ms CPU"


def load_rows(repeats: int = 20) -> list[Row]:
    """In one process: loading the shipped rule book from YAML (both parsers) and from the
    cache, so the cache's saving is seen apart from the imports."""
    code = f"""
import os, statistics, sys, tempfile, time
os.environ['PSOAS_TRIAGE_CACHE_DIR'] = tempfile.mkdtemp()
from psoas_triage import load_rulebook
def cpu(**options):
    load_rulebook(**options)
    runs = []
    for _ in range({repeats}):
        started = time.process_time(); load_rulebook(**options)
        runs.append(time.process_time() - started)
    return statistics.median(runs) * 1000
hit = cpu(cache=True)
fast = cpu()
os.environ['PSOAS_TRIAGE_PURE_YAML'] = '1'
pure = cpu()
print(pure, fast, hit)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    pure, fast, hit = (float(word) for word in done.stdout.split())
    return [
        Row("load", "load_rulebook(): pure-Python YAML + validation", f"{pure:.1f} ms CPU"),
        Row("load", "load_rulebook(): libyaml + validation", f"{fast:.1f} ms CPU"),
        Row(
            "load",
            "load_rulebook(cache=True), entry present",
            f"{hit:.1f} ms CPU",
            "< libyaml",
            hit < fast,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=11, help="counted rounds (default 11)")
    parser.add_argument("--before", metavar="REF", help="also time the CLI of this git ref")
    options = parser.parse_args(argv)
    rows = cold_start_rows(options.repeats, options.before) + load_rows()
    command = " ".join(["python benchmarks/cold_start.py", *(argv or sys.argv[1:])])
    print_table(rows, f"psoas-triage cold start ({command})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

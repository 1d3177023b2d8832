"""Resident memory while loading many distinct rule directories one after another (issue 22).

    python benchmarks/many_rulebooks.py            # 300 directories
    python benchmarks/many_rulebooks.py 100 --every 25

Each directory is a copy of the shipped rule book at its own path (so each is a distinct book
with its own compiled engine, as a service loading its tenants' books would see). For each one:
load it (without the disk cache), assess one report with a red flag, drop it. Prints RSS and
``engine_stats()`` every ``--every`` books, and the growth from the 20th book to the last: with
the engine cache bounded (16 engines in all by default) it stays flat once the cache is full.
Not part of the test suite (the regression test checks the bound itself, not megabytes).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
from pathlib import Path

from psoas_triage import assess, default_rulebook, engine_stats, load_rulebook


def rss_mib() -> float:
    """This process's resident set size now (Linux), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("books", type=int, nargs="?", default=300)
    parser.add_argument("--every", type=int, default=50)
    arguments = parser.parse_args()
    shipped = default_rulebook().path
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        baseline = None
        for number in range(1, arguments.books + 1):
            folder = root / f"tenant{number}"
            shutil.copytree(shipped, folder)
            book = load_rulebook(folder, cache=False)
            level = assess({"present": ["saddle_numbness"], "age": 40}, book).triage_level
            assert level.value == "emergency", level
            del book
            shutil.rmtree(folder)
            gc.collect()
            if number == 20:
                baseline = rss_mib()
            if number % arguments.every == 0 or number == arguments.books:
                stats = engine_stats()
                print(
                    f"{number:5d} books  RSS {rss_mib():7.1f} MiB  engines cached {stats.cached}, "
                    f"alive {stats.alive}, built {stats.built}, evicted {stats.evicted} "
                    f"(bound {stats.total})",
                    flush=True,
                )
        if baseline is not None:
            growth = rss_mib() - baseline
            print(f"RSS growth from book 20 to book {arguments.books}: {growth:+.1f} MiB")


if __name__ == "__main__":
    main()

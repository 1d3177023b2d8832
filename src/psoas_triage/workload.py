"""Realistic synthetic reports and a memory probe, for soak tests and benchmarks.

Shipped in the package so an app that embeds psoas-triage can load-test it on the same
fixed-seed workload the project's own benchmark uses.
"""

from __future__ import annotations

import itertools
import random
import resource
from collections.abc import Iterator

from psoas_triage.models import SymptomReport
from psoas_triage.rulebook import RuleBook

SEED = 20240605


def mixed_reports(book: RuleBook, count: int, seed: int = SEED) -> list[SymptomReport]:
    """``count`` fixed-seed reports built from ``book``'s vocabulary.

    1-4 codes that rules use (plus, three times in ten, any vocabulary code), 0-3 denied codes,
    numbers half of the time, and about one report in eight carrying a red-flag rule's codes.
    """
    return list(itertools.islice(stream_reports(book, seed), count))


def stream_reports(book: RuleBook, seed: int = SEED) -> Iterator[SymptomReport]:
    """The reports of ``mixed_reports``, one at a time and without end, so a soak or memory
    test streams a million different reports without holding them (the first ``count`` are
    exactly ``mixed_reports(book, count, seed)``)."""
    rng = random.Random(seed)
    vocabulary = sorted(book.terms)
    rule_codes = sorted({code for loaded in book.rules for code in loaded.rule.when.codes()})
    red_flags = [loaded.rule for loaded in book.rules if loaded.rule.red_flag]
    while True:
        present = set(rng.sample(rule_codes, k=min(len(rule_codes), rng.randint(1, 4))))
        if rng.random() < 0.3:
            present.add(rng.choice(vocabulary))
        if red_flags and rng.random() < 0.125:
            flag = rng.choice(red_flags)
            present.update(flag.when.all)
            if flag.when.any:
                present.add(rng.choice(flag.when.any))
        others = [code for code in vocabulary if code not in present]
        absent = rng.sample(others, k=min(len(others), rng.randint(0, 3)))
        yield SymptomReport(
            present=tuple(sorted(present)),
            absent=tuple(sorted(absent)),
            age=rng.choice([None, rng.randint(16, 90)]),
            duration_days=rng.choice([None, rng.randint(0, 400)]),
            pain_intensity=rng.choice([None, rng.randint(0, 10)]),
        )


def rss_kib() -> int:
    """Current resident set size of this process in KiB (Linux /proc), else the peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

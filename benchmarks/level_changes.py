"""Which triage levels a change moves: the same random screened reports through this tree.

Run it in two trees and compare the outputs (``PYTHONPATH=<worktree>/src`` for the older one)::

    .venv/bin/python benchmarks/level_changes.py > after.json
    PYTHONPATH=/tmp/before/src .venv/bin/python benchmarks/level_changes.py > before.json
    .venv/bin/python benchmarks/level_changes.py --compare before.json after.json

Every report has a completed warning-sign checklist (all denied), 1 to 5 other codes, and an age,
sex, duration and pain drawn from a few values; the seed is fixed, so both trees see the same
reports (as long as their vocabularies match).
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

from psoas_triage import assess, load_rulebook, warning_sign_checklist

RANK = {"self_care": 0, "consultation": 1, "urgent": 2, "emergency": 3}


def levels(count: int = 6000, seed: int = 7) -> list[list[Any]]:
    """[present, age, sex, duration, pain, level, band] for ``count`` seeded reports."""
    book = load_rulebook()
    signs = [sign.code for sign in warning_sign_checklist()]
    codes = sorted(code for code, term in book.terms.items() if term.category.value != "red_flag")
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        present = rng.sample(codes, rng.randint(1, 5))
        report = {
            "present": present,
            "absent": signs,
            "age": rng.choice([20, 30, 45, 60]),
            "sex": rng.choice(["female", "male"]),
            "duration_days": rng.choice([1, 3, 6]),
            "pain_intensity": rng.choice([2, 4, 6]),
        }
        numbers = [report["age"], report["sex"], report["duration_days"], report["pain_intensity"]]
        try:
            result = assess(report)
        except Exception as error:  # a code one tree lacks: reported, not counted
            rows.append([present, *numbers, "error", type(error).__name__])
            continue
        rows.append([present, *numbers, result.triage_level.value, result.likelihood.value])
    return rows


def compare(before_path: str, after_path: str) -> None:
    """Print how many reports went down and up a level, and the ones that went down."""
    with open(before_path) as before_file, open(after_path) as after_file:
        before, after = json.load(before_file), json.load(after_file)
    down, up = [], []
    for old, new in zip(before, after, strict=True):
        if "error" in (old[5], new[5]):
            continue
        if RANK[new[5]] < RANK[old[5]]:
            down.append((old, new))
        elif RANK[new[5]] > RANK[old[5]]:
            up.append((old, new))
    print(f"{len(before)} reports: {len(down)} down a level, {len(up)} up")
    for old, new in down:
        print(f"  down: {old[0]} {old[1:5]}: {old[5]} {old[6]} -> {new[5]} {new[6]}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compare"]:
        compare(sys.argv[2], sys.argv[3])
    else:
        json.dump(levels(), sys.stdout)

"""Byte identity: a fixed workload of 20,000 distinct reports gives exactly the recorded output.

Speed work on the path after the engine (issue 16) must not change a single byte of what
``assess`` returns. This test assesses a fixed, seeded workload built from the shipped
vocabulary (public input: plain dicts, with denied codes, unknown answers, labels, numbers and
sex) and compares the sha256 of every ``model_dump_json()`` output, in order, with the digest
recorded in tests/fixtures/output_digest.json, which was recorded on the code before the
optimisation. The record holds the digest of all 20,000 and one per block of 1,000; a normal run
checks the first 5,000 (times PSOAS_TEST_SCALE) block by block to stay fast, and
``PSOAS_DIGEST_FULL=1`` checks all 20,000.

When the shipped rule book changes, its outputs change too: the test then fails and says so.
After checking the output change is intended, regenerate with

    PSOAS_UPDATE_DIGEST=1 python -m pytest tests/test_output_digest.py
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path
from typing import Any

from psoas_triage import RuleBook, assess

RECORD = Path(__file__).parent / "fixtures" / "output_digest.json"
REPORTS = 20_000
"""Fixed: the recorded digest is for exactly this many reports (no scale knob applies)."""
SEED = 16_2026


def digest_workload(book: RuleBook, count: int = REPORTS, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` distinct report dicts from ``book``'s vocabulary, the same for every run.

    Only ``random()`` and ``randrange()`` are used (stable across Python versions), and every
    list is drawn from sorted codes, so the workload never depends on hash order.
    """
    rng = random.Random(seed)
    codes = sorted(book.terms)
    rule_codes = sorted({code for loaded in book.rules for code in loaded.rule.when.codes()})
    seen: set[str] = set()
    reports: list[dict[str, Any]] = []
    while len(reports) < count:
        pool = rule_codes if rng.random() < 0.85 else codes
        present = _draw(rng, pool, rng.randrange(0, 6), set())
        absent = _draw(rng, codes, rng.randrange(0, 4) if rng.random() < 0.6 else 0, set(present))
        unknown = _draw(rng, codes, 1 if rng.random() < 0.1 else 0, {*present, *absent})
        report: dict[str, Any] = {"present": present}
        if absent:
            report["absent"] = absent
        if unknown:
            report["unknown"] = unknown
        if present and rng.random() < 0.1 and len(book.terms[present[0]].label) <= 64:
            # a person's words: the label of the first code (resolved to the code)
            report["present"] = [book.terms[present[0]].label, *present[1:]]
        for name, top in (("age", 100), ("duration_days", 400), ("pain_intensity", 11)):
            if rng.random() < 0.5:
                report[name] = rng.randrange(0, top)
        roll = rng.random()
        if roll < 0.3:
            report["sex"] = "female" if roll < 0.15 else "male"
        key = json.dumps(report, sort_keys=True)
        if key in seen or not (present or absent or "age" in report):
            continue
        seen.add(key)
        reports.append(report)
    return reports


def _draw(rng: random.Random, pool: list[str], k: int, taken: set[str]) -> list[str]:
    chosen: list[str] = []
    for _ in range(k):
        code = pool[rng.randrange(len(pool))]
        if code not in taken and code not in chosen:
            chosen.append(code)
    return chosen


BLOCK = 1_000
"""Outputs per recorded block digest, so a shorter run can still check a prefix exactly."""


def output_digests(book: RuleBook, reports: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """sha256 over every assessment's JSON, one per line, in workload order; and the same per
    block of BLOCK reports."""
    whole = hashlib.sha256()
    blocks: list[str] = []
    for start in range(0, len(reports), BLOCK):
        block = hashlib.sha256()
        for report in reports[start : start + BLOCK]:
            line = assess(report, book).model_dump_json().encode() + b"\n"
            whole.update(line)
            block.update(line)
        blocks.append(block.hexdigest())
    return whole.hexdigest(), blocks


def checked_reports() -> int:
    """How many of the 20,000 this run checks: all with PSOAS_DIGEST_FULL=1 (and when
    regenerating), else the first 5,000 times PSOAS_TEST_SCALE, in whole blocks (at least one)."""
    if os.environ.get("PSOAS_DIGEST_FULL") == "1" or os.environ.get("PSOAS_UPDATE_DIGEST") == "1":
        return REPORTS
    scale = float(os.environ.get("PSOAS_TEST_SCALE", "1"))
    return min(REPORTS, max(BLOCK, int(5_000 * scale) // BLOCK * BLOCK))


def test_outputs_are_byte_identical_to_the_recorded_digest(shipped_book: RuleBook) -> None:
    reports = digest_workload(shipped_book)
    assert len(reports) == REPORTS
    checked = checked_reports()
    whole, blocks = output_digests(shipped_book, reports[:checked])
    actual = {
        "rulebook_digest": shipped_book.digest,
        "rulebook_version": shipped_book.full_version,
        "reports": REPORTS,
        "seed": SEED,
        "output_sha256": whole if checked == REPORTS else None,
        "block_sha256": blocks,
    }
    if os.environ.get("PSOAS_UPDATE_DIGEST") == "1":
        RECORD.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    assert recorded["rulebook_digest"] == shipped_book.digest, (
        "the shipped rule book changed since the output digest was recorded "
        f"({recorded['rulebook_version']} -> {shipped_book.full_version}): check that the "
        "change in outputs is intended, then regenerate with PSOAS_UPDATE_DIGEST=1 "
        "python -m pytest tests/test_output_digest.py"
    )
    assert (recorded["reports"], recorded["seed"]) == (REPORTS, SEED)
    assert len(recorded["block_sha256"]) == REPORTS // BLOCK
    changed = [
        number * BLOCK
        for number, (got, want) in enumerate(zip(blocks, recorded["block_sha256"], strict=False))
        if got != want
    ]
    assert changed == [], (
        f"assess() output changed for the same rule book (blocks starting at reports {changed}):"
        " an optimisation must keep every byte"
    )
    if checked == REPORTS:
        assert whole == recorded["output_sha256"]


def test_the_workload_is_varied(shipped_book: RuleBook) -> None:
    """The digest covers the input shapes it claims to: denials, unknowns, labels, numbers, sex."""
    reports = digest_workload(shipped_book, 2_000)
    assert sum("absent" in report for report in reports) > 500
    assert sum("unknown" in report for report in reports) > 50
    assert sum("sex" in report for report in reports) > 300
    assert sum("age" in report for report in reports) > 500
    assert sum(not report["present"] for report in reports) > 50
    labels = {term.label for term in shipped_book.terms.values()}
    assert sum(bool(report["present"]) and report["present"][0] in labels for report in reports)
    levels = {assess(report, shipped_book).triage_level for report in reports[:500]}
    assert len(levels) >= 3

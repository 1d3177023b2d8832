"""Soak: 100,000 assessments in one process raise nothing and leave no engine state behind.

A ruleset of durable_rules holds at most 1,024 live sessions (the 1,025th raises MemoryError), so
100,000 assessments only pass if every one deletes its session. Beyond "nothing raised", the test
asks the engine itself: the session counter moved by exactly the number of assessments, and no
session id handed out during the run still has state.

The reports are a fixed-seed mix built from the shipped rule book's vocabulary (a few findings
each, some red flags), and every result is checked against the first result for the same report,
so drift over a long run (state leaking from one report into the next) is caught too.
"""

from __future__ import annotations

import os

from psoas_triage import Assessment, RuleBook, assess
from psoas_triage.engine import engine_for
from psoas_triage.workload import mixed_reports, rss_kib

# PSOAS_TEST_SCALE (default 1) shrinks the soak where CI runs it in full on another Python
# (.ci/run); at any scale it stays well past the 1,024-session cap.
ASSESSMENTS = max(5_000, int(100_000 * float(os.environ.get("PSOAS_TEST_SCALE", "1"))))
DISTINCT_REPORTS = 500


def test_100k_assessments_leave_no_engine_state(shipped_book: RuleBook) -> None:
    engine = engine_for(shipped_book)
    reports = mixed_reports(shipped_book, DISTINCT_REPORTS)
    expected: list[Assessment] = [assess(report, shipped_book) for report in reports]
    assert any(result.red_flags for result in expected), "the mix should contain red flags"
    assert any(not result.red_flags for result in expected)

    first_sid = engine.sessions_started + 1
    rss_before = rss_kib()
    for number in range(ASSESSMENTS):
        index = number % DISTINCT_REPORTS
        result = assess(reports[index], shipped_book)
        if result != expected[index]:
            raise AssertionError(f"assessment {number} drifted from the first result")
    rss_after = rss_kib()
    last_sid = engine.sessions_started

    # Every assessment opened exactly one session, far beyond durable_rules' cap of 1,024 live
    # sessions, and every one of them is gone again.
    assert last_sid - first_sid + 1 == ASSESSMENTS
    assert engine_for(shipped_book) is engine, "the engine must be reused, not rebuilt"
    leftovers = [
        sid for sid in range(first_sid, last_sid + 1) if engine.session_state(str(sid)) is not None
    ]
    assert leftovers == []
    # The same process keeps resident memory roughly flat (the engine caches nothing per report).
    assert rss_after - rss_before < 20 * 1024, f"RSS grew by {rss_after - rss_before} KiB"


def test_more_than_1024_sessions_never_hit_the_cap_even_after_errors(
    shipped_book: RuleBook,
) -> None:
    """Bad reports interleaved with good ones: neither path leaves a session behind."""
    engine = engine_for(shipped_book)
    good = mixed_reports(shipped_book, 50, seed=7)
    before = engine.sessions_started
    failures = 0
    for number in range(3_000):
        if number % 3 == 0:
            try:
                assess({"present": ["no_such_code"]}, shipped_book)
            except ValueError:
                failures += 1
        else:
            assess(good[number % len(good)], shipped_book)
    assert failures == 1_000
    # Rejected reports never reach the engine; the good ones each used and freed one session.
    assert engine.sessions_started - before == 2_000
    assert all(
        engine.session_state(str(sid)) is None
        for sid in range(before + 1, engine.sessions_started + 1)
    )

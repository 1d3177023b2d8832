"""Threads: concurrent assessments give the serial results, never crash, and books stay apart.

durable_rules' C engine has no locks (concurrent calls crashed a process in one run of three), so
the library serialises every engine call. These tests hammer that from 8 threads for a few seconds
and compare every result with a serial run, then use two different rule books at once (with the
same ruleset name and the same rule ids, so a mix-up could not hide) and check they stay separate.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from psoas_triage import RuleBook, SymptomReport, assess, load_rulebook
from psoas_triage.engine import engine_for

THREADS = 8
SECONDS = 2.0


def sample_reports(book: RuleBook, count: int, seed: int) -> list[SymptomReport]:
    """A fixed-seed mix of reports over the codes the book's rules use, numbers included
    (never empty: an empty report is refused, "nothing to assess")."""
    rng = random.Random(seed)
    codes = sorted({code for loaded in book.rules for code in loaded.rule.when.codes()})
    return [
        SymptomReport(
            present=rng.sample(codes, k=rng.randint(1, min(len(codes), 5))),  # never empty
            age=rng.choice([None, rng.randint(18, 90)]),
            duration_days=rng.choice([None, rng.randint(0, 200)]),
            pain_intensity=rng.choice([None, rng.randint(0, 10)]),
        )
        for _ in range(count)
    ]


def hammer(
    jobs: Sequence[Callable[[int], None]], seconds: float = SECONDS
) -> tuple[list[BaseException], list[int]]:
    """Run each job in its own thread, in a loop, for ``seconds``; return errors and loop counts."""
    errors: list[BaseException] = []
    counts = [0] * len(jobs)
    start = threading.Barrier(len(jobs))
    deadline = 0.0

    def worker(position: int) -> None:
        start.wait()
        try:
            while time.monotonic() < deadline:
                jobs[position](counts[position])
                counts[position] += 1
        except BaseException as error:  # any failure at all is reported, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(len(jobs))]
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return errors, counts


def test_eight_threads_match_a_serial_run(shipped_book: RuleBook) -> None:
    reports = sample_reports(shipped_book, 200, seed=1)
    serial = [assess(report, shipped_book) for report in reports]
    engine = engine_for(shipped_book)
    before = engine.sessions_started

    def job_for(offset: int) -> Callable[[int], None]:
        def job(count: int) -> None:
            index = (offset * 37 + count) % len(reports)
            result = assess(reports[index], shipped_book)
            if result != serial[index]:
                raise AssertionError(f"thread result for report {index} differs from serial")

        return job

    errors, counts = hammer([job_for(offset) for offset in range(THREADS)])
    assert errors == []
    assert all(count > 0 for count in counts), f"a thread never ran: {counts}"
    # at least one session per assessment (the warning-sign screen may open one more)
    assert engine.sessions_started - before >= sum(counts)
    assert all(
        engine.session_state(str(sid)) is None
        for sid in range(before + 1, engine.sessions_started + 1)
    )


def test_plain_mappings_and_bad_input_from_threads(shipped_book: RuleBook) -> None:
    """Validation errors raised in threads are the typed ones and do not disturb other threads."""
    reports = sample_reports(shipped_book, 50, seed=2)
    serial = [assess(report, shipped_book) for report in reports]
    raw = [report.model_dump(exclude_none=True) for report in reports]

    def good(count: int) -> None:
        index = count % len(raw)
        assert assess(raw[index], shipped_book) == serial[index]

    def bad(count: int) -> None:
        try:
            assess({"present": [f"not_a_code_{count}"]}, shipped_book)
        except ValueError as error:
            assert type(error).__name__ == "ReportError"
        else:
            raise AssertionError("an unknown code was accepted")

    errors, _ = hammer([good, bad] * (THREADS // 2), seconds=1.0)
    assert errors == []


def test_two_rule_books_from_threads_stay_separate(
    mini_book: RuleBook, mini_copy: Path, shipped_book: RuleBook
) -> None:
    # A second book with the same ruleset name and rule ids as the mini book, different points.
    rules_file = mini_copy / "rules.yaml"
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace("points: 12", "points: 25"),
        encoding="utf-8",
    )
    other_book = load_rulebook(mini_copy)
    assert engine_for(other_book) is not engine_for(mini_book)

    report = SymptomReport(present=["groin_pain"])
    mini_result = assess(report, mini_book)
    other_result = assess(report, other_book)
    assert (mini_result.psoas_score, other_result.psoas_score) == (12, 25)
    shipped_reports = sample_reports(shipped_book, 50, seed=3)
    shipped_serial = [assess(r, shipped_book) for r in shipped_reports]

    def mini_job(_: int) -> None:
        assert assess(report, mini_book) == mini_result

    def other_job(_: int) -> None:
        assert assess(report, other_book) == other_result

    def shipped_job(count: int) -> None:
        index = count % len(shipped_reports)
        assert assess(shipped_reports[index], shipped_book) == shipped_serial[index]

    jobs = [mini_job, other_job, shipped_job] * 3
    errors, counts = hammer(jobs[:THREADS], seconds=1.5)
    assert errors == []
    assert all(count > 0 for count in counts)
    for book in (mini_book, other_book, shipped_book):
        engine = engine_for(book)
        assert all(
            engine.session_state(str(sid)) is None for sid in range(1, engine.sessions_started + 1)
        )

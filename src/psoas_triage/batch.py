"""Assess a JSONL file of reports: one Assessment (or error record) out per report, in order.

``run_batch`` is the core, callable from Python; ``psoas-triage batch`` wraps it. With more than
one worker the reports go, in chunks, to worker processes that each load their own rule book and
engine once (durable_rules is not thread-safe, so parallelism is by process). A bounded window of
chunks is in flight at a time and results are written in input order, so memory stays flat and
the output lines up with the input.

A line that is not a valid report becomes ``{"line": N, "error": {...}}`` (the ReportError's
``to_dict()``) and the batch goes on. Blank lines are skipped.

Nothing is lost without a word: an output file is written beside its destination under a
temporary name, synced and renamed into place only when the batch finished, so a file under the
requested name is always complete. An interrupted batch (Ctrl-C, or SIGTERM where the caller
turned it into KeyboardInterrupt, as the CLI does) stops its workers, removes its spool files,
keeps what it wrote as ``OUT.partial`` and raises BatchInterrupted with the line it reached.
``request_stop`` asks for the same from a signal handler or another thread: a KeyboardInterrupt
alone can be lost, because pydantic-core's serializer swallows one raised while it calls back
into Python (and reports "Error serializing to JSON: KeyboardInterrupt"). So while a batch runs
in the main thread under Python's default SIGINT handler, Ctrl-C calls ``request_stop`` before it
raises (``interrupt_handler``); a line whose assessment was running when a stop was requested, or
whose error came from an interrupt, is never written, and the batch stops after the lines before.

Nothing outlives a batch either: worker processes die with the parent even when it is killed
(``worker_guard``), and the temporaries of a killed run (named with its pid) are removed by the
next run to the same output. A line longer than ``MAX_LINE_BYTES`` is read in bounded pieces,
dropped, and becomes an error record; the batch goes on.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from psoas_triage import worker_guard
from psoas_triage.errors import Problem, PsoasTriageError, ReportError
from psoas_triage.json_input import MAX_JSON_BYTES
from psoas_triage.locales import resolve_language
from psoas_triage.models import Assessment, TriageLevel
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import plural

CHUNK_SIZE = 200
"""Reports per message to a worker: large enough that pickling overhead is small."""
WINDOW_PER_WORKER = 4
"""Chunks in flight per worker: keeps workers busy while bounding memory."""
PROGRESS_MIN_LINES = 1000
"""Inputs shorter than this finish too fast for a progress bar to help."""
MAX_LISTED_ERRORS = 20
MAX_LINE_BYTES = MAX_JSON_BYTES
"""The longest input line read (4 MiB, the JSON reader's own limit; a report is a few hundred
bytes). A longer line is read in pieces of at most this size and dropped: an input without a
newline must not grow memory until MemoryError."""


DISCARD_PIECE = 1 << 16
"""The rest of an over-long line is read and dropped this many bytes at a time."""


@dataclass(frozen=True)
class OverlongLine:
    """Stands for an input line longer than MAX_LINE_BYTES (dropped unread): ``size`` bytes."""

    size: int


Line = tuple[int, "bytes | OverlongLine"]
Outcome = tuple[int, str | None]
"""(line number, triage level or None for an error record)."""
ChunkResult = tuple[bytes | Path, list[Outcome]]
"""A chunk's output lines as one UTF-8 blob (or a spool file holding it), and each line's outcome.

One blob per chunk keeps the parent process's work per report tiny (no per-line unpickling or
encoding). Worker processes write their blob to a spool file and the parent copies it into the
output inside the kernel, instead of sending it through a pipe: that is what lets two workers
scale on a two-core machine.
"""


@dataclass(frozen=True)
class LineOptions:
    """How each line is assessed: the same keywords ``assess`` takes (sent to every worker)."""

    language: str | None = None
    include_experimental: bool = False
    compact: bool = False
    """Write ``compact_record`` instead of the Assessment (error records are the same)."""
    details: bool = False
    """Write the whole Assessment (``Assessment.to_json(details=True)``), not the short one."""


_STOP_REQUESTED = threading.Event()


def request_stop() -> None:
    """Make every batch running in this process stop, as Ctrl-C does.

    Safe from a signal handler and from another thread. A batch assessing in this process stops
    at the line it is on, which is not written (its record may hold a swallowed interrupt); one
    with worker processes stops once the chunk in hand is written. Either raises
    BatchInterrupted with ``OUT.partial`` kept. A new batch starts unstopped.
    """
    _STOP_REQUESTED.set()


def _start_unstopped() -> None:
    _STOP_REQUESTED.clear()


def interrupt_handler(_signal: int, _frame: Any) -> None:
    """A signal handler that stops a batch: ``request_stop`` first (a flag no C extension can
    swallow), then KeyboardInterrupt (which can be, inside pydantic-core)."""
    request_stop()
    raise KeyboardInterrupt


@contextmanager
def interrupts_stop_batches() -> Iterator[None]:
    """While the batch runs, make Ctrl-C also request a stop, when it is safe to: in the main
    thread and under Python's own SIGINT handler (a caller's handler is left alone)."""
    try:
        installed = signal.getsignal(signal.SIGINT) is signal.default_int_handler
        if installed:
            signal.signal(signal.SIGINT, interrupt_handler)
    except ValueError:  # not the main thread: no KeyboardInterrupt arrives here anyway
        installed = False
    try:
        yield
    finally:
        if installed:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGINT, signal.default_int_handler)


class _ChunkInterrupted(KeyboardInterrupt):
    """An interrupt in the middle of a chunk: ``done`` holds the lines assessed before it (none
    of them touched by the interrupt), which the in-process batch still writes."""

    def __init__(self, message: str = "interrupted", done: ChunkResult | None = None) -> None:
        super().__init__(message)
        self.done = done


def _is_interrupt(error: BaseException) -> bool:
    """Whether ``error`` is the remains of a swallowed KeyboardInterrupt or SystemExit: one in
    its chain of causes, or pydantic-core's report of one (it keeps only the name)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, (KeyboardInterrupt, SystemExit)):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    if isinstance(error, PsoasTriageError):  # its message may quote the input: never guess
        return False
    return type(error).__name__ == "PydanticSerializationError" and bool(
        _INTERRUPT_NAMES.search(str(error))
    )


_INTERRUPT_NAMES = re.compile(r"\b(?:KeyboardInterrupt|SystemExit)\b")


def check_sizes(workers: int, chunk_size: int) -> None:
    """The arguments every batch runner refuses the same way."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")


def _by_level(levels: Counter[str]) -> dict[str, int]:
    """The summary's count per triage level, most urgent first, levels never seen left out."""
    return {level.value: levels[level.value] for level in TriageLevel if levels[level.value]}


def _stop_if_requested() -> None:
    if _STOP_REQUESTED.is_set():
        raise KeyboardInterrupt


class BatchInputError(PsoasTriageError, OSError):
    """The input could not be read (the message names it)."""


class BatchOutputError(PsoasTriageError, OSError):
    """The output could not be written (the message names it); no complete-looking file is
    left behind."""


class BatchInterrupted(KeyboardInterrupt):
    """The batch was interrupted: ``lines`` reports were written, up to input line ``line``;
    ``partial`` is the file holding them (None when the output was standard output)."""

    def __init__(self, lines: int, line: int, partial: Path | None) -> None:
        self.lines = lines
        self.line = line
        self.partial = partial
        where = f"; the {lines} results written are in {partial}" if partial else ""
        super().__init__(
            f"batch interrupted after {lines} reports (input line {line}): the output is "
            f"incomplete{where}"
        )


@dataclass
class BatchSummary:
    """What a batch did: counts, the first bad line numbers, triage levels and timing."""

    total: int = 0
    assessed: int = 0
    errors: int = 0
    error_lines: list[int] = field(default_factory=list)
    by_level: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    workers: int = 1
    last_line: int = 0
    """The input line number of the last report written."""
    stale_removed: list[Path] = field(default_factory=list)
    """Temporaries of a killed earlier run (its pid dead) that this batch removed."""
    recent: deque[tuple[int, list[Outcome]]] = field(
        default_factory=lambda: deque(maxlen=2), repr=False
    )
    """The last chunks handed to the output, each with the count written before it: an
    interrupt can land between a chunk's write and its count, so the count in the message is
    taken from the partial file itself and these map it back to an input line."""

    def written_up_to(self, lines: int) -> int:
        """The input line number of the ``lines``-th report written (0 for none)."""
        for start, outcomes in reversed(self.recent):
            if start < lines <= start + len(outcomes):
                return outcomes[lines - start - 1][0]
        return self.last_line if lines else 0

    @property
    def per_second(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        """One line for standard error."""
        text = (
            f"batch: {self.total} reports, {self.assessed} assessed, {plural(self.errors, 'error')}"
        )
        if self.error_lines:
            listed = ", ".join(str(number) for number in self.error_lines)
            more = ", ..." if self.errors > len(self.error_lines) else ""
            text += f" (lines {listed}{more})"
        if self.by_level:
            levels = ", ".join(f"{level} {count}" for level, count in self.by_level.items())
            text += f"; triage: {levels}"
        workers = "worker" if self.workers == 1 else "workers"
        text += f"; {self.seconds:.2f} s with {self.workers} {workers} ({self.per_second:.0f}/s)"
        if self.stale_removed:
            text += (
                f"; removed {len(self.stale_removed)} temporary file(s) of a killed earlier "
                f"run ({self.stale_removed[0]})"
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "assessed": self.assessed,
            "errors": self.errors,
            "error_lines": list(self.error_lines),
            "by_level": dict(self.by_level),
            "seconds": self.seconds,
            "workers": self.workers,
        }


@dataclass
class BatchRun:
    """What every batch runner shares (this module's processes, ``psoas_triage.dask``): the
    input read in numbered ``chunks``, the output written in input order (atomically to a
    file), the progress bar, stop requests and the ``summary``. A runner only turns chunks into
    results (``assess_lines``) and hands each to ``write``, in input order."""

    chunks: Iterator[list[Line]]
    summary: BatchSummary
    _sink: _Sink
    _levels: Counter[str]
    _bar: _ProgressBar | None

    def start_progress(self) -> None:
        """Show the progress bar now (a runner with worker processes waits until they exist)."""
        if self._bar and not self._bar.started:
            self._bar.start()

    def write(self, result: ChunkResult, *, then_stop_if_requested: bool = True) -> None:
        """Write one chunk's output lines and count them; then stop if a stop was requested."""
        _write(result, self._sink, self.summary, self._levels, self._bar)
        if then_stop_if_requested:
            _stop_if_requested()


@contextmanager
def batch_run(
    input_path: str | Path,
    output_path: str | Path | None,
    *,
    workers: int,
    chunk_size: int,
    progress: bool,
) -> Iterator[BatchRun]:
    """One batch's input, output and summary, for a runner to fill: refuses the output being
    the input, starts unstopped, and on the way out completes the summary's counts and time."""
    _start_unstopped()
    started = time.perf_counter()
    _refuse_same_file(input_path, output_path)
    total_lines = _count_lines(input_path) if progress else None
    show_progress = progress and (total_lines is None or total_lines >= PROGRESS_MIN_LINES)
    summary = BatchSummary(workers=workers)
    levels: Counter[str] = Counter()
    with _open_input(input_path) as source, _open_output(output_path, summary) as sink:
        bar = _ProgressBar(total_lines) if show_progress else None
        chunks = _chunks(source, chunk_size, _input_name(input_path))
        try:
            yield BatchRun(chunks, summary, sink, levels, bar)
        finally:
            if bar:
                bar.stop()
    summary.by_level = _by_level(levels)
    summary.seconds = time.perf_counter() - started


def run_batch(
    input_path: str | Path,
    output_path: str | Path | None = None,
    workers: int = 1,
    rules: str | Path | None = None,
    progress: bool = False,
    chunk_size: int = CHUNK_SIZE,
    language: str | None = None,
    include_experimental: bool = False,
    compact: bool = False,
    details: bool = False,
    book: RuleBook | None = None,
) -> BatchSummary:
    """Assess every report in ``input_path`` (JSONL; ``"-"`` for standard input).

    Writes one JSON line per report to ``output_path`` (standard output when None), in input
    order. ``workers`` > 1 uses that many processes. ``rules`` is a rule directory (the shipped
    rule book when None); it is loaded here first, so a bad one raises RuleBookError before any
    work starts. ``progress`` draws a rich progress bar on standard error for long inputs.
    ``language`` writes every assessment in that locale's texts (a LanguageError before any
    work starts when the book has no such locale).
    ``include_experimental`` assesses with experimental rules too (as ``assess``).
    ``compact`` writes ``compact_record`` instead of the Assessment (error records are the
    same either way): for population screening, where the advice text repeated on every line
    would make most of the output. Otherwise each line is ``Assessment.to_json``, whole with
    ``details``. ``book`` is the book already loaded from ``rules`` by the caller (the CLI
    checks it before reading input): this process uses it instead of loading it again.
    """
    check_sizes(workers, chunk_size)
    book = book if book is not None else _load(rules)
    resolve_language(book, language)
    options = LineOptions(language, include_experimental, compact, details)
    stale = worker_guard.remove_stale_spools()
    with (
        interrupts_stop_batches(),
        batch_run(
            input_path, output_path, workers=workers, chunk_size=chunk_size, progress=progress
        ) as run,
    ):
        run.summary.stale_removed.extend(stale)
        if workers == 1:
            run.start_progress()
            for chunk in run.chunks:
                try:
                    result = _assess_lines(book, chunk, options, _STOP_REQUESTED)
                except _ChunkInterrupted as interrupted:
                    # the lines assessed before the interrupt are sound: keep them
                    if interrupted.done is not None and interrupted.done[1]:
                        run.write(interrupted.done, then_stop_if_requested=False)
                    raise KeyboardInterrupt from None
                run.write(result)
        else:
            _run_parallel(run, workers, rules, options)
    return run.summary


# --- the work of one chunk (in this process or a worker) ----------------------------------------

_WORKER_BOOK: RuleBook | None = None


def _load(rules: str | Path | None) -> RuleBook:
    from psoas_triage.assessment import default_rulebook
    from psoas_triage.rulebook import load_rulebook

    return load_rulebook(rules) if rules is not None else default_rulebook()


def _init_worker(rules: str | None, parent_pid: int) -> None:
    """Worker initializer: die with the parent, load the rule book and compile its engine once
    per process."""
    global _WORKER_BOOK
    from psoas_triage.engine import engine_for

    # A killed parent cannot stop its workers: they must notice by themselves (issue 22).
    worker_guard.die_with_parent(parent_pid)
    # The parent decides what an interrupt means and stops the workers itself; a Ctrl-C sent to
    # the whole process group must not make each worker print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    _WORKER_BOOK = _load(rules)
    engine_for(_WORKER_BOOK)


def _worker_chunk(chunk: list[Line], spool: str, options: LineOptions) -> ChunkResult:
    assert _WORKER_BOOK is not None, "worker not initialised"
    payload, outcomes = _assess_lines(_WORKER_BOOK, chunk, options)
    path = Path(spool) / f"chunk-{chunk[0][0]}.jsonl"
    try:
        _write_spool(path, payload)  # type: ignore[arg-type]
    except OSError as error:  # a full disk is the environment's fault, not a bug to report
        raise BatchOutputError(
            f"cannot write the spool folder {spool} (worker output before it is copied to the "
            f"output): {error.strerror or error}; {SPOOL_HINT}"
        ) from None
    return path, outcomes


SPOOL_HINT = "set TMPDIR to a folder with room, or use one worker (which needs no spool)"


def _write_spool(path: Path, payload: bytes) -> None:
    """One chunk's output lines into the spool (a function of its own for tests)."""
    path.write_bytes(payload)


def assess_lines(
    book: RuleBook, lines: list[Line], options: LineOptions | None = None
) -> tuple[bytes, list[Outcome]]:
    """Assess numbered raw input lines as the batch does: the output lines as one UTF-8 blob
    (each ending in a newline) and each line's outcome.

    Public so that other runners (``psoas_triage.dask``) write exactly the batch's bytes.
    """
    payload, outcomes = _assess_lines(book, lines, options or LineOptions())
    assert isinstance(payload, bytes)
    return payload, outcomes


def compact_record(assessment: Assessment) -> dict[str, Any]:
    """The few fields population screening needs from an assessment: triage level, psoas band
    and score, red-flag rule ids, fired rule ids and the rule-book version (``batch --compact``).
    """
    return {
        "triage_level": assessment.triage_level.value,
        "likelihood": assessment.likelihood.value,
        "psoas_score": assessment.psoas_score,
        "red_flags": [flag.rule_id for flag in assessment.red_flags],
        "fired_rule_ids": list(assessment.fired_rule_ids),
        "rulebook_version": assessment.rulebook_version,
    }


def _assess_lines(
    book: RuleBook,
    chunk: list[Line],
    options: LineOptions,
    stop: threading.Event | None = None,
) -> ChunkResult:
    """The chunk's output lines and outcomes. Raises _ChunkInterrupted (with the lines before)
    when a line was interrupted, or ``stop`` was set while a line was assessed: such a line's
    record may be wrong (an interrupt swallowed in pydantic-core), so it is never written."""
    lines: list[str] = []
    outcomes: list[Outcome] = []
    try:
        for number, raw in chunk:
            record, level = _assess_line(book, number, raw, options)
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt
            lines.append(record)
            outcomes.append((number, level))
    except KeyboardInterrupt:
        done = len(outcomes)  # an interrupt between the two appends leaves one line more
        payload = "".join(line + "\n" for line in lines[:done]).encode("utf-8")
        raise _ChunkInterrupted("an assessment was interrupted", (payload, outcomes)) from None
    lines.append("")
    return "\n".join(lines).encode("utf-8"), outcomes


def _assess_line(
    book: RuleBook, number: int, raw: bytes | OverlongLine, options: LineOptions
) -> tuple[str, str | None]:
    """One output line and its triage level (None for an error record)."""
    from psoas_triage.assessment import assess
    from psoas_triage.reports import parse_report_json

    try:
        if isinstance(raw, OverlongLine):
            raise ReportError(
                [
                    Problem(
                        "report",
                        f"a line of {raw.size:,} bytes, over the limit of {MAX_LINE_BYTES:,} "
                        "bytes per line: not read",
                    )
                ]
            )
        report = parse_report_json(raw, book)  # decoded by the one JSON reader
        assessment = assess(
            report,
            book,
            language=options.language,
            include_experimental=options.include_experimental,
        )
        if options.compact:
            return _compact_json(compact_record(assessment)), assessment.triage_level.value
        return assessment.to_json(details=options.details), assessment.triage_level.value
    except Exception as error:  # one bad line must never stop the batch; an interrupt must
        if _is_interrupt(error):
            raise KeyboardInterrupt from error
        return _error_record(number, _error_detail(error)), None


def _error_detail(error: Exception) -> dict[str, Any]:
    if isinstance(error, ReportError):
        return error.to_dict()
    if isinstance(error, PsoasTriageError):
        return {"error": "engine_error", "message": str(error), "problems": []}
    return {
        "error": "internal_error",
        "message": f"{type(error).__name__}: {error}",
        "problems": [],
    }


def _error_record(number: int, detail: dict[str, Any]) -> str:
    return _compact_json({"line": number, "error": detail})


_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# --- plumbing -----------------------------------------------------------------------------------


def _run_parallel(
    run: BatchRun, workers: int, rules: str | Path | None, options: LineOptions
) -> None:
    window = workers * WINDOW_PER_WORKER
    pending: deque[Future[ChunkResult]] = deque()
    with _spool_folder() as spool:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(str(rules) if rules is not None else None, os.getpid()),
        )
        try:
            for chunk in run.chunks:
                pending.append(pool.submit(_worker_chunk, chunk, spool, options))
                run.start_progress()  # after the first submit: workers are forked before it runs
                if len(pending) >= window:
                    run.write(pending.popleft().result())
                _stop_if_requested()
            while pending:
                run.write(pending.popleft().result())
        except BaseException:
            _stop_workers(pool)
            raise
        pool.shutdown(wait=True)


@contextmanager
def _spool_folder() -> Iterator[str]:
    """A folder for the workers' chunk files, named after this process (so that the next run
    removes it if this one is killed) and removed when the batch ends."""
    try:
        spool = worker_guard.make_spool()
    except OSError as error:
        raise BatchOutputError(
            f"cannot make a spool folder in {tempfile.gettempdir()} (worker output before it is "
            f"copied to the output): {error.strerror or error}; {SPOOL_HINT}"
        ) from error
    try:
        yield spool
    finally:
        worker_guard.remove_spool(spool)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end every worker now (no orphan outlives an interrupt)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() forgets it
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
    # Let the pool's manager thread see its workers gone and close its wake-up pipe before the
    # interpreter exits: on Python 3.10 the exit hook can write to that pipe while the thread
    # closes it, and print "Bad file descriptor" after an interrupt (seen in CI, SIGINT -w 2).
    if manager is not None:
        manager.join(timeout=5)


def _context() -> multiprocessing.context.BaseContext:
    """Fork when it is safe (one thread, POSIX): workers start fast; spawn otherwise."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _write(
    result: ChunkResult,
    sink: _Sink,
    summary: BatchSummary,
    levels: Counter[str],
    bar: _ProgressBar | None,
) -> None:
    payload, outcomes = result
    summary.recent.append((summary.total, outcomes))
    if isinstance(payload, Path):
        _copy_spool(payload, sink)
    else:
        sink.write(payload)
    for number, level in outcomes:
        summary.total += 1
        summary.last_line = number
        if level is None:
            summary.errors += 1
            if len(summary.error_lines) < MAX_LISTED_ERRORS:
                summary.error_lines.append(number)
        else:
            summary.assessed += 1
            levels[level] += 1
    if bar:
        bar.advance(len(outcomes))


def _copy_spool(path: Path, sink: _Sink) -> None:
    """Append a spool file to ``sink`` (in the kernel where the sink is a real file) and
    remove it."""
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        try:
            target = sink.fileno()
        except (AttributeError, OSError, ValueError):  # an in-memory sink, as in tests
            with sink._named():
                shutil.copyfileobj(source, sink.stream)
        else:
            sink.flush()
            sent = 0
            with sink._named():
                while sent < size:
                    sent += os.sendfile(target, source.fileno(), sent, size - sent)
    path.unlink()


def _chunks(source: IO[bytes], size: int, name: str) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    for number, raw in enumerate(_bounded_lines(source, name), start=1):
        if isinstance(raw, bytes) and not raw.strip():
            continue
        chunk.append((number, raw))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bounded_lines(source: IO[bytes], name: str) -> Iterator[bytes | OverlongLine]:
    """Every line of ``source`` without its line end, never holding more than MAX_LINE_BYTES:
    a longer line is read in pieces, dropped, and stands as an OverlongLine."""
    limit = MAX_LINE_BYTES + 2  # room for the line's own "\r\n"
    try:
        while raw := source.readline(limit):
            if raw.endswith(b"\n") or len(raw) < limit:
                yield raw.rstrip(b"\r\n")
                continue
            size, raw = len(raw), b""  # not kept: the rest is read in small pieces
            while (piece := source.readline(DISCARD_PIECE)) and not piece.endswith(b"\n"):
                size += len(piece)
            size += len(piece.rstrip(b"\r\n"))
            yield OverlongLine(size)
    except OSError as error:
        raise BatchInputError(f"cannot read {name}: {error.strerror or error}") from error


def _input_name(path: str | Path) -> str:
    return "standard input" if str(path) == "-" else str(path)


def _count_lines(path: str | Path) -> int | None:
    """Lines of a regular input file (None for a stream, which can only be read once)."""
    if str(path) == "-" or not _is_regular(Path(path)):
        return None
    try:
        with open(path, "rb") as file:
            return sum(
                1
                for raw in _bounded_lines(file, str(path))
                if not isinstance(raw, bytes) or raw.strip()
            )
    except OSError:
        return None


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _refuse_same_file(input_path: str | Path, output_path: str | Path | None) -> None:
    """Refuse an output that is the input itself: compared by device and inode, so a hard link,
    a symbolic link or another path to the same file is caught too, and so is standard input
    redirected from the output file (``batch - -o F < F``)."""
    if output_path is None or str(output_path) == "-":
        return
    try:
        target = os.stat(output_path)
        source = _stdin_stat() if str(input_path) == "-" else os.stat(input_path)
    except OSError:
        return  # no output yet (or no input: reading it says so)
    if source is None:
        return
    if (source.st_dev, source.st_ino) == (target.st_dev, target.st_ino) and stat.S_ISREG(
        source.st_mode
    ):
        raise ValueError(
            f"the output file would overwrite the input file ({output_path} is "
            f"{_input_name(input_path)})"
        )


def _stdin_stat() -> os.stat_result | None:
    """What standard input is open on (None when it is no file, as in a test runner)."""
    try:
        return os.fstat(sys.stdin.buffer.fileno())
    except (AttributeError, OSError, ValueError):
        return None


@contextmanager
def _open_input(path: str | Path) -> Iterator[IO[bytes]]:
    if str(path) == "-":
        if sys.stdin is None:
            raise BatchInputError("cannot read standard input: it is closed")
        yield sys.stdin.buffer
        return
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below; any readable stream path works
    except OSError as error:
        raise BatchInputError(f"cannot read {path}: {error.strerror or error}") from error
    if _is_dir(file):
        file.close()
        raise BatchInputError(f"cannot read {path}: it is a directory")
    with file:
        yield file


def _is_dir(file: IO[bytes]) -> bool:
    return stat.S_ISDIR(os.fstat(file.fileno()).st_mode)


class _Sink:
    """The output stream, named in its errors: a failed write raises BatchOutputError."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self.stream = stream
        self.name = name

    def write(self, data: bytes) -> None:
        with self._named():
            self.stream.write(data)

    def flush(self) -> None:
        with self._named():
            self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    @contextmanager
    def _named(self) -> Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as error:
            raise BatchOutputError(
                f"cannot write {self.name}: {error.strerror or error}"
            ) from error


@contextmanager
def _open_output(path: str | Path | None, summary: BatchSummary) -> Iterator[_Sink]:
    """Standard output, a stream path (written in place), or a file written atomically."""
    if path is None or str(path) == "-":
        if sys.stdout is None:
            raise BatchOutputError("cannot write standard output: it is closed")
        sink = _Sink(sys.stdout.buffer, "standard output")
        sink.flush()
        try:
            yield sink
        except KeyboardInterrupt:
            _flush_quietly(sink)
            raise BatchInterrupted(summary.total, summary.last_line, None) from None
        sink.flush()
        return
    # Through a symbolic link to its target, as the shell's "> LINK" does: replacing the link
    # by a file would leave the file it points to stale while it looks updated.
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if target.exists() and not _is_regular(target):  # /dev/stdout, a FIFO, a device
        with _open_stream_output(target) as sink:
            try:
                yield sink
            except KeyboardInterrupt:
                raise BatchInterrupted(summary.total, summary.last_line, None) from None
        return
    with _atomic_output(target, summary) as sink:
        yield sink


@contextmanager
def _open_stream_output(target: Path) -> Iterator[_Sink]:
    try:
        stream = open(target, "wb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise BatchOutputError(f"cannot write {target}: {error.strerror or error}") from error
    sink = _Sink(stream, str(target))
    try:
        yield sink
        sink.flush()
    finally:
        with contextlib.suppress(OSError):
            stream.close()


@contextmanager
def _atomic_output(target: Path, summary: BatchSummary) -> Iterator[_Sink]:
    """Write beside ``target`` under a temporary name; fsync and rename only on success.

    An interrupt keeps the lines written as ``target.partial``; any other failure removes them,
    so no file under either name looks complete when it is not. The temporary's name carries
    this process's pid: a run that was killed cannot clean up, so the next run to the same
    output removes the temporaries of dead owners first (never a live run's).
    """
    stem = f".{target.name}."
    summary.stale_removed.extend(worker_guard.remove_stale(target.parent, stem, ".tmp"))
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=worker_guard.owned_prefix(stem), suffix=".tmp"
        )
    except OSError as error:
        raise BatchOutputError(f"cannot write {target}: {error.strerror or error}") from error
    worker_guard.claim(temporary)
    try:
        yield from _fill_atomically(target, temporary, descriptor, summary)
    finally:
        worker_guard.release(temporary)


def _fill_atomically(
    target: Path, temporary: str, descriptor: int, summary: BatchSummary
) -> Iterator[_Sink]:
    stream = os.fdopen(descriptor, "wb")
    sink = _Sink(stream, str(target))
    try:
        yield sink
        sink.flush()
        with sink._named():
            os.fsync(descriptor)
        stream.close()
        with sink._named():
            os.chmod(temporary, 0o666 & ~_umask())
            os.replace(temporary, target)
    except KeyboardInterrupt:
        if not os.path.lexists(temporary):
            raise  # renamed to ``target`` already: the output is complete
        partial = target.with_name(target.name + ".partial")
        _flush_quietly(sink)
        with contextlib.suppress(OSError):
            stream.close()
        written = _complete_lines(Path(temporary), summary.total)
        try:
            os.replace(temporary, partial)
        except OSError:
            _remove(temporary)
            partial_path = None
        else:
            partial_path = partial
        raise BatchInterrupted(written, summary.written_up_to(written), partial_path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            stream.close()
        _remove(temporary)
        raise


def _complete_lines(path: Path, counted: int) -> int:
    """The complete lines in an interrupted output, with a cut-off last line removed.

    ``counted`` is what the summary counted; the file may hold one chunk more (the interrupt fell
    between its write and its count), so the file, not the counter, says what was written.
    """
    try:
        with open(path, "r+b") as file:
            lines = 0
            end = 0  # offset just after the last newline
            offset = 0
            while block := file.read(1 << 20):
                found = block.count(b"\n")
                if found:
                    lines += found
                    end = offset + block.rindex(b"\n") + 1
                offset += len(block)
            if end != offset:
                file.truncate(end)  # never leave half a record in the partial file
        return lines
    except OSError:
        return counted


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _flush_quietly(sink: _Sink) -> None:
    with contextlib.suppress(OSError, ValueError):
        sink.stream.flush()


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class _ProgressBar:
    """A rich progress bar on standard error (total None: a count without a bar)."""

    def __init__(self, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("assessing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("assessing", total=total)
        self.started = False

    def start(self) -> None:
        self.progress.start()
        self.started = True

    def advance(self, count: int) -> None:
        self.progress.advance(self.task, count)

    def stop(self) -> None:
        if self.started:
            self.progress.stop()

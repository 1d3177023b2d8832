"""The batch on a Dask cluster, for a cohort that outgrows one machine (extra ``[dask]``).

Three ways in, all writing exactly what ``psoas-triage batch`` writes (the same bytes per line,
error records with their line numbers included, in input order):

- ``assess_bag(bag)``: a Dask bag of reports (dicts, or JSON text such as ``db.read_text``'s
  lines) becomes a bag of output lines (JSON text), partition by partition in order;
- ``assess_dataframe(frame, column)``: a Dask DataFrame with a report column becomes one with the
  same index and the columns ``line``, ``triage_level`` and ``record``;
- ``run_batch_on_cluster(IN, OUT, scheduler)`` (``psoas-triage batch --scheduler``): the file
  is read here, chunks go to the cluster and come back in order to the same writer as
  ``run_batch``, so the atomic output and the ``OUT.partial`` of an interrupt are the same.

A task never carries the rule book: it carries a ``BookRef`` (a path, or None for the shipped
book, and the content digest). Each worker process loads the book once per reference and checks
the digest, so a worker whose rule files differ from the client's fails loudly instead of
answering with other rules. A rule directory other than the shipped one must therefore be
readable under the same path on every worker (a shared file system).

Dask is an existing distributed engine; this module only cuts the work into tasks. Nothing in
the core imports it, and ``import psoas_triage`` never imports dask.
"""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psoas_triage.batch import (
    CHUNK_SIZE,
    WINDOW_PER_WORKER,
    BatchInterrupted,
    BatchSummary,
    Line,
    LineOptions,
    Outcome,
    assess_lines,
    batch_run,
    check_sizes,
    interrupts_stop_batches,
)
from psoas_triage.errors import Problem, PsoasTriageError, ReportError
from psoas_triage.locales import resolve_language
from psoas_triage.rulebook import RuleBook

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe
    import distributed

LOCAL = "local"
"""The ``scheduler`` value that starts a LocalCluster on loopback for one run."""

RECORD_COLUMNS = ("line", "triage_level", "record")
"""The columns of ``assess_dataframe``'s result."""
_DTYPES = {"line": "int64", "triage_level": object, "record": object}


TRIM = "MALLOC_TRIM_THRESHOLD_"
SLOW_MALLOC = 1 << 20
"""Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (to return memory to the
system sooner). Any threshold that small makes glibc trim the heap after nearly every free, and
the durable_rules C engine, which allocates and frees per report, then runs ~3x slower (measured:
2.3 s CPU for 3,000 reports without it, 6.5 s with it). ``local_cluster`` unsets it; a worker of
a running cluster with a threshold below this many bytes is named in a RuntimeWarning."""


class ClusterError(PsoasTriageError):
    """The Dask cluster could not be reached or failed on a task (the message says which)."""


class RuleBookMismatch(PsoasTriageError):
    """A worker's rule book is not the client's (its files differ, or it has none there)."""


# --- the rule book, by reference ------------------------------------------------------------------


@dataclass(frozen=True)
class BookRef:
    """What a task carries instead of the rule book: where to load it and the digest it has.

    ``path`` None means the rule book shipped with the worker's psoas-triage installation.
    """

    path: str | None
    digest: str

    @classmethod
    def of(cls, rules: str | Path | RuleBook | None = None) -> BookRef:
        """The reference to a loaded book, a rule directory (loaded and validated here, so a
        bad one fails before any work is sent), or the shipped book (None)."""
        from psoas_triage.assessment import default_rulebook
        from psoas_triage.rulebook import DEFAULT_RULES_DIR, load_rulebook

        if isinstance(rules, RuleBook):
            book = rules
        else:
            book = default_rulebook() if rules is None else load_rulebook(rules)
        shipped = book.path.resolve() == DEFAULT_RULES_DIR.resolve()
        return cls(None if shipped else str(book.path.resolve()), book.digest)

    def load(self) -> RuleBook:
        """This process's copy of the book: loaded and its engine compiled once per reference."""
        with _BOOKS_LOCK:
            book = _BOOKS.get(self)
            if book is None:
                book = _BOOKS[self] = self._load_checked()
            return book

    def _load_checked(self) -> RuleBook:
        from psoas_triage.assessment import default_rulebook
        from psoas_triage.engine import engine_for
        from psoas_triage.rulebook import load_rulebook

        where = self.path or "the shipped rule book"
        try:
            book = default_rulebook() if self.path is None else load_rulebook(self.path)
        except PsoasTriageError as error:
            raise RuleBookMismatch(f"this worker cannot load {where}: {error}") from None
        if book.digest != self.digest:
            raise RuleBookMismatch(
                f"this worker's {where} is not the client's (digest {book.digest[:12]}, "
                f"expected {self.digest[:12]}): install the same psoas-triage and rule files "
                "on every worker"
            )
        engine_for(book)
        return book


_BOOKS: dict[BookRef, RuleBook] = {}
_BOOKS_LOCK = threading.Lock()


def preload(ref: BookRef) -> dict[str, Any]:
    """Load ``ref`` in this worker now (``Client.run`` calls it on every worker): a worker that
    cannot fails before any report is sent. Returns the book's full version and this process's
    malloc trim threshold (None when unset)."""
    import os

    return {"version": ref.load().full_version, "trim": os.environ.get(TRIM)}


# --- bags and data frames -------------------------------------------------------------------------


def assess_bag(bag: dask.bag.Bag, rules: str | Path | RuleBook | None = None) -> dask.bag.Bag:
    """Assess a bag of reports; a bag of output lines (JSON text, no newline) comes back.

    Each element is a report: a mapping, or its JSON text (``str`` or ``bytes``, such as the
    lines of ``dask.bag.read_text``). Its line number is its 1-based position in the bag, in
    partition order (the line number in the file for one file read with ``read_text``). As in
    ``batch``, blank text is skipped (but counted) and a bad report becomes an error record
    ``{"line": N, "error": {...}}``. Lazy: nothing runs until the result is computed.

    The numbers need the lengths of the partitions before each one, so the cluster may hold
    input partitions (not results) in memory ahead of their assessment.
    """
    import dask
    import dask.bag as db

    ref = BookRef.of(rules)
    parts = [dask.delayed(list)(part) for part in bag.to_delayed()]
    outputs = []
    offset: Any = 0
    for part in parts:
        outputs.append(dask.delayed(_assess_elements)(part, offset, ref))
        offset = dask.delayed(_add_length)(offset, part)
    return db.from_delayed(outputs)


def assess_dataframe(
    frame: dask.dataframe.DataFrame,
    column: str = "report",
    rules: str | Path | RuleBook | None = None,
) -> dask.dataframe.DataFrame:
    """Assess the reports in ``frame[column]``: a frame with the same index and partitions comes
    back, with the columns ``line`` (1-based row position), ``triage_level`` (None for an error
    record) and ``record`` (the batch's output line).

    A cell is a mapping or its JSON text. Every row gets a record: an empty or missing cell is
    an error record (a row is never dropped, so the result aligns with ``frame``).
    """
    import dask
    import dask.dataframe as dd
    import pandas as pd

    if column not in frame.columns:
        known = ", ".join(str(name) for name in frame.columns)
        raise KeyError(f"no column {column!r} in the frame (its columns: {known})")
    ref = BookRef.of(rules)
    outputs = []
    offset: Any = 0
    for part in frame[column].to_delayed():
        outputs.append(dask.delayed(_assess_series)(part, offset, ref))
        offset = dask.delayed(_add_length)(offset, part)
    meta = pd.DataFrame({name: pd.Series([], dtype=_DTYPES[name]) for name in RECORD_COLUMNS})
    divisions = frame.divisions if frame.known_divisions else None
    return dd.from_delayed(outputs, meta=meta, divisions=divisions, verify_meta=False)


def _add_length(offset: int, part: Any) -> int:
    return offset + len(part)


def _assess_elements(elements: list[Any], offset: int, ref: BookRef) -> list[str]:
    numbered: list[Line] = []
    failed: dict[int, str] = {}
    for number, element in enumerate(elements, start=offset + 1):
        raw = _raw_line(element, number, failed)
        if raw is not None and raw.strip():
            numbered.append((number, raw))
    return [record for record, _ in _records(numbered, failed, ref)]


def _assess_series(series: Any, offset: int, ref: BookRef) -> Any:
    import pandas as pd

    numbered: list[Line] = []
    failed: dict[int, str] = {}
    for number, element in enumerate(series.tolist(), start=offset + 1):
        raw = _raw_line(element, number, failed)
        if raw is not None:
            numbered.append((number, raw))
    records = _records(numbered, failed, ref)
    columns = {
        "line": range(offset + 1, offset + 1 + len(records)),
        "triage_level": [level for _, level in records],
        "record": [record for record, _ in records],
    }
    return pd.DataFrame(
        {
            name: pd.Series(list(values), index=series.index, dtype=_DTYPES[name])
            for name, values in columns.items()
        }
    )


def _raw_line(element: Any, number: int, failed: dict[int, str]) -> bytes | None:
    """An element as the batch's raw input line; None (with an error record in ``failed``) when
    it cannot be one."""
    if isinstance(element, bytes):
        return element.rstrip(b"\r\n")
    if isinstance(element, str):
        return element.rstrip("\r\n").encode("utf-8", "surrogatepass")
    try:
        return json.dumps(element, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        detail = ReportError([Problem("report", f"not JSON data: {error}")]).to_dict()
        failed[number] = json.dumps(
            {"line": number, "error": detail}, ensure_ascii=False, separators=(",", ":")
        )
        return None


def _records(
    numbered: list[Line], failed: dict[int, str], ref: BookRef
) -> list[tuple[str, str | None]]:
    """(output line, triage level or None) in line order: the batch's own for ``numbered``, the
    records of ``failed`` in between."""
    payload, outcomes = assess_lines(ref.load(), numbered) if numbered else (b"", [])
    lines = payload.decode("utf-8").split("\n")[:-1]
    merged = {number: (line, level) for (number, level), line in zip(outcomes, lines, strict=True)}
    merged.update((number, (record, None)) for number, record in failed.items())
    return [merged[number] for number in sorted(merged)]


# --- psoas-triage batch --scheduler -------------------------------------------------------------


def run_batch_on_cluster(
    input_path: str | Path,
    output_path: str | Path | None = None,
    scheduler: str = LOCAL,
    workers: int = 1,
    rules: str | Path | None = None,
    progress: bool = False,
    chunk_size: int = CHUNK_SIZE,
    language: str | None = None,
    include_experimental: bool = False,
    compact: bool = False,
    details: bool = False,
) -> BatchSummary:
    """``run_batch`` with the chunks assessed on a Dask cluster; the output is byte for byte
    the same, written by the same writer (atomic, ``OUT.partial`` when interrupted).

    ``scheduler`` is a running scheduler's address (``tcp://host:8786``) or ``"local"``: a
    LocalCluster of ``workers`` processes on 127.0.0.1 for this run only (``workers`` is
    ignored for a running cluster, which has its own). ``rules`` must be readable under the
    same path on every worker; each worker checks it loaded the same content.
    """
    check_sizes(workers, chunk_size)
    ref = BookRef.of(rules)
    resolve_language(ref.load(), language)  # a wrong language fails here, not on every line
    options = LineOptions(language, include_experimental, compact, details)
    try:
        with interrupts_stop_batches(), _client(scheduler, workers) as client:
            slots = _prepare_workers(client, ref)
            with batch_run(
                input_path, output_path, workers=slots, chunk_size=chunk_size, progress=progress
            ) as run:
                run.start_progress()
                window = slots * WINDOW_PER_WORKER
                for result in _results_in_order(client, run.chunks, ref, window, options):
                    run.write(result)
    except BatchInterrupted:
        raise
    except KeyboardInterrupt:  # while the cluster started or loaded the book: nothing written
        raise BatchInterrupted(0, 0, None) from None
    return run.summary


def _assess_chunk(
    chunk: list[Line], ref: BookRef, options: LineOptions | None = None
) -> tuple[bytes, list[Outcome]]:
    """One task: the batch's bytes for one chunk, assessed with this worker's copy of the book."""
    return assess_lines(ref.load(), chunk, options)


def _results_in_order(
    client: distributed.Client,
    chunks: Iterator[list[Line]],
    ref: BookRef,
    window: int,
    options: LineOptions,
) -> Iterator[tuple[bytes, list[Outcome]]]:
    """Submit chunks with at most ``window`` in flight and yield their results in input order."""
    pending: deque[tuple[int, distributed.Future]] = deque()
    try:
        for chunk in chunks:
            pending.append(
                (chunk[0][0], client.submit(_assess_chunk, chunk, ref, options, pure=False))
            )
            if len(pending) >= window:
                yield _result(*pending.popleft())
        while pending:
            yield _result(*pending.popleft())
    finally:
        if pending:
            client.cancel([future for _, future in pending])


def _result(line: int, future: distributed.Future) -> tuple[bytes, list[Outcome]]:
    try:
        result: tuple[bytes, list[Outcome]] = future.result()
    except PsoasTriageError:
        raise
    except Exception as error:
        raise ClusterError(
            f"the cluster failed on the chunk from input line {line}: "
            f"{type(error).__name__}: {error}"
        ) from error
    return result


def _prepare_workers(client: distributed.Client, ref: BookRef) -> int:
    """Load the book on every worker now; the number of worker threads (task slots)."""
    try:
        client.wait_for_workers(1, timeout=60)
        loaded: dict[str, dict[str, Any]] = client.run(preload, ref)
    except PsoasTriageError:
        raise
    except Exception as error:
        raise ClusterError(
            f"the workers could not load the rule book: {type(error).__name__}: {error}"
        ) from error
    slow = sorted(worker for worker, info in loaded.items() if _slow_trim(info.get("trim")))
    if slow:
        warnings.warn(
            f"{len(slow)} Dask worker(s) run with a small {TRIM} (Dask's nanny sets 65536), "
            f"which makes the rule engine ~3x slower: start them with {TRIM}=134217728 in "
            f"their environment (first: {slow[0]})",
            RuntimeWarning,
            stacklevel=3,
        )
    return max(1, sum(client.nthreads().values()))


def _slow_trim(value: str | None) -> bool:
    try:
        return value is not None and int(value) < SLOW_MALLOC
    except ValueError:
        return False


@contextmanager
def _client(scheduler: str, workers: int) -> Iterator[distributed.Client]:
    """A client of the running scheduler at ``scheduler``, or of a LocalCluster on loopback."""
    try:
        from distributed import Client
    except ImportError as error:
        raise ClusterError(
            f"--scheduler needs the 'dask' extra ({error}): pip install 'psoas-triage[dask]'"
        ) from None
    if scheduler == LOCAL:
        cluster = local_cluster(workers)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    except ValueError as error:
        raise ClusterError(f"not a Dask scheduler address: {scheduler} ({error})") from None
    with client:
        yield client


def local_cluster(workers: int = 1, **options: Any) -> distributed.LocalCluster:
    """A LocalCluster of ``workers`` single-threaded processes listening on 127.0.0.1 only,
    without a dashboard: each process runs its own engine (the C engine holds the GIL).

    Its workers start without Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` (see ``SLOW_MALLOC``).
    """
    import dask
    from distributed import LocalCluster

    settings: dict[str, Any] = {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "scheduler_port": 0,
        # No dashboard, and the scheduler's HTTP routes on a free loopback port (not 8787).
        "dashboard_address": None,
        "scheduler_kwargs": {"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        "silence_logs": logging.ERROR,
    }
    settings.update(options)
    with dask.config.set({f"distributed.nanny.pre-spawn-environ.{TRIM}": None}):
        return LocalCluster(**settings)

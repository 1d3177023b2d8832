"""``assess(report, "some/dir")`` loads a rule directory once per content, not once per call.

Loading and validating a rule book costs hundreds of milliseconds; an assessment with a loaded
book costs well under one. This memo sits in front of ``load_rulebook``: it remembers the book
loaded from each directory (by resolved path) together with a signature of its files (name,
size, modification time, inode), translations under ``locales/`` included. A call whose
signature matches gets the same book back after a few ``stat`` calls. When the signature
differs (a file edited, added, removed), the content digest of the same files (taken before the
book was loaded) is compared: unchanged content (a ``touch``, a copy with the same bytes) keeps
the book, anything else loads the directory again. A file modified within ``RACY_SECONDS`` of
being looked at could be edited again within the same timestamp tick, so its signature is never
trusted: the content digest is checked on every call until the file is older. At most
``MAX_DIRECTORIES`` directories are remembered (least recently used dropped). A directory that
cannot be read or listed is handed to the loader, whose error names the problem.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from psoas_triage.errors import RuleBookError
from psoas_triage.locales import LOCALES_DIR
from psoas_triage.rulebook import RuleBook, book_file_names, content_digest, load_rulebook

MAX_DIRECTORIES = 8
"""Rule directories remembered at once."""
RACY_SECONDS = 2.0
"""A file modified this recently is checked by content, not by its timestamp."""

Signature = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class _Entry:
    book: RuleBook
    signature: Signature
    racy: bool
    """Some file was modified too recently for its signature to be trusted."""
    digest: str | None
    """``content_digest`` of the files, read before the book was (so a file edited during the
    load makes it differ, never match); None when a file could not be read."""


_MEMO: OrderedDict[Path, _Entry] = OrderedDict()
_LOCK = threading.Lock()
_COUNTS = {"loads": 0, "hits": 0, "digest_checks": 0}


def rulebook_for(path: str | Path) -> RuleBook:
    """The rule book in directory ``path``, loaded once per content (see the module doc)."""
    directory = Path(path)
    try:
        key = directory.resolve(strict=True)
        names = _memo_file_names(key)
        signature, racy = _signature(key, names)
    except (OSError, RuleBookError):
        return load_rulebook(directory)  # raises the loader's precise error (or loads anyway)
    with _LOCK:
        entry = _MEMO.get(key)
        if entry is not None:
            _MEMO.move_to_end(key)
    if entry is not None and entry.signature == signature and not entry.racy:
        _COUNTS["hits"] += 1
        return entry.book
    try:
        digest: str | None = content_digest(key, names)
    except (OSError, RuleBookError):
        digest = None
    if entry is not None:
        _COUNTS["digest_checks"] += 1
        if digest is not None and digest == entry.digest:
            _remember(key, _Entry(entry.book, signature, racy, digest))
            return entry.book
    book = load_rulebook(directory)
    _COUNTS["loads"] += 1
    _remember(key, _Entry(book, signature, racy, digest))
    return book


def memo_stats() -> dict[str, int]:
    """Loads, signature hits and content-digest checks so far, and directories remembered."""
    with _LOCK:
        return {**_COUNTS, "remembered": len(_MEMO)}


def forget_all() -> None:
    """Drop every remembered rule book (tests, or a caller that wants a fresh load)."""
    with _LOCK:
        _MEMO.clear()


def _remember(key: Path, entry: _Entry) -> None:
    with _LOCK:
        _MEMO[key] = entry
        _MEMO.move_to_end(key)
        while len(_MEMO) > MAX_DIRECTORIES:
            _MEMO.popitem(last=False)


def _memo_file_names(directory: Path) -> list[str]:
    """Every file a loaded book depends on: what the loader reads (``book_file_names``) and
    every entry of ``locales/`` (an edited translation is a new book too)."""
    try:
        locales = sorted(os.listdir(directory / LOCALES_DIR))
    except (FileNotFoundError, NotADirectoryError):
        locales = []
    return [*book_file_names(directory), *(f"{LOCALES_DIR}/{name}" for name in locales)]


def _signature(directory: Path, names: list[str]) -> tuple[Signature, bool]:
    now = time.time_ns()
    racy_ns = int(RACY_SECONDS * 1e9)
    parts, racy = [], False
    for name in names:
        info = os.stat(directory / name)
        parts.append((name, info.st_size, info.st_mtime_ns, info.st_ino))
        racy = racy or now - max(info.st_mtime_ns, info.st_ctime_ns) < racy_ns
    return tuple(parts), racy

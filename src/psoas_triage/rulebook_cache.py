"""An on-disk cache of validated rule files, so a new process need not parse the YAML again.

What is stored is data: the JSON dump of each file's validated model (never pickle or marshal),
which ``load_rulebook`` validates into the models again and cross-checks as a whole, exactly as
after parsing. An entry is used only when its key matches, and the key is a digest of every rule
file's bytes plus the code and versions that decide what those bytes mean (this package's schema
and loader sources, pydantic, PyYAML, Python). Anything unexpected (a missing, corrupt, foreign or
stale entry, a directory that is not private) means "no cache": the YAML is parsed as without
one, and a fresh entry is written when the directory is usable. The cache never raises.

Where: ``$PSOAS_TRIAGE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/psoas-triage``, else
``~/.cache/psoas-triage``. The directory is created with mode 0700 and used only while it is a
real directory owned by the current user and not writable by group or others. One file per rule
directory (named by a digest of its path), replaced atomically when the rules change.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "PSOAS_TRIAGE_CACHE_DIR"
FORMAT = 1
MAX_ENTRY_BYTES = 32 * 1_048_576
"""An entry larger than this is not read (the shipped book's is under 1 MiB)."""

_CODE_MODULES = ("schema", "models", "rulebook", "rulebook_cache", "yaml_files", "schema_errors")
"""Modules whose source decides what a rule file validates to: a change to any of them (in a
checkout, without a version bump) gives new keys."""


def cache_dir() -> Path | None:
    """The private cache directory, created if needed; None when it cannot be used safely."""
    configured = os.environ.get(CACHE_DIR_ENV, "").strip()
    if configured:
        directory = Path(configured).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
        directory = root / "psoas-triage"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(directory)
    except (OSError, RuntimeError):  # RuntimeError: no home directory to expand
        return None
    return directory if _private(info, stat.S_ISDIR) else None


def _private(info: os.stat_result, kind: Any) -> bool:
    """True for an entry of ``kind`` (not a symlink) owned by us and not group/world-writable."""
    return bool(
        kind(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def entry_path(directory: Path, rules_dir: Path) -> Path:
    """The cache file for one rule directory (by a digest of its resolved path)."""
    name = hashlib.sha256(str(rules_dir.resolve()).encode()).hexdigest()[:32]
    return directory / f"rulebook-{name}.json"


def cache_key(book_digest: str) -> str:
    """The key an entry must carry: the rule files' digest plus what decides their meaning."""
    parts = {"format": FORMAT, "book": book_digest, "environment": _environment()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@lru_cache(maxsize=1)
def _environment() -> str:
    """Python, pydantic and PyYAML versions and this package's loader and schema sources."""
    import importlib.util

    import pydantic
    import pydantic_core

    digest = hashlib.sha256()
    digest.update(f"{sys.version}|{pydantic.VERSION}|{pydantic_core.__version__}".encode())
    spec = importlib.util.find_spec("yaml")  # finding, not importing: yaml stays unloaded
    if spec is not None and spec.origin:
        with open(spec.origin, "rb") as source:  # holds __version__
            digest.update(source.read())
    here = Path(__file__).parent
    for name in _CODE_MODULES:
        digest.update(name.encode() + b"\0" + (here / f"{name}.py").read_bytes())
    return digest.hexdigest()


def read_entry(rules_dir: Path, key: str) -> dict[str, Any] | None:
    """The cached files of ``rules_dir`` when its entry carries ``key``; None otherwise."""
    try:
        directory = cache_dir()
        if directory is None:
            return None
        path = entry_path(directory, rules_dir)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(path, flags | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as stream:
            info = os.fstat(descriptor)
            if not _private(info, stat.S_ISREG) or info.st_size > MAX_ENTRY_BYTES:
                return None
            entry = json.loads(stream.read(MAX_ENTRY_BYTES + 1))
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        if entry.get("key") != key or not isinstance(entry.get("files"), dict):
            return None
        return entry["files"]
    except (OSError, ValueError, RuntimeError, RecursionError):
        return None


def write_entry(rules_dir: Path, key: str, files: dict[str, Any]) -> None:
    """Store ``files`` (relative name -> JSON data) under ``key``, atomically; errors ignored."""
    try:
        directory = cache_dir()
        if directory is None:
            return
        text = json.dumps({"format": FORMAT, "key": key, "files": files}, ensure_ascii=False)
        # (at most 4 UTF-8 bytes per character: most texts need no encoding to know)
        if len(text) > MAX_ENTRY_BYTES // 4 and len(text.encode("utf-8")) > MAX_ENTRY_BYTES:
            return  # would never be read back
        target = entry_path(directory, rules_dir)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError, RuntimeError):
        return

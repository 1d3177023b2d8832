"""Nothing of a batch outlives the process that ran it: workers die with their parent, and the
temporary files of a run that was killed (SIGKILL, power loss) are found and removed by the next.

A worker forked by a ProcessPoolExecutor does not notice its parent's death: it inherits both
ends of the task pipe, so it never reads end-of-file, and it waits for work forever (issue 22:
two workers still alive a minute after ``kill -9`` of ``batch -w 2``). ``die_with_parent`` asks
Linux to kill the worker when its parent goes (``PR_SET_PDEATHSIG``) and, where that is not
available, watches ``os.getppid()`` from a thread.

A temporary file or folder is named with its owner's host tag and pid (``owned_name``), so a
later run can tell a dead owner's leftovers (removed) from a live run's files (never touched).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
"""prctl option (linux/prctl.h): the signal this process gets when its parent thread dies."""
WATCH_SECONDS = 0.5
"""How often the portable watchdog checks that the parent is still there."""

_OURS: set[str] = set()
"""Names this process gave to temporaries it still owns (another thread's batch may run)."""
_OURS_LOCK = threading.Lock()


def die_with_parent(parent_pid: int) -> None:
    """End this (worker) process as soon as ``parent_pid``, its parent, is gone."""
    if not _kill_on_parent_death():
        _watch_parent(parent_pid)
    if os.getppid() != parent_pid:  # the parent died before the request above was made
        _end_now()


def _end_now() -> None:
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _kill_on_parent_death() -> bool:
    """Linux: have the kernel SIGKILL this process when its parent dies; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the loaded C library (find_library forks)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """The portable fallback: a daemon thread that kills this process when its parent changes
    (an orphan is re-parented, so ``getppid`` no longer names the parent)."""

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if os.getppid() != parent_pid:
                _end_now()

    threading.Thread(target=watch, name="psoas-parent-watch", daemon=True).start()


# --- temporaries named after their owner ----------------------------------------------------------


def _host_tag() -> str:
    """Eight hex digits for this host: a pid is only meaningful on the host that made it (an
    output folder may be on a shared file system)."""
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def owned_prefix(stem: str) -> str:
    """The start of a temporary's name that says who owns it: ``{stem}{host}-{pid}-``."""
    return f"{stem}{_host_tag()}-{os.getpid()}-"


def claim(path: str | Path) -> None:
    """Remember that this process made ``path`` (so a pid reused by a later run of the same
    number, as in a container, is not mistaken for its owner)."""
    with _OURS_LOCK:
        _OURS.add(os.path.basename(path))


def release(path: str | Path) -> None:
    """``path`` is renamed or removed: this process no longer owns a file of that name."""
    with _OURS_LOCK:
        _OURS.discard(os.path.basename(path))


def remove_stale(folder: str | Path, stem: str, suffix: str = "") -> list[Path]:
    """Remove the temporaries named ``{stem}{host}-{pid}-...{suffix}`` in ``folder`` whose owner,
    a process of this host, is dead; the paths removed. A live owner's files (or ones of another
    host, or another user's) are left alone."""
    pattern = re.compile(
        re.escape(stem) + r"(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-.*" + re.escape(suffix) + r"\Z",
        re.DOTALL,
    )
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    host = _host_tag()
    for name in names:
        match = pattern.match(name)
        if match is None or match["host"] != host or not _owner_is_dead(int(match["pid"]), name):
            continue
        path = Path(folder) / name
        if _remove_ours(path):
            removed.append(path)
    return removed


def _owner_is_dead(pid: int, name: str) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: never guess
        return False
    if pid == os.getpid():
        with _OURS_LOCK:
            return name not in _OURS  # an earlier process that had this pid
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


def _remove_ours(path: Path) -> bool:
    """Remove a file or folder of this user (symlinks never followed)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        return True
    return False


SPOOL_STEM = "psoas-batch-"
"""The start of a spool folder's name in the system's temporary folder."""


def make_spool() -> str:
    """A new spool folder for worker output, named after this process."""
    path = tempfile.mkdtemp(prefix=owned_prefix(SPOOL_STEM))
    claim(path)
    return path


def remove_spool(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    release(path)


def remove_stale_spools() -> list[Path]:
    """Spool folders of killed batches of this user in the system's temporary folder."""
    return remove_stale(tempfile.gettempdir(), SPOOL_STEM)

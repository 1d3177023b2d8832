"""Import durable_rules, turning a C-loader failure on Python 3.13+ into one clear, fixable error.

durable-rules 2.0.28 calls ``PyEval_CallObject``, which CPython 3.13 removed. Built without the
define below, its extension fails at import with ``undefined symbol: PyEval_CallObject``; that
message names neither the cause nor the fix, so we replace it with one that does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from psoas_triage.errors import PsoasTriageError

BUILD_DEFINE = "-DPyEval_CallObject=PyObject_CallObject"
FIX_COMMAND = (
    f'CPPFLAGS="{BUILD_DEFINE}" python -m pip install --force-reinstall --no-cache-dir '
    "--no-deps durable-rules==2.0.28"
)


class DurableBuildError(PsoasTriageError, ImportError):
    """durable-rules' C extension was built for Python 3.13+ without the define it needs."""


def import_engine_module(importer: Callable[[str], ModuleType] = importlib.import_module) -> Any:
    """The ``durable_rules_engine`` extension module, or DurableBuildError naming the fix."""
    try:
        return importer("durable_rules_engine")
    except ImportError as error:
        if "PyEval_CallObject" not in str(error):
            raise
        raise DurableBuildError(
            "durable-rules was built without the define Python 3.13+ needs "
            f"({BUILD_DEFINE}), so its C extension cannot load. Rebuild it with:\n"
            f"    {FIX_COMMAND}\n"
            f"(the Makefile sets it for you). Loader message: {error}"
        ) from None


durable_rules_engine = import_engine_module()

from durable.engine import Host  # noqa: E402  (only after the extension is known to load)

__all__ = ["BUILD_DEFINE", "FIX_COMMAND", "DurableBuildError", "Host", "durable_rules_engine"]

"""durable-rules built for Python 3.13 without its define: one clear error naming the fix."""

from __future__ import annotations

from types import ModuleType

import pytest

from psoas_triage import PsoasTriageError
from psoas_triage._durable import BUILD_DEFINE, DurableBuildError, import_engine_module

LOADER_MESSAGE = (
    "/venv/lib/python3.13/site-packages/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: "
    "undefined symbol: PyEval_CallObject"
)


def failing_import(message: str):
    def importer(name: str) -> ModuleType:
        raise ImportError(message, name=name)

    return importer


def test_the_missing_define_is_named_with_the_command_that_fixes_it() -> None:
    with pytest.raises(DurableBuildError) as caught:
        import_engine_module(failing_import(LOADER_MESSAGE))
    message = str(caught.value)
    assert f'CPPFLAGS="{BUILD_DEFINE}" python -m pip install --force-reinstall' in message
    assert "durable-rules==2.0.28" in message
    assert "undefined symbol: PyEval_CallObject" in message  # the loader's words, for a search
    # Still an ImportError (import semantics) and one of ours (callers catch PsoasTriageError).
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, PsoasTriageError)


def test_any_other_import_failure_is_left_as_it_was() -> None:
    with pytest.raises(ImportError) as caught:
        import_engine_module(failing_import("No module named 'durable_rules_engine'"))
    assert not isinstance(caught.value, DurableBuildError)
    assert str(caught.value) == "No module named 'durable_rules_engine'"


def test_the_real_extension_loads_here() -> None:
    module = import_engine_module()
    assert callable(module.assert_fact)

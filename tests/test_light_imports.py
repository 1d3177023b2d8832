"""What a process pays for: ``import psoas_triage`` and a JSON assessment load no terminal,
web, FHIR or test library, and a JSON assessment from the rule-book cache does not load YAML."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

NEVER = {"rich", "fastapi", "starlette", "uvicorn", "httpx", "fhir", "pytest", "pytest_bdd"}
NEVER |= {"hypothesis", "dask", "distributed", "pygments", "markdown_it", "playwright"}

MODULES_AFTER = """
import json, sys
{code}
sys.stdout.flush()
sys.__stderr__.write(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""

ASSESS = """
from psoas_triage.cli import main
sys.argv = ["psoas-triage", *{args!r}, "assess", "groin_pain", "--json"]
try:
    main()
except SystemExit as done:
    assert done.code == 0, done.code
"""


def top_modules(code: str, **env: str) -> set[str]:
    """The top-level packages imported once ``code`` has run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER.format(code=code)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
        timeout=120,
    )
    return set(json.loads(done.stderr))


def test_import_psoas_triage_stays_light() -> None:
    loaded = top_modules("import psoas_triage")
    assert "psoas_triage" in loaded
    assert "pydantic" in loaded
    assert not loaded & (NEVER | {"yaml", "typer", "click"}), sorted(loaded & NEVER)


@pytest.mark.parametrize("args", [[], ["--no-cache"]], ids=["cache", "no-cache"])
def test_a_json_assessment_imports_neither_rich_nor_web_code(args: list[str]) -> None:
    top_modules(ASSESS.format(args=args))  # the first run writes the cache entry
    loaded = top_modules(ASSESS.format(args=args))
    assert {"psoas_triage", "typer", "durable"} <= loaded
    # Some typer releases (0.16, the lowest allowed) import rich themselves: not ours to avoid.
    by_typer = top_modules("import typer") & NEVER
    assert not loaded & (NEVER - by_typer), sorted(loaded & (NEVER - by_typer))
    if args:
        assert "yaml" in loaded  # without the cache the rule files are parsed
    else:
        assert "yaml" not in loaded, "a cache hit still imported yaml"

"""The ``pytest11`` entry point of psoas-triage: the Gherkin steps when pytest-bdd is installed.

The entry point is registered for every project that installs psoas-triage, so this module must
import cleanly without pytest-bdd: then it defines no option, fixture or step, and pytest runs as
if the plugin were absent. Only a ``.feature`` file named on the command line is answered, with
the install command of the ``bdd`` extra, instead of pytest's silent "no tests ran".

The steps themselves live in ``psoas_triage.bdd.steps``; see ``docs/gherkin.md``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from psoas_triage.bdd.catalogue import INSTALL_HINT

HAVE_PYTEST_BDD = importlib.util.find_spec("pytest_bdd") is not None

if HAVE_PYTEST_BDD:
    from typing import Any

    from pytest_bdd.exceptions import StepDefinitionNotFoundError

    from psoas_triage.bdd.catalogue import catalogue, nearest_steps
    from psoas_triage.bdd.steps import *  # noqa: F403

    def pytest_bdd_step_func_lookup_error(
        request: Any, feature: Any, scenario: Any, step: Any, exception: Exception
    ) -> None:
        """Say which catalogued steps are nearest to a step nothing defines (pytest-bdd alone
        says only "not found"); ``psoas-triage steps`` lists them all."""
        nearest = nearest_steps(step.name, catalogue())
        if not nearest:
            return
        hints = "; ".join(f'"{entry.keyword} {entry.example}"' for entry in nearest)
        raise StepDefinitionNotFoundError(
            f"{exception} Nearest psoas-triage steps: {hints} (all: psoas-triage steps)"
        )
else:

    class MissingPytestBdd(pytest.File):
        """A ``.feature`` file asked for by name while pytest-bdd is not installed."""

        def collect(self) -> list[pytest.Item]:
            raise self.CollectError(f"cannot run {self.path.name}: {INSTALL_HINT}")

    def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
        if file_path.suffix == ".feature" and parent.session.isinitpath(file_path):
            return MissingPytestBdd.from_parent(parent, path=file_path)
        return None

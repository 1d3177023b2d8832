"""docs/gherkin.md lists every step the plugin defines, with an example each step really parses.

The catalogue comes from the ``catalogued`` entries next to each step definition, so these tests
fail when a step is added without an entry, when an example no longer matches its step, or when
the doc was not regenerated (``python -m psoas_triage.bdd.catalogue docs/gherkin.md``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import pytest_bdd.steps

import psoas_triage.bdd.steps as steps
from psoas_triage.bdd.catalogue import StepDoc, catalogue, render_markdown, replace_in

DOC = Path(__file__).resolve().parents[1] / "docs" / "gherkin.md"


def step_contexts() -> list[object]:
    """pytest-bdd's record of the steps defined in psoas_triage.bdd.steps (pytest-bdd >= 8.1)."""
    registry = getattr(pytest_bdd.steps, "step_function_context_registry", None)
    if registry is None:
        pytest.skip("this pytest-bdd keeps no registry of step definitions")
    return [c for c in registry.values() if c.step_func.__module__ == steps.__name__]


def test_the_doc_shows_the_current_catalogue() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert replace_in(document, catalogue()) == document, (
        "docs/gherkin.md is stale: run python -m psoas_triage.bdd.catalogue docs/gherkin.md"
    )


def test_every_step_definition_is_catalogued() -> None:
    defined = {context.step_func.__name__ for context in step_contexts()}  # type: ignore[attr-defined]
    documented = {entry.function for entry in catalogue()}
    assert len(defined) >= 30
    assert defined - documented == set(), "steps without a catalogue entry"
    assert documented - defined == set(), "catalogue entries without a step"


def test_every_example_is_parsed_by_its_own_step() -> None:
    parsers_of: dict[str, list[object]] = {}
    for context in step_contexts():
        parsers_of.setdefault(context.step_func.__name__, []).append(context)  # type: ignore[attr-defined]
    for entry in catalogue():
        contexts = parsers_of[entry.function]
        matching = [
            c
            for c in contexts
            if c.parser.is_matching(entry.example)  # type: ignore[attr-defined]
            and c.type == entry.keyword.lower()  # type: ignore[attr-defined]
        ]
        assert matching, f"{entry.keyword} {entry.example!r} is not parsed by {entry.function}"


def test_placeholders_and_pipes_survive_markdown() -> None:
    entry = StepDoc("Then", 'the level is "<a|b>"', 'the level is "a"', "one <n>")
    row = render_markdown([entry]).splitlines()[4]
    assert row == '| Then `the level is "<a\\|b>"` | `Then the level is "a"` | one &lt;n&gt; |'


def test_the_doc_example_passes_against_the_shipped_rules(pytester: pytest.Pytester) -> None:
    """The downstream example of the doc is a real, passing project (shipped rules here)."""
    document = DOC.read_text(encoding="utf-8")
    feature = re.search(r"```gherkin\n(.*?)```", document, re.S)
    module = re.search(r"```python\n(from pytest_bdd.*?)```", document, re.S)
    assert feature and module
    text = feature.group(1).replace('Given the rules in "../rules"', "Given the shipped rules")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "groin.feature").write_text(text, encoding="utf-8")
    (pytester.path / "tests").mkdir()
    # Named apart from this suite's own test_features.py, which may be imported in this process.
    module_file = pytester.path / "tests" / "test_doc_example_features.py"
    module_file.write_text(module.group(1), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=1)


pytest_plugins = ["pytester"]

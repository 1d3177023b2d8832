"""A label or synonym that two codes share is an error: a person's word must resolve to one code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psoas_triage import load_rulebook
from psoas_triage.cli import app
from psoas_triage.errors import RuleBookError
from psoas_triage.rulebook import DEFAULT_RULES_DIR

HORSE_RIDING = """
  - code: horse_riding
    label: "horse riding"
    question: "Do you ride horses regularly?"
    category: exposure
    sources: [understanding_psoas_pain]
    synonyms: ["equestrian", "cyclist"]
"""


@pytest.fixture
def book_with_shared_synonym(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    vocabulary = rules / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + HORSE_RIDING, encoding="utf-8")
    return rules


def test_a_synonym_of_another_code_is_refused_naming_both(book_with_shared_synonym: Path):
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(book_with_shared_synonym)
    message = str(caught.value)
    assert "vocabulary.yaml" in message
    assert "horse_riding" in message
    assert "synonym 'cyclist' is already the synonym of 'cycling'" in message


def test_lint_reports_it_and_exits_3(book_with_shared_synonym: Path) -> None:
    result = CliRunner().invoke(app, ["rules", "lint", str(book_with_shared_synonym)])
    assert result.exit_code == 3
    assert "'cyclist' is already the synonym of 'cycling'" in result.stdout


def test_the_shipped_vocabulary_names_every_word_once() -> None:
    book = load_rulebook()
    seen: dict[str, str] = {}
    for term in book.terms.values():
        for name in {term.code, term.label.lower(), *(s.lower() for s in term.synonyms)}:
            assert seen.setdefault(name.replace("_", " "), term.code) == term.code, name

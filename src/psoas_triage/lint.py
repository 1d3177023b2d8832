"""Check a rule directory beyond its schema: load problems, examples, reachability, unused codes.

The loader already refuses a malformed book (schema, unknown codes and sources, duplicate ids,
the monotone-triage guard). Lint adds what needs the engine: every ``fires`` example fires its
rule (so every rule can fire) and no ``does_not_fire`` example does; and what is legal but
suspicious: vocabulary codes no rule uses, and warning-sign codes (category red_flag) that no
rule with a triage floor uses (a warning sign that can never raise the level is a silent gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from psoas_triage.engine import engine_for
from psoas_triage.errors import RuleBookError
from psoas_triage.rulebook import RuleBook, load_body_map, load_rulebook
from psoas_triage.schema import Category


@dataclass(frozen=True)
class LintProblem:
    """One thing wrong with a rule directory, printed as ``FILE:LINE: rule ID: message`` (the
    way compilers print, so editors can jump to it); warnings say ``warning:`` after the place."""

    file: str | None
    rule: str | None
    message: str
    severity: str = "error"
    line: int | None = None

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.file and self.line else self.file
        parts = [part for part in (place, self.rule and f"rule {self.rule}") if part]
        if self.severity != "error":
            parts.append(self.severity)
        return ": ".join([*parts, self.message])


def lint_directory(path: str | Path | None = None) -> list[LintProblem]:
    """Every problem in the rule directory at ``path`` (the shipped one when None)."""
    try:
        book = load_rulebook(path)
    except RuleBookError as error:
        return [
            LintProblem(problem.file, problem.rule, problem.detail, line=problem.line)
            for problem in error.problems
        ]
    return lint_rulebook(book)


def lint_rulebook(book: RuleBook) -> list[LintProblem]:
    """Problems of a loaded book: examples that misbehave, codes nobody uses, unmapped places."""
    return [*example_problems(book), *unused_code_problems(book), *body_map_problems(book)]


def example_problems(book: RuleBook) -> list[LintProblem]:
    """Run every rule's examples through durable_rules and report the ones that misbehave."""
    engine = engine_for(book)
    problems = []
    for loaded in book.rules:
        rule = loaded.rule
        for number, example in enumerate(rule.examples.fires):
            if rule.id not in engine.fired_rule_ids(example):
                problems.append(
                    LintProblem(
                        loaded.file,
                        rule.id,
                        f"example fires[{number}] does not fire the rule",
                        line=loaded.line,
                    )
                )
        for number, example in enumerate(rule.examples.does_not_fire):
            if rule.id in engine.fired_rule_ids(example):
                problems.append(
                    LintProblem(
                        loaded.file,
                        rule.id,
                        f"example does_not_fire[{number}] fires the rule",
                        line=loaded.line,
                    )
                )
    return problems


def unused_code_problems(book: RuleBook) -> list[LintProblem]:
    """Vocabulary codes no rule mentions; red-flag codes no rule with a triage floor mentions."""
    vocabulary = str(book.path / "vocabulary.yaml")
    used = {code for loaded in book.rules for code in loaded.rule.when.codes()}
    flagged = {
        code
        for loaded in book.rules
        if loaded.rule.triage_floor is not None
        for code in loaded.rule.when.codes()
    }
    problems = []
    for term in book.terms.values():
        if term.code not in used:
            problems.append(LintProblem(vocabulary, term.code, "no rule uses this code", "warning"))
        elif term.category is Category.red_flag and term.code not in flagged:
            problems.append(
                LintProblem(
                    vocabulary, term.code, "red-flag code used by no rule with a triage floor"
                )
            )
    return problems


def body_map_problems(book: RuleBook) -> list[LintProblem]:
    """The optional body map must place every pain_location code, and only vocabulary codes."""
    file = str(book.path / "body_map.yaml")
    try:
        body_map = load_body_map(book)
    except RuleBookError as error:
        return [LintProblem(error.file, error.rule, error.detail)]
    if body_map is None:
        return []
    locations = [t.code for t in book.terms.values() if t.category is Category.pain_location]
    problems = [
        LintProblem(file, code, f"pain_location code {code!r} has no body-map region: add it")
        for code in locations
        if code not in body_map.regions
    ]
    problems += [
        LintProblem(file, code, f"{code!r} is not a pain_location code of the vocabulary")
        for code in body_map.regions
        if code not in locations
    ]
    return problems

"""One scenario's symptom report, its assessment, and the checks the Then steps make.

A ``PsoasCase`` collects what the Given steps say (findings present and denied, numbers, raw
fields), assesses it once on ``When the symptoms are assessed``, and answers the Then steps with
readable failures: every failed check says what was expected, what came out, and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psoas_triage.assessment import assess, default_rulebook
from psoas_triage.book_memo import rulebook_for
from psoas_triage.errors import ReportError
from psoas_triage.models import AdviceItem, Assessment
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import closest, normalise

from .language import UnknownWordError

Recorder = Callable[[RuleBook, Assessment], None]


def rulebook_at(path: str | Path | None) -> RuleBook:
    """The rule book in ``path`` (the shipped one when None), loaded once per content: the
    library's own memos (``default_rulebook``, ``rulebook_for``), so an edited rule file is
    read again and every scenario on the same files shares one book and its engine."""
    return default_rulebook() if path is None else rulebook_for(path)


@dataclass
class PsoasCase:
    """The state of one scenario: a report being written, then its assessment or its error."""

    rules_dir: Path | None = None
    recorder: Recorder | None = None
    include_experimental: bool = False
    """Assess with experimental rules too (``Given experimental rules are included``)."""
    present: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    _assessment: Assessment | None = None
    _error: ReportError | None = None
    _assessed: bool = False

    # --- the report ------------------------------------------------------------------------

    @property
    def book(self) -> RuleBook:
        return rulebook_at(self.rules_dir)

    def use_rules(self, path: Path | None) -> None:
        if self._assessed:
            raise AssertionError("choose the rules before the symptoms are assessed")
        self.rules_dir = path
        self.book  # noqa: B018 - load now, so a bad directory fails on the step that names it

    def use_experimental(self) -> None:
        if self._assessed:
            raise AssertionError("include experimental rules before the symptoms are assessed")
        self.include_experimental = True

    def report_present(self, codes: Iterable[str]) -> None:
        self.present.extend(code for code in codes if code not in self.present)

    def report_absent(self, codes: Iterable[str]) -> None:
        self.absent.extend(code for code in codes if code not in self.absent)

    def set_field(self, name: str, value: Any) -> None:
        self.fields[name] = value

    def report(self) -> dict[str, Any]:
        """The report as the library receives it (a plain mapping, validated by ``assess``)."""
        data: dict[str, Any] = {}
        if self.present:
            data["present"] = list(self.present)
        if self.absent:
            data["absent"] = list(self.absent)
        data.update(self.fields)
        return data

    # --- assessing -------------------------------------------------------------------------

    def assess(self) -> None:
        book = self.book
        self._assessed = True
        try:
            self._assessment = assess(
                self.report(), book, include_experimental=self.include_experimental
            )
        except ReportError as error:
            self._error = error
            return
        if self.recorder is not None:
            self.recorder(book, self._assessment)

    def assess_with(self, extra_present: Iterable[str]) -> Assessment:
        """The assessment of this report with more findings present (for monotonicity checks)."""
        data = self.report()
        data["present"] = list(dict.fromkeys([*self.present, *extra_present]))
        data["absent"] = [code for code in self.absent if code not in data["present"]]
        result = assess(data, self.book, include_experimental=self.include_experimental)
        if self.recorder is not None:
            self.recorder(self.book, result)
        return result

    @property
    def assessment(self) -> Assessment:
        """The assessment; a readable failure when the report was rejected or never assessed."""
        if not self._assessed:
            raise AssertionError('no assessment yet: add "When the symptoms are assessed"')
        if self._error is not None:
            raise AssertionError(f"the report was rejected, so there is no result: {self._error}")
        assert self._assessment is not None
        return self._assessment

    @property
    def error(self) -> ReportError:
        """The rejection; a readable failure when the report was accepted."""
        if not self._assessed:
            raise AssertionError('nothing assessed yet: add "When the symptoms are assessed"')
        if self._error is None:
            raise AssertionError(
                f"expected the report to be rejected, but it was assessed: {self.summary()}"
            )
        return self._error

    def summary(self) -> str:
        """One line describing the assessment, for failure messages."""
        result = self.assessment
        flags = ", ".join(flag.rule_id for flag in result.red_flags) or "none"
        return (
            f"triage {result.triage_level.value}, psoas {result.likelihood.value} "
            f"(score {result.psoas_score}), red flags: {flags}, "
            f"rules fired: {', '.join(result.fired_rule_ids) or 'none'}; report {self.report()}"
        )

    # --- lookups for Then steps ------------------------------------------------------------

    def rule_id(self, name: str) -> str:
        """A rule id from its id or its title (any case)."""
        wanted = normalise(name)
        for loaded in self.book.rules:
            if wanted in (loaded.rule.id, normalise(loaded.rule.title)):
                return loaded.rule.id
        names = [loaded.rule.id for loaded in self.book.rules]
        names += [loaded.rule.title for loaded in self.book.rules]
        raise UnknownWordError("rule", name, closest(name, names))

    def source_id(self, name: str) -> str:
        """A source id from its id or its title (any case)."""
        wanted = normalise(name)
        for source in self.book.sources.values():
            if wanted in (source.id, normalise(source.title)):
                return source.id
        names = [*self.book.sources, *(source.title for source in self.book.sources.values())]
        raise UnknownWordError("source", name, closest(name, names))

    def advice_id(self, name: str) -> str:
        """An advice id from its id or its title (any case)."""
        wanted = normalise(name)
        for item in self.book.advice.advice:
            if wanted in (item.id, normalise(item.title)):
                return item.id
        names = [item.id for item in self.book.advice.advice]
        names += [item.title for item in self.book.advice.advice]
        raise UnknownWordError("advice item", name, closest(name, names))

    def alternative_id(self, name: str) -> str:
        """An alternative cause's id from its id or its title (any case)."""
        wanted = normalise(name)
        for alternative in self.book.alternatives.values():
            if wanted in (alternative.id, normalise(alternative.title)):
                return alternative.id
        names = [*self.book.alternatives]
        names += [alternative.title for alternative in self.book.alternatives.values()]
        raise UnknownWordError("alternative cause", name, closest(name, names))

    def advice_items(self, kind: str | None = None) -> tuple[AdviceItem, ...]:
        """Every advice item given, of ``kind`` (all kinds when None): the short lists first,
        then what they left to ``Assessment.more``."""
        advice, more = self.assessment.advice, self.assessment.more
        if kind is None:
            given = (advice.self_care, more.self_care, advice.avoid, more.avoid)
            return (*(item for items in given for item in items), *advice.seek_help)
        return (*getattr(advice, kind), *getattr(more, kind, ()))

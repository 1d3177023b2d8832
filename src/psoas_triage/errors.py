"""Typed errors: every failure the library expects says where it happened and what to do.

Callers catch ``PsoasTriageError`` for anything this library raises on purpose. Bad input
(``ReportError``) and a bad rule book (``RuleBookError``) carry structured details so a UI, the CLI
or a test can show the field or file, the offending value and the closest valid choice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from psoas_triage.suggestions import did_you_mean, suggest


class PsoasTriageError(Exception):
    """Base class of every error this library raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a symptom report."""

    field: str
    message: str
    value: object = None
    suggestions: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.field}: {self.message}{did_you_mean(self.suggestions)}"


MAX_PROBLEMS = 50
"""The most problems one error lists: 10,000 unknown FHIR linkIds must not make a 1 MB error line
(nor spend seconds finding suggestions for each). The rest are counted in a last problem."""

MORE_PROBLEMS = "problems"
"""The field of that last problem, which only counts the ones not listed."""


class ReportError(PsoasTriageError, ValueError):
    """A symptom report that cannot be assessed; ``problems`` lists every reason.

    At most ``MAX_PROBLEMS`` are listed (``listed``); then a last problem says how many more
    there were (``unlisted``, which also counts problems a caller stopped collecting early). A
    door that re-raises another error's problems (prefixing their fields, adding its own) passes
    ``error.listed`` and ``unlisted=error.unlisted``, so the count is carried, never re-counted.
    """

    def __init__(self, problems: list[Problem], *, unlisted: int = 0) -> None:
        listed = list(problems)
        self.listed = tuple(listed[:MAX_PROBLEMS])
        self.unlisted = unlisted + max(0, len(listed) - MAX_PROBLEMS)
        more: tuple[Problem, ...] = ()
        if self.unlisted:
            more = (
                Problem(
                    MORE_PROBLEMS,
                    f"{self.unlisted:,} more problem{'s' if self.unlisted != 1 else ''} not "
                    f"listed (only the first {MAX_PROBLEMS} are shown)",
                    value=self.unlisted,
                ),
            )
        self.problems = self.listed + more
        super().__init__(self._summary())

    def _summary(self) -> str:
        if len(self.problems) == 1:
            return f"invalid symptom report: {self.problems[0]}"
        lines = "; ".join(str(problem) for problem in self.problems)
        return f"invalid symptom report ({len(self.problems)} problems): {lines}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, used by the CLI's error records."""
        return {
            "error": "invalid_report",
            "message": str(self),
            "problems": [
                {
                    "field": problem.field,
                    "message": problem.message,
                    "value": _jsonable(problem.value),
                    "suggestions": list(problem.suggestions),
                }
                for problem in self.problems
            ],
        }


class RuleBookError(PsoasTriageError, ValueError):
    """A rule book that cannot be loaded: names the file and, where known, the rule."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        rule: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.rule = rule
        self.line = line
        self.detail = message
        self.problems: tuple[RuleBookError, ...] = (self,)
        where = ", ".join(
            part for part in (file and f"file {file}", rule and f"rule {rule}") if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class LanguageError(PsoasTriageError, ValueError):
    """A language the rule book has no translation for (or not a language tag at all).

    ``available`` lists the languages there are (English, the book's own, always among them).
    """

    ENGLISH = "en"

    def __init__(self, language: str, available: Iterable[str]) -> None:
        self.language = language
        self.available = tuple(sorted({self.ENGLISH, *available}))
        suffix = suggest(language, self.available, limit=2)
        super().__init__(
            f"no translation for language {language[:40]!r}{suffix}; "
            f"available: {', '.join(self.available)}"
        )


class EngineError(PsoasTriageError, RuntimeError):
    """The rules engine failed while evaluating a report (never swallowed)."""


def cut_text(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters (with "..."): a 10 MB value must not make a 10 MB
    error message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _jsonable(value: object) -> object:
    # NaN and infinities are not JSON: a batch error record must stay valid JSON, so they are text.
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."

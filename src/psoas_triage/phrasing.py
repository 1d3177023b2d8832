"""The words of a question's ``why``: sentence templates filled with level, band and code names.

English is the rule book's own phrasing; a locale may give its own templates (``interview`` in
``locales/<lang>.yaml``) and names (``levels``, ``bands``, labels, rule titles), each falling back
to English on its own. Templates use ``string.Template`` placeholders (``$to``, ``$now``...):
substitution only, no attribute access or formatting code, and the loader refuses a placeholder
a template does not have.
"""

from __future__ import annotations

from collections.abc import Iterable
from string import Template

from psoas_triage.locales import Locale
from psoas_triage.models import Likelihood, TriageLevel
from psoas_triage.rulebook import RuleBook

ENGLISH_WHY = {
    "why_checklist": (
        "asked first: a warning sign could make this $to (now $now), and self-care needs them "
        "answered"
    ),
    "why_level": "asked because $subject could make this $to (now $now; rule: $rule)",
    "why_applies": "asked so that only questions that fit you are asked (such as: $labels)",
    "why_level_context": (
        "asked because, with your $labels, $subject could make this $to (now $now; rule: $rule)"
    ),
    "why_band": (
        "asked because it could still change the psoas band (now $band, between $low and "
        "$high) through: $rules"
    ),
}
"""The English templates; each locale template may use the same placeholders, no others."""

NUMBER_SUBJECTS = {
    "age": "your age",
    "duration_days": "how long the pain has lasted",
    "pain_intensity": "how strong the pain is",
    "sex": "your sex",
}


class Phrasing:
    """Names and sentences for ``book``'s questions, in ``locale``'s words where it has them."""

    def __init__(self, book: RuleBook, locale: Locale | None = None) -> None:
        self.book = book
        self.texts = locale.texts if locale is not None else None

    def level(self, level: TriageLevel) -> str:
        found = self.texts.levels.get(level) if self.texts else None
        return found or level.value.replace("_", " ")

    def band(self, band: Likelihood) -> str:
        found = self.texts.bands.get(band) if self.texts else None
        return found or band.value

    def label(self, code: str) -> str:
        entry = self.texts.vocabulary.get(code) if self.texts else None
        return (entry and entry.label) or self.book.terms[code].label

    def subject(self, key: str) -> str:
        """A code's label, or the words for a number field ("your age")."""
        if key in self.book.terms:
            return self.label(key)
        found = self.texts.interview.subjects.get(key) if self.texts else None  # type: ignore[call-overload]
        return found or NUMBER_SUBJECTS.get(key, key)

    def rule_title(self, rule_id: str) -> str:
        entry = self.texts.rules.get(rule_id) if self.texts else None
        return (entry and entry.title) or self.book.rule(rule_id).rule.title

    def labels(self, codes: Iterable[str]) -> str:
        word = (self.texts and self.texts.interview.and_word) or "and"
        return f" {word} ".join(self.label(code) for code in codes)

    def why(self, name: str, **values: str) -> str:
        """The ``name`` template (see ``ENGLISH_WHY``) filled with ``values``."""
        template = getattr(self.texts.interview, name) if self.texts else None
        return Template(template or ENGLISH_WHY[name]).safe_substitute(values)

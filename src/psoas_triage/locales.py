"""Translation files beside the rule book: ``rules/locales/<lang>.yaml``, keyed by the book's ids.

A locale translates the texts a person reads (labels, questions, advice, rule and alternative
texts, the disclaimer, the triage actions and their clinician wording, the interview's fixed
prompts); it never changes a code, an id, a level, a score or which rules fire. Any entry it
leaves out falls back to English, one entry at a time, and the Assessment lists the keys it
showed in English (``untranslated``), so an app can see the mix. Three texts are required,
because a person who cannot read them may not act on them: the disclaimer and the emergency and
urgent actions. A locale without them does not load. The clinician texts are optional and fall
back to English like any other entry: the clinician reading them also has the level itself, the
red flags and the fired rules.

Files are read with the rule book's own safe YAML loader and checked like the rule files: schema
problems and ids the book does not define are errors naming ``FILE:LINE`` with did-you-mean.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from psoas_triage.errors import LanguageError, RuleBookError
from psoas_triage.models import ANSWER_FIELDS, Likelihood, NumberField, TriageLevel
from psoas_triage.schema import Identifier, Strict, Text
from psoas_triage.schema_errors import schema_problems
from psoas_triage.suggestions import suggest
from psoas_triage.yaml_files import Location, parse_yaml_with_lines, read_rule_bytes

if TYPE_CHECKING:
    from psoas_triage.rulebook import RuleBook

LOCALES_DIR = "locales"
"""The folder of the rule directory that holds translation files (never read as rules)."""

ENGLISH = LanguageError.ENGLISH
"""The rule book's own language: its files are written in English."""

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?$")
"""A BCP 47 tag as far as a translation file needs: language, optional script, optional region
(``fr``, ``de``, ``pt-BR``, ``zh-Hant-TW``, ``es-419``), in its canonical case."""

REQUIRED_ACTIONS = (TriageLevel.emergency, TriageLevel.urgent)
"""Triage actions every locale must translate: a person who should go now must read it."""

MAX_LOCALES = 50

LanguageTag = Annotated[str, StringConstraints(pattern=LANGUAGE_TAG.pattern)]


class TermText(Strict):
    """A vocabulary code's label and question."""

    label: Text | None = None
    question: Text | None = None


class AdviceText(Strict):
    """An advice item's title and text."""

    title: Text | None = None
    text: Text | None = None


class RuleText(Strict):
    """A rule's title and description (shown for findings, red flags and evidence)."""

    title: Text | None = None
    description: Text | None = None


class AlternativeText(Strict):
    """Another cause's title and description."""

    title: Text | None = None
    description: Text | None = None


WHY_PLACEHOLDERS = {
    "why_checklist": frozenset({"to", "now"}),
    "why_level": frozenset({"subject", "to", "now", "rule"}),
    "why_applies": frozenset({"labels"}),
    "why_level_context": frozenset({"labels", "subject", "to", "now", "rule"}),
    "why_band": frozenset({"band", "low", "high", "rules"}),
}
"""The placeholders each ``why`` template may use (``$to``: the level an answer could lead to,
``$now``: the level now, ``$subject``: what is asked, ``$labels``: findings reported that make it
matter, ``$rule`` / ``$rules``: rule titles, ``$band`` / ``$low`` / ``$high``: psoas bands)."""


class InterviewText(Strict):
    """The interview's words: the checklist and number prompts, and the ``why`` templates."""

    checklist: Text | None = None
    age: Text | None = None
    duration_days: Text | None = None
    pain_intensity: Text | None = None
    sex: Text | None = None
    why_checklist: Text | None = None
    why_level: Text | None = None
    why_applies: Text | None = None
    why_level_context: Text | None = None
    why_band: Text | None = None
    subjects: dict[NumberField | Literal["sex"], Text] = Field(
        default_factory=dict, description="what a number or choice question asks about"
    )
    and_word: Text | None = None

    @model_validator(mode="after")
    def _known_placeholders(self) -> InterviewText:
        for name, allowed in WHY_PLACEHOLDERS.items():
            template = getattr(self, name)
            if template is None:
                continue
            for found in Template.pattern.finditer(template):
                used = found.group("named") or found.group("braced")
                if found.group("invalid") is not None or (used and used not in allowed):
                    raise ValueError(
                        f"{name}: unknown placeholder {found.group()!r}; "
                        f"allowed: {', '.join('$' + key for key in sorted(allowed))} "
                        "(write $$ for a dollar sign)"
                    )
        return self


class LocaleFile(Strict):
    """One ``locales/<lang>.yaml``: every section is optional except the safety texts."""

    language: LanguageTag
    name: Text = Field(description="the language's name in itself, e.g. Français")
    disclaimer: Text
    triage_actions: dict[TriageLevel, Text]
    clinician_disclaimer: Text | None = None
    clinician_actions: dict[TriageLevel, Text] = Field(
        default_factory=dict,
        description="the rule book's clinician_actions by level, each falling back to English",
    )
    vocabulary: dict[Identifier, TermText] = Field(default_factory=dict)
    advice: dict[Identifier, AdviceText] = Field(default_factory=dict)
    holdbacks: dict[Identifier, Text] = Field(default_factory=dict)
    rules: dict[Identifier, RuleText] = Field(default_factory=dict)
    alternatives: dict[Identifier, AlternativeText] = Field(default_factory=dict)
    interview: InterviewText = InterviewText()
    levels: dict[TriageLevel, Text] = Field(
        default_factory=dict, description="triage level names in a question's why"
    )
    bands: dict[Likelihood, Text] = Field(
        default_factory=dict, description="psoas band names in a question's why"
    )

    @model_validator(mode="after")
    def _safety_texts(self) -> LocaleFile:
        missing = [level.value for level in REQUIRED_ACTIONS if level not in self.triage_actions]
        if missing:
            raise ValueError(
                f"triage_actions must translate {' and '.join(missing)}: a person who should "
                "act now must be able to read what to do (the other levels may fall back to "
                "English)"
            )
        if self.language == ENGLISH or self.language.startswith(ENGLISH + "-"):
            raise ValueError("English is the rule book's own language: it needs no locale file")
        return self


@dataclass(frozen=True)
class Locale:
    """A validated translation file and where it came from."""

    language: str
    texts: LocaleFile
    file: str


CachedLocales = dict[str, dict[str, object]]
"""Validated locale files as the rule-book cache keeps them: file name -> sha256 and model."""


def load_locales(
    book: RuleBook, cached: Mapping[str, object] | None = None
) -> tuple[dict[str, Locale], list[RuleBookError], list[bytes], CachedLocales]:
    """Every ``locales/*.yaml`` of ``book``'s directory: (locales by tag, problems, raw bytes,
    the validated files for the rule-book cache).

    The raw bytes go into the book's digest, so a changed translation changes its version.
    A file whose bytes match an entry of ``cached`` (kept with this same book) is taken from
    it instead of being parsed again; anything else in ``cached`` is ignored.
    """
    folder = book.path / LOCALES_DIR
    if not folder.is_dir():
        return {}, [], [], {}
    locales: dict[str, Locale] = {}
    problems: list[RuleBookError] = []
    raws: list[bytes] = []
    validated: CachedLocales = {}
    try:
        files = sorted(folder.iterdir())
    except OSError as error:
        failed = RuleBookError(f"cannot list folder: {error.strerror}", file=str(folder))
        return {}, [failed], [], {}
    if len(files) > MAX_LOCALES:
        too_many = RuleBookError(f"more than {MAX_LOCALES} locale files", file=str(folder))
        return {}, [too_many], [], {}
    for file in files:
        if file.suffix != ".yaml":
            problems.append(
                RuleBookError(
                    "not a locale file: locale files are named <language>.yaml (e.g. fr.yaml)",
                    file=str(file),
                )
            )
            continue
        try:
            raw = read_rule_bytes(file)
            raws.append(file.name.encode() + b"\0" + raw)
            sha256 = hashlib.sha256(raw).hexdigest()
            from_cache = _cached_locale(cached, file, sha256)
            if from_cache is None:
                data, lines = parse_yaml_with_lines(raw, file)
                locale = _validate(data, file, lines)
            else:
                locale, lines = from_cache, {}
        except RuleBookError as error:
            problems.extend(error.problems)
            continue
        validated[file.name] = {"sha256": sha256, "model": locale.texts.model_dump(mode="json")}
        found = unknown_key_problems(book, locale.texts, file, lines)
        if file.stem != locale.language:
            found.append(
                RuleBookError(
                    f"language {locale.language!r} in a file named {file.name!r}: name it "
                    f"{locale.language}.yaml",
                    file=str(file),
                    line=lines.get(("language",)),
                )
            )
        problems.extend(found)
        if not found:
            locales[locale.language] = locale
    return locales, problems, raws, validated


def _cached_locale(cached: Mapping[str, object] | None, file: Path, sha256: str) -> Locale | None:
    """The locale ``cached`` holds for ``file`` with these exact bytes, validated again."""
    item = cached.get(file.name) if cached is not None else None
    if not isinstance(item, dict) or item.get("sha256") != sha256:
        return None
    try:
        texts = LocaleFile.model_validate(item.get("model"))
    except (ValidationError, RecursionError):
        return None
    return Locale(language=texts.language, texts=texts, file=str(file))


def _validate(data: object, file: Path, lines: Mapping[Location, int]) -> Locale:
    if not isinstance(data, dict):
        raise RuleBookError(
            f"expected a mapping at the top, found {type(data).__name__}", file=str(file)
        )
    try:
        texts = LocaleFile.model_validate(data)
    except ValidationError as error:
        found = schema_problems(LocaleFile, data, error, file, lines)
        combined = RuleBookError(found[0].detail, file=found[0].file, line=found[0].line)
        combined.problems = tuple(found)
        raise combined from None
    return Locale(language=texts.language, texts=texts, file=str(file))


def sections(book: RuleBook) -> dict[str, tuple[str, ...]]:
    """The ids a locale may translate, by section, in the book's order."""
    return {
        "vocabulary": tuple(book.terms),
        "advice": tuple(item.id for item in book.advice.advice),
        "holdbacks": tuple(holdback.id for holdback in book.advice.holdbacks),
        "rules": tuple(loaded.rule.id for loaded in book.rules),
        "alternatives": tuple(book.alternatives),
    }


def unknown_key_problems(
    book: RuleBook, texts: LocaleFile, file: Path, lines: Mapping[Location, int]
) -> list[RuleBookError]:
    """An error for each id a locale translates that the book does not define."""
    problems = []
    for section, known in sections(book).items():
        for key in getattr(texts, section):
            if key not in known:
                suffix = suggest(key, known)
                problems.append(
                    RuleBookError(
                        f"{section}: {key!r} is not in the rule book{suffix}",
                        file=str(file),
                        rule=key,
                        line=lines.get((section, key)),
                    )
                )
    return sorted(problems, key=lambda problem: problem.line or 0)


def missing_keys(book: RuleBook, locale: Locale) -> dict[str, list[str]]:
    """What ``locale`` leaves in English, by section: ``{"vocabulary": ["fever.label", ...]}``.

    For the lint report; an empty dict means the locale translates everything.
    """
    texts = locale.texts
    missing: dict[str, list[str]] = {}

    def check(section: str, key: str, fields: Iterable[str], entry: object) -> None:
        for name in fields:
            if entry is None or getattr(entry, name) is None:
                missing.setdefault(section, []).append(f"{key}.{name}")

    for code in book.terms:
        check("vocabulary", code, ("label", "question"), texts.vocabulary.get(code))
    for item in book.advice.advice:
        check("advice", item.id, ("title", "text"), texts.advice.get(item.id))
    for holdback in book.advice.holdbacks:
        if holdback.id not in texts.holdbacks:
            missing.setdefault("holdbacks", []).append(holdback.id)
    for loaded in book.rules:
        rule_id = loaded.rule.id
        check("rules", rule_id, ("title", "description"), texts.rules.get(rule_id))
    for key in book.alternatives:
        check("alternatives", key, ("title", "description"), texts.alternatives.get(key))
    for level in TriageLevel:
        if level not in texts.triage_actions:
            missing.setdefault("triage_actions", []).append(level.value)
    # A book without clinician texts shows its patient texts to clinicians, translated with them.
    if book.policy.clinician_actions is not None:
        for level in TriageLevel:
            if level not in texts.clinician_actions:
                missing.setdefault("clinician_actions", []).append(level.value)
    if book.policy.clinician_disclaimer is not None and texts.clinician_disclaimer is None:
        missing["clinician_disclaimer"] = ["clinician_disclaimer"]
    for name in ("checklist", *ANSWER_FIELDS, *WHY_PLACEHOLDERS, "and_word"):
        if getattr(texts.interview, name) is None:
            missing.setdefault("interview", []).append(name)
    for field in ANSWER_FIELDS:
        if field not in texts.interview.subjects:
            missing.setdefault("interview", []).append(f"subjects.{field}")
    for level in TriageLevel:
        if level not in texts.levels:
            missing.setdefault("levels", []).append(level.value)
    for band in Likelihood:
        if band not in texts.bands:
            missing.setdefault("bands", []).append(band.value)
    return missing


def safety_keys(book: RuleBook) -> frozenset[str]:
    """Missing-key names (as ``missing_keys`` gives them) of the texts that warn of danger:
    red-flag rules, warning-sign codes and seek-help advice. A locale should translate these
    first; until it does, they are shown in English and listed in ``untranslated``."""
    keys = {
        f"{loaded.rule.id}.{name}"
        for loaded in book.rules
        if loaded.rule.red_flag
        for name in ("title", "description")
    }
    keys |= {
        f"{term.code}.{name}"
        for term in book.terms.values()
        if term.category.value == "red_flag"
        for name in ("label", "question")
    }
    keys |= {
        f"{item.id}.{name}"
        for item in book.advice.advice
        if item.kind == "seek_help"
        for name in ("title", "text")
    }
    return frozenset(keys)


def resolve_language(book: RuleBook, language: str | None) -> Locale | None:
    """The locale to use for ``language`` (None for English), or a LanguageError.

    Matching follows BCP 47 lookup: the exact tag in any case (``PT-br`` -> ``pt-BR``), then the
    tag with its last subtag removed (``fr-CA`` -> ``fr``). English (``en``, ``en-GB``) and None
    are the book itself. Anything else is an error that lists the languages there are.
    """
    if language is None:
        return None
    if not isinstance(language, str):
        raise LanguageError(repr(language), book.locales)
    by_lower = {tag.lower(): locale for tag, locale in book.locales.items()}
    wanted = language.strip().replace("_", "-").lower()
    while wanted:
        if wanted == ENGLISH:
            return None
        if wanted in by_lower:
            return by_lower[wanted]
        wanted = wanted.rpartition("-")[0]
    raise LanguageError(language, book.locales)


def negotiate(book: RuleBook, accept_language: str | None) -> Locale | None:
    """The best locale for an HTTP ``Accept-Language`` header (None: English).

    A header states preferences, so nothing in it is an error: languages without a locale are
    skipped, and English is the answer when none matches.
    """
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    for _, _, tag in sorted(ranked):
        try:
            return resolve_language(book, tag)
        except LanguageError:
            continue
    return None

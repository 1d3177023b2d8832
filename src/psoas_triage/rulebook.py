"""Load a rule directory into a validated RuleBook, naming the file and rule in every error.

A rule directory holds ``rulebook.yaml`` (name, version, policy), ``sources.yaml``,
``vocabulary.yaml``, ``alternatives.yaml``, ``advice.yaml``, and any number of rule files: every
other ``*.yaml`` below it (folders that are symbolic links followed), read in path order. Each
file is checked by its schema on its own, then the book is checked as a whole (every code,
source, alternative and rule id it mentions exists).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import stat
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from psoas_triage.errors import Problem, RuleBookError, cut_text
from psoas_triage.locales import LOCALES_DIR, Locale, load_locales
from psoas_triage.models import ANSWER_FIELDS, EvidenceGrade, Sex, SymptomReport, TriageLevel
from psoas_triage.schema import (
    AdviceFile,
    AlternativeCause,
    AlternativesFile,
    BodyMapFile,
    Policy,
    Rule,
    RuleBookFile,
    RuleFile,
    Source,
    SourcesFile,
    Term,
    VocabularyFile,
)
from psoas_triage.schema_errors import schema_problems
from psoas_triage.suggestions import closest, normalise, suggest
from psoas_triage.yaml_files import Location, parse_yaml_with_lines, read_rule_bytes, read_yaml
from psoas_triage.yaml_files import combined as _combined


def _shipped_rules_dir() -> Path:
    """The shipped rule book: ``rules/`` of the repository, installed as ``psoas_triage.rules``.

    A wheel holds it inside the package; an editable install maps it there (no symlink needed);
    a plain checkout on ``PYTHONPATH=src`` finds it beside ``src/``.
    """
    spec = importlib.util.find_spec("psoas_triage.rules")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "rulebook.yaml").is_file():
            return Path(location).resolve()
    return Path(__file__).resolve().parents[2] / "rules"


RULES_ENV = "PSOAS_TRIAGE_RULES"
"""The environment variable that names a rule directory for the CLI and the service."""

DEFAULT_RULES_DIR = _shipped_rules_dir()
"""The rule book shipped with the package."""

SPECIAL_FILES = (
    "rulebook.yaml",
    "sources.yaml",
    "vocabulary.yaml",
    "alternatives.yaml",
    "advice.yaml",
    "body_map.yaml",
)
MAX_RULE_FILES = 500
MAX_FOLDERS = 1_000
"""Folders a rule directory may hold, symbolic links followed (a link to ``/`` must not walk
the whole disk)."""
RULE_FILE_SUFFIX = ".yaml"
"""Rule files end in exactly this; ``.yml`` and ``.YAML`` are refused, never skipped."""
MAX_RULES_PER_FILE = 500
"""Rules one file may hold: checked before validation, so a huge list costs nothing."""
MAX_RULES = 5_000
"""Rules a whole rule book may hold (the shipped one has under a hundred)."""
RESERVED_CODES = frozenset({"sid", "kind", "id", "sex", "age", "duration_days", "pain_intensity"})
"""Names the engine's report fact uses for itself (``id`` and ``sid`` are durable_rules' own
keys): a vocabulary code with one of these names would overwrite it, so the loader refuses them."""

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class LoadedRule:
    """A rule with the family and file it came from."""

    rule: Rule
    family: str
    file: str
    line: int | None = None
    """Where the rule starts in ``file``, for messages."""


@dataclass(frozen=True, eq=False)
class RuleBook:
    """Everything one rule directory knows, validated and cross-checked. Immutable.

    Compared and hashed by identity; ``digest`` identifies the content.
    """

    name: str
    version: str
    digest: str
    path: Path
    policy: Policy
    sources: dict[str, Source]
    terms: dict[str, Term]
    alternatives: dict[str, AlternativeCause]
    rules: tuple[LoadedRule, ...]
    advice: AdviceFile
    _index: dict[str, LoadedRule] = field(default_factory=dict, repr=False, compare=False)
    locales: Mapping[str, Locale] = field(default_factory=dict, repr=False, compare=False)
    """Translations from ``locales/<lang>.yaml`` by language tag (see ``locales``)."""

    @property
    def full_version(self) -> str:
        """Declared version plus a digest of the files, so results name the exact rules used."""
        return f"{self.version}+{self.digest[:12]}"

    def rule(self, rule_id: str) -> LoadedRule:
        """The rule with this id; a KeyError that suggests close ids otherwise."""
        try:
            return self._index[rule_id]
        except KeyError:
            suffix = suggest(rule_id, self._index)
            raise KeyError(f"no rule {rule_id!r} in rule book {self.name}{suffix}") from None

    def grade(self, sources: Iterable[str], declared: EvidenceGrade | None = None) -> EvidenceGrade:
        """The evidence grade of what cites ``sources``: the strongest source's kind, or the
        weaker grade its file ``declared`` (a source cited only for context)."""
        earned = EvidenceGrade.strongest(
            *(self.sources[source].kind.grade for source in sources if source in self.sources)
        )
        if declared is not None and declared.rank < earned.rank:
            return declared
        return earned

    @cached_property
    def marks_specific_signs(self) -> bool:
        """True when some rule is ``psoas_specific``: then "likely" needs such a rule to fire."""
        return any(loaded.rule.psoas_specific for loaded in self.rules)

    @cached_property
    def _by_label(self) -> dict[str, str]:
        lookup: dict[str, str] = {}
        for term in self.terms.values():
            for name in (term.code, term.label, *term.synonyms):
                lookup.setdefault(normalise(name), term.code)
        return lookup

    def code_for(self, code_or_label: str) -> str | None:
        """Resolve a code, a label or a synonym (any case) to its code; None when unknown.

        An exact match on the normalised form (lower case, spaces and hyphens as underscores),
        never a fuzzy one: every door (``assess``, the CLI, ``--input``, batch, the Gherkin steps)
        resolves labels and synonyms through it, and the assessed report carries the codes.
        """
        return self._by_label.get(normalise(code_or_label))

    def suggest_codes(self, word: str, limit: int = 3) -> tuple[str, ...]:
        """Codes close to ``word``, compared with codes first, then labels and synonyms."""
        found = list(closest(word, self.terms, limit=limit))
        for name in closest(word, self._by_label, limit=limit + 2):
            if self._by_label[name] not in found:
                found.append(self._by_label[name])
        return tuple(found[:limit])

    def applies(self, code: str, sex: Sex | None, age: int | None) -> bool:
        """Whether ``code`` can apply to a person of this sex and age (unknown ones included):
        a question that cannot apply is never asked, and its sign never held open."""
        term = self.terms.get(code)
        return term is None or term.applies_to is None or term.applies_to.includes(sex, age)

    def never_applies(self, report: SymptomReport) -> frozenset[str]:
        """Codes the report does not give that cannot apply to this person (see ``applies``):
        never asked, so they count as denied wherever what can still fire is decided."""
        return frozenset(
            code
            for code in self._limited_codes
            if code not in report.present and not self.applies(code, report.sex, report.age)
        )

    @cached_property
    def _limited_codes(self) -> tuple[str, ...]:
        return tuple(code for code, term in self.terms.items() if term.applies_to is not None)

    def report_problems(self, report: SymptomReport) -> list[Problem]:
        """Every code in ``report`` that this rule book's vocabulary does not define."""
        return [
            *self.code_problems("present", report.present),
            *self.code_problems("absent", report.absent),
            *self.code_problems("unknown", report.unknown, also=ANSWER_FIELDS),
        ]

    def code_problems(
        self, field_name: str, codes: Iterable[object], also: Iterable[str] = ()
    ) -> list[Problem]:
        """A Problem for each string in ``codes`` that is not a vocabulary code (nor in
        ``also``: the report fields ``unknown`` may name)."""
        allowed = frozenset(also)
        return [
            Problem(
                field=f"{field_name}[{position}]",
                message=f"unknown symptom code {cut_text(repr(code), 80)}",
                value=cut_text(code, 80),
                # No code is longer than 64 characters: nothing is close to a longer word.
                suggestions=self.suggest_codes(code) if len(code) <= 80 else (),
            )
            for position, code in enumerate(codes)
            if isinstance(code, str) and code not in self.terms and code not in allowed
        ]


Derived = TypeVar("Derived")


def per_book(build: Callable[[RuleBook], Derived]) -> Callable[[RuleBook], Derived]:
    """Wrap ``build`` so it runs once per rule book; the result is dropped with the book.

    For things derived from a book that are costly to rebuild on every assessment.
    """
    memo: weakref.WeakKeyDictionary[RuleBook, Derived] = weakref.WeakKeyDictionary()

    def derived(book: RuleBook) -> Derived:
        value = memo.get(book)
        if value is None:
            value = memo[book] = build(book)
        return value

    return derived


BOOK_FILES: tuple[tuple[str, type[BaseModel]], ...] = (
    ("rulebook.yaml", RuleBookFile),
    ("sources.yaml", SourcesFile),
    ("vocabulary.yaml", VocabularyFile),
    ("alternatives.yaml", AlternativesFile),
    ("advice.yaml", AdviceFile),
)
"""The special files ``load_rulebook`` reads, with their schema (``body_map.yaml`` is optional
and read by ``load_body_map``)."""


def load_rulebook(path: str | Path | None = None, *, cache: bool = False) -> RuleBook:
    """Load and validate a rule directory (the shipped one when ``path`` is None).

    Raises RuleBookError naming the file and rule of the first problem; ``error.problems`` holds
    every problem found.

    With ``cache=True`` the validated files are also kept in a private per-user cache (see
    ``rulebook_cache``) and taken from it next time instead of parsing the YAML again, when the
    digest of every rule file's bytes still matches. The result is the same book; the
    ``psoas-triage`` command uses it, ``rules lint`` and ``--no-cache`` do not. Off by default
    in the library: a program that loads its book once per process gains little from it.
    """
    directory = Path(path) if path is not None else DEFAULT_RULES_DIR
    if not directory.is_dir():
        raise RuleBookError("not a rule directory", file=str(directory))
    names = book_file_names(directory)
    rule_names = names[len(BOOK_FILES) :]
    files: list[tuple[str, type[BaseModel]]] = [*BOOK_FILES, *((n, RuleFile) for n in rule_names)]
    key = cached = first_digest = entry = None
    if cache:
        from psoas_triage import rulebook_cache

        first_digest = _digest_of(directory, names)
        if first_digest is not None:
            key = rulebook_cache.cache_key(first_digest)
            entry = rulebook_cache.read_entry(directory, key)
            cached = _from_cache(files, entry)
    digest = hashlib.sha256()
    item_lines: dict[str, dict[str, int]] = {}
    models: dict[str, BaseModel | None] = {}
    problems: list[RuleBookError] = []
    if cached is not None:
        for relative, (validated, lines) in cached.items():
            models[relative] = validated
            item_lines[str(directory / relative)] = lines
    else:
        for relative, model in files:  # one file in memory at a time
            file = directory / relative
            try:
                raw = read_rule_bytes(file)
            except RuleBookError as error:
                problems.extend(error.problems)
                continue
            _add_file(digest, relative, raw)
            models[relative] = _parse(file, raw, model, problems, item_lines)
    if problems:
        raise _combined(problems)
    book_digest = digest.hexdigest()
    header = models["rulebook.yaml"]
    sources_file = models["sources.yaml"]
    vocabulary_file = models["vocabulary.yaml"]
    alternatives_file = models["alternatives.yaml"]
    advice_file = models["advice.yaml"]
    assert isinstance(header, RuleBookFile) and isinstance(sources_file, SourcesFile)
    assert isinstance(vocabulary_file, VocabularyFile) and isinstance(advice_file, AdviceFile)
    assert isinstance(alternatives_file, AlternativesFile)
    rule_files = [(name, cast(RuleFile | None, models[name])) for name in rule_names]
    sources = _unique(sources_file.sources, "source", directory / "sources.yaml", problems)
    terms = _unique(
        vocabulary_file.terms, "code", directory / "vocabulary.yaml", problems, key="code"
    )
    alternatives = _unique(
        alternatives_file.alternatives, "alternative", directory / "alternatives.yaml", problems
    )
    rules = _collect_rules(directory, rule_files, problems, item_lines)
    if len(rules) > MAX_RULES:
        raise RuleBookError(
            f"{len(rules)} rules in the rule book; at most {MAX_RULES}", file=str(directory)
        )
    book = RuleBook(
        name=header.name,
        version=header.version,
        digest=first_digest if cached is not None and first_digest else book_digest,
        path=directory,
        policy=header.policy,
        sources=sources,
        terms=terms,
        alternatives=alternatives,
        rules=tuple(rules),
        advice=advice_file,
        _index={loaded.rule.id: loaded for loaded in rules},
    )
    problems.extend(cross_reference_problems(book))
    if problems:
        for problem in problems:  # cross-file problems name a rule: point at its line
            if problem.line is None and problem.file and problem.rule:
                problem.line = item_lines.get(problem.file, {}).get(problem.rule)
        raise _combined(problems)
    known = entry.get(LOCALES_ENTRY) if cached is not None and entry is not None else None
    book, locale_files = _with_locales(book, known if isinstance(known, dict) else None)
    fresh = cached is None and book_digest == first_digest
    # (a file that changed between the two reads is not stored under the old key)
    if key is not None and (fresh or (cached is not None and locale_files != known)):
        stored = _cache_entry(directory, models, item_lines)
        rulebook_cache.write_entry(directory, key, {**stored, LOCALES_ENTRY: locale_files})
    return book


LOCALES_ENTRY = "locales/"
"""Where a rule-book cache entry keeps the validated locale files (no rule file has this name)."""


def _with_locales(
    book: RuleBook, cached: Mapping[str, object] | None
) -> tuple[RuleBook, dict[str, Any]]:
    """``book`` with its translations; they count in the digest (a new text, a new version).

    Locale files are read on every load, also when the rule files came from the cache; only a
    file with the very bytes the cache entry saw is taken from it instead of parsed.
    """
    locales, problems, raws, validated = load_locales(book, cached)
    if problems:
        raise _combined(problems)
    if not raws:
        return book, validated
    digest = hashlib.sha256(book.digest.encode())
    for raw in raws:
        digest.update(b"locales/" + raw)
    return replace(book, digest=digest.hexdigest(), locales=locales), validated


Parsed = dict[str, tuple[BaseModel, dict[str, int]]]
"""Validated file models and their item lines, by file name relative to the rule directory."""


def _parse(
    file: Path,
    raw: bytes,
    model: type[Model],
    problems: list[RuleBookError],
    item_lines: dict[str, dict[str, int]],
) -> Model | None:
    """Parse and validate one rule file's bytes; its problems go to ``problems``."""
    try:
        data, lines = parse_yaml_with_lines(raw, file)
        item_lines[str(file)] = _item_lines(data, lines)
        return _validate(model, data, file, lines)
    except RuleBookError as error:
        problems.extend(error.problems)
        return None


def _digest_of(directory: Path, names: list[str]) -> str | None:
    """``content_digest`` of ``names``, reading one file at a time; None when one cannot be
    read (the load reports it)."""
    try:
        return content_digest(directory, names)
    except RuleBookError:
        return None


def _from_cache(
    files: list[tuple[str, type[BaseModel]]], entry: dict[str, Any] | None
) -> Parsed | None:
    """The cached files validated into their models again; None unless every one is there,
    in the shape written, and valid (the book is then loaded from the YAML instead)."""
    if entry is None or set(entry) - {LOCALES_ENTRY} != {name for name, _ in files}:
        return None
    parsed: Parsed = {}
    try:
        for name, model in files:
            item = entry[name]
            lines = item["lines"]
            if not isinstance(lines, dict) or not all(
                isinstance(line, int) for line in lines.values()
            ):
                return None
            parsed[name] = (model.model_validate(item["model"]), lines)
    except (ValidationError, KeyError, TypeError, RecursionError):
        return None
    return parsed


def _cache_entry(
    directory: Path, models: Mapping[str, BaseModel | None], item_lines: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        name: {
            "model": model.model_dump(mode="json"),
            "lines": item_lines.get(str(directory / name), {}),
        }
        for name, model in models.items()
        if model is not None
    }


def _item_lines(data: Any, lines: Mapping[Location, int]) -> dict[str, int]:
    """The line of each list item by its id (or code), for problems found after the schema."""
    found: dict[str, int] = {}
    if isinstance(data, dict):
        for key, items in data.items():
            if isinstance(items, list):
                for index, item in enumerate(items):
                    if isinstance(item, dict) and (index_line := lines.get((key, index))):
                        name = item.get("id") or item.get("code")
                        if isinstance(name, str):
                            found.setdefault(name, index_line)
    return found


def cross_reference_problems(book: RuleBook) -> list[RuleBookError]:
    """Everything one file names that another must define, plus the monotone-triage guard."""
    problems: list[RuleBookError] = []
    directory = book.path

    def missing(
        kind: str, names: Iterable[str], known: Iterable[str], file: Path, rule: str | None
    ):
        pool = list(known)
        for name in names:
            if name not in pool:
                problems.append(
                    RuleBookError(
                        f"unknown {kind} {name!r}{suggest(name, pool)}", file=str(file), rule=rule
                    )
                )

    vocabulary_file = directory / "vocabulary.yaml"
    for term in book.terms.values():
        missing("source", term.sources, book.sources, vocabulary_file, term.code)
        if term.code in RESERVED_CODES:
            problems.append(
                RuleBookError(
                    f"code {term.code!r} is reserved (the engine's report fact uses it); "
                    f"reserved names: {', '.join(sorted(RESERVED_CODES))}",
                    file=str(vocabulary_file),
                    rule=term.code,
                )
            )
    problems += _ambiguous_names(book, vocabulary_file)
    for alternative in book.alternatives.values():
        missing(
            "source",
            alternative.sources,
            book.sources,
            directory / "alternatives.yaml",
            alternative.id,
        )

    likely_floor = TriageLevel.most_urgent(*book.policy.likelihood_triage.values())
    for loaded in book.rules:
        rule, file = loaded.rule, Path(loaded.file)
        missing("code", rule.when.codes(), book.terms, file, rule.id)
        problems += [
            RuleBookError(message, file=str(file), rule=rule.id)
            for message in _never_applies(rule, book.terms)
        ]
        missing("source", rule.sources, book.sources, file, rule.id)
        problems += _overstated(book, rule.sources, rule.evidence, file, rule.id)
        missing("alternative", rule.alternatives, book.alternatives, file, rule.id)
        for kind, examples in (
            ("fires", rule.examples.fires),
            ("does_not_fire", rule.examples.does_not_fire),
        ):
            for number, example in enumerate(examples):
                for problem in book.report_problems(example):
                    problems.append(
                        RuleBookError(
                            f"example {kind}[{number}]: {problem}", file=str(file), rule=rule.id
                        )
                    )
        floor = rule.triage_floor or TriageLevel.self_care
        if rule.points < 0 and not rule.is_denial and floor.rank < likely_floor.rank:
            problems.append(
                RuleBookError(
                    f"negative points need a triage_floor of at least {likely_floor.value}: "
                    "otherwise adding this finding could lower the triage level",
                    file=str(file),
                    rule=rule.id,
                )
            )

    advice_path = directory / "advice.yaml"
    rule_ids = [loaded.rule.id for loaded in book.rules]
    entries: list[tuple[str, Any]] = [
        (f"referral {r.professional.value}", r) for r in book.advice.referrals
    ]
    entries += [(item.id, item) for item in book.advice.advice]
    entries += [(f"holdback {entry.id}", entry) for entry in book.advice.holdbacks]
    for name, entry in entries:
        missing("source", entry.sources, book.sources, advice_path, name)
        problems += _overstated(
            book, entry.sources, getattr(entry, "evidence", None), advice_path, name
        )
        missing("code", sorted(entry.when.codes()), book.terms, advice_path, name)
        missing("rule", sorted(entry.when.rule_ids()), rule_ids, advice_path, name)
    advice_ids = [item.id for item in book.advice.advice]
    for holdback in book.advice.holdbacks:
        missing(
            "advice item",
            sorted(holdback.items),
            advice_ids,
            advice_path,
            f"holdback {holdback.id}",
        )
    by_id = {item.id: item for item in book.advice.advice}
    for item in book.advice.advice:
        missing("advice item", sorted(item.conflicts_with), advice_ids, advice_path, item.id)
        named_loads = sorted((item.loads or frozenset()) | item.pauses)
        missing("load", named_loads, book.advice.loads, advice_path, item.id)
        for other in sorted(item.conflicts_with):
            if other == item.id or (other in by_id and item.id in by_id[other].conflicts_with):
                problems.append(
                    RuleBookError(
                        f"conflicts_with {other!r}: two items that exclude each other leave "
                        "no winner; name the conflict on the cautious item only",
                        file=str(advice_path),
                        rule=item.id,
                    )
                )
    seen: set[str] = set()
    for item in book.advice.advice:
        if item.id in seen:
            problems.append(
                RuleBookError(
                    f"duplicate advice id {item.id!r}", file=str(advice_path), rule=item.id
                )
            )
        seen.add(item.id)
    return problems


def _overstated(
    book: RuleBook,
    sources: Iterable[str],
    declared: EvidenceGrade | None,
    file: Path,
    name: str,
) -> list[RuleBookError]:
    """A declared ``evidence`` grade firmer than the cited sources earn: a grade may only say
    that an item rests on less than its citations, never on more."""
    if declared is None:
        return []
    earned = book.grade(sources)
    if declared.rank <= earned.rank:
        return []
    return [
        RuleBookError(
            f"evidence {declared.value!r} is firmer than the cited sources earn "
            f"({earned.value!r}); cite a {declared.value} or declare {earned.value!r} or weaker",
            file=str(file),
            rule=name,
        )
    ]


def _never_applies(rule: Rule, terms: Mapping[str, Term]) -> list[str]:
    """A code the rule needs present that cannot apply to the people the rule is for (a sex or
    an age range that never meets the code's ``applies_to``): such a rule can never fire."""
    messages = []
    when = rule.when
    for code in when.all:
        term = terms.get(code)
        applies = term.applies_to if term is not None else None
        if applies is None:
            continue
        wrong_sex = applies.sex is not None and (
            (when.sex is not None and when.sex is not applies.sex) or when.unless_sex is applies.sex
        )
        ages = range(0, 121)
        no_age = applies.age is not None and not any(
            applies.age.holds(age) and (when.age is None or when.age.holds(age)) for age in ages
        )
        if wrong_sex or no_age:
            whom = " ".join(
                part
                for part in (
                    applies.sex.value if applies.sex is not None else "",
                    applies.age.describe("age") if applies.age is not None else "",
                )
                if part
            )
            messages.append(
                f"needs {code!r}, which applies only to {whom} (vocabulary applies_to), but the "
                "rule's sex or age excludes them: it can never fire"
            )
    return messages


def _ambiguous_names(book: RuleBook, file: Path) -> list[RuleBookError]:
    """A label or synonym shared by two codes: a person's word would resolve to either silently."""
    owner: dict[str, tuple[str, str]] = {}
    problems: list[RuleBookError] = []
    for term in book.terms.values():
        names = [("code", term.code), ("label", term.label)]
        names += [("synonym", synonym) for synonym in term.synonyms]
        for kind, name in names:
            key = normalise(name)
            first = owner.setdefault(key, (term.code, kind))
            if first[0] != term.code:
                problems.append(
                    RuleBookError(
                        f"{kind} {name!r} is already the {first[1]} of {first[0]!r}: each label "
                        "and synonym must name one code (remove it or make it more specific)",
                        file=str(file),
                        rule=term.code,
                    )
                )
    return problems


def rule_file_names(directory: Path) -> list[str]:
    """Every ``*.yaml`` below ``directory`` except the special files, in path order.

    The one walk of a rule directory: the loader, the content digest behind the disk cache and
    ``book_memo`` all take their file list from here (through ``book_file_names``), so they
    cannot disagree. Folders that are symbolic links are followed, as files that are: a
    red-flag rule kept in a linked folder must load. A folder reached twice (a link loop, two
    links to one folder) is an error naming it. Anything named ``*.yaml`` that is not a
    readable regular file (a dangling symlink, a FIFO, a directory, a device), a ``*.yml`` or
    upper-case ``*.YAML`` file, a name that is not UTF-8 and a folder that cannot be listed are
    errors, never skipped: a rule file that silently goes missing could drop a red flag.
    """
    names: list[str] = []
    problems: list[RuleBookError] = []
    seen: dict[tuple[int, int], str] = {}
    problem = _first_visit(directory, directory, seen)
    if problem is not None:
        raise problem
    pending = [directory]
    while pending and len(names) <= MAX_RULE_FILES:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            problems.append(
                RuleBookError(f"cannot list folder: {error.strerror or error}", file=str(folder))
            )
            continue
        for entry in entries:
            name, path, at_top = entry.name, folder / entry.name, folder == directory
            is_folder = _is_folder(entry)
            if at_top and name == LOCALES_DIR and is_folder:
                continue  # translations, read by ``locales``
            if not _is_utf8(name):
                if is_folder or _looks_like_yaml(name):
                    problems.append(_not_utf8(folder, name, is_folder))
            elif _looks_like_yaml(name) and not name.endswith(RULE_FILE_SUFFIX):
                problems.append(
                    RuleBookError(
                        f"{name!r} is not loaded: rule files must end in {RULE_FILE_SUFFIX} "
                        "(lower case); rename it, or move it out of the rule directory",
                        file=str(path),
                    )
                )
            elif name.endswith(RULE_FILE_SUFFIX):
                if at_top and name in SPECIAL_FILES and not is_folder:
                    continue
                if not _is_regular_file(path):
                    problems.append(RuleBookError(_not_regular(path), file=str(path)))
                    continue
                names.append(path.relative_to(directory).as_posix())
            elif is_folder:
                problem = _first_visit(path, directory, seen)
                if problem is not None:
                    problems.append(problem)
                elif len(seen) > MAX_FOLDERS:
                    raise RuleBookError(
                        f"more than {MAX_FOLDERS} folders (symbolic links followed); "
                        f"at most {MAX_FOLDERS}",
                        file=str(directory),
                    )
                else:
                    pending.append(path)
    if problems:
        raise _combined(problems)
    if not names:
        raise RuleBookError("no rule files (*.yaml besides the special files)", file=str(directory))
    if len(names) > MAX_RULE_FILES:
        raise RuleBookError(
            f"more than {MAX_RULE_FILES} rule files; at most {MAX_RULE_FILES}", file=str(directory)
        )
    return sorted(names)


def book_file_names(directory: Path) -> list[str]:
    """Every file ``load_rulebook`` reads, relative to ``directory``, in the order it reads
    them: the special files, then the rule files. What the content digest covers."""
    return [*(name for name, _ in BOOK_FILES), *rule_file_names(directory)]


def content_digest(directory: Path, names: Iterable[str]) -> str:
    """The digest ``load_rulebook`` gives these files (before translations are added).

    The cache key of ``rulebook_cache`` and ``book_memo``'s content check; raises a
    RuleBookError when a file cannot be read.
    """
    digest = hashlib.sha256()
    for name in names:
        _add_file(digest, name, read_rule_bytes(directory / name))
    return digest.hexdigest()


def _add_file(digest: Any, relative: str, raw: bytes) -> None:
    """One file's part of a book digest: its relative name, a NUL, its bytes."""
    digest.update(relative.encode() + b"\0" + raw)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """True for a folder or a symbolic link to one (links are followed)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _first_visit(
    folder: Path, directory: Path, seen: dict[tuple[int, int], str]
) -> RuleBookError | None:
    """Record ``folder`` as walked; an error when it was reached before (by its device and
    inode, so a symbolic link loop or a second link to one folder is caught, not walked)."""
    try:
        info = os.stat(folder)
    except OSError as error:
        return RuleBookError(f"cannot read folder: {error.strerror or error}", file=str(folder))
    relative = folder.relative_to(directory).as_posix()
    first = seen.setdefault((info.st_dev, info.st_ino), relative)
    if first == relative:
        return None
    earlier = "the rule directory itself" if first == "." else f"folder {first!r}"
    return RuleBookError(
        f"folder {relative!r} is {earlier} again (a symbolic link loop, or two links to one "
        "folder): each folder of a rule directory must be reached once; remove the link",
        file=str(folder),
    )


def _is_utf8(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python holds them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_utf8(folder: Path, name: str, is_folder: bool) -> RuleBookError:
    """The error for a file or folder name that is not UTF-8, showing its bytes escaped."""
    kind = "folder" if is_folder else "file"
    return RuleBookError(
        f"{kind} name {os.fsencode(name)!r} is not UTF-8: rename it (names of rule files and "
        "folders must be UTF-8 text)",
        file=str(folder),
    )


def _looks_like_yaml(name: str) -> bool:
    """``.yaml`` or ``.yml`` in any case: a file its author may believe is a rule file."""
    return name.lower().endswith((".yaml", ".yml"))


def _is_regular_file(file: Path) -> bool:
    try:
        return stat.S_ISREG(file.stat().st_mode)
    except OSError:
        return False


def _not_regular(file: Path) -> str:
    """What a ``*.yaml`` path is instead of a regular file, for the error."""
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        return (
            "not a readable rule file: a dangling symbolic link"
            if file.is_symlink()
            else ("not a readable rule file: it vanished while the folder was read")
        )
    except OSError as error:
        return f"not a readable rule file: {error.strerror or error}"
    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else ("a device or socket")
    )
    return f"not a readable rule file: {kind} (rule files must be regular files)"


def _collect_rules(
    directory: Path,
    rule_files: list[tuple[str, RuleFile | None]],
    problems: list[RuleBookError],
    item_lines: Mapping[str, Mapping[str, int]],
) -> list[LoadedRule]:
    rules: list[LoadedRule] = []
    first_seen: dict[str, str] = {}
    for name, rule_file in rule_files:
        if rule_file is None:
            continue
        file = str(directory / name)
        for rule in rule_file.rules:
            if rule.id in first_seen:
                problems.append(
                    RuleBookError(
                        f"duplicate rule id (first defined in {first_seen[rule.id]})",
                        file=file,
                        rule=rule.id,
                    )
                )
                continue
            first_seen[rule.id] = file
            line = item_lines.get(file, {}).get(rule.id)
            rules.append(LoadedRule(rule=rule, family=rule_file.family, file=file, line=line))
    return rules


def _unique(
    items: Iterable[Any], kind: str, file: Path, problems: list[RuleBookError], key: str = "id"
) -> dict[str, Any]:
    unique: dict[str, Any] = {}
    for item in items:
        name = getattr(item, key)
        if name in unique:
            problems.append(RuleBookError(f"duplicate {kind} {name!r}", file=str(file), rule=name))
        unique.setdefault(name, item)
    return unique


def _validate(
    model: type[Model], data: Any, file: Path, lines: Mapping[Location, int] | None = None
) -> Model:
    if not isinstance(data, dict):
        raise RuleBookError(
            f"expected a mapping at the top, found {type(data).__name__}", file=str(file)
        )
    rules = data.get("rules") if model is RuleFile else None
    if isinstance(rules, list) and len(rules) > MAX_RULES_PER_FILE:
        raise RuleBookError(
            f"{len(data['rules'])} rules in one file; at most {MAX_RULES_PER_FILE} "
            "(split the file)",
            file=str(file),
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _combined(schema_problems(model, data, error, file, lines or {})) from None
    except RecursionError:
        raise RuleBookError("data is nested too deeply", file=str(file)) from None


def load_body_map(book: RuleBook) -> BodyMapFile | None:
    """The book's optional ``body_map.yaml`` (for the visual report); None when it has none."""
    file = book.path / "body_map.yaml"
    return _validate(BodyMapFile, read_yaml(file), file) if file.is_file() else None

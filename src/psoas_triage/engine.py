"""Compile a RuleBook into an isolated durable_rules host and ask it which rules a report fires.

durable_rules decides every match; this module only translates and guards against its traps:

- the module-level ``durable.lang`` API shares one global host, so each rule book gets its own
  ``durable.engine.Host`` (two books can hold rulesets of the same name side by side);
- a stock Host starts two timer threads that call into the C engine every 0.2 s with no lock; we
  use no timers or async actions, so our host does not start them;
- the C engine has no locks, so every call goes through one process-wide lock, held around the
  C calls of one session (assert, actions, delete) and nothing else: building the fact and
  reading the matched rule names run outside it, so other threads' Python work is not queued
  behind it (the C engine holds the GIL, so threads still give no parallel speed-up);
- ``Host.assert_fact`` wraps each action in JSON state round trips we do not need, so we take
  the matched rules' actions from the engine directly (see RuleEngine);
- a ruleset holds at most 1,024 live sessions, so every evaluation deletes its session;
- a fact no rule matches raises MessageNotHandledException and a later delete of that session
  crashes the process, so every ruleset has a catch-all rule, the fact's own keys (``kind``,
  ``sid``) are written last so no code can overwrite them (the loader also reserves them), and an
  engine that ever sees an unhandled fact is retired: it refuses further work rather than pile up
  sessions it cannot delete;
- durable_rules keeps a ruleset until ``delete_ruleset`` (about 5 MB for the shipped book); the
  engine cache keeps the newest ``ENGINES_PER_DIRECTORY`` engines per rule directory and at most
  ``max_engines()`` in all (least recently used first out, 16 by default: a service that loads
  tenants' rule books must not grow without end), and frees the ruleset of an engine once it is
  dropped and nothing else refers to it (``engine_stats()`` shows the numbers);
- an exception inside an action is swallowed into the state; no Python action of ours runs
  inside durable_rules, and every engine error is raised as EngineError.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from psoas_triage._durable import Host, durable_rules_engine
from psoas_triage.errors import EngineError
from psoas_triage.models import NUMBER_FIELDS, Sex, SymptomReport
from psoas_triage.rulebook import RESERVED_CODES, RuleBook
from psoas_triage.schema import Condition, OnsetWindow

RULESET_NAME = "psoas_triage"
CATCH_ALL = "__report_seen__"
"""A rule that matches every report, so no fact is ever unhandled (rule ids cannot start with _)."""

_ENGINE_LOCK = threading.RLock()
"""One lock for every host: the C engine is not known to be safe even across rulesets."""


class _QuietHost(Host):
    """A durable_rules Host without its background dispatch and timer threads."""

    def _run(self) -> None:
        """Start nothing: we never post events with timers or async actions."""


def compile_condition(condition: Condition) -> dict[str, Any]:
    """Translate a rule condition into a durable_rules match expression over the report fact."""
    terms: list[dict[str, Any]] = [{"kind": "report"}]
    terms += [{code: True} for code in condition.all]
    terms += [{code: False} for code in condition.absent]
    if condition.any:
        terms.append({"$or": [{code: True} for code in condition.any]})
    for name, bound in condition.numbers().items():
        compared = [{f"${operator}": {name: value}} for operator, value in bound.comparisons()]
        if isinstance(bound, OnsetWindow):  # within the window, or not given at all
            terms.append({"$or": [*compared, {"$nex": {name: 1}}]})
        else:
            terms += compared
    # Cautious until answered: some code present (true) or not in the fact at all (unknown).
    if condition.unless_denied:
        terms.append(
            {
                "$or": [
                    term
                    for code in condition.unless_denied
                    for term in ({code: True}, {"$nex": {code: 1}})
                ]
            }
        )
    if condition.sex is not None:
        terms.append({"sex": condition.sex.value})
    if condition.unless_sex is not None:
        other = [sex.value for sex in Sex if sex is not condition.unless_sex]
        terms.append({"$or": [*({"sex": value} for value in other), {"$nex": {"sex": 1}}]})
    return {"$and": terms}


GROUP_SIZE = 32
"""Rules per branch of the match network (see ``compile_ruleset``)."""


def compile_ruleset(book: RuleBook) -> dict[str, dict[str, Any]]:
    """The durable_rules ruleset body for ``book``, without actions (one entry per rule id).

    durable_rules walks its match network with a fixed stack of 64 nodes and fails a fact
    (error 303) when more matching branches are pending at once, which a report with many
    findings reaches once the book has well over 60 rules. So rules are split into branches of
    GROUP_SIZE: each rule's condition gets, after ``kind == report``, a term that every report
    meets (``kind != group<n>``) and that differs per branch, so no node has more than a branch's
    worth of children. Which rules fire is unchanged.
    """
    body = {}
    for position, loaded in enumerate(book.rules):
        match = compile_condition(loaded.rule.when)
        branch = {"$neq": {"kind": f"group{position // GROUP_SIZE}"}}
        match["$and"].insert(1, branch)
        body[loaded.rule.id] = {"all": [{"m": match}]}
    body[CATCH_ALL] = {"all": [{"m": {"kind": "report"}}]}
    return body


FACT_KEYS = RESERVED_CODES
"""Keys of the fact that are not vocabulary codes; the loader refuses codes with these names."""


_encode = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(fact, ensure_ascii=False)`` without building an encoder on every call."""


def report_fact(report: SymptomReport, sid: str) -> dict[str, Any]:
    """Flatten a report into one durable_rules fact: present codes true, absent codes false.

    A code named like one of the fact's own keys would overwrite it (and turn the fact into one
    no rule handles), so it is an EngineError; the loader refuses such codes in a rule book.
    """
    fact: dict[str, Any] = dict.fromkeys(report.absent, False)
    fact.update(dict.fromkeys(report.present, True))
    if not FACT_KEYS.isdisjoint(fact):
        raise EngineError(f"codes {sorted(FACT_KEYS & set(fact))} are reserved fact keys")
    for name in NUMBER_FIELDS:
        value = getattr(report, name, None)
        if value is not None:
            fact[name] = value
    if report.sex is not None:
        fact["sex"] = report.sex.value
    fact["sid"] = sid
    fact["kind"] = "report"
    return fact


class RuleEngine:
    """One rule book compiled into its own durable_rules host. Safe to share between threads.

    durable_rules decides every match. We drive the ruleset's action protocol ourselves
    (assert the fact, then take each matched rule's action from the engine and complete it)
    instead of going through ``Host.assert_fact``, whose Python layer decodes and re-encodes
    the session state as JSON around every action: we only need the names of the matched
    rules, and this halves the cost per report. No Python action runs inside durable_rules,
    so none can fail there silently.
    """

    def __init__(self, book: RuleBook) -> None:
        reserved = sorted(FACT_KEYS & set(book.terms))
        if reserved:
            raise EngineError(f"vocabulary codes {reserved} are reserved fact keys")
        self.book = book
        self._session_ids = itertools.count(1)
        definition = compile_ruleset(book)
        for rule in definition.values():
            rule["run"] = _not_dispatched_by_the_host
        self._order = {loaded.rule.id: position for position, loaded in enumerate(book.rules)}
        self._names = frozenset([*self._order, CATCH_ALL])
        self.retired: str | None = None
        """Why this engine refuses work (None while it is usable)."""
        with _ENGINE_LOCK:
            # durable_rules deletes the "run" keys of the dict it is given: this one is ours alone.
            self._host = _QuietHost({RULESET_NAME: definition})
            self._handle = self._host.get_ruleset(RULESET_NAME)._handle
        # Free the C ruleset once nothing refers to this engine any more (the cache bound).
        self._finalizer = weakref.finalize(self, _delete_ruleset, self._handle)
        self._finalizer.atexit = False  # the process frees everything at exit anyway

    def fired_rule_ids(self, report: SymptomReport) -> tuple[str, ...]:
        """Ids of every rule the report fires, in rule-book order. Leaves no session behind.

        Every error path deletes the session it opened, except an unhandled fact, whose session
        durable_rules cannot delete without crashing: that retires the engine instead.

        The lock covers the C calls of one session only (assert, take each action, delete):
        building the fact and reading the rule names happen outside it.
        """
        if self.retired is not None:
            raise EngineError(f"this rule engine is retired: {self.retired}")
        fact_data = report_fact(report, "")  # a reserved code fails here, before any session
        sid = fact_data["sid"] = str(next(self._session_ids))
        fact = _encode(fact_data)
        with _ENGINE_LOCK:
            if self.retired is not None:  # retired by another thread meanwhile
                raise EngineError(f"this rule engine is retired: {self.retired}")
            try:
                code, state_handle = durable_rules_engine.assert_fact(self._handle, fact)
            except Exception as error:
                self._delete(sid)
                raise EngineError(f"durable_rules failed on the report: {error}") from error
            if code == _NOT_HANDLED:
                # Never delete this session: durable_rules crashes the process if we do.
                self.retired = "durable_rules left a report unhandled (is the catch-all missing?)"
                self._finalizer.detach()  # its undeletable session must not meet delete_ruleset
                _forget(self)
                raise EngineError("no rule handled the report fact (is the catch-all missing?)")
            state_handle = 0 if code == _QUEUED else state_handle
            try:
                messages = self._take_actions(state_handle)
            except Exception as error:
                self._settle(state_handle, sid, error)
                raise EngineError(f"durable_rules failed on the report: {error}") from error
            self._delete(sid)
        matched = {self._rule_name(message) for message in messages}
        matched.discard(CATCH_ALL)
        return tuple(sorted(matched, key=self._order.__getitem__))

    def _take_actions(self, state_handle: int) -> list[str]:
        """The action messages the engine hands out for this session, in turn (undecoded)."""
        messages: list[str] = []
        started = durable_rules_engine.start_action_for_state(self._handle, state_handle)
        if not started:
            return messages
        state, message = started[0], started[1]
        while message:
            messages.append(message)  # {"rule_id": {matched facts}}
            # The action leaves the state as it was; the engine expects it back before the next.
            durable_rules_engine.update_state(self._handle, state)
            message = durable_rules_engine.complete_and_start_action(self._handle, state_handle)
        return messages

    def _rule_name(self, message: str) -> str:
        """The rule an action message is for, without decoding the fact it echoes.

        A message is ``{"rule_id":{...the whole fact...}}``; rule ids are plain identifiers
        (``[a-z][a-z0-9_]*``, or the catch-all), so the name is the text between the first two
        quotes. Anything else (a name this engine does not hold) is decoded in full instead.
        One rule per message is durable_rules' own protocol: its dispatcher reads only the
        first key; we refuse a message with more rather than drop one.
        """
        end = message.find('"', 2)
        name = message[2:end]
        if message.startswith('{"') and message.startswith('":', end) and name in self._names:
            return name
        decoded = json.loads(message)
        if len(decoded) != 1:
            raise EngineError(f"durable_rules sent an action for {len(decoded)} rules at once")
        return str(next(iter(decoded)))

    def _settle(self, state_handle: int, sid: str, cause: BaseException) -> None:
        """Delete a session whose actions failed half way.

        durable_rules crashes the process when a session with an action still queued is
        deleted, so the pending action is taken first (taking one already taken is a no-op).
        If even that fails, the session cannot be deleted safely: the engine is retired.
        """
        try:
            durable_rules_engine.start_action_for_state(self._handle, state_handle)
        except Exception:
            self.retired = f"an engine session could not be cleaned up after: {cause}"
            self._finalizer.detach()
            _forget(self)
            return
        self._delete(sid, cause)

    def _delete(self, sid: str, cause: BaseException | None = None) -> None:
        """Delete the session; a failure to do so is an EngineError (after ``cause``, if any)."""
        try:  # what Host.delete_state does, without its two Python layers
            durable_rules_engine.delete_state(self._handle, sid)
        except Exception as error:
            if cause is not None:
                raise EngineError(
                    f"durable_rules failed on the report: {cause}; and could not delete engine "
                    f"session {sid}: {error}"
                ) from cause
            raise EngineError(f"could not delete engine session {sid}: {error}") from error

    def live_sessions(self) -> list[str]:
        """Session ids this engine opened that still have state (should always be empty)."""
        return [
            str(sid)
            for sid in range(1, self.sessions_started + 1)
            if self.session_state(str(sid)) is not None
        ]

    def session_state(self, sid: str) -> dict[str, Any] | None:
        """The engine's state for a session id, or None when there is none (for leak checks)."""
        with _ENGINE_LOCK:
            try:
                return self._host.get_state(RULESET_NAME, sid)
            except Exception:
                return None

    @property
    def sessions_started(self) -> int:
        """How many sessions this engine has opened (each one is deleted before returning)."""
        with _ENGINE_LOCK:
            peek = next(self._session_ids)
            self._session_ids = itertools.count(peek)
            return peek - 1


_NOT_HANDLED = 1
"""durable_rules' result code for a fact no rule matched (MessageNotHandledException)."""
_QUEUED = 3
"""durable_rules' result code when no state handle comes back (Ruleset._handle_result: 0)."""


def _not_dispatched_by_the_host(_closure: Any) -> None:
    """Registered as every rule's action because the Host requires one; RuleEngine takes the
    actions itself and our host starts no dispatch thread, so this never runs."""


def _delete_ruleset(handle: int) -> None:
    # At interpreter exit the engine may be gone already: nothing left to free then.
    with _ENGINE_LOCK, contextlib.suppress(Exception):
        durable_rules_engine.delete_ruleset(handle)


ENGINES_PER_DIRECTORY = 4
"""Engines kept per rule directory (the newest contents). A hot-reloading service that edits
one directory keeps at most this many; an older engine is freed once nothing refers to it."""

MAX_ENGINES = 16
"""Engines kept in all, over every rule directory, by default (see ``set_max_engines``)."""

_ENGINES: OrderedDict[tuple[str, str, str], RuleEngine] = OrderedDict()
_COUNTS = {"built": 0, "evicted": 0}
_LIMIT = {"total": MAX_ENGINES}


def set_max_engines(total: int) -> None:
    """Keep at most ``total`` compiled engines (least recently used dropped first).

    Each holds a compiled ruleset (about 5 MB for the shipped book); an engine dropped from the
    cache is compiled again when its book is next used. Raise it for a service that rotates
    through more rule books than that, lower it to save memory. At least 1.
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise ValueError(f"max engines must be a whole number of at least 1, got {total!r}")
    with _ENGINE_LOCK:
        _LIMIT["total"] = total
        _evict_over_total()


def max_engines() -> int:
    """How many compiled engines the cache keeps at most (see ``set_max_engines``)."""
    return _LIMIT["total"]


@dataclass(frozen=True)
class EngineStats:
    """What the engine cache holds and has done, for monitoring a long-running process."""

    cached: int
    """Engines in the cache now (each holds one compiled durable_rules ruleset)."""
    built: int
    """Engines compiled since the process started."""
    evicted: int
    """Engines dropped from the cache to respect the bound."""
    alive: int
    """Engines not yet freed (cached, or still referred to by a caller)."""
    per_directory: int = ENGINES_PER_DIRECTORY
    """The bound: engines kept per rule directory."""
    total: int = MAX_ENGINES
    """The bound: engines kept in all (``set_max_engines``)."""


_ALIVE: weakref.WeakSet[RuleEngine] = weakref.WeakSet()


def engine_for(book: RuleBook, only: frozenset[str] | None = None, variant: str = "") -> RuleEngine:
    """The engine for ``book``, compiled once per distinct rule content and directory.

    ``only`` compiles just those rules of the book (the warning-sign screen's small engine); it
    is cached beside the full engine under its own key. Loading the same rules again reuses the
    engine. Each directory keeps its newest ``ENGINES_PER_DIRECTORY`` engines of each kind;
    compiling another one drops the least recently used one, whose ruleset is freed once
    nothing refers to it; beyond ``max_engines()`` in all, the least recently used one of any
    directory is dropped the same way. ``variant`` names a book derived from ``book`` with the
    same digest (the screen's rules without their age or sex conditions), so it gets its own
    cache entry.
    """
    subset = ("" if only is None else ",".join(sorted(only))) + (f"|{variant}" if variant else "")
    key = (str(book.path), book.digest, subset)
    with _ENGINE_LOCK:
        engine = _ENGINES.get(key)
        if engine is not None:
            _ENGINES.move_to_end(key)
            return engine
        compiled = book
        if only is not None:
            compiled = dataclasses.replace(
                book, rules=tuple(loaded for loaded in book.rules if loaded.rule.id in only)
            )
        engine = _ENGINES[key] = RuleEngine(compiled)
        _ALIVE.add(engine)
        _COUNTS["built"] += 1
        same_kind = [cached for cached in _ENGINES if (cached[0], cached[2]) == (key[0], subset)]
        for old in same_kind[:-ENGINES_PER_DIRECTORY]:
            del _ENGINES[old]
            _COUNTS["evicted"] += 1
        _evict_over_total()
        return engine


def _evict_over_total() -> None:
    """Drop the least recently used engines beyond the total bound (lock held by the caller)."""
    while len(_ENGINES) > _LIMIT["total"]:
        _ENGINES.popitem(last=False)
        _COUNTS["evicted"] += 1


def _forget(engine: RuleEngine) -> None:
    """Drop ``engine`` from the cache (a retired engine is rebuilt on the next request)."""
    with _ENGINE_LOCK:
        for key, cached in list(_ENGINES.items()):
            if cached is engine:
                del _ENGINES[key]


def engine_stats() -> EngineStats:
    """How many compiled engines this process holds, so the cost of reloading is visible."""
    with _ENGINE_LOCK:
        return EngineStats(
            cached=len(_ENGINES),
            built=_COUNTS["built"],
            evicted=_COUNTS["evicted"],
            alive=len(_ALIVE),
            total=_LIMIT["total"],
        )

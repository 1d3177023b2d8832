"""Compile a RuleBook into an isolated durable_rules host and ask it which rules a report fires.

durable_rules decides every match; this module only translates and guards against its traps:

- the module-level ``durable.lang`` API shares one global host, so each rule book gets its own
  ``durable.engine.Host`` (two books can hold rulesets of the same name side by side);
- a stock Host starts two timer threads that call into the C engine every 0.2 s with no lock; we
  use no timers or async actions, so our host does not start them;
- the C engine has no locks, so every call goes through one process-wide lock;
- a ruleset holds at most 1,024 live sessions, so every evaluation deletes its session;
- a fact no rule matches raises MessageNotHandledException and a later delete of that session
  crashes the process, so every ruleset has a catch-all rule;
- an exception inside an action is swallowed into the state, so we check the state and raise.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from durable.engine import Host, MessageNotHandledException

from psoas_triage.errors import EngineError
from psoas_triage.models import SymptomReport
from psoas_triage.rulebook import RuleBook
from psoas_triage.schema import Condition

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
    if condition.any:
        terms.append({"$or": [{code: True} for code in condition.any]})
    for name, bound in condition.numbers().items():
        operator, value = ("$gt", bound.gt) if bound.gt is not None else ("$gte", bound.gte)
        terms.append({operator: {name: value}})
    return {"$and": terms}


def compile_ruleset(book: RuleBook) -> dict[str, dict[str, Any]]:
    """The durable_rules ruleset body for ``book``, without actions (one entry per rule id)."""
    body = {
        loaded.rule.id: {"all": [{"m": compile_condition(loaded.rule.when)}]}
        for loaded in book.rules
    }
    body[CATCH_ALL] = {"all": [{"m": {"kind": "report"}}]}
    return body


def report_fact(report: SymptomReport, sid: str) -> dict[str, Any]:
    """Flatten a report into one durable_rules fact: present codes true, absent codes false."""
    fact: dict[str, Any] = {"sid": sid, "kind": "report"}
    fact.update(dict.fromkeys(report.absent, False))
    fact.update(dict.fromkeys(report.present, True))
    for name in ("age", "duration_days", "pain_intensity"):
        value = getattr(report, name)
        if value is not None:
            fact[name] = value
    return fact


class RuleEngine:
    """One rule book compiled into its own durable_rules host. Safe to share between threads."""

    def __init__(self, book: RuleBook) -> None:
        self.book = book
        self._fired: list[str] = []
        self._session_ids = itertools.count(1)
        definition = compile_ruleset(book)
        for rule_id, rule in definition.items():
            rule["run"] = self._recorder(rule_id)
        self._order = {loaded.rule.id: position for position, loaded in enumerate(book.rules)}
        with _ENGINE_LOCK:
            # durable_rules deletes the "run" keys of the dict it is given: this one is ours alone.
            self._host = _QuietHost({RULESET_NAME: definition})

    def _recorder(self, rule_id: str) -> Callable[[Any], None]:
        if rule_id == CATCH_ALL:
            return _ignore

        def record(_closure: Any) -> None:
            self._fired.append(rule_id)

        return record

    def fired_rule_ids(self, report: SymptomReport) -> tuple[str, ...]:
        """Ids of every rule the report fires, in rule-book order. Leaves no session behind."""
        with _ENGINE_LOCK:
            sid = str(next(self._session_ids))
            self._fired = []
            try:
                state = self._host.assert_fact(RULESET_NAME, report_fact(report, sid))
            except MessageNotHandledException as error:
                # Never delete this session: durable_rules crashes the process if we do.
                raise EngineError(f"no rule handled the report fact: {error}") from error
            except Exception as error:
                self._delete(sid)
                raise EngineError(f"durable_rules failed on the report: {error}") from error
            fired, self._fired = self._fired, []
            self._delete(sid)
        if isinstance(state, dict) and "exception" in state:
            raise EngineError(f"a rule action failed inside durable_rules: {state['exception']}")
        return tuple(sorted(set(fired), key=self._order.__getitem__))

    def _delete(self, sid: str) -> None:
        try:
            self._host.delete_state(RULESET_NAME, sid)
        except Exception as error:
            raise EngineError(f"could not delete engine session {sid}: {error}") from error

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


def _ignore(_closure: Any) -> None:
    """Action of the catch-all rule: the report was seen, nothing to record."""


_ENGINES: dict[tuple[str, str], RuleEngine] = {}


def engine_for(book: RuleBook) -> RuleEngine:
    """The engine for ``book``, compiled once per distinct rule content and directory.

    durable_rules never frees a ruleset, so engines are cached rather than rebuilt: loading the
    same rules again reuses the engine instead of growing memory.
    """
    key = (str(book.path), book.digest)
    with _ENGINE_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = RuleEngine(book)
        return engine

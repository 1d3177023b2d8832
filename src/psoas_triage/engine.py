"""Compile a RuleBook into an isolated durable_rules host and ask it which rules a report fires.

durable_rules decides every match; this module only translates and guards against its traps:

- the module-level ``durable.lang`` API shares one global host, so each rule book gets its own
  ``durable.engine.Host`` (two books can hold rulesets of the same name side by side);
- a stock Host starts two timer threads that call into the C engine every 0.2 s with no lock; we
  use no timers or async actions, so our host does not start them;
- the C engine has no locks, so every call goes through one process-wide lock;
- ``Host.assert_fact`` wraps each action in JSON state round trips we do not need, so we take
  the matched rules' actions from the engine directly (see RuleEngine);
- a ruleset holds at most 1,024 live sessions, so every evaluation deletes its session;
- a fact no rule matches raises MessageNotHandledException and a later delete of that session
  crashes the process, so every ruleset has a catch-all rule;
- an exception inside an action is swallowed into the state; no Python action of ours runs
  inside durable_rules, and every engine error is raised as EngineError.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from psoas_triage._durable import Host, durable_rules_engine
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
    """One rule book compiled into its own durable_rules host. Safe to share between threads.

    durable_rules decides every match. We drive the ruleset's action protocol ourselves
    (assert the fact, then take each matched rule's action from the engine and complete it)
    instead of going through ``Host.assert_fact``, whose Python layer decodes and re-encodes
    the session state as JSON around every action: we only need the names of the matched
    rules, and this halves the cost per report. No Python action runs inside durable_rules,
    so none can fail there silently.
    """

    def __init__(self, book: RuleBook) -> None:
        self.book = book
        self._session_ids = itertools.count(1)
        definition = compile_ruleset(book)
        for rule in definition.values():
            rule["run"] = _not_dispatched_by_the_host
        self._order = {loaded.rule.id: position for position, loaded in enumerate(book.rules)}
        with _ENGINE_LOCK:
            # durable_rules deletes the "run" keys of the dict it is given: this one is ours alone.
            self._host = _QuietHost({RULESET_NAME: definition})
            self._handle = self._host.get_ruleset(RULESET_NAME)._handle

    def fired_rule_ids(self, report: SymptomReport) -> tuple[str, ...]:
        """Ids of every rule the report fires, in rule-book order. Leaves no session behind."""
        with _ENGINE_LOCK:
            sid = str(next(self._session_ids))
            fact = json.dumps(report_fact(report, sid), ensure_ascii=False)
            try:
                code, state_handle = durable_rules_engine.assert_fact(self._handle, fact)
            except Exception as error:
                self._delete(sid)
                raise EngineError(f"durable_rules failed on the report: {error}") from error
            if code == _NOT_HANDLED:
                # Never delete this session: durable_rules crashes the process if we do.
                raise EngineError("no rule handled the report fact (is the catch-all missing?)")
            try:
                matched = self._take_actions(0 if code == _QUEUED else state_handle)
            except Exception as error:
                raise EngineError(f"durable_rules failed on the report: {error}") from error
            finally:
                self._delete(sid)
        matched.discard(CATCH_ALL)
        return tuple(sorted(matched, key=self._order.__getitem__))

    def _take_actions(self, state_handle: int) -> set[str]:
        """Names of the rules whose actions the engine hands out for this session, in turn."""
        matched: set[str] = set()
        started = durable_rules_engine.start_action_for_state(self._handle, state_handle)
        if not started:
            return matched
        state, message = started[0], started[1]
        while message:
            matched.update(json.loads(message))  # {rule_id: matched facts}
            # The action leaves the state as it was; the engine expects it back before the next.
            durable_rules_engine.update_state(self._handle, state)
            message = durable_rules_engine.complete_and_start_action(self._handle, state_handle)
        return matched

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


_NOT_HANDLED = 1
"""durable_rules' result code for a fact no rule matched (MessageNotHandledException)."""
_QUEUED = 3
"""durable_rules' result code when no state handle comes back (Ruleset._handle_result: 0)."""


def _not_dispatched_by_the_host(_closure: Any) -> None:
    """Registered as every rule's action because the Host requires one; RuleEngine takes the
    actions itself and our host starts no dispatch thread, so this never runs."""


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

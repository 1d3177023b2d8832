"""The durable_rules engine: compilation, isolation, clean-up and loud failures."""

from __future__ import annotations

import json
from typing import Any

import durable_rules_engine
import pytest

from psoas_triage import EngineError, RuleBook, SymptomReport, load_rulebook
from psoas_triage.engine import (
    CATCH_ALL,
    RULESET_NAME,
    _QuietHost,
    compile_condition,
    compile_ruleset,
    engine_for,
    report_fact,
)
from psoas_triage.schema import Condition
from psoas_triage.workload import mixed_reports


def test_conditions_compile_to_durable_rules_expressions() -> None:
    condition = Condition.model_validate(
        {
            "all": ["groin_pain"],
            "any": ["runner", "dancer"],
            "age": {"gte": 50},
            "pain_intensity": {"gt": 6},
        }
    )
    assert compile_condition(condition) == {
        "$and": [
            {"kind": "report"},
            {"groin_pain": True},
            {"$or": [{"runner": True}, {"dancer": True}]},
            {"$gte": {"age": 50}},
            {"$gt": {"pain_intensity": 6}},
        ]
    }


def test_every_ruleset_has_a_catch_all_rule(mini_book: RuleBook) -> None:
    ruleset = compile_ruleset(mini_book)
    assert ruleset[CATCH_ALL] == {"all": [{"m": {"kind": "report"}}]}
    assert set(ruleset) == {CATCH_ALL, "groin", "groin_snapping", "fever_flag", "severe_pain"}


def test_the_fact_marks_present_true_absent_false_and_omits_unknowns() -> None:
    report = SymptomReport(present=["groin_pain"], absent=["fever"], pain_intensity=4)
    assert report_fact(report, "7") == {
        "sid": "7",
        "kind": "report",
        "fever": False,
        "groin_pain": True,
        "pain_intensity": 4,
    }


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"present": ["groin_pain"]}, ("groin",)),
        ({"present": ["hip_snapping", "groin_pain"]}, ("groin", "groin_snapping")),
        ({"present": ["fever"], "pain_intensity": 7}, ("fever_flag", "severe_pain")),
        ({"pain_intensity": 6}, ()),
        ({"absent": ["groin_pain", "fever"]}, ()),
        ({}, ()),
    ],
)
def test_durable_rules_decides_which_rules_fire(
    report: dict[str, Any], expected: tuple[str, ...], mini_book: RuleBook
) -> None:
    engine = engine_for(mini_book)
    assert engine.fired_rule_ids(SymptomReport.model_validate(report)) == expected


def test_no_session_is_left_behind_even_past_the_1024_session_cap(mini_book: RuleBook) -> None:
    engine = engine_for(mini_book)
    before = engine.sessions_started
    report = SymptomReport(present=["groin_pain", "hip_snapping"])
    for _ in range(1500):
        assert engine.fired_rule_ids(report) == ("groin", "groin_snapping")
    assert engine.sessions_started == before + 1500
    for sid in (before + 1, before + 750, before + 1500):
        assert engine.session_state(str(sid)) is None


def test_the_same_rules_loaded_twice_share_one_engine(mini_book: RuleBook) -> None:
    again = load_rulebook(mini_book.path)
    assert again is not mini_book
    assert engine_for(again) is engine_for(mini_book)


def test_two_rule_books_stay_separate_side_by_side(
    mini_book: RuleBook, shipped_book: RuleBook
) -> None:
    mini, shipped = engine_for(mini_book), engine_for(shipped_book)
    assert mini is not shipped
    report = SymptomReport(present=["groin_pain", "hip_snapping"])
    mini_ids = set(mini.fired_rule_ids(report))
    shipped_ids = set(shipped.fired_rule_ids(report))
    assert mini_ids == {"groin", "groin_snapping"}
    assert shipped_ids and not shipped_ids & mini_ids
    assert mini.fired_rule_ids(report) == ("groin", "groin_snapping")


def _fired_through_host_assert_fact(book: RuleBook, reports: list[SymptomReport]) -> list[set[str]]:
    """The reference: durable_rules' own Host.assert_fact path, with recording actions."""
    fired: list[str] = []
    definition = compile_ruleset(book)

    def recorder(rule_id: str) -> Any:
        # One parameter exactly: durable_rules treats a two-parameter action as asynchronous.
        return lambda _closure: fired.append(rule_id)

    for rule_id, rule in definition.items():
        rule["run"] = recorder(rule_id)
    host = _QuietHost({RULESET_NAME: definition})
    results = []
    for number, report in enumerate(reports):
        fired.clear()
        host.assert_fact(RULESET_NAME, report_fact(report, str(number)))
        host.delete_state(RULESET_NAME, str(number))
        results.append(set(fired) - {CATCH_ALL})
    return results


def test_driving_the_actions_directly_matches_durable_rules_own_host_path(
    shipped_book: RuleBook,
) -> None:
    reports = mixed_reports(shipped_book, 1500, seed=11)
    engine = engine_for(shipped_book)
    ours = [set(engine.fired_rule_ids(report)) for report in reports]
    assert ours == _fired_through_host_assert_fact(shipped_book, reports)
    assert sum(map(len, ours)) > 1500, "the workload should fire rules"


def test_an_engine_failure_is_raised_and_the_session_still_deleted(
    mini_book: RuleBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_for(mini_book)

    def fail(*_args: Any) -> None:
        raise RuntimeError("engine broke")

    monkeypatch.setattr(durable_rules_engine, "complete_and_start_action", fail)
    with pytest.raises(EngineError, match="engine broke"):
        engine.fired_rule_ids(SymptomReport(present=["groin_pain"]))
    monkeypatch.undo()
    assert engine.session_state(str(engine.sessions_started)) is None
    assert engine.fired_rule_ids(SymptomReport(present=["groin_pain"])) == ("groin",)


def test_rule_names_are_read_from_action_messages_without_decoding_them(
    shipped_book: RuleBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cheap read of each action message's rule name equals its full JSON decode."""
    engine = engine_for(shipped_book)
    seen: list[str] = []
    take = engine._take_actions

    def recording(state_handle: int) -> list[str]:
        messages = take(state_handle)
        seen.extend(messages)
        return messages

    monkeypatch.setattr(engine, "_take_actions", recording)
    for report in mixed_reports(shipped_book, 300, seed=12):
        engine.fired_rule_ids(report)
    assert len(seen) > 600
    for message in seen:
        decoded = json.loads(message)
        assert [engine._rule_name(message)] == list(decoded)


def test_an_action_message_the_quick_read_does_not_know_is_decoded_or_refused(
    mini_book: RuleBook,
) -> None:
    engine = engine_for(mini_book)
    assert engine._rule_name('{"groin":{"m":{"kind":"report"}}}') == "groin"
    assert engine._rule_name('{ "groin" : {"m": {}}}') == "groin"  # other spacing: decoded
    with pytest.raises(EngineError, match="2 rules at once"):
        engine._rule_name('{"not_a_rule":{},"groin":{}}')

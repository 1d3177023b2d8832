"""Fuzzing the input boundary: whatever comes in, only ReportError (or a result) comes out.

A library embedded in other apps must never crash its host on bad input. Hypothesis throws
arbitrary JSON values, strings, bytes, unicode (lone surrogates, NUL, right-to-left marks), huge
lists, huge numbers and deep nesting at ``assess`` (Python values) and ``parse_report_json`` (JSON
text). The only exception allowed out is the library's own ReportError, and that error must be
usable as is: a readable message, at least one problem, and a JSON-ready ``to_dict()``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from psoas_triage import Assessment, ReportError, RuleBook, assess, default_rulebook
from psoas_triage.reports import parse_report_json

# PSOAS_TEST_SCALE (default 1) shrinks the run where CI runs it in full on another Python.
PROFILE = settings(
    max_examples=max(25, int(200 * float(os.environ.get("PSOAS_TEST_SCALE", "1")))),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FIELDS = ("present", "absent", "age", "duration_days", "pain_intensity")


def book() -> RuleBook:
    return default_rulebook()


def assert_only_typed_errors(call: Callable[[], Any]) -> None:
    """``call`` returns an Assessment or raises a well-formed ReportError, and nothing else."""
    try:
        result = call()
    except ReportError as error:
        assert error.problems, "a ReportError must say what is wrong"
        assert str(error).startswith("invalid symptom report")
        json.dumps(error.to_dict())  # the CLI prints this: it must serialise
        for problem in error.problems:
            assert isinstance(problem.field, str)
            assert isinstance(problem.message, str)
            assert problem.message
    else:
        assert isinstance(result, Assessment)


unicode_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=80
) | st.sampled_from(
    [
        "\ud800",
        "\udfff",
        "\x00",
        "\u202egroin_pain",
        "groin_pain\u200b",
        "\uff27\uff32\uff2f\uff29\uff2e",
        "🦴" * 40,
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | unicode_text
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(unicode_text, children, max_size=6)
    ),
    max_leaves=40,
)


@st.composite
def codes(draw: st.DrawFn) -> Any:
    """Mostly real codes, sometimes near misses, sometimes anything at all."""
    vocabulary = sorted(book().terms)
    real = st.sampled_from(vocabulary)
    near = (
        real.map(lambda code: code.upper())
        | real.map(lambda code: code[:-1])
        | real.map(lambda code: code.replace("_", " "))
    )
    return draw(real | near | json_values)


@st.composite
def report_like(draw: st.DrawFn) -> dict[Any, Any]:
    """Mappings shaped roughly like a report, to get past the first check and deeper in."""
    data: dict[Any, Any] = {}
    for name in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=5)):
        if name in ("present", "absent"):
            data[name] = draw(st.lists(codes(), max_size=8) | json_values)
        else:
            data[name] = draw(st.integers(-5, 200) | json_values)
    extras = draw(
        st.dictionaries(unicode_text | st.integers() | st.none(), json_values, max_size=3)
    )
    for key, value in extras.items():
        data.setdefault(key, value)
    return data


@PROFILE
@given(json_values)
def test_arbitrary_python_values(data: Any) -> None:
    assert_only_typed_errors(lambda: assess(data, book()))


@PROFILE
@given(report_like())
def test_report_shaped_mappings(data: dict[Any, Any]) -> None:
    assert_only_typed_errors(lambda: assess(data, book()))


@PROFILE
@given(report_like())
def test_report_shaped_json_text(data: dict[Any, Any]) -> None:
    try:
        text = json.dumps(data, allow_nan=True)
    except (TypeError, ValueError):  # keys json cannot write: the dict case covers them
        return
    assert_only_typed_errors(lambda: assess(parse_report_json(text, book()), book()))


@PROFILE
@given(st.text() | st.binary() | unicode_text)
def test_arbitrary_text_and_bytes_as_json(text: str | bytes) -> None:
    assert_only_typed_errors(lambda: parse_report_json(text, book()))


@PROFILE
@given(st.text(max_size=200), json_values)
def test_mutating_one_field_of_a_valid_json_report(key: str, value: Any) -> None:
    present = sorted(book().terms)[:2]
    data = {"present": present, "age": 40, key: value}
    try:
        text = json.dumps(data)
    except ValueError:
        return
    assert_only_typed_errors(lambda: parse_report_json(text, book()))


def _nested_list(depth: int) -> Any:
    value: Any = "groin_pain"
    for _ in range(depth):
        value = [value]
    return value


def _nested_dict(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"present": value}
    return value


HOSTILE_VALUES: dict[str, Callable[[], Any]] = {
    "huge present list": lambda: {"present": ["groin_pain"] * 1_000_000},
    "many distinct unknown codes": lambda: {"present": [f"code_{n}" for n in range(100_000)]},
    "one enormous code": lambda: {"present": ["x" * 10_000_000]},
    "enormous unknown field name": lambda: {"p" * 1_000_000: 1},
    "many unknown fields": lambda: {f"field_{n}": n for n in range(10_000)},
    "enormous integer": lambda: {"age": 10**4000},
    "float age": lambda: {"age": 34.0},
    "nan age": lambda: {"age": math.nan},
    "bool age": lambda: {"age": True},
    "string age": lambda: {"age": "34"},
    "negative duration": lambda: {"duration_days": -1},
    "present is a string": lambda: {"present": "groin_pain"},
    "present is a mapping": lambda: {"present": {"groin_pain": True}},
    "present is a set": lambda: {"present": {"groin_pain"}},
    "lone surrogate code": lambda: {"present": ["\ud800"]},
    "NUL in code": lambda: {"present": ["groin\x00pain"]},
    "bytes code": lambda: {"present": [b"groin_pain"]},
    "non-string keys": lambda: {1: 2, None: 3, (1, 2): 4},
    "list nested 100,000 deep": lambda: {"present": _nested_list(100_000)},
    "dict nested 100,000 deep": lambda: _nested_dict(100_000),
    "self-referencing list": lambda: _cycle(),
    "an object": lambda: object(),
    "a class": lambda: dict,
    "bytes": lambda: b'{"present": ["groin_pain"]}',
    "None": lambda: None,
}


def _cycle() -> Any:
    looped: list[Any] = []
    looped.append(looped)
    return {"present": looped}


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_python_values(name: str) -> None:
    data = HOSTILE_VALUES[name]()
    assert_only_typed_errors(lambda: assess(data, book()))


HOSTILE_TEXT: dict[str, Callable[[], str | bytes]] = {
    "empty": lambda: "",
    "whitespace": lambda: " \n\t",
    "json null": lambda: "null",
    "json list": lambda: '["groin_pain"]',
    "json string": lambda: '"groin_pain"',
    "truncated": lambda: '{"present": ["groin_pain"',
    "arrays nested 100,000 deep": lambda: '{"present": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "objects nested 100,000 deep": lambda: '{"a":' * 100_000 + "1" + "}" * 100_000,
    "huge present list": lambda: json.dumps({"present": ["groin_pain"] * 1_000_000}),
    "20 MB string": lambda: json.dumps({"present": ["y" * 20_000_000]}),
    "enormous number": lambda: '{"age": ' + "9" * 5_000 + "}",
    "NaN literal": lambda: '{"age": NaN}',
    "Infinity literal": lambda: '{"age": Infinity}',
    "duplicate keys": lambda: '{"age": 30, "age": 300}',
    "lone surrogate escape": lambda: '{"present": ["\\ud800"]}',
    "invalid UTF-8 bytes": lambda: b'{"present": ["\xff\xfe"]}',
    "UTF-16 bytes": lambda: '{"present": []}'.encode("utf-16"),
    "BOM": lambda: '\ufeff{"present": []}',
    "trailing garbage": lambda: '{"present": []} {"present": []}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXT))
def test_hostile_json_text(name: str) -> None:
    text = HOSTILE_TEXT[name]()
    assert_only_typed_errors(lambda: parse_report_json(text, book()))


def test_a_valid_report_still_passes_the_same_gate() -> None:
    """The gate is not simply closed: real codes go through and are assessed."""
    codes_used = sorted({c for loaded in book().rules for c in loaded.rule.when.codes()})
    result = assess({"present": codes_used[:2], "age": 40}, book())
    assert isinstance(result, Assessment)
    text = json.dumps({"present": codes_used[:2], "age": 40})
    assert assess(parse_report_json(text, book()), book()) == result


# --- issue 11: duplicate keys and reports that never passed validation ---------------------------

FIELD_VALUES = {
    "present": st.lists(st.sampled_from(["groin_pain", "saddle_numbness", "fever"]), max_size=3),
    "absent": st.lists(st.sampled_from(["hip_snapping", "night_pain"]), max_size=2),
    "age": st.integers(0, 120),
    "duration_days": st.integers(0, 400),
    "pain_intensity": st.integers(0, 10),
}


@PROFILE
@given(st.data())
def test_a_key_given_twice_is_always_an_error_naming_it(data: st.DataObject) -> None:
    """Whatever the two values, JSON with a repeated key is refused; the last value never wins
    silently (``{"present": [red flag], "present": []}`` once gave self_care)."""
    names = data.draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, unique=True))
    repeated = data.draw(st.sampled_from(names))
    pairs = [(name, data.draw(FIELD_VALUES[name])) for name in names]
    pairs.insert(
        data.draw(st.integers(0, len(pairs))), (repeated, data.draw(FIELD_VALUES[repeated]))
    )
    text = "{" + ", ".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in pairs) + "}"
    with pytest.raises(ReportError) as caught:
        parse_report_json(text, book())
    assert caught.value.problems[0].field == repeated
    assert "more than once" in caught.value.problems[0].message


@PROFILE
@given(
    st.dictionaries(st.sampled_from(FIELDS), json_values | st.tuples(codes(), codes()), max_size=5)
)
def test_constructed_reports_pass_the_same_gate_as_mappings(fields: dict[str, Any]) -> None:
    """``SymptomReport.model_construct`` skips validation; ``assess`` validates it again, so the
    outcome is the one for the same fields given as a mapping."""
    from psoas_triage import SymptomReport

    constructed = SymptomReport.model_construct(**fields)
    assert_only_typed_errors(lambda: assess(constructed, book()))
    try:
        expected: Any = assess(dict(fields), book())
    except ReportError:
        expected = ReportError
    try:
        got: Any = assess(constructed, book())
    except ReportError:
        got = ReportError
    assert got == expected

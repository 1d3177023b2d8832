"""Issue 22: no red flag lost on any door, no stray work after a fault.

One test per item of the audit, named after what it protects; each failed on the main of the day
the issue was filed. Sections: the FHIR bridge, the engine cache and the one JSON reader; rule
books; the batch runner; the HTTP service. The same hostile bodies through every door are in
``tests/test_json_doors.py``, the schemathesis run in ``tests/test_service_schemathesis.py``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import psoas_triage.batch as batch_module
import psoas_triage.fhir.response as fhir_response
from psoas_triage import (
    ReportError,
    RuleBook,
    RuleBookError,
    assess,
    engine_stats,
    load_rulebook,
    parse_report_json,
    rulebook_cache,
    set_max_engines,
)
from psoas_triage.assessment import default_rulebook
from psoas_triage.batch import MAX_LINE_BYTES, assess_lines, run_batch
from psoas_triage.errors import MAX_PROBLEMS, MORE_PROBLEMS
from psoas_triage.fhir import from_questionnaire_response
from psoas_triage.fhir.questionnaire import questionnaire_url
from psoas_triage.lint import lint_directory
from psoas_triage.models import TriageLevel
from psoas_triage.rulebook import DEFAULT_RULES_DIR

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


SCRIPT = Path(sys.executable).with_name("psoas-triage")
SADDLE_ITEM = '{"linkId": "saddle_numbness", "answer": [{"valueBoolean": true}]}'
GROIN = '{"linkId": "groin_pain", "answer": [{"valueBoolean": true}]}'


def response_text(items: str, *, status: str = '"completed"', extra: str = "") -> str:
    """A QuestionnaireResponse written as JSON text, so keys can be given twice."""
    return (
        '{"resourceType": "QuestionnaireResponse", "status": '
        f"{status}{extra}, " + f'"item": [{items}]' + "}"
    )


# --- item 2 (critical): the FHIR bridge takes the last of duplicate JSON keys -------------------


def test_fhir_response_with_saddle_numbness_alone_is_an_emergency(shipped_book: RuleBook) -> None:
    """The baseline the duplicates below must not lose."""
    report = from_questionnaire_response(response_text(SADDLE_ITEM), shipped_book)
    assert assess(report, shipped_book).triage_level is TriageLevel.emergency


DUPLICATED_FHIR_KEYS = {
    "answer": (
        '{"linkId": "saddle_numbness", "answer": [{"valueBoolean": true}], "answer": []}',
        "item[0].answer",
    ),
    "valueBoolean": (
        '{"linkId": "saddle_numbness", "answer": [{"valueBoolean": true, "valueBoolean": false}]}',
        "item[0].answer[0].valueBoolean",
    ),
    "linkId": (
        '{"linkId": "saddle_numbness", "linkId": "groin_pain", "answer": [{"valueBoolean": true}]}',
        "item[0].linkId",
    ),
}


@pytest.mark.parametrize("key", sorted(DUPLICATED_FHIR_KEYS))
def test_fhir_duplicate_key_inside_an_item_is_refused_not_lost(
    key: str, shipped_book: RuleBook
) -> None:
    item, path = DUPLICATED_FHIR_KEYS[key]
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(response_text(item), shipped_book)
    [problem] = caught.value.problems
    assert problem.field == path
    assert "more than once" in problem.message


def test_fhir_item_list_given_twice_is_refused_not_lost(shipped_book: RuleBook) -> None:
    text = response_text(SADDLE_ITEM)[:-1] + f', "item": [{GROIN}]' + "}"
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(text, shipped_book)
    assert [problem.field for problem in caught.value.problems] == ["item"]


def test_fhir_status_given_twice_is_refused_not_assessed(shipped_book: RuleBook) -> None:
    """``entered-in-error`` then ``completed``: the record was withdrawn; never assess it."""
    text = response_text(GROIN, status='"entered-in-error", "status": "completed"')
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(text.encode(), shipped_book)
    assert [problem.field for problem in caught.value.problems] == ["status"]


def test_cli_assess_fhir_refuses_a_duplicate_answer(tmp_path: Path) -> None:
    source = tmp_path / "response.json"
    source.write_text(response_text(DUPLICATED_FHIR_KEYS["answer"][0]), encoding="utf-8")
    result = subprocess.run(
        [str(SCRIPT), "assess", "--input", str(source), "--fhir"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "item[0].answer" in result.stderr
    assert "more than once" in result.stderr
    assert '"resourceType"' not in result.stdout  # no RiskAssessment written


# --- item 7 (major): the engine cache has no bound across rule directories ----------------------


def test_engines_of_many_rule_directories_stay_bounded(tmp_path: Path) -> None:
    """Loading distinct rule directories one after another keeps at most the total bound of
    their engines cached and alive (each holds a durable_rules ruleset of about 5 MB)."""
    from psoas_triage.engine import engine_for, max_engines

    before = max_engines()
    set_max_engines(3)
    try:
        built_before = engine_stats().built
        tenants: list[weakref.ref[Any]] = []
        for number in range(8):
            folder = tmp_path / f"tenant{number}"
            shutil.copytree(default_rulebook().path, folder)
            book = load_rulebook(folder, cache=False)
            result = assess({"present": ["saddle_numbness"]}, book)
            assert result.triage_level is TriageLevel.emergency
            tenants.append(weakref.ref(engine_for(book)))  # the engine assess used (cached)
            del book, result
        gc.collect()
        stats = engine_stats()
        assert stats.built - built_before >= 8
        assert stats.total == 3
        assert stats.cached <= 3
        alive = [ref for ref in tenants if ref() is not None]
        assert len(alive) <= 3  # the older ones were dropped and their rulesets freed
        assert tenants[-1]() is not None  # the most recent one is still cached
    finally:
        set_max_engines(before)
    assert engine_stats().total == before


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "8"])
def test_engine_bound_must_be_a_whole_number_of_at_least_one(bad: Any) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        set_max_engines(bad)


# --- minor: FHIR ---------------------------------------------------------------------------------


def test_fhir_items_nested_2000_deep_in_a_dict_are_refused_cleanly(
    shipped_book: RuleBook,
) -> None:
    """A dict, not text: the same depth limit as JSON text, and no RecursionError."""
    item: dict[str, Any] = {"linkId": "groin_pain"}
    outermost = item
    for _ in range(2_000):
        inner: dict[str, Any] = {"linkId": "groin_pain"}
        item["item"] = [inner]
        item = inner
    data = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [outermost]}
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(data, shipped_book)
    [problem] = caught.value.problems
    assert problem.field == "QuestionnaireResponse"
    assert "nested deeper than" in problem.message


@pytest.mark.parametrize("version", ["", "|0.0.1", "|2020.1.0+0000"])
def test_fhir_response_to_another_version_or_an_empty_questionnaire_is_refused(
    version: str, shipped_book: RuleBook
) -> None:
    canonical = "" if version == "" else questionnaire_url(shipped_book) + version
    text = response_text(GROIN, extra=f', "questionnaire": {json.dumps(canonical)}')
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(text, shipped_book)
    [problem] = caught.value.problems
    assert problem.field == "questionnaire"


def test_fhir_response_to_this_version_or_with_no_version_is_read(shipped_book: RuleBook) -> None:
    url = questionnaire_url(shipped_book)
    for canonical in (url, f"{url}|{shipped_book.full_version}"):
        text = response_text(GROIN, extra=f', "questionnaire": {json.dumps(canonical)}')
        assert from_questionnaire_response(text, shipped_book).present == ("groin_pain",)


def test_fhir_error_for_10000_unknown_link_ids_is_capped(
    shipped_book: RuleBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 problems listed, the rest counted; suggestions looked up for the listed ones only."""
    looked_up = 0
    real_closest = fhir_response.closest

    def counting_closest(*args: Any, **kwargs: Any) -> tuple[str, ...]:
        nonlocal looked_up
        looked_up += 1
        return real_closest(*args, **kwargs)

    monkeypatch.setattr(fhir_response, "closest", counting_closest)
    items = ", ".join(f'{{"linkId": "nosuch{number}"}}' for number in range(10_000))
    with pytest.raises(ReportError) as caught:
        from_questionnaire_response(response_text(items), shipped_book)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].field == MORE_PROBLEMS
    assert problems[-1].value == 10_000 - MAX_PROBLEMS
    assert "9,950 more problems" in problems[-1].message
    assert looked_up <= MAX_PROBLEMS
    assert len(str(caught.value)) < 10_000


def test_a_capped_problem_list_keeps_its_count_when_a_door_re_raises_it(
    shipped_book: RuleBook,
) -> None:
    """CDS Hooks prefixes the report's problems with ``prefetch.psoas-triage``: the count of
    those not listed is carried over, not mistaken for one more problem."""
    pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
    from psoas_triage.service.app import _cds_answer

    report = {"present": [f"nosuch{number}" for number in range(120)]}
    body = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/1", "patientId": "1"},
        "prefetch": {"psoas-triage": report},
    }
    with pytest.raises(ReportError) as caught:
        _cds_answer(json.dumps(body).encode(), shipped_book)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[MAX_PROBLEMS - 1].field == f"prefetch.psoas-triage.present[{MAX_PROBLEMS - 1}]"
    assert (problems[-1].field, problems[-1].value) == (MORE_PROBLEMS, 120 - MAX_PROBLEMS)


# --- the one JSON reader -------------------------------------------------------------------------


def test_a_byte_order_mark_is_read_like_the_same_report_without_it(shipped_book: RuleBook) -> None:
    text = '{"present": ["groin_pain"], "age": 40}'
    plain = parse_report_json(text, shipped_book)
    assert parse_report_json("\ufeff" + text, shipped_book) == plain
    assert parse_report_json(b"\xef\xbb\xbf" + text.encode(), shipped_book) == plain


def test_a_duplicate_key_names_its_path_in_the_report(shipped_book: RuleBook) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report_json('{"present": ["saddle_numbness"], "present": []}', shipped_book)
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("present", "present")


# === rule books ===============================================================================
# Issue 22 ("No red flag lost on any door"): the items about loading a rule book.
#
# One test per item, named after what it protects; each failed on the main of the day the issue
# was filed. A rule directory is data written by people: a red-flag rule it holds must never be
# left out without a word, and whatever the loader cannot read or refuses is an error naming the
# file (and the rule and field where there is one).


SADDLE = {"present": ["saddle_numbness"]}
SADDLE_RULE = "  - id: saddle_numbness\n"
NEXT_RULE = "  - id: bladder_or_bowel_change\n"


def replace_line(file: Path, old: str, new: str) -> int:
    """Replace the one line ``old`` of ``file`` by ``new``; its line number (1-based)."""
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    number = lines.index(old + "\n")
    lines[number] = new + "\n"
    file.write_text("".join(lines), encoding="utf-8")
    return number + 1


def shipped_copy(target: Path) -> Path:
    """A writable copy of the shipped rule book."""
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def move_saddle_rule_into_linked_folder(book: Path, elsewhere: Path) -> Path:
    """Take the saddle-numbness red flag out of ``red_flags.yaml`` into a file of its own, in
    a folder outside the book that the book reaches through a symbolic link ``linked/``.

    Nothing else in the book names that rule, so a loader that skips the linked folder loads
    a valid book without it: the silent loss of the issue. Returns the rule's new file.
    """
    red_flags = book / "red_flags.yaml"
    text = red_flags.read_text(encoding="utf-8")
    start, end = text.index(SADDLE_RULE), text.index(NEXT_RULE)
    red_flags.write_text(text[:start] + text[end:], encoding="utf-8")
    elsewhere.mkdir()
    moved = elsewhere / "saddle.yaml"
    header = "family: red_flags_linked\ntitle: Red flags kept in a linked folder\nrules:\n"
    moved.write_text(header + text[start:end], encoding="utf-8")
    (book / "linked").symlink_to(elsewhere, target_is_directory=True)
    return moved


# --- 1. a rule folder that is a symbolic link -------------------------------------------------


def test_a_red_flag_in_a_symlinked_folder_is_loaded_linted_and_assessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = shipped_copy(tmp_path / "book")
    moved = move_saddle_rule_into_linked_folder(book, tmp_path / "elsewhere")
    cache = tmp_path / "cache"
    monkeypatch.setenv(rulebook_cache.CACHE_DIR_ENV, str(cache))

    loaded = load_rulebook(book, cache=True)
    assert loaded.rule("saddle_numbness").file == str(book / "linked" / "saddle.yaml")
    assert [str(problem) for problem in lint_directory(book) if problem.severity == "error"] == []
    assert assess(SADDLE, loaded).triage_level is TriageLevel.emergency
    assert assess(SADDLE, book).triage_level is TriageLevel.emergency  # through book_memo
    from_cache = load_rulebook(book, cache=True)
    assert len(list(cache.glob("rulebook-*.json"))) == 1
    assert from_cache.digest == loaded.digest
    assert assess(SADDLE, from_cache).triage_level is TriageLevel.emergency

    # Only the linked folder's file changes: neither cache may serve the book it replaced.
    text = moved.read_text(encoding="utf-8")
    moved.write_text(text.replace("triage_floor: emergency", "triage_floor: urgent"), "utf-8")
    edited = load_rulebook(book, cache=True)
    assert edited.digest != loaded.digest
    assert assess(SADDLE, edited).triage_level is TriageLevel.urgent
    assert assess(SADDLE, book).triage_level is TriageLevel.urgent


def test_a_symlink_loop_among_rule_folders_is_an_error_naming_the_folder(mini_copy: Path) -> None:
    (mini_copy / "more").mkdir()
    (mini_copy / "more" / "back").symlink_to(mini_copy / "more", target_is_directory=True)
    with pytest.raises(RuleBookError, match="symbolic link loop") as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy / "more" / "back")
    assert "folder 'more/back' is folder 'more' again" in str(caught.value)


# --- 2. a rule file ending in .yml or .YAML ---------------------------------------------------


@pytest.mark.parametrize("name", ["flags.yml", "flags.YAML", "deeper/flags.Yml"])
def test_a_rule_file_not_ending_in_lower_case_yaml_is_an_error_not_skipped(
    mini_copy: Path, name: str
) -> None:
    rules = mini_copy / "rules.yaml"
    target = mini_copy / name
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(rules.read_bytes())
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(target)
    assert "rule files must end in .yaml" in str(caught.value)
    assert Path(name).name in str(caught.value)


# --- 3. a file name that is not UTF-8 ---------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file names are bytes")
@pytest.mark.parametrize("name", [b"\xff.yaml", b"sub\xfe"], ids=["file", "folder"])
def test_a_file_name_that_is_not_utf8_is_a_clear_error_naming_the_folder(
    mini_copy: Path, name: bytes
) -> None:
    path = os.path.join(os.fsencode(mini_copy), name)
    try:
        if name.endswith(b".yaml"):
            with open(path, "wb") as file:
                file.write(b"family: x\n")
        else:
            os.mkdir(path)
    except OSError as error:  # a file system that insists on UTF-8 names
        pytest.skip(f"cannot create a non-UTF-8 name here: {error}")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    assert caught.value.file == str(mini_copy)
    assert f"name {name!r} is not UTF-8" in str(caught.value)


# --- 4. numbers and flags that YAML 1.1 reads its own way ------------------------------------


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("0x10", "16"), ("1_0", "10"), ("010", "8"), ("1:30", "90"), ("0b11", "3")],
)
def test_a_yaml11_number_form_is_refused_naming_file_rule_and_field(
    mini_copy: Path, parser: str, written: str, read_as: str
) -> None:
    rules = mini_copy / "rules.yaml"
    line = replace_line(rules, "    points: 12", f"    points: {written}")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.rule, error.line) == (str(rules), "groin", line)
    assert f"points: {written} is not a plain decimal integer" in error.detail
    assert f"YAML 1.1 reads it as {read_as} " in error.detail


@pytest.mark.parametrize("written", ["yes", "on", "Off", "NO"])
def test_a_yaml11_yes_no_on_off_flag_is_refused_naming_file_rule_and_field(
    mini_copy: Path, parser: str, written: str
) -> None:
    rules = mini_copy / "rules.yaml"
    line = replace_line(rules, "    red_flag: true", f"    red_flag: {written}")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.rule, error.line) == (str(rules), "fever_flag", line)
    assert f"red_flag: {written} is read as " in error.detail
    assert "write true or false" in error.detail


# --- 5. explicit tags -------------------------------------------------------------------------


DESCRIPTION = "    description: Groin pain is a psoas sign."


@pytest.mark.parametrize(
    ("old", "written", "shown"),
    [
        (DESCRIPTION, "    description: !!binary R3JvaW4gcGFpbiBpcyBhIHBzb2FzIHNpZ24u", "!!binary"),
        (DESCRIPTION, "    description: !<tag:yaml.org,2002:str> Groin pain.", "!!str"),
        (DESCRIPTION, "    description: !!str Groin pain is a psoas sign.", "!!str"),
        ("    points: 12", "    points: !!int 12", "!!int"),
    ],
)
def test_an_explicit_tag_in_a_rule_file_is_refused_naming_file_and_line(
    mini_copy: Path, parser: str, old: str, written: str, shown: str
) -> None:
    rules = mini_copy / "rules.yaml"
    line = replace_line(rules, old, written)
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.line) == (str(rules), line)
    assert f"explicit tag {shown} is not allowed in rule files" in error.detail


# --- 6. a red flag whose floor is self_care ---------------------------------------------------


def test_a_red_flag_with_a_self_care_floor_is_refused_naming_file_and_rule(
    mini_copy: Path,
) -> None:
    rules = mini_copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "    red_flag: true\n    triage_floor: urgent\n" in text
    rules.write_text(text.replace("triage_floor: urgent", "triage_floor: self_care", 1), "utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(mini_copy)
    error = caught.value
    assert (error.file, error.rule) == (str(rules), "fever_flag")
    assert "a red-flag rule needs a triage_floor of at least consultation" in error.detail
    assert error.line is not None
    assert rules.read_text(encoding="utf-8").splitlines()[error.line - 1] == "  - id: fever_flag"


# === the batch runner =========================================================================
# Issue 22, the batch runner: no red flag lost on any door, no stray work after a fault.
#
# One test per item, named after what it protects; each failed on the main of the day the issue was
# filed. The interrupt tests deliver real signals to real processes, many times at different
# moments (PSOAS_TEST_SCALE, default 1, scales how many), and check every line the interrupted batch
# kept against the assessment of the same input line made here with the batch's own function: an
# interrupt swallowed inside pydantic-core used to leave a valid report's line as an
# ``internal_error`` record, which a line count cannot see.


SCALE = float(os.environ.get("PSOAS_TEST_SCALE", "1"))
RUNS = max(4, int(12 * SCALE))
"""Interrupts per door. Every other one is aimed at the serializer: an interrupt is lost only when
it is handled while pydantic-core calls back into Python, a few percent of a line's time, so one
sent at any moment showed the bug in only 1 run in 3 to 1 in 8 (aimed: 9 in 10)."""

CODES = ["groin_pain", "hip_snapping", "fever", "saddle_numbness", "flank_pain_unknown"]


def write_reports(path: Path, count: int, seed: int = 22) -> list[bytes]:
    """``count`` reports (about one in five with an unknown code, so error records are checked
    too), one per line; the raw lines."""
    chooser = random.Random(seed)
    lines = []
    for _ in range(count):
        report = {
            "present": chooser.sample(CODES, chooser.randint(1, 3)),
            "age": chooser.randint(18, 90),
            "pain_intensity": chooser.randint(0, 10),
        }
        lines.append(json.dumps(report).encode("utf-8"))
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return lines


class Expected:
    """Each input line's record as the batch writes it, assessed here on demand."""

    def __init__(self, raw_lines: list[bytes]) -> None:
        self.raw_lines = raw_lines
        self.records: list[str] = []

    def first(self, count: int) -> list[str]:
        if count > len(self.records):
            numbered = [
                (number, self.raw_lines[number - 1])
                for number in range(len(self.records) + 1, count + 1)
            ]
            payload, _ = assess_lines(default_rulebook(), numbered)
            self.records.extend(payload.decode("utf-8").split("\n")[:-1])
        return self.records[:count]


def check_kept_lines(partial: Path, expected: Expected, reported: int) -> int:
    """Every line of an interrupted batch's partial file is the record of its input line."""
    kept = partial.read_text(encoding="utf-8").split("\n")
    assert kept[-1] == "", "the partial file ends with a cut-off line"
    kept = kept[:-1]
    assert len(kept) == reported, "the message's count is not the partial file's"
    wanted_lines = expected.first(len(kept))
    for number, (written, wanted) in enumerate(zip(kept, wanted_lines, strict=True), start=1):
        assert written == wanted, f"line {number} of {partial.name} is not its report's record"
    return len(kept)


def no_temporaries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


WATCHER = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time
    from pathlib import Path

    def interrupt_when_writing(folder, name, delay, number, aimed):
        # a real signal to this process once the batch has written its first lines; when aimed,
        # sent while the main thread serializes an assessment (model_dump_json on its stack)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if any(
                    path.name.startswith("." + name + ".") and path.stat().st_size > 0
                    for path in folder.iterdir()
                ):
                    break
            except OSError:
                pass
            time.sleep(0.002)
        time.sleep(delay)
        main = threading.main_thread().ident
        deadline = time.monotonic() + 10
        while aimed and time.monotonic() < deadline and not serializing(main):
            time.sleep(0)
        os.kill(os.getpid(), number)

    def serializing(thread):
        frame = sys._current_frames().get(thread)
        while frame is not None:
            if frame.f_code.co_name == "model_dump_json":
                return True
            frame = frame.f_back
        return False

    def start_watcher(folder, name, delay, number, aimed):
        watcher = threading.Thread(
            target=interrupt_when_writing, args=(folder, name, delay, number, aimed), daemon=True
        )
        watcher.start()
        return watcher
    """
)

PYTHON_CALLER = WATCHER + textwrap.dedent(
    """
    from psoas_triage.batch import BatchInterrupted, run_batch

    # The case under test is Python's own SIGINT handler. A process started in the background
    # by a shell without job control (as CI may be) begins with SIGINT ignored, and Python then
    # keeps it ignored: put the default handler back, as an interactive session has it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    source, folder, delays = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    results = []
    for run, delay in enumerate(delays):
        output = folder / f"out-{run}.jsonl"
        watcher = start_watcher(folder, output.name, delay, signal.SIGINT, run % 2 == 0)
        try:
            summary = run_batch(source, output)
            results.append({"finished": summary.total})
        except BatchInterrupted as interrupted:
            results.append({"lines": interrupted.lines, "line": interrupted.line,
                            "partial": str(interrupted.partial)})
        except KeyboardInterrupt:
            results.append({"keyboard_interrupt": True})
        watcher.join()
    print(json.dumps(results))
    """
)

CLI_CALLER = WATCHER + textwrap.dedent(
    """
    import contextlib, io
    import typer
    from psoas_triage.cli import app

    source, folder, delays = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    command = typer.main.get_command(app)
    results = []
    for run, delay in enumerate(delays):
        output = folder / f"out-{run}.jsonl"
        number = (signal.SIGINT, signal.SIGTERM)[run % 2]
        watcher = start_watcher(folder, output.name, delay, number, run // 2 % 2 == 0)
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            code = command.main(
                args=["batch", source, "-o", str(output), "-w", "1", "-q"],
                prog_name="psoas-triage",
                standalone_mode=False,
            )
        watcher.join()
        results.append({"code": code, "stderr": errors.getvalue()})
    print(json.dumps(results))
    """
)


def run_interrupted(
    tmp_path: Path, caller: str, count: int, delays: list[float]
) -> tuple[Path, list[bytes], list[dict[str, Any]]]:
    """Run ``caller`` on ``count`` reports once per delay; what each run said."""
    source = tmp_path / "in.jsonl"
    raw_lines = write_reports(source, count)
    folder = tmp_path / "out"
    folder.mkdir()
    script = tmp_path / "caller.py"
    script.write_text(caller, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(source), str(folder), json.dumps(delays)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return folder, raw_lines, json.loads(done.stdout)


def spread(runs: int, longest: float) -> list[float]:
    """``runs`` delays from 0 to ``longest`` seconds, in a shuffled order."""
    delays = [round(longest * index / max(1, runs - 1), 3) for index in range(runs)]
    random.Random(runs).shuffle(delays)
    return delays


# --- item 4: Ctrl-C in run_batch called from Python -----------------------------------------------


def test_ctrl_c_stops_run_batch_from_python_and_keeps_only_correct_lines(tmp_path: Path) -> None:
    folder, raw_lines, results = run_interrupted(tmp_path, PYTHON_CALLER, 3_000, spread(RUNS, 0.4))
    expected = Expected(raw_lines)
    kept = []
    for run, result in enumerate(results):
        output = folder / f"out-{run}.jsonl"
        assert "finished" not in result, f"run {run}: the interrupt was lost, batch ran to the end"
        assert not output.exists(), f"run {run}: an interrupted batch has the final name"
        if "keyboard_interrupt" in result:  # a raw KeyboardInterrupt must not leave a file
            assert not output.with_name(output.name + ".partial").exists()
            continue
        assert result["partial"] == str(output.with_name(output.name + ".partial"))
        kept.append(check_kept_lines(Path(result["partial"]), expected, result["lines"]))
        assert result["line"] == result["lines"]  # no blank line: line N is the N-th report
    assert no_temporaries(folder) == []
    assert len(kept) >= len(results) // 2 and max(kept) > 0


# --- item 5: the same through the CLI with one worker, SIGINT and SIGTERM -------------------------


def test_sigint_and_sigterm_stop_the_cli_with_one_worker_and_keep_only_correct_lines(
    tmp_path: Path,
) -> None:
    folder, raw_lines, results = run_interrupted(tmp_path, CLI_CALLER, 3_000, spread(RUNS, 0.4))
    expected = Expected(raw_lines)
    for run, result in enumerate(results):
        output = folder / f"out-{run}.jsonl"
        partial = output.with_name(output.name + ".partial")
        assert result["code"] == 130, result["stderr"]
        assert not output.exists()
        reported = int(result["stderr"].split(" results written are in ")[0].split()[-1])
        assert f"the {reported} results written are in {partial}" in result["stderr"]
        check_kept_lines(partial, expected, reported)
    assert no_temporaries(folder) == []


# --- item 6: SIGKILL of the parent ----------------------------------------------------------------


def wait_for_temporary(folder: Path, name: str, process: subprocess.Popen[Any]) -> Path:
    """The batch's temporary output, once it holds data."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the batch ended before it was signalled"
        for path in folder.iterdir():
            try:
                if path.name.startswith(f".{name}.") and path.stat().st_size > 0:
                    return path
            except OSError:
                continue
        time.sleep(0.01)
    raise AssertionError("the batch wrote nothing within a minute")


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
        return found
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def is_running(pid: int) -> bool:
    """Alive and not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc or psutil")
def test_workers_die_with_a_killed_parent_and_the_next_run_removes_its_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "big.jsonl"
    write_reports(source, 40_000)
    output = tmp_path / "out.jsonl"
    spool_root = tmp_path / "spool"
    spool_root.mkdir()
    env = {**os.environ, "TMPDIR": str(spool_root)}
    process = subprocess.Popen(
        [str(SCRIPT), "batch", str(source), "-o", str(output), "-w", "2", "-q"], env=env
    )
    wait_for_temporary(tmp_path, output.name, process)
    workers = children_of(process.pid)
    assert len(workers) >= 2, "the batch runs two worker processes"
    process.kill()
    process.wait(timeout=10)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(is_running(pid) for pid in workers):
        time.sleep(0.05)
    alive = [pid for pid in workers if is_running(pid)]
    for pid in alive:  # never leave them behind this test either
        os.kill(pid, signal.SIGKILL)
    assert alive == [], "worker processes outlived their killed parent"
    assert no_temporaries(tmp_path) != [] and list(spool_root.iterdir()) != []

    # The next run to the same output finds the dead run's temporary output and spool folder.
    small = tmp_path / "small.jsonl"
    small.write_text('{"present": ["groin_pain"]}\n', encoding="utf-8")
    monkeypatch.setattr(batch_module.tempfile, "tempdir", str(spool_root))
    summary = run_batch(small, output)
    assert summary.assessed == 1
    assert no_temporaries(tmp_path) == []
    assert list(spool_root.iterdir()) == []
    assert len(summary.stale_removed) == 2
    assert "removed 2 temporary file(s) of a killed earlier run" in summary.describe()


def test_a_live_runs_temporaries_are_never_removed(tmp_path: Path) -> None:
    """Only a dead owner's temporaries go: one of a live process (here the test's parent) stays,
    and so does one whose name does not say its owner."""
    from psoas_triage import worker_guard

    output = tmp_path / "out.jsonl"
    live = tmp_path / f".out.jsonl.{worker_guard._host_tag()}-{os.getppid()}-abcd1234.tmp"
    unnamed = tmp_path / ".out.jsonl.abcd1234.tmp"
    dead_pid = dead_process_id()
    dead = tmp_path / f".out.jsonl.{worker_guard._host_tag()}-{dead_pid}-abcd1234.tmp"
    for path in (live, unnamed, dead):
        path.write_text("half a batch\n", encoding="utf-8")
    small = tmp_path / "small.jsonl"
    small.write_text('{"present": ["groin_pain"]}\n', encoding="utf-8")

    summary = run_batch(small, output)

    assert summary.stale_removed == [dead]
    assert live.exists() and unnamed.exists() and not dead.exists()


def dead_process_id() -> int:
    """The pid of a process that has ended (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_a_dask_batch_removes_the_temporary_output_of_a_killed_run(tmp_path: Path) -> None:
    """``batch --scheduler`` writes through the same writer, so it cleans up after a killed
    run the same way (the issue saw Dask leave its hidden temporary output behind)."""
    pytest.importorskip("distributed", reason="the dask extra (distributed) is not installed")
    from psoas_triage import worker_guard
    from psoas_triage.dask import run_batch_on_cluster

    output = tmp_path / "out.jsonl"
    stale = tmp_path / f".out.jsonl.{worker_guard._host_tag()}-{dead_process_id()}-abcd1234.tmp"
    stale.write_text("half a batch\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    raw_lines = write_reports(source, 3)

    summary = run_batch_on_cluster(source, output, scheduler="local", workers=1)

    assert summary.stale_removed == [stale] and not stale.exists()
    assert output.read_text(encoding="utf-8").splitlines() == Expected(raw_lines).first(3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child and leaves it")
def test_the_watchdog_ends_a_worker_whose_parent_is_gone_without_prctl(tmp_path: Path) -> None:
    """Where PR_SET_PDEATHSIG is not available, a thread notices the parent's death."""
    code = textwrap.dedent(
        """
        import os, sys, time
        from psoas_triage import worker_guard
        worker_guard._kill_on_parent_death = lambda: False
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            worker_guard.die_with_parent(parent)
            time.sleep(60)
            os._exit(0)
        print(child, flush=True)
        os._exit(0)  # the parent dies at once, without stopping its child
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    child = int(done.stdout)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and is_running(child):
        time.sleep(0.05)
    running = is_running(child)
    if running:
        os.kill(child, signal.SIGKILL)
    assert not running, "the orphan outlived its parent"


# --- minor items ----------------------------------------------------------------------------------


FULL_SPOOL_CALLER = textwrap.dedent(
    """
    import errno, json, os, sys, tempfile
    from pathlib import Path

    from typer.testing import CliRunner

    from psoas_triage.batch import BatchOutputError, run_batch
    from psoas_triage.cli import app

    source, output, spool_root = sys.argv[1], sys.argv[2], sys.argv[3]
    tempfile.tempdir = spool_root  # the spool folder goes here

    def full_disk(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    Path.write_bytes = full_disk  # forked workers inherit the full disk
    try:
        run_batch(source, output, workers=2, chunk_size=50)
        library = "finished"
    except BatchOutputError as error:
        library = str(error)
    result = CliRunner().invoke(app, ["batch", source, "-o", output, "-w", "2", "-q"])
    print(json.dumps({"library": library, "code": result.exit_code, "cli": result.output}))
    """
)


def test_a_full_spool_folder_is_a_clear_error_naming_the_folder(tmp_path: Path) -> None:
    """Run in a fresh single-threaded interpreter, so the batch forks its workers (which then
    inherit the full disk) without forking a test process that has threads."""
    from psoas_triage.cli import EXIT_INTERNAL

    source = tmp_path / "in.jsonl"
    write_reports(source, 300)
    output = tmp_path / "out.jsonl"
    spool_root = tmp_path / "spool"
    spool_root.mkdir()
    script = tmp_path / "full_spool.py"
    script.write_text(FULL_SPOOL_CALLER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(source), str(output), str(spool_root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert "spool folder" in said["library"] and str(spool_root) in said["library"]
    assert "No space left on device" in said["library"]
    assert said["code"] == EXIT_INTERNAL
    assert "please report" not in said["cli"] and "internal error" not in said["cli"]
    assert f"cannot write the spool folder {spool_root}" in said["cli"]
    assert "No space left on device" in said["cli"]
    assert list(tmp_path.glob("*out*")) == [] and list(spool_root.iterdir()) == []


def test_an_output_that_is_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    raw_lines = write_reports(source, 5)
    target = tmp_path / "results" / "today.jsonl"
    target.parent.mkdir()
    target.write_text("yesterday's results\n", encoding="utf-8")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)

    run_batch(source, link)

    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8").splitlines() == Expected(raw_lines).first(5)


def test_standard_input_redirected_from_the_output_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "reports.jsonl"
    write_reports(source, 5)
    before = source.read_bytes()
    with open(source, "rb") as stdin:
        done = subprocess.run(
            [str(SCRIPT), "batch", "-", "-o", str(source), "-q"],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert (
        f"the output file would overwrite the input file ({source} is standard input)"
        in done.stderr
    )
    assert source.read_bytes() == before


def test_an_over_long_line_is_an_error_record_and_is_never_held_in_memory(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.jsonl"
    good = b'{"present": ["groin_pain"]}'
    huge = b'{"present": ["' + b"x" * (10 * MAX_LINE_BYTES) + b'"]}'
    source.write_bytes(good + b"\n" + huge + b"\n" + good + b"\n" + huge)  # last: no newline
    output = tmp_path / "out.jsonl"

    tracemalloc.start()
    try:
        summary = run_batch(source, output)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 3 * MAX_LINE_BYTES, f"{peak:,} bytes held for a {len(huge):,}-byte line"
    assert (summary.total, summary.assessed, summary.error_lines) == (4, 2, [2, 4])
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == lines[2] == Expected([good]).first(1)[0]
    for number in (2, 4):
        record = json.loads(lines[number - 1])
        assert record["line"] == number
        assert record["error"]["error"] == "invalid_report"
        message = record["error"]["problems"][0]["message"]
        assert f"a line of {len(huge):,} bytes" in message
        assert f"over the limit of {MAX_LINE_BYTES:,} bytes per line" in message


# === the HTTP service =========================================================================
# Issue 22, the HTTP service: no red flag lost at its doors, no connection held after a fault.
#
# One test per item, named after what it protects; each failed on the main of the day it was
# written (CDS Hooks kept the last of two equal keys, any Content-Type was read as JSON, a stalled
# client held a connection for 90 s and more, and nothing pinned that a UTF-8 BOM changes nothing).


JSON_HEADERS = {"Content-Type": "application/json"}
CDS = "/cds-services/psoas-triage"
CALL_START = (
    '{"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", '
    '"context": {"userId": "Practitioner/example", "patientId": "example"}, '
)
RED_FLAG = '{"present": ["saddle_numbness"]}'
NO_RED_FLAG = '{"present": ["groin_pain", "hip_snapping"], "duration_days": 10}'


@pytest.fixture(scope="module")
def client() -> TestClient:
    pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
    pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")
    with warnings.catch_warnings():  # newer Starlette suggests httpx2; httpx still works
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from psoas_triage.service import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


# --- item 1: CDS Hooks reads its body with the one JSON reader ----------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (
            CALL_START
            + '"prefetch": {"psoas-triage": {"present": ["saddle_numbness"], "present": []}}}',
            "prefetch.psoas-triage.present",
        ),
        (
            CALL_START + f'"prefetch": {{"psoas-triage": {RED_FLAG}, "psoas-triage": '
            f"{NO_RED_FLAG}}}}}",
            "prefetch.psoas-triage",
        ),
        (
            CALL_START + f'"prefetch": {{"psoas-triage": {RED_FLAG}}}, '
            f'"prefetch": {{"psoas-triage": {NO_RED_FLAG}}}}}',
            "prefetch",
        ),
    ],
    ids=["present-twice", "prefetch-key-twice", "prefetch-twice"],
)
def test_cds_hooks_never_drops_a_red_flag_given_before_a_duplicate_key(
    client: TestClient, body: str, path: str
) -> None:
    json.loads(body)  # valid JSON for every parser that keeps the last key (and loses the flag)
    answer = client.post(CDS, content=body.encode(), headers=JSON_HEADERS)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["error"] == "invalid_cds_request"
    assert [problem["field"] for problem in error["problems"]] == [path]
    assert "more than once" in error["problems"][0]["message"]
    assert "cards" not in error


def test_cds_hooks_without_duplicates_gives_the_critical_card(client: TestClient) -> None:
    body = CALL_START + f'"prefetch": {{"psoas-triage": {RED_FLAG}}}}}'
    answer = client.post(CDS, content=body.encode(), headers=JSON_HEADERS)
    assert answer.status_code == 200, answer.text
    assert [card["indicator"] for card in answer.json()["cards"]] == ["critical"]


# --- item 2: a body not declared JSON in UTF-8 is a 415, not read as JSON -----------------------

BODY_ROUTES = ["/v1/assess", "/v1/report", "/v1/next-question", CDS]


def call_with(report: str) -> str:
    return CALL_START + f'"prefetch": {{"psoas-triage": {report}}}}}'


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",  # what curl -d sends without -H
        "application/json; charset=utf-16",
        "application/json; charset=latin-1",
        "multipart/form-data; boundary=x",
        None,
    ],
)
def test_a_body_not_declared_json_in_utf8_is_refused_with_415(
    client: TestClient, route: str, content_type: str | None
) -> None:
    body = call_with(RED_FLAG) if route == CDS else RED_FLAG
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = client.post(route, content=body.encode(), headers=headers)
    assert answer.status_code == 415, answer.text
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()
    assert error["error"] == "unsupported_media_type"
    assert "application/json" in error["message"] and "UTF-8" in error["message"]
    assert error["problems"][0]["field"] == "Content-Type"
    assert error["problems"][0]["value"] == content_type


@pytest.mark.parametrize(
    ("route", "content_type"),
    [
        ("/v1/assess", "application/json"),
        ("/v1/assess", "Application/JSON; Charset=UTF-8"),
        ("/v1/report", 'application/json; charset="utf-8"'),
        ("/v1/next-question", "application/json;charset=utf-8"),
        (CDS, "application/json"),
        (CDS, "application/fhir+json; charset=utf-8"),
    ],
)
def test_json_in_utf8_is_still_read(client: TestClient, route: str, content_type: str) -> None:
    body = call_with(RED_FLAG) if route == CDS else RED_FLAG
    answer = client.post(route, content=body.encode(), headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text


# --- item 4: a UTF-8 byte order mark changes nothing ------------------------------------------


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_a_utf8_bom_body_is_assessed_exactly_like_the_body_without_it(
    client: TestClient, route: str
) -> None:
    body = (call_with(RED_FLAG) if route == CDS else RED_FLAG).encode()
    plain = client.post(route, content=body, headers=JSON_HEADERS)
    marked = client.post(route, content=b"\xef\xbb\xbf" + body, headers=JSON_HEADERS)
    assert plain.status_code == 200, plain.text
    assert marked.status_code == 200, marked.text
    assert marked.headers["content-type"] == plain.headers["content-type"]
    assert marked.content == plain.content
    if route == CDS:
        assert [card["indicator"] for card in marked.json()["cards"]] == ["critical"]
    if route == "/v1/assess":
        assert marked.json()["triage_level"] == "emergency"


# --- item 3: a stalled client is cut off; the server holds no connection for it -----------------

HOST = "127.0.0.1"
READ_SECONDS = 1
CLOSED_WITHIN = 5.0


@pytest.fixture(scope="module")
def short_timeouts_server(
    serve_on_loopback: Callable[..., contextlib.AbstractContextManager[int]],
) -> Iterator[int]:
    """``psoas-triage serve`` with 1 s read and keep-alive timeouts on a free loopback port."""
    timeouts = ["--timeout-read", str(READ_SECONDS), "--timeout-keep-alive", str(READ_SECONDS)]
    with serve_on_loopback(*timeouts) as port:
        yield port


def seconds_until_closed(port: int, send: Callable[[socket.socket], None]) -> float:
    """Connect, ``send``, then wait for the server to close: the seconds it took (from the
    connection opening), or an AssertionError when it is still open after CLOSED_WITHIN."""
    with socket.create_connection((HOST, port), timeout=2) as connection:
        opened = time.monotonic()
        send(connection)
        connection.settimeout(CLOSED_WITHIN)
        received = b""
        try:
            while chunk := connection.recv(4096):
                received += chunk
        except TimeoutError:
            raise AssertionError(f"still open after {CLOSED_WITHIN} s") from None
        except ConnectionResetError:
            pass
        assert received == b"", f"a stalled request got an answer: {received[:200]!r}"
        return time.monotonic() - opened


def send_nothing(connection: socket.socket) -> None:
    pass


def send_half_the_headers(connection: socket.socket) -> None:
    connection.sendall(b"POST /v1/assess HTTP/1.1\r\nHost: localhost\r\nContent-Ty")


def send_a_tenth_of_the_body(connection: socket.socket) -> None:
    connection.sendall(
        b"POST /v1/assess HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        b'{"present"'
    )


def drip_the_headers(connection: socket.socket) -> None:
    """A byte every 0.25 s (slowloris): each within any idle timeout, the whole too slow."""
    with contextlib.suppress(OSError):
        for byte in b"GET /healthz HTTP/1.1\r\n":
            connection.sendall(bytes([byte]))
            time.sleep(0.25)


@pytest.mark.parametrize(
    "send",
    [send_nothing, send_half_the_headers, send_a_tenth_of_the_body, drip_the_headers],
    ids=["nothing", "half-the-headers", "a-tenth-of-the-body", "one-byte-at-a-time"],
)
def test_a_stalled_client_is_cut_off_after_the_read_timeout(
    short_timeouts_server: int, send: Callable[[socket.socket], None]
) -> None:
    took = seconds_until_closed(short_timeouts_server, send)
    assert READ_SECONDS * 0.8 <= took < CLOSED_WITHIN, took


def test_an_idle_kept_alive_connection_is_closed_and_a_whole_request_still_answered(
    short_timeouts_server: int,
) -> None:
    request = (
        b"POST /v1/assess HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(RED_FLAG)).encode() + b"\r\n\r\n" + RED_FLAG.encode()
    )
    with socket.create_connection((HOST, short_timeouts_server), timeout=CLOSED_WITHIN) as sock:
        sock.sendall(request)
        answer = b""
        while b'"triage_level"' not in answer:
            chunk = sock.recv(65536)
            assert chunk, f"closed before the answer: {answer[:200]!r}"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert b'"triage_level":"emergency"' in answer
        idle_from = time.monotonic()
        try:
            while sock.recv(65536):  # the rest of the answer, then the close
                pass
        except TimeoutError:
            raise AssertionError(f"idle connection still open after {CLOSED_WITHIN} s") from None
        assert time.monotonic() - idle_from < CLOSED_WITHIN

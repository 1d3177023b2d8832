"""Reusable pytest-bdd steps for psoas-triage, loaded by ``psoas_triage.bdd.plugin`` when
pytest-bdd is installed (the ``bdd`` extra).

An application that extends the rules writes only ``.feature`` files and one test module::

    from pytest_bdd import scenarios
    scenarios("features")

Which rules the steps use, most specific first:

- the step ``Given the rules in "some/dir"`` (relative to the feature file's folder, else to the
  pytest root folder);
- the ``psoas_rules_dir`` fixture (override it in a ``conftest.py``);
- the ``--psoas-rules DIR`` option, then the ``psoas_rules`` ini setting (relative to the root);
- the rule book shipped with psoas-triage.

Rule coverage: ``--psoas-rule-coverage`` prints which rules of the configured rule book no
scenario fired; ``--psoas-rule-coverage-json PATH`` writes the raw record that
``psoas_triage.coverage.measure_coverage`` reads.

Every step that names a finding, a level, a professional, a rule, a source or an advice item
accepts plain words (labels, synonyms, titles) as well as codes and ids, and fails with a
did-you-mean message on a word it does not know.

The step catalogue (every phrase with an example) is in ``docs/gherkin.md``, generated from the
``catalogued`` entries next to each step below.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from psoas_triage.errors import ReportError
from psoas_triage.json_input import read_json
from psoas_triage.models import Referral
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import closest, did_you_mean, normalise

from .case import PsoasCase, rulebook_at
from .catalogue import catalogued
from .language import (
    UnknownWordError,
    duration_in_days,
    likelihood,
    professional,
    resolve_findings,
    triage_level,
)
from .recorder import CoverageRecorder

RECORDER_KEY = pytest.StashKey[CoverageRecorder]()
FEATURE_KEY = pytest.StashKey[str]()

# --- options, hooks and fixtures -----------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("psoas-triage", "psoas-triage Gherkin steps")
    group.addoption(
        "--psoas-rules",
        metavar="DIR",
        default=None,
        help="rule directory the psoas-triage steps use (default: the shipped rule book)",
    )
    group.addoption(
        "--psoas-rule-coverage",
        action="store_true",
        default=False,
        help="after the run, list the rules of the configured rule book no scenario fired",
    )
    group.addoption(
        "--psoas-rule-coverage-json",
        metavar="PATH",
        default=None,
        help="write the rules fired by scenarios, per rule directory, as JSON to PATH",
    )
    parser.addini("psoas_rules", "rule directory for the psoas-triage steps (relative to root)")


def pytest_configure(config: pytest.Config) -> None:
    recorder = CoverageRecorder()
    config.stash[RECORDER_KEY] = recorder
    config.pluginmanager.register(_OutcomeRecorder(recorder), "psoas-triage-outcomes")


class _OutcomeRecorder:
    """Counts passed and failed tests of the session, for the coverage record."""

    def __init__(self, recorder: CoverageRecorder) -> None:
        self.recorder = recorder

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.recorder.failed.append(report.nodeid)
        elif report.when == "call" and report.passed:
            self.recorder.passed += 1


def configured_rules_dir(config: pytest.Config) -> Path | None:
    """The rule directory from ``--psoas-rules`` or the ``psoas_rules`` ini value, if any."""
    option = config.getoption("--psoas-rules", default=None)
    if option:
        return Path(option).resolve()
    ini = config.getini("psoas_rules")
    if isinstance(ini, str) and ini:
        return (config.rootpath / ini).resolve()
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    request.node.stash[FEATURE_KEY] = feature.filename
    request.config.stash[RECORDER_KEY].record_scenario(feature.filename)


def pytest_sessionfinish(session: pytest.Session) -> None:
    recorder = session.config.stash[RECORDER_KEY]
    path = session.config.getoption("--psoas-rule-coverage-json", default=None)
    if path:
        recorder.write(path)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not config.getoption("--psoas-rule-coverage", default=False):
        return
    book = rulebook_at(configured_rules_dir(config))
    fired = config.stash[RECORDER_KEY].fired_in(book)
    rule_ids = [loaded.rule.id for loaded in book.rules]
    covered = [rule_id for rule_id in rule_ids if rule_id in fired]
    uncovered = [rule_id for rule_id in rule_ids if rule_id not in fired]
    percent = 100.0 * len(covered) / len(rule_ids) if rule_ids else 100.0
    terminalreporter.section("psoas rule coverage")
    terminalreporter.write_line(
        f"{book.name} ({book.path}): {len(covered)}/{len(rule_ids)} rules fired "
        f"by scenarios ({percent:.1f}%)"
    )
    for rule_id in uncovered:
        terminalreporter.write_line(f"  never fired: {rule_id} ({book.rule(rule_id).rule.title})")


@pytest.fixture
def psoas_rules_dir(request: pytest.FixtureRequest) -> Path | None:
    """The rule directory the steps use; None means the shipped rule book. Override at will."""
    return configured_rules_dir(request.config)


@pytest.fixture
def psoas_rulebook(psoas_case: PsoasCase) -> RuleBook:
    """The rule book this scenario uses (after any ``Given the rules in ...`` step)."""
    return psoas_case.book


@pytest.fixture
def psoas_case(request: pytest.FixtureRequest, psoas_rules_dir: Path | None) -> PsoasCase:
    """The scenario's symptom report and, once assessed, its result."""
    recorder = request.config.stash[RECORDER_KEY]
    return PsoasCase(rules_dir=psoas_rules_dir, recorder=recorder.record_assessment)


# --- Given: which rules --------------------------------------------------------------------------


@catalogued(
    "Given",
    'the rules in "<dir>"',
    'the rules in "../rules"',
    "relative to the feature file's folder, else to the pytest root folder",
)
@given(parsers.re(r'the rules in "(?P<directory>[^"]+)"'))
def _use_rules_in(directory: str, psoas_case: PsoasCase, request: pytest.FixtureRequest) -> None:
    psoas_case.use_rules(_find_directory(directory, request))


@catalogued(
    "Given", "the shipped rules", "the shipped rules", "the rule book that ships with psoas-triage"
)
@given("the shipped rules")
def _use_shipped_rules(psoas_case: PsoasCase) -> None:
    psoas_case.use_rules(None)


@catalogued(
    "Given",
    "experimental rules are included",
    "experimental rules are included",
    "also use rules of status experimental, which assessments leave out by default",
)
@given("experimental rules are included")
def _include_experimental(psoas_case: PsoasCase) -> None:
    psoas_case.use_experimental()


def _find_directory(directory: str, request: pytest.FixtureRequest) -> Path:
    path = Path(directory)
    if path.is_absolute():
        return path
    candidates = []
    feature_file = request.node.stash.get(FEATURE_KEY, None)
    if feature_file:
        candidates.append(Path(feature_file).parent / path)
    candidates.append(request.config.rootpath / path)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    tried = ", ".join(str(candidate) for candidate in candidates)
    raise AssertionError(f"no rule directory {directory!r} (looked in: {tried})")


# --- Given: the report ---------------------------------------------------------------------------

_NOTHING = {"nothing", "no symptoms", "nothing at all"}


@catalogued(
    "Given",
    "a person reporting <findings>",
    "a person reporting groin pain and hip snapping",
    'labels, synonyms or codes, joined by commas or "and"',
)
@catalogued("Given", "a person reporting nothing", "a person reporting nothing")
@given(parsers.re(r"a person reporting (?P<findings>.+)"))
def _person_reporting(findings: str, psoas_case: PsoasCase) -> None:
    if findings.strip().lower() in _NOTHING:
        return
    psoas_case.report_present(resolve_findings(psoas_case.book, findings))


@catalogued(
    "Given",
    "the person also reports <findings>",
    "the person also reports pain when lifting the leg",
)
@given(parsers.re(r"(?:the person|they) (?:also )?reports? (?P<findings>.+)"))
def _also_reporting(findings: str, psoas_case: PsoasCase) -> None:
    psoas_case.report_present(resolve_findings(psoas_case.book, findings))


@catalogued("Given", "the person denies <findings>", "the person denies fever", "an explicit no")
@given(
    parsers.re(r"(?:the person|they) (?:denies|deny|does not have|do not have) (?P<findings>.+)")
)
def _denying(findings: str, psoas_case: PsoasCase) -> None:
    psoas_case.report_absent(resolve_findings(psoas_case.book, findings))


@catalogued(
    "Given",
    'the warning-sign checklist is answered "none"',
    'the warning-sign checklist is answered "none"',
    "denies every warning sign not reported",
)
@given(parsers.re(r'the warning-sign checklist is answered "none"'))
def _no_warning_sign(psoas_case: PsoasCase) -> None:
    """Every warning sign (vocabulary category ``red_flag``) not reported present is denied."""
    book = psoas_case.book
    warning_signs = [code for code, term in book.terms.items() if term.category.value == "red_flag"]
    psoas_case.report_absent(code for code in warning_signs if code not in psoas_case.present)


@catalogued(
    "Given",
    "the pain started <when>",
    "the pain started 3 weeks ago",
    '"today", "yesterday", "<n> days/weeks/months ago"',
)
@given(parsers.re(r"the pain (?:started|began) (?P<when>.+)"))
def _pain_started(when: str, psoas_case: PsoasCase) -> None:
    psoas_case.set_field("duration_days", duration_in_days(when))


@catalogued("Given", "the pain has lasted <how long>", "the pain has lasted 10 days")
@given(parsers.re(r"the pain has lasted (?:for )?(?P<how_long>.+)"))
def _pain_lasted(how_long: str, psoas_case: PsoasCase) -> None:
    psoas_case.set_field("duration_days", duration_in_days(how_long))


@catalogued("Given", "the pain is <n> out of 10", "the pain is 7 out of 10")
@given(parsers.re(r"the pain is (?P<intensity>-?\d+) out of 10"))
def _pain_intensity(intensity: str, psoas_case: PsoasCase) -> None:
    psoas_case.set_field("pain_intensity", int(intensity))


@catalogued("Given", "the person is <n> years old", "the person is 34 years old")
@given(parsers.re(r"(?:the person|they) (?:is|are) (?P<age>-?\d+) years? old"))
def _age(age: str, psoas_case: PsoasCase) -> None:
    psoas_case.set_field("age", int(age))


_SEX_WORDS = {
    "female": "female",
    "woman": "female",
    "girl": "female",
    "male": "male",
    "man": "male",
    "boy": "male",
}


@catalogued("Given", "the person is a <woman|man|girl|boy>", "the person is a man", "sets sex")
@given(
    parsers.re(
        r"(?:the person|they) (?:is|are) (?:a |an )?(?P<sex>female|male|woman|man|girl|boy)$"
    )
)
def _sex(sex: str, psoas_case: PsoasCase) -> None:
    psoas_case.set_field("sex", _SEX_WORDS[sex])


@catalogued(
    "Given",
    'a report that lists|denies the code "<code>"',
    'a report that lists the code "groin_pian"',
    "unchecked, to show how a bad code is answered",
)
@given(parsers.re(r'a report that (?P<verb>lists|denies) the code "(?P<code>[^"]*)"'))
def _raw_code(verb: str, code: str, psoas_case: PsoasCase) -> None:
    # Deliberately unchecked: lets a feature show how the library answers a bad code.
    target = psoas_case.present if verb == "lists" else psoas_case.absent
    target.append(code)


@catalogued(
    "Given",
    'the report field "<field>" is <JSON value>',
    'the report field "age" is 200',
    "unchecked, to show how a bad value is answered",
)
@given(parsers.re(r'the report field "(?P<name>[^"]+)" is (?P<value>.+)'))
def _raw_field(name: str, value: str, psoas_case: PsoasCase) -> None:
    try:
        parsed = read_json(value, what=name)  # the reader every door uses: duplicates refused
    except ReportError as error:
        raise AssertionError(
            f'write the value of "{name}" as JSON: a number (7), text in quotes ("seven"), '
            f"true/false or null; got {value} ({error.problems[0].message})"
        ) from None
    psoas_case.set_field(name, parsed)


_HEADER_WORDS = {"answer", "value", "reported", "present"}
_NUMBER_ROWS = {
    "age": "age",
    "age in years": "age",
    "pain intensity": "pain_intensity",
    "pain out of 10": "pain_intensity",
    "pain": "pain_intensity",
    "duration in days": "duration_days",
    "days since the pain started": "duration_days",
}
_DURATION_ROWS = {"pain started", "the pain started", "duration", "pain began", "pain has lasted"}
_YES = {"yes", "y", "present", "true", "reported"}
_NO = {"no", "n", "absent", "false", "denied"}
_UNKNOWN = {"unknown", "not asked", "don't know", "?", ""}


@catalogued(
    "Given",
    "a person reports:",
    "a person reports:",
    "then a table: finding or number (age, pain, pain started) and its answer (yes, no, unknown)",
)
@given(parsers.re(r"a person reports(?: the following)?:?"))
def _full_report(datatable: list[list[str]], psoas_case: PsoasCase) -> None:
    """A full symptom report as a two-column table: a finding or number, and the answer."""
    rows = [list(row) for row in datatable]
    if rows and len(rows[0]) >= 2 and normalise(rows[0][1]) in _HEADER_WORDS:
        rows = rows[1:]
    for row in rows:
        if len(row) != 2:
            raise AssertionError(f"each row needs two cells (what, answer); got {row}")
        what, answer = row[0].strip(), row[1].strip()
        key, reply = what.lower(), answer.lower()
        if key in _NUMBER_ROWS:
            number = re.match(r"-?\d+", reply)
            if number is None:
                raise AssertionError(f"{what!r} needs a whole number, got {answer!r}")
            psoas_case.set_field(_NUMBER_ROWS[key], int(number.group()))
        elif key in _DURATION_ROWS:
            psoas_case.set_field("duration_days", duration_in_days(answer))
        elif reply in _YES:
            psoas_case.report_present(resolve_findings(psoas_case.book, f'"{what}"'))
        elif reply in _NO:
            psoas_case.report_absent(resolve_findings(psoas_case.book, f'"{what}"'))
        elif reply in _UNKNOWN:
            resolve_findings(psoas_case.book, f'"{what}"')  # still a known finding
        else:
            choices = sorted(_YES | _NO | {"unknown"})
            raise UnknownWordError("answer", answer, closest(reply, choices))


# --- When ----------------------------------------------------------------------------------------


@catalogued("When", "the symptoms are assessed", "the symptoms are assessed")
@when("the symptoms are assessed")
def _assess(psoas_case: PsoasCase) -> None:
    psoas_case.assess()


# --- Then: likelihood, score and triage ----------------------------------------------------------


@catalogued(
    "Then", 'psoas involvement is "<unlikely|possible|likely>"', 'psoas involvement is "likely"'
)
@then(parsers.re(r'psoas involvement is "(?P<band>[^"]+)"'))
def _likelihood_is(band: str, psoas_case: PsoasCase) -> None:
    expected = likelihood(band)
    actual = psoas_case.assessment.likelihood
    assert actual == expected, (
        f'psoas involvement: expected "{expected.value}", got "{actual.value}" '
        f"({psoas_case.summary()})"
    )


@catalogued(
    "Then", "the psoas score is [at least |at most ]<n>", "the psoas score is at least 20", "0-100"
)
@then(parsers.re(r"the psoas score is (?P<comparison>at least |at most |)(?P<score>\d+)"))
def _score_is(comparison: str, score: str, psoas_case: PsoasCase) -> None:
    actual, wanted = psoas_case.assessment.psoas_score, int(score)
    ok = {
        "": actual == wanted,
        "at least ": actual >= wanted,
        "at most ": actual <= wanted,
    }[comparison]
    assert ok, f"psoas score: expected {comparison}{wanted}, got {actual} ({psoas_case.summary()})"


@catalogued(
    "Then",
    'the triage level is [at least ]"<level>"',
    'the triage level is at least "urgent"',
    "emergency, urgent, consultation, self-care",
)
@then(parsers.re(r'the triage level is (?P<at_least>at least )?"(?P<level>[^"]+)"'))
def _triage_is(at_least: str | None, level: str, psoas_case: PsoasCase) -> None:
    expected = triage_level(level)
    result = psoas_case.assessment
    actual = result.triage_level
    ok = actual.rank >= expected.rank if at_least else actual == expected
    assert ok, (
        f'triage level: expected {at_least or ""}"{expected.value}", got "{actual.value}" '
        f"because {'; '.join(result.triage_reasons)} ({psoas_case.summary()})"
    )


@catalogued("Then", 'the triage reasons mention "<text>"', 'the triage reasons mention "red flag"')
@then(parsers.re(r'the triage reasons mention "(?P<text>[^"]+)"'))
def _reasons_mention(text: str, psoas_case: PsoasCase) -> None:
    reasons = psoas_case.assessment.triage_reasons
    assert any(text.lower() in reason.lower() for reason in reasons), (
        f"no triage reason mentions {text!r}; the reasons are: {list(reasons)}"
    )


@catalogued(
    "Then",
    'the triage reasons do not mention "<text>"',
    'the triage reasons do not mention "psoas involvement"',
    "the reasons list only what set the level",
)
@then(parsers.re(r'the triage reasons do not mention "(?P<text>[^"]+)"'))
def _reasons_do_not_mention(text: str, psoas_case: PsoasCase) -> None:
    reasons = psoas_case.assessment.triage_reasons
    assert not any(text.lower() in reason.lower() for reason in reasons), (
        f"a triage reason mentions {text!r}; the reasons are: {list(reasons)}"
    )


@catalogued(
    "Then", 'the person is told "<text>"', 'the person is told "see a doctor"', "the triage action"
)
@then(parsers.re(r'the person is told "(?P<text>[^"]+)"'))
def _action_says(text: str, psoas_case: PsoasCase) -> None:
    action = psoas_case.assessment.triage_action
    assert text.lower() in action.lower(), f"the triage advice does not say {text!r}: {action!r}"


@catalogued(
    "Then", "the result says it is not a diagnosis", "the result says it is not a diagnosis"
)
@then("the result says it is not a diagnosis")
def _not_a_diagnosis(psoas_case: PsoasCase) -> None:
    disclaimer = psoas_case.assessment.disclaimer
    assert "not a diagnosis" in disclaimer.lower(), (
        f"disclaimer lacks 'not a diagnosis': {disclaimer}"
    )


@catalogued(
    "Then",
    "adding <findings> does not lower the triage level",
    "adding fever does not lower the triage level",
    "re-assesses with the findings added",
)
@then(parsers.re(r"adding (?P<findings>.+) does not lower the triage level"))
def _adding_does_not_lower(findings: str, psoas_case: PsoasCase) -> None:
    before = psoas_case.assessment.triage_level
    extra = resolve_findings(psoas_case.book, findings)
    after = psoas_case.assess_with(extra).triage_level
    assert after.rank >= before.rank, (
        f"adding {extra} lowered the triage level from {before.value} to {after.value}"
    )


@catalogued(
    "Then",
    'adding <findings> raises the triage level to "<level>"',
    'adding fever raises the triage level to "urgent"',
)
@then(parsers.re(r'adding (?P<findings>.+) raises the triage level to "(?P<level>[^"]+)"'))
def _adding_raises(findings: str, level: str, psoas_case: PsoasCase) -> None:
    expected = triage_level(level)
    extra = resolve_findings(psoas_case.book, findings)
    after = psoas_case.assess_with(extra)
    assert after.triage_level == expected, (
        f"after adding {extra}: expected triage {expected.value}, got "
        f"{after.triage_level.value} because {'; '.join(after.triage_reasons)}"
    )


# --- Then: findings, red flags, alternatives -----------------------------------------------------


@catalogued(
    "Then",
    'the finding "<rule id or title>" is [not ]noted',
    'the finding "groin_snapping" is noted',
    "the rule fired",
)
@then(parsers.re(r'the finding "(?P<rule>[^"]+)" is (?P<negation>not )?noted'))
def _finding_noted(rule: str, negation: str | None, psoas_case: PsoasCase) -> None:
    rule_id = psoas_case.rule_id(rule)
    fired = psoas_case.assessment.fired_rule_ids
    if negation:
        assert rule_id not in fired, f"rule {rule_id} fired but should not ({psoas_case.summary()})"
    else:
        assert rule_id in fired, f"rule {rule_id} did not fire ({psoas_case.summary()})"


@catalogued(
    "Then",
    'the experimental rule "<rule id or title>" is left out',
    'the experimental rule "Knee pain" is left out',
    "it matched, but experimental rules were not included",
)
@then(parsers.re(r'the experimental rule "(?P<rule>[^"]+)" is left out'))
def _experimental_left_out(rule: str, psoas_case: PsoasCase) -> None:
    rule_id = psoas_case.rule_id(rule)
    left_out = psoas_case.assessment.experimental_left_out
    assert rule_id in left_out, (
        f"rule {rule_id} is not among the experimental rules left out ({left_out or 'none'}; "
        f"{psoas_case.summary()})"
    )


@catalogued("Then", 'the red flag "<rule id or title>" is raised', 'the red flag "Fever" is raised')
@then(parsers.re(r'the red flag "(?P<flag>[^"]+)" is raised'))
def _red_flag_raised(flag: str, psoas_case: PsoasCase) -> None:
    rule_id = psoas_case.rule_id(flag)
    assert psoas_case.book.rule(rule_id).rule.red_flag, f"rule {rule_id} is not a red-flag rule"
    flags = [red_flag.rule_id for red_flag in psoas_case.assessment.red_flags]
    assert rule_id in flags, f"red flag {rule_id} was not raised; raised: {flags or 'none'}"


@catalogued("Then", "no red flag is raised", "no red flag is raised")
@then("no red flag is raised")
def _no_red_flag(psoas_case: PsoasCase) -> None:
    flags = [flag.rule_id for flag in psoas_case.assessment.red_flags]
    assert not flags, f"expected no red flag, got: {flags}"


@catalogued("Then", "<n> red flags are raised", "2 red flags are raised")
@then(parsers.re(r"(?P<count>\d+) red flags? (?:is|are) raised"))
def _red_flag_count(count: str, psoas_case: PsoasCase) -> None:
    flags = [flag.rule_id for flag in psoas_case.assessment.red_flags]
    assert len(flags) == int(count), f"expected {count} red flags, got {len(flags)}: {flags}"


@catalogued(
    "Then",
    '"<alternative id or title>" is raised as another cause to discuss',
    '"An infection" is raised as another cause to discuss',
)
@then(parsers.re(r'"(?P<cause>[^"]+)" is raised as another cause to discuss'))
def _alternative_raised(cause: str, psoas_case: PsoasCase) -> None:
    alternative_id = psoas_case.alternative_id(cause)
    raised = [alternative.id for alternative in psoas_case.assessment.alternatives]
    assert alternative_id in raised, (
        f"{alternative_id} was not raised as another cause; raised: {raised or 'none'}"
    )


# --- Then: explanation (Assessment.evidence) ----------------------------------------------------

_EVIDENCE_SIDES = {"supporting": "supporting", "conflicting": "conflicting", "denied": "denials"}


@catalogued(
    "Then",
    'the explanation lists "<rule id or title>" as supporting|conflicting|denied',
    'the explanation lists "deep_hip_clicking" as conflicting',
    "reads Assessment.evidence",
)
@then(
    parsers.re(
        r'the explanation lists "(?P<name>[^"]+)" as (?P<side>supporting|conflicting|denied)'
    )
)
def _explanation_lists(name: str, side: str, psoas_case: PsoasCase) -> None:
    rule_id = psoas_case.rule_id(name)
    evidence = psoas_case.assessment.evidence
    listed = [item.rule_id for item in getattr(evidence, _EVIDENCE_SIDES[side])]
    assert rule_id in listed, f"{rule_id} is not listed as {side}; {side}: {listed or 'none'}"


@catalogued(
    "Then",
    'the triage level is decided by "<rule id or title>"',
    'the triage level is decided by "Pain over the bony point on the outside of the hip"',
    "the deciding floor of Assessment.evidence",
)
@then(parsers.re(r'the triage level is decided by "(?P<name>[^"]+)"'))
def _decided_by(name: str, psoas_case: PsoasCase) -> None:
    rule_id = psoas_case.rule_id(name)
    evidence = psoas_case.assessment.evidence
    floors = [evidence.deciding_floor, *evidence.other_floors]
    top = evidence.deciding_floor
    deciding = [f.rule_id for f in floors if f is not None and top and f.level is top.level]
    assert rule_id in deciding, f"the level is decided by {deciding or 'no floor'}, not {rule_id}"


# --- Then: referrals -----------------------------------------------------------------------------


def _referred(psoas_case: PsoasCase) -> list[str]:
    """Every professional recommended: the short list, then those left to ``more``."""
    return [referral.professional.value for referral in _referrals(psoas_case)]


def _referrals(psoas_case: PsoasCase) -> tuple[Referral, ...]:
    return (*psoas_case.assessment.referrals, *psoas_case.assessment.more.referrals)


@catalogued("Then", "a|an <professional> is recommended", "a physiotherapist is recommended")
@then(parsers.re(r"(?:a|an) (?P<who>.+) is recommended"))
def _recommended(who: str, psoas_case: PsoasCase) -> None:
    wanted = professional(who)
    referred = _referred(psoas_case)
    assert wanted.value in referred, (
        f"{wanted.value} is not recommended; recommended: {referred or 'nobody'} "
        f"({psoas_case.summary()})"
    )


@catalogued(
    "Then",
    "no <professional> is recommended",
    "no physiotherapist is recommended",
    '"no professional is recommended": no referral at all',
)
@then(parsers.re(r"no (?P<who>.+) is recommended"))
def _not_recommended(who: str, psoas_case: PsoasCase) -> None:
    if who.strip().lower() in {"one", "professional", "referral"}:
        referred = _referred(psoas_case)
        assert not referred, f"expected no referral, got: {referred}"
        return
    wanted = professional(who)
    referred = _referred(psoas_case)
    assert wanted.value not in referred, f"{wanted.value} is recommended but should not be"


@catalogued(
    "Then",
    'the reason to see a|an <professional> mentions "<text>"',
    'the reason to see a doctor mentions "fever"',
)
@then(parsers.re(r'the reason to see (?:a|an) (?P<who>.+) mentions "(?P<text>[^"]+)"'))
def _referral_reason(who: str, text: str, psoas_case: PsoasCase) -> None:
    wanted = professional(who)
    for referral in _referrals(psoas_case):
        if referral.professional == wanted:
            assert text.lower() in referral.reason.lower(), (
                f"the reason to see {wanted.value} does not mention {text!r}: {referral.reason!r}"
            )
            return
    raise AssertionError(f"{wanted.value} is not recommended; recommended: {_referred(psoas_case)}")


# --- Then: advice --------------------------------------------------------------------------------

_ADVICE_KINDS = {
    "the advice": None,
    "the self-care advice": "self_care",
    "the advice on what to avoid": "avoid",
    "the advice on when to seek help": "seek_help",
}
_KIND_PATTERN = "|".join(re.escape(kind) for kind in _ADVICE_KINDS)


@catalogued(
    "Then",
    'the [self-care ]advice includes|does not include "<advice id or title>"',
    'the self-care advice includes "Gentle stretch"',
)
@catalogued(
    "Then",
    'the advice on what to avoid|when to seek help includes|does not include "<advice id>"',
    'the advice on what to avoid does not include "Gentle stretch"',
)
@then(
    parsers.re(
        rf'(?P<kind>{_KIND_PATTERN}) (?P<negation>does not include|includes) "(?P<item>[^"]+)"'
    )
)
def _advice_includes(kind: str, negation: str, item: str, psoas_case: PsoasCase) -> None:
    advice_id = psoas_case.advice_id(item)
    given = [entry.id for entry in psoas_case.advice_items(_ADVICE_KINDS[kind])]
    if negation == "includes":
        assert advice_id in given, f"{kind} does not include {advice_id}; it includes: {given}"
    else:
        assert advice_id not in given, f"{kind} includes {advice_id} but should not"


@catalogued("Then", "no self-care advice is offered", "no self-care advice is offered")
@then(parsers.re(r"no self-care advice is (?:offered|given)"))
def _no_self_care(psoas_case: PsoasCase) -> None:
    given = [entry.id for entry in psoas_case.advice_items("self_care")]
    assert not given, f"expected no self-care advice, got: {given}"


@catalogued("Then", "self-care advice is offered", "self-care advice is offered")
@then(parsers.re(r"self-care advice is (?:offered|given)"))
def _self_care_offered(psoas_case: PsoasCase) -> None:
    assert psoas_case.advice_items("self_care"), (
        f"expected self-care advice, got none ({psoas_case.summary()})"
    )


@catalogued(
    "Then",
    'the advice cites the source "<source id or title>"',
    'the advice cites the source "A source for tests"',
    "advice or referral",
)
@then(parsers.re(r'the advice cites the source "(?P<source>[^"]+)"'))
def _advice_cites(source: str, psoas_case: PsoasCase) -> None:
    source_id = psoas_case.source_id(source)
    cited = {s for item in psoas_case.advice_items() for s in item.sources}
    cited |= {s for referral in _referrals(psoas_case) for s in referral.sources}
    assert source_id in cited, f"no advice or referral cites {source_id}; cited: {sorted(cited)}"


# --- Then: rejected reports ----------------------------------------------------------------------


@catalogued("Then", "the report is rejected", "the report is rejected")
@then("the report is rejected")
def _rejected(psoas_case: PsoasCase) -> None:
    psoas_case.error  # noqa: B018 - fails readably when the report was accepted


@catalogued(
    "Then", 'the problem is in the field "<field>"', 'the problem is in the field "present[0]"'
)
@then(parsers.re(r'the problem is (?:in|with) the field "(?P<name>[^"]+)"'))
def _problem_field(name: str, psoas_case: PsoasCase) -> None:
    fields = [problem.field for problem in psoas_case.error.problems]
    assert name in fields, f"no problem with field {name!r}; problems: {fields}"


@catalogued("Then", 'the rejection says "<text>"', 'the rejection says "unknown symptom code"')
@then(parsers.re(r'the rejection says "(?P<text>[^"]+)"'))
def _rejection_says(text: str, psoas_case: PsoasCase) -> None:
    message = str(psoas_case.error)
    assert text.lower() in message.lower(), f"the rejection does not say {text!r}: {message}"


@catalogued("Then", '"<code>" is suggested', '"groin_pain" is suggested', "did-you-mean")
@then(parsers.re(r'"(?P<code>[^"]+)" is suggested'))
def _suggested(code: str, psoas_case: PsoasCase) -> None:
    suggestions = [s for problem in psoas_case.error.problems for s in problem.suggestions]
    assert code in suggestions, f"{code!r} is not suggested; suggestions: {suggestions or 'none'}"


@catalogued("Then", "<n> problems are reported", "2 problems are reported")
@then(parsers.re(r"(?P<count>\d+) problems? (?:is|are) reported"))
def _problem_count(count: str, psoas_case: PsoasCase) -> None:
    problems = [str(problem) for problem in psoas_case.error.problems]
    assert len(problems) == int(count), (
        f"expected {count} problems, got {len(problems)}: {problems}"
    )


# --- Then: advice held back ----------------------------------------------------------------------


@catalogued(
    "Then",
    'exercises are held back because "<text>"',
    'exercises are held back because "fall"',
    "a reason in Advice.held_back",
)
@then(parsers.re(r'exercises are held back because "(?P<text>[^"]+)"'))
def _held_back(text: str, psoas_case: PsoasCase) -> None:
    reasons = [item.reason for item in psoas_case.assessment.advice.held_back]
    assert any(text.lower() in reason.lower() for reason in reasons), (
        f"no reason for holding back exercises mentions {text!r}; reasons: {list(reasons)}"
    )


@catalogued("Then", "no exercises are held back", "no exercises are held back")
@then("no exercises are held back")
def _nothing_held_back(psoas_case: PsoasCase) -> None:
    reasons = [item.reason for item in psoas_case.assessment.advice.held_back]
    assert not reasons, f"expected nothing held back, got: {reasons}"


# --- Then: the warning-sign screen ----------------------------------------------------------------


def _warning_sign_code(word: str, psoas_case: PsoasCase) -> str:
    """A warning sign's code from its code, label or synonym; a did-you-mean failure otherwise."""
    book = psoas_case.book
    signs = [code for code, term in book.terms.items() if term.category.value == "red_flag"]
    code = book.code_for(word)
    if code is None or code not in signs:
        near = closest(normalise(word), signs + [book.terms[c].label for c in signs])
        raise AssertionError(f"{word!r} is not a warning sign{did_you_mean(near or signs)}")
    return code


@catalogued(
    "Then",
    'the warning sign "<sign>" is (not) listed as not checked',
    'the warning sign "fever" is listed as not checked',
    "Assessment.unchecked_red_flags",
)
@then(parsers.re(r'the warning sign "(?P<word>[^"]+)" is (?P<negation>not )?listed as not checked'))
def _warning_sign_unchecked(word: str, negation: str | None, psoas_case: PsoasCase) -> None:
    code = _warning_sign_code(word, psoas_case)
    listed = [flag.code for flag in psoas_case.assessment.unchecked_red_flags]
    if negation:
        assert code not in listed, f"{code} is listed as not checked: {listed}"
    else:
        assert code in listed, f"{code} is not listed as not checked; listed: {listed or 'none'}"


@catalogued("Then", "no warning sign is left unchecked", "no warning sign is left unchecked")
@then("no warning sign is left unchecked")
def _no_warning_sign_unchecked(psoas_case: PsoasCase) -> None:
    listed = [flag.code for flag in psoas_case.assessment.unchecked_red_flags]
    assert not listed, f"warning signs left unchecked: {listed}"


# What the pytest11 plugin module re-exports: hooks, fixtures and the step fixtures pytest-bdd made.
__all__ = [name for name in dir() if name.startswith(("pytest_", "pytestbdd_", "psoas_"))]

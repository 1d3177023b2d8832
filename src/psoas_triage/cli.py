"""The ``psoas-triage`` command: assess, interview, rules, vocabulary, batch.

Typer parses the command line and rich draws the output. Every failure ends in one line on
standard error and a documented exit code, never a traceback (set ``PSOAS_TRIAGE_DEBUG=1`` to see
one for an internal error):

- 0 success;
- 1 unexpected internal error;
- 2 bad input: unknown code (with a did-you-mean), number out of range, malformed file or rule
  directory, unknown rule id, bad option; a batch with one or more bad lines;
- 3 a check ran and found problems (``rules lint`` with errors, ``rules coverage`` below 100%);
- 130 interrupted (Ctrl-C, or SIGTERM during a batch), with a line saying what was kept.

Standard streams are treated as fallible: a closed standard input is a bad-input error (2); output
that cannot be written (closed standard output, a full disk) is an error (1), never exit 0; a
reader that goes away (``| head -1``) ends the command quietly with 0, as other tools do.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import sys
import traceback
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from psoas_triage.cli_options import ExperimentalOption, LanguageOption, RulesOption
from psoas_triage.errors import (
    LanguageError,
    Problem,
    PsoasTriageError,
    ReportError,
    RuleBookError,
)
from psoas_triage.fhir.cli import fhir_app
from psoas_triage.json_input import MAX_JSON_BYTES
from psoas_triage.models import Assessment
from psoas_triage.rulebook import RuleBook
from psoas_triage.suggestions import did_you_mean, plural, suggest

PROG = "psoas-triage"
DEBUG_ENV = "PSOAS_TRIAGE_DEBUG"

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_CHECK_FAILED = 3

EXIT_CODES_HELP = (
    "\b\nExit codes: 0 success; 1 internal error; 2 bad input (unknown code, number out of "
    "range, malformed file, unknown rule id; a batch with bad lines); 3 a check found problems "
    f"(rules lint, rules coverage). Set {DEBUG_ENV}=1 to see a traceback for an internal error."
)

OPTION_NAMES = {
    "age": "--age",
    "duration_days": "--duration-days",
    "pain_intensity": "--pain",
    "sex": "--sex",
}


class CliError(Exception):
    """A failure to report on one line of standard error with an exit code (2: bad input)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Group(TyperGroup):
    """The root command: turns every exception into one line on stderr and an exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        streams = sys.stdin, sys.stdout
        sys.stdin = sys.stdin if sys.stdin is not None else _ClosedInput()
        sys.stdout = _Output(sys.stdout)
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or PROG,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) else EXIT_OK
            sys.stdout.flush()  # output that cannot be written is an error, not exit 0
        except BaseException as error:  # the one place that decides
            try:
                code = _report_failure(error)
            except Exception:  # never let the error report itself end in a traceback
                _error_line(f"internal error: {type(error).__name__}: {error}")
                code = EXIT_INTERNAL
        finally:
            sys.stdin, sys.stdout = streams
        if standalone_mode:
            sys.exit(code)
        return code


def _report_failure(error: BaseException) -> int:
    """Print one line about ``error`` on stderr and return its exit code."""
    try:  # typer >= 0.2x vendors click as typer._click; older typer uses click itself
        from typer._click import exceptions as click_exceptions
    except ImportError:  # pragma: no cover - depends on the installed typer
        from click import exceptions as click_exceptions  # type: ignore[no-redef]

    if isinstance(error, SystemExit):
        return error.code if isinstance(error.code, int) else EXIT_INTERNAL
    if isinstance(error, KeyboardInterrupt):
        _error_line("interrupted")
        return 130
    if isinstance(error, (BrokenPipeError, ReaderGone)):
        _silence_broken_pipe()
        return EXIT_OK
    if isinstance(error, OutputError):
        _silence_broken_pipe()  # what is still buffered can never be written: drop it quietly
        _error_line(str(error))
        return EXIT_INTERNAL
    if isinstance(error, ClosedInputError):
        _error_line(str(error))
        return EXIT_BAD_INPUT
    if isinstance(error, click_exceptions.NoArgsIsHelpError):
        return EXIT_BAD_INPUT  # the help has been printed already
    if isinstance(error, click_exceptions.UsageError):
        hint = ""
        if error.ctx is not None:
            hint = f" (try '{error.ctx.command_path} --help')"
        _error_line(f"{error.format_message()}{hint}")
        return EXIT_BAD_INPUT
    if isinstance(error, click_exceptions.ClickException):
        _error_line(error.format_message())
        return error.exit_code
    if isinstance(error, typer.Abort):
        _error_line("aborted")
        return EXIT_INTERNAL
    if isinstance(error, CliError):
        _error_line(str(error))
        return error.exit_code
    if isinstance(error, (ReportError, RuleBookError, LanguageError)):
        _error_line(str(error))
        return EXIT_BAD_INPUT
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    kind = "error" if isinstance(error, PsoasTriageError) else type(error).__name__
    _error_line(
        f"internal error ({kind}): {error} "
        f"(set {DEBUG_ENV}=1 for a traceback, and please report it)"
    )
    return EXIT_INTERNAL


def _error_line(message: str) -> None:
    text = printable(" ".join(str(message).split()))
    try:
        sys.stderr.write(f"{PROG}: error: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _silence_broken_pipe() -> None:
    """The reader went away (``| head``) or the output failed: stop quietly, without Python's
    shutdown warning (its last flush of standard output goes to /dev/null instead)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control and bidirectional-override characters shown as escapes (``\\x1b``),
    so nothing from a rule file or a report can rewrite the terminal."""
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


class OutputError(Exception):
    """Standard output could not be written (closed, or the disk is full)."""


class ReaderGone(Exception):
    """The reader of standard output went away (``| head -1``): end quietly with 0.

    Not an OSError on purpose: click turns an EPIPE OSError into exit 1."""


class ClosedInputError(Exception):
    """Standard input is closed, so there is nothing to read."""


class _Output:
    """Standard output that says which stream failed: an OSError on write becomes OutputError
    (a reader that went away stays BrokenPipeError, which ends quietly)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OutputError("cannot write standard output: it is closed")
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            raise ReaderGone() from None
        except OSError as error:
            raise OutputError(f"cannot write standard output: {error.strerror or error}") from error

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise ReaderGone() from None
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise OutputError(f"cannot write standard output: {reason}") from error

    @property
    def buffer(self) -> Any:
        if self._stream is None:
            raise OutputError("cannot write standard output: it is closed")
        return self._stream.buffer

    def isatty(self) -> bool:
        return _isatty(self._stream)

    def fileno(self) -> int:
        if self._stream is None:
            raise OutputError("cannot write standard output: it is closed")
        return int(self._stream.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedInput:
    """Standard input when the process was started without one (``<&-``)."""

    def _closed(self, *_args: Any) -> Any:
        raise ClosedInputError("cannot read standard input: it is closed")

    read = readline = fileno = _closed

    def isatty(self) -> bool:
        return False

    def __iter__(self) -> Any:
        return self._closed()

    @property
    def buffer(self) -> Any:
        return self._closed()


app = typer.Typer(
    name=PROG,
    cls=_Group,
    help=(
        "Screen reported symptoms for likely psoas (iliopsoas) involvement and triage them "
        "safely. Supports triage; it never diagnoses. Red flags always override the score.\n\n"
        "\b\nExamples:\n"
        "  psoas-triage assess groin_pain hip_snapping --duration-days 10\n"
        "  psoas-triage interview\n"
        "  psoas-triage vocabulary --json"
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(
    help=(
        "Inspect and check rule books.\n\n"
        "\b\nExamples:\n"
        "  psoas-triage rules list\n"
        "  psoas-triage rules show <RULE_ID>\n"
        "  psoas-triage rules lint rules/"
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(rules_app, name="rules")
app.add_typer(fhir_app, name="fhir")


def _version(value: bool) -> None:
    if value:
        from psoas_triage import __version__

        sys.stdout.write(f"{PROG} {__version__}\n")
        raise typer.Exit()


NO_CACHE_ENV = "PSOAS_TRIAGE_NO_CACHE"
_use_cache = True
"""Whether commands take validated rule files from the per-user cache (``--no-cache``)."""


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            envvar=NO_CACHE_ENV,
            help="Parse the rule files instead of using the validated copy in the per-user "
            "cache ($PSOAS_TRIAGE_CACHE_DIR, else ~/.cache/psoas-triage). 'rules lint' never "
            "uses the cache.",
        ),
    ] = False,
) -> None:
    """Screen reported symptoms for likely psoas involvement and triage them safely."""
    global _use_cache
    _use_cache = not no_cache


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only on standard output.")]
DetailsOption = Annotated[
    bool,
    typer.Option(
        "--details",
        help="Show every self-care and what-to-avoid item with how to do it, and rule and "
        "source ids.",
    ),
]


# --- helpers ------------------------------------------------------------------------------------


def load_book(rules: Path | None) -> RuleBook:
    """The rule book at ``rules``, or the shipped one; a load failure is a one-line error.

    Through the per-user cache of validated rule files unless ``--no-cache`` was given.
    """
    from psoas_triage.rulebook import load_rulebook

    try:
        if rules is None:
            return _shipped_book(_use_cache)
        return load_rulebook(rules, cache=_use_cache)
    except RuleBookError as error:
        if rules is None:
            raise CliError(
                f"the shipped rule book cannot be loaded: {error}", EXIT_INTERNAL
            ) from None
        raise CliError(f"cannot load rule book {rules}: {error}") from None


@lru_cache(maxsize=2)
def _shipped_book(cache: bool) -> RuleBook:
    """The shipped book, loaded once per process (and per cache setting): a book compiles its
    own engine, so commands run in one process (tests, the interview) must share it."""
    from psoas_triage.assessment import default_rulebook
    from psoas_triage.rulebook import load_rulebook

    return load_rulebook(cache=True) if cache else default_rulebook()


def check_language(book: RuleBook, language: str | None) -> str | None:
    """``language`` if the book has a locale for it (or it is English); else a one-line error
    naming the languages there are, before any input is read."""
    from psoas_triage.locales import resolve_language

    try:
        resolve_language(book, language)
    except LanguageError as error:
        raise CliError(f"--language: {error}") from None
    return language


def report_error_line(error: ReportError) -> str:
    """A ReportError rephrased with the CLI's option names, for one line of stderr."""
    parts = []
    for problem in error.problems:
        name = problem.field
        if name in OPTION_NAMES:
            name = f"{OPTION_NAMES[name]} ({name})"
        text = f"{name}: {problem.message}"
        if problem.field in OPTION_NAMES and problem.value is not None:
            text += f" (got {problem.value!r})"
        text += did_you_mean(problem.suggestions)
        parts.append(text)
    if len(parts) == 1:
        return f"invalid symptom report: {parts[0]}"
    return f"invalid symptom report ({len(parts)} problems): {'; '.join(parts)}"


def read_document(source: str) -> bytes:
    """The bytes of a JSON document in a file, or on standard input for ``-``, for the one JSON
    reader (which decodes them, so a BOM or a non-UTF-8 byte is answered as at every door).

    At most one byte over the reader's limit is read: a huge file is refused, never held.
    Unreadable input is a CliError.
    """
    limit = MAX_JSON_BYTES + 1
    try:
        if source == "-":
            return bytes(sys.stdin.buffer.read(limit))
        with Path(source).open("rb") as stream:
            return stream.read(limit)
    except ClosedInputError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"cannot read {source}: {error.strerror or error}") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def emit_assessment(
    assessment: Assessment, as_json: bool, details: bool = False, book: RuleBook | None = None
) -> None:
    """The report on standard output: the Assessment JSON (short unless ``details``: see
    ``Assessment.to_json``), or the rich report (whose numbered source notes take their titles
    from ``book``)."""
    if as_json:
        sys.stdout.write(assessment.to_json(details=details) + "\n")
        sys.stdout.flush()
        return
    from rich.console import Console

    from psoas_triage.render import print_assessment, source_titles

    titles = source_titles(book) if book is not None else None
    print_assessment(assessment, Console(), details, titles)


# --- assess -------------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def assess(
    codes: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="CODE",
            help="Symptoms present: vocabulary codes or labels (see 'psoas-triage vocabulary').",
            show_default=False,
        ),
    ] = None,
    absent: Annotated[
        list[str] | None,
        typer.Option(
            "--absent",
            "-a",
            metavar="CODE",
            help="A symptom the person does not have (repeat the option for several).",
            show_default=False,
        ),
    ] = None,
    age: Annotated[
        int | None, typer.Option(help="Age in years (0-120).", show_default=False)
    ] = None,
    duration_days: Annotated[
        int | None,
        typer.Option(help="Days since the pain started (0-36500).", show_default=False),
    ] = None,
    pain: Annotated[
        int | None,
        typer.Option(help="Pain now, 0 (none) to 10 (worst imaginable).", show_default=False),
    ] = None,
    sex: Annotated[
        str | None,
        typer.Option(
            metavar="female|male",
            help="Sex: female or male (rules on torsion, ectopic pregnancy, aneurysm read it).",
            show_default=False,
        ),
    ] = None,
    input_file: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
            metavar="FILE",
            help="Read a JSON SymptomReport from FILE ('-' for standard input) instead.",
            show_default=False,
        ),
    ] = None,
    rules: RulesOption = None,
    language: LanguageOption = None,
    as_json: JsonOption = False,
    details: DetailsOption = False,
    fhir: Annotated[
        bool,
        typer.Option(
            "--fhir", help="--input is a FHIR QuestionnaireResponse; print a RiskAssessment."
        ),
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write the visual report (one self-contained HTML page) to FILE.",
            show_default=False,
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Also print why: supporting and conflicting findings, denials, floors.",
        ),
    ] = False,
    experimental: ExperimentalOption = False,
) -> None:
    """Assess one symptom report and print the triage report.

    \b
    Examples:
      psoas-triage assess groin_pain hip_snapping --duration-days 10
      psoas-triage assess "groin pain" --absent fever --pain 6 --json
      psoas-triage assess --input report.json
      psoas-triage assess --input response.json --fhir
      psoas-triage assess groin_pain hip_snapping --html report.html
      psoas-triage assess groin_pain deep_hip_clicking --absent pain_lifting_leg --explain
      psoas-triage assess groin_pain saddle_numbness --language fr
      psoas-triage assess knee_pain hip_pain --experimental
    """
    from psoas_triage.assessment import assess as assess_report
    from psoas_triage.reports import parse_report_json

    book = load_book(rules)
    language = check_language(book, language)
    if fhir and input_file is None:
        raise CliError("--fhir needs --input FILE (a FHIR QuestionnaireResponse)")
    if input_file is not None:
        given = (age, duration_days, pain, sex)
        if codes or absent or any(value is not None for value in given):
            raise CliError("--input cannot be combined with CODE, --absent, --age, ... options")
        if fhir:
            from psoas_triage.fhir.cli import assess_response

            assess_response(input_file, book, include_experimental=experimental)
            return
        try:
            report = parse_report_json(read_document(input_file), book)
        except ReportError as error:
            where = "standard input" if input_file == "-" else input_file
            raise bad_report(error, as_json, f"{where}: {error}") from None
        assessment = assess_report(
            report, book, language=language, include_experimental=experimental
        )
        write_html(html, assessment, book)
        emit_assessment(assessment, as_json, details, book)
        emit_explanation(assessment, book, explain and not as_json)
        return
    numbers: dict[str, object] = {
        "age": age,
        "duration_days": duration_days,
        "pain_intensity": pain,
        "sex": sex,
    }
    if not codes and not absent and all(value is None for value in numbers.values()):
        nothing = ReportError(
            [
                Problem(
                    "report",
                    "nothing to assess: give at least one CODE, --absent CODE, a number or "
                    f"--input FILE (try '{PROG} assess --help')",
                )
            ]
        )
        raise bad_report(nothing, as_json, nothing.problems[0].message)
    # Codes, labels and synonyms are resolved by the library, which reports every problem of
    # the report at once (an unknown word and an impossible age together), as at every door.
    data: dict[str, Any] = {"present": list(codes or []), "absent": list(absent or [])}
    data.update({name: value for name, value in numbers.items() if value is not None})
    try:
        assessment = assess_report(data, book, language=language, include_experimental=experimental)
    except ReportError as error:
        raise bad_report(error, as_json, report_error_line(error)) from None
    write_html(html, assessment, book)
    emit_assessment(assessment, as_json, details, book)
    emit_explanation(assessment, book, explain and not as_json)


def emit_explanation(assessment: Assessment, book: RuleBook, wanted: bool) -> None:
    """With --explain, the evidence section after the report (with --json it is in the JSON)."""
    if not wanted:
        return
    from rich.console import Console

    from psoas_triage.render_explain import print_explanation

    titles = {key: alternative.title for key, alternative in book.alternatives.items()}
    print_explanation(assessment, titles, Console())


def bad_report(error: ReportError, as_json: bool, line: str) -> CliError:
    """The CliError for a bad report; with --json, the error is also JSON on standard output.

    A program reading --json output then needs no stderr parsing: it gets either an Assessment
    or ``ReportError.to_dict()`` (``{"error": "invalid_report", ...}``), and exit code 2.
    """
    if as_json:
        sys.stdout.write(json.dumps(error.to_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return CliError(line)


def write_html(path: Path | None, assessment: Assessment, book: RuleBook) -> None:
    """Write the visual report to ``path`` (nothing when None); unwritable is bad input."""
    if path is None:
        return
    from psoas_triage.report_html import render_html

    try:
        path.write_text(render_html(assessment, book), encoding="utf-8")
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror or error}") from None


# --- interview ----------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def interview(
    rules: RulesOption = None,
    language: LanguageOption = None,
    as_json: JsonOption = False,
    details: DetailsOption = False,
    ask_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Ask every question, even those that can no longer change the triage level.",
        ),
    ] = False,
    depth: Annotated[
        str,
        typer.Option(
            metavar="triage|full",
            help=(
                "full (default): also settle the psoas score, as the report shows it; "
                "triage: stop once no answer can change what to do."
            ),
        ),
    ] = "full",
    experimental: ExperimentalOption = False,
) -> None:
    """Ask the warning signs as short checklists, then what else could change the advice, then
    print the report.

    The checklist takes none, the numbers that apply (e.g. 1,3; the rest count as no) or ?
    (don't know: self-care then stays out of reach). Then each question takes y (yes), n (no)
    or ? / blank (don't know); numbers may be left blank; q finishes early. A question whose
    answer can no longer change the triage level is skipped. Questions go to standard error and
    the report to standard output, so answers can be piped in.

    \b
    Examples:
      psoas-triage interview
      printf 'none\\n34\\n10\\n3\\ny\\ny\\n' | psoas-triage interview --json
    """
    from psoas_triage.interview import run_interview
    from psoas_triage.next_step import DEPTHS

    if depth not in DEPTHS:
        raise CliError(f"--depth: expected one of {', '.join(DEPTHS)}, not {depth!r}")
    book = load_book(rules)
    language = check_language(book, language)
    echo = not _isatty(sys.stdin)

    def write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def read_line() -> str | None:
        line = sys.stdin.readline()
        if not line:
            return None
        answer = line.rstrip("\r\n")
        if echo:
            write(answer + "\n")
        return answer

    result = run_interview(
        book,
        read_line,
        write,
        skip=not ask_all,
        language=language,
        include_experimental=experimental,
        depth=depth,  # checked against DEPTHS above
    )
    emit_assessment(result.assessment, as_json, details, book)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


# --- vocabulary ---------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def vocabulary(rules: RulesOption = None, as_json: JsonOption = False) -> None:
    """List the symptom codes with their labels and questions.

    With --json: a list of {code, label, question, category, sources, synonyms}, in the
    vocabulary's order, so a UI can build a form.

    \b
    Examples:
      psoas-triage vocabulary
      psoas-triage vocabulary --json
    """
    book = load_book(rules)
    if as_json:
        print_json([term.model_dump(mode="json") for term in book.terms.values()])
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(printable(f"Vocabulary of {book.name} {book.full_version}"), style="bold"))
    for term in book.terms.values():
        line = Text(term.code, style="bold red" if term.category.value == "red_flag" else "bold")
        line.append(f"  {printable(term.label)}  [{term.category.value}]")
        line.append(f"\n    {printable(term.question)}", style="dim")
        console.print(line, soft_wrap=True)
    console.print(f"{len(book.terms)} codes")


@app.command(epilog=EXIT_CODES_HELP)
def schema(
    which: Annotated[
        str,
        typer.Argument(
            metavar="report|assessment|next-step", help="Which JSON document to describe."
        ),
    ] = "assessment",
    rules: RulesOption = None,
) -> None:
    """Print the JSON Schema of a SymptomReport (input), an Assessment (output) or a NextStep
    (what ``next_question`` returns to an app driving the interview).

    For programs in other languages that send reports and read assessments. The schema names
    its rule-book version in $id and lists the vocabulary's codes as an enum on present/absent.

    \b
    Examples:
      psoas-triage schema report
      psoas-triage schema assessment > assessment.schema.json
      psoas-triage schema next-step
    """
    from psoas_triage.json_schemas import DOCUMENTS, json_schema

    if which not in DOCUMENTS:
        suffix = suggest(which, DOCUMENTS)
        raise CliError(f"unknown schema {which!r}: choose {' or '.join(DOCUMENTS)}{suffix}")
    print_json(json_schema(which, load_book(rules)))


@app.command(epilog=EXIT_CODES_HELP)
def steps(as_json: JsonOption = False) -> None:
    """List every Gherkin step of the pytest-bdd plugin, each with an example that parses.

    The same catalogue as docs/gherkin.md (both read the step definitions' own entries), so
    the two cannot drift. Needs the bdd extra (pytest-bdd).

    \b
    Examples:
      psoas-triage steps
      psoas-triage steps --json
    """
    from psoas_triage.bdd.catalogue import catalogue, describe_steps

    try:
        entries = catalogue()
    except ModuleNotFoundError as error:
        raise CliError(str(error)) from None
    if as_json:
        print_json(
            [
                {"keyword": e.keyword, "phrase": e.phrase, "example": e.example, "note": e.note}
                for e in entries
            ]
        )
        return
    sys.stdout.write(describe_steps(entries) + "\n")


# --- rules --------------------------------------------------------------------------------------


@rules_app.command("list", epilog=EXIT_CODES_HELP)
def rules_list(rules: RulesOption = None, as_json: JsonOption = False) -> None:
    """List the rules with id, title, status and points (or triage floor).

    \b
    Examples:
      psoas-triage rules list
      psoas-triage rules list --rules my_rules/ --json
    """
    book = load_book(rules)
    if as_json:
        print_json(
            [
                {
                    "id": loaded.rule.id,
                    "title": loaded.rule.title,
                    "status": loaded.rule.status.value,
                    "family": loaded.family,
                    "points": loaded.rule.points,
                    "triage_floor": loaded.rule.triage_floor and loaded.rule.triage_floor.value,
                    "red_flag": loaded.rule.red_flag,
                }
                for loaded in book.rules
            ]
        )
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(printable(f"Rules of {book.name} {book.full_version}"), style="bold"))
    width = max((len(loaded.rule.id) for loaded in book.rules), default=2)
    for loaded in book.rules:
        rule = loaded.rule
        effect = f"{rule.points:+d}" if rule.points else ""
        if rule.triage_floor is not None:
            effect = ", ".join(part for part in (effect, f">= {rule.triage_floor.value}") if part)
        line = Text(rule.id.ljust(width), style="bold")
        line.append(f"  {rule.status.value:<12}  ")
        line.append(f"{effect:<20}", style="bold red" if rule.red_flag else "")
        line.append(f"  {printable(rule.title)}" + ("  (red flag)" if rule.red_flag else ""))
        console.print(line, soft_wrap=True)
    console.print(f"{len(book.rules)} rules")


@rules_app.command("show", epilog=EXIT_CODES_HELP)
def rules_show(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="The rule id.")],
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one rule: its condition, effect, sources and examples.

    \b
    Examples:
      psoas-triage rules show <RULE_ID>
      psoas-triage rules show <RULE_ID> --json
    """
    book = load_book(rules)
    try:
        loaded = book.rule(rule_id)
    except KeyError as error:
        raise CliError(str(error.args[0]) if error.args else f"no rule {rule_id!r}") from None
    rule = loaded.rule
    if as_json:
        data = rule.model_dump(mode="json", exclude_none=True)
        data["family"] = loaded.family
        data["file"] = loaded.file
        print_json(data)
        return
    from rich.console import Console

    from psoas_triage.render import rule_report

    Console().print(rule_report(book, loaded))


@rules_app.command("lint", epilog=EXIT_CODES_HELP)
def rules_lint(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="[DIR]",
            help="Rule directory (default: the shipped rule book).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a rule directory and exit 3 when it has errors.

    Checks the schema, unknown codes and sources, duplicate ids, missing sources, examples that
    misbehave (a rule that can never fire), and codes no rule uses (a warning). Each locale
    (locales/LANG.yaml) is checked like a rule file, and a note per locale and section lists
    the texts it leaves in English. Exits 3 when it finds an error (warnings and notes alone
    exit 0).

    \b
    Examples:
      psoas-triage rules lint
      psoas-triage rules lint my_rules/
    """
    from psoas_triage.lint import lint_directory

    if directory is not None and not directory.is_dir():
        raise CliError(f"not a rule directory: {directory}")
    problems = lint_directory(directory)
    errors = [problem for problem in problems if problem.severity == "error"]
    notes = sum(problem.severity == "note" for problem in problems)
    warnings = len(problems) - len(errors) - notes
    if as_json:
        print_json(
            [
                {
                    "severity": problem.severity,
                    "file": problem.file,
                    "rule": problem.rule,
                    "message": problem.message,
                    "line": problem.line,
                    **({"keys": list(problem.keys)} if problem.keys else {}),
                }
                for problem in problems
            ]
        )
    else:
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False)
        styles = {"error": "red", "warning": "yellow"}
        for problem in problems:
            style = styles.get(problem.severity, "cyan")
            console.print(Text(printable(str(problem)), style=style), soft_wrap=True)
        where = directory if directory is not None else "the shipped rule book"
        verdict = "ok" if not errors else "FAILED"
        counts = f"{plural(len(errors), 'error')}, {plural(warnings, 'warning')}"
        if notes:
            counts += f", {plural(notes, 'note')} on untranslated texts"
        console.print(f"lint {verdict}: {counts} in {where}")
    if errors:
        raise typer.Exit(EXIT_CHECK_FAILED)


@rules_app.command("coverage", epilog=EXIT_CODES_HELP)
def rules_coverage(
    features: Annotated[
        Path,
        typer.Argument(metavar="[FEATURES]", help="A directory of .feature files, or one file."),
    ] = Path("features"),
    rules: RulesOption = None,
    family: Annotated[
        str | None, typer.Option("--family", help="Count only the rules of this family.")
    ] = None,
    rule_file: Annotated[
        str | None,
        typer.Option("--file", help="Count only the rules of this file (e.g. psoas/groin.yaml)."),
    ] = None,
    rule_id: Annotated[str | None, typer.Option("--rule", help="Count only this rule.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Measure which rules the Gherkin scenarios fire through the engine.

    Runs the scenarios in a child pytest and counts a rule as covered only when some scenario's
    report fired it. The rule book measured is --rules, else the psoas_rules ini setting of the
    features' project, else the book the scenarios chose (Given the rules in "..."), else the
    shipped one; the first line names it. Exits 3 when coverage is below 100% or a scenario
    failed.

    \b
    Examples:
      psoas-triage rules coverage
      psoas-triage rules coverage features/ --rules rules/
      psoas-triage rules coverage --family red_flags
    """
    try:
        from psoas_triage.coverage import CoverageError, RuleFilter, measure_coverage
    except ImportError as error:
        raise CliError(
            f"rule coverage is not available in this installation ({error})", EXIT_INTERNAL
        ) from None
    if not features.exists():
        raise CliError(f"no features at {features}")
    if rules is not None:
        load_book(rules)  # a bad rule directory is a one-line error before anything else
    only = RuleFilter(family=family, file=rule_file, rule=rule_id)
    try:
        report = measure_coverage(features=features, rules=rules, only=only)
    except CoverageError as error:
        first, _, rest = str(error).partition("\n")
        if rest and os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
            sys.stderr.write(rest + "\n")
        raise CliError(first) from None
    if as_json:
        print_json(report.to_dict())
    else:
        sys.stdout.write(report.summary() + "\n")
    if report.uncovered or report.failed:
        raise typer.Exit(EXIT_CHECK_FAILED)


# --- batch --------------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def batch(
    input_path: Annotated[
        str,
        typer.Argument(
            metavar="IN.jsonl", help="One JSON SymptomReport per line ('-' for standard input)."
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="OUT.jsonl",
            help="Where to write one Assessment per line (default: standard output).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, max=64, help="Worker processes.")
    ] = 1,
    rules: RulesOption = None,
    language: LanguageOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Assess on a Dask cluster: a running scheduler's address (tcp://host:8786), "
            "or 'local' for a local cluster of --workers processes on 127.0.0.1 for this run. "
            "Same output. Needs the 'dask' extra.",
            show_default=False,
        ),
    ] = None,
    experimental: ExperimentalOption = False,
    details: Annotated[
        bool,
        typer.Option(
            "--details",
            help="Write every Assessment whole: the items beyond the short lists ('more'), "
            "the explanation ('evidence') and the band's open questions.",
        ),
    ] = False,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="One short record per line (triage_level, likelihood, psoas_score, red_flags, "
            "fired_rule_ids, rulebook_version) instead of the full Assessment; error records "
            "unchanged. For population screening.",
        ),
    ] = False,
) -> None:
    """Assess a JSONL file of reports, one Assessment per line out, in the same order.

    One JSON SymptomReport per input line. A bad line becomes {"line": N, "error": {...}}
    and the batch goes on; blank lines are skipped. A summary and, for long inputs on a
    terminal, a progress bar go to standard error. Exits 2 when one or more lines were bad
    (every other line is still written).

    \b
    Examples:
      psoas-triage batch reports.jsonl -o assessments.jsonl --workers 2
      cat reports.jsonl | psoas-triage batch - > assessments.jsonl
      psoas-triage batch reports.jsonl -o assessments.jsonl --scheduler tcp://10.0.0.5:8786
      psoas-triage batch cohort.jsonl -o levels.jsonl --compact --workers 2
    """
    from psoas_triage.batch import BatchInputError, BatchInterrupted, BatchOutputError, run_batch

    book = load_book(rules) if rules is not None or language is not None else None
    if book is not None:
        check_language(book, language)
    # same contract; in this process, the book checked above is the one used
    runner = (
        functools.partial(run_batch, book=book) if scheduler is None else _cluster_batch(scheduler)
    )
    if input_path != "-":
        if not os.path.exists(input_path):
            raise CliError(f"cannot read {input_path}: no such file")
        if os.path.isdir(input_path):
            raise CliError(f"cannot read {input_path}: it is a directory")
    previous = _terminate_as_interrupt()
    try:
        summary = runner(
            input_path,
            None if output in (None, "-") else output,
            workers=workers,
            rules=rules,
            progress=not quiet and _isatty(sys.stderr),
            language=language,
            include_experimental=experimental,
            compact=compact,
            details=details,
        )
    except BrokenPipeError:
        raise ReaderGone() from None
    except BatchInterrupted as interrupted:
        _error_line(str(interrupted))
        raise typer.Exit(130) from None
    except BatchInputError as error:
        raise CliError(str(error)) from None
    except BatchOutputError as error:
        raise CliError(str(error), EXIT_INTERNAL) from None
    except ValueError as error:  # the output is the input itself
        raise CliError(str(error)) from None
    except PsoasTriageError as error:  # only from --scheduler: the cluster or a worker's book
        raise CliError(str(error), EXIT_INTERNAL) from None
    finally:
        _restore_terminate(previous)
    if not quiet:
        sys.stderr.write(summary.describe() + "\n")
    if summary.errors:
        raise typer.Exit(EXIT_BAD_INPUT)


def _cluster_batch(scheduler: str) -> Any:
    """``run_batch`` on the Dask cluster at ``scheduler`` (extra: psoas-triage[dask])."""
    try:
        import distributed  # noqa: F401

        from psoas_triage.dask import run_batch_on_cluster
    except ImportError as error:
        raise CliError(
            f"--scheduler needs the 'dask' extra ({error}): pip install 'psoas-triage[dask]'"
        ) from None

    return functools.partial(run_batch_on_cluster, scheduler=scheduler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _terminate_as_interrupt() -> Any:
    """Make Ctrl-C and SIGTERM stop a batch alike (workers stopped, partial file named so).

    The handler requests a stop before it raises KeyboardInterrupt: the interrupt can be
    swallowed inside a C extension (pydantic-core), the request cannot."""
    from psoas_triage.batch import interrupt_handler

    try:
        return [(number, signal.signal(number, interrupt_handler)) for number in _STOP_SIGNALS]
    except ValueError:  # not the main thread (e.g. called from a test runner's thread)
        return None


def _restore_terminate(previous: Any) -> None:
    for number, handler in previous or ():
        signal.signal(number, handler)


# --- serve (extra: psoas-triage[service]) -----------------------------------------------------

from psoas_triage.service.command import serve as _serve  # noqa: E402  (imports no web code)

app.command("serve", epilog=EXIT_CODES_HELP)(_serve)


def main() -> None:
    """Console-script entry point."""
    typer.main.get_command(app).main(prog_name=PROG)


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ``psoas-triage`` command: assess, interview, rules, vocabulary, batch.

Typer parses the command line and rich draws the output. Every failure ends in one line on
standard error and a documented exit code, never a traceback (set ``PSOAS_TRIAGE_DEBUG=1`` to see
one for an internal error):

- 0 success;
- 1 unexpected internal error;
- 2 bad input: unknown code (with a did-you-mean), number out of range, malformed file or rule
  directory, unknown rule id, bad option; a batch with one or more bad lines;
- 3 a check ran and found problems (``rules lint`` with errors, ``rules coverage`` below 100%).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from psoas_triage.errors import Problem, PsoasTriageError, ReportError, RuleBookError
from psoas_triage.models import Assessment
from psoas_triage.rulebook import RuleBook

PROG = "psoas-triage"
DEBUG_ENV = "PSOAS_TRIAGE_DEBUG"
RULES_ENV = "PSOAS_TRIAGE_RULES"

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
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or PROG,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) else EXIT_OK
        except BaseException as error:  # the one place that decides
            try:
                code = _report_failure(error)
            except Exception:  # never let the error report itself end in a traceback
                _error_line(f"internal error: {type(error).__name__}: {error}")
                code = EXIT_INTERNAL
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
    if isinstance(error, BrokenPipeError):
        _silence_broken_pipe()
        return EXIT_INTERNAL
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
    if isinstance(error, (ReportError, RuleBookError)):
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
    text = " ".join(str(message).split())
    try:
        sys.stderr.write(f"{PROG}: error: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_broken_pipe() -> None:
    """The reader went away (``| head``): stop quietly, without Python's shutdown warning."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


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


def _version(value: bool) -> None:
    if value:
        from psoas_triage import __version__

        sys.stdout.write(f"{PROG} {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Screen reported symptoms for likely psoas involvement and triage them safely."""


RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        envvar=RULES_ENV,
        help="Rule directory to use instead of the shipped rule book.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only on standard output.")]
DetailsOption = Annotated[
    bool,
    typer.Option("--details", help="Show how to do each self-care item and what to avoid."),
]


# --- helpers ------------------------------------------------------------------------------------


def load_book(rules: Path | None) -> RuleBook:
    """The rule book at ``rules``, or the shipped one; a load failure is a one-line error."""
    from psoas_triage.assessment import default_rulebook
    from psoas_triage.rulebook import load_rulebook

    try:
        return load_rulebook(rules) if rules is not None else default_rulebook()
    except RuleBookError as error:
        if rules is None:
            raise CliError(
                f"the shipped rule book cannot be loaded: {error}", EXIT_INTERNAL
            ) from None
        raise CliError(f"cannot load rule book {rules}: {error}") from None


def resolve_codes(words: Sequence[str], field: str, book: RuleBook) -> tuple[list[str], list]:
    """Codes for ``words`` (codes, labels or synonyms) and a Problem for each unknown word."""
    codes, problems = [], []
    for position, word in enumerate(words):
        code = book.code_for(word)
        if code is None:
            problems.append(
                Problem(
                    field=f"{field}[{position}]",
                    message=f"unknown symptom code or label {word!r}",
                    value=word,
                    suggestions=book.suggest_codes(word),
                )
            )
        else:
            codes.append(code)
    return codes, problems


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
        if problem.suggestions:
            text += f" (did you mean: {', '.join(problem.suggestions)}?)"
        parts.append(text)
    if len(parts) == 1:
        return f"invalid symptom report: {parts[0]}"
    return f"invalid symptom report ({len(parts)} problems): {'; '.join(parts)}"


def read_text(source: str) -> str:
    """The text of a file, or of standard input for ``-``; unreadable input is a CliError."""
    try:
        if source == "-":
            return sys.stdin.read()
        return Path(source).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CliError(f"cannot read {source}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise CliError(f"cannot read {source}: {error.strerror or error}") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def emit_assessment(assessment: Assessment, as_json: bool, details: bool = False) -> None:
    """The report on standard output: exactly the Assessment JSON, or the rich report."""
    if as_json:
        sys.stdout.write(assessment.model_dump_json() + "\n")
        sys.stdout.flush()
        return
    from psoas_triage.render import print_assessment

    print_assessment(assessment, Console(), details)


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
    as_json: JsonOption = False,
    details: DetailsOption = False,
) -> None:
    """Assess one symptom report and print the triage report.

    \b
    Examples:
      psoas-triage assess groin_pain hip_snapping --duration-days 10
      psoas-triage assess "groin pain" --absent fever --pain 6 --json
      psoas-triage assess --input report.json
    """
    from psoas_triage.assessment import assess as assess_report
    from psoas_triage.reports import parse_report_json

    book = load_book(rules)
    if input_file is not None:
        if codes or absent or age is not None or duration_days is not None or pain is not None:
            raise CliError("--input cannot be combined with CODE, --absent, --age, ... options")
        try:
            report = parse_report_json(read_text(input_file), book)
        except ReportError as error:
            where = "standard input" if input_file == "-" else input_file
            raise CliError(f"{where}: {error}") from None
        emit_assessment(assess_report(report, book), as_json, details)
        return
    numbers = {"age": age, "duration_days": duration_days, "pain_intensity": pain}
    if not codes and not absent and all(value is None for value in numbers.values()):
        raise CliError(
            "nothing to assess: give at least one CODE, --absent CODE, a number or --input FILE "
            f"(try '{PROG} assess --help')"
        )
    present_codes, problems = resolve_codes(codes or [], "present", book)
    absent_codes, absent_problems = resolve_codes(absent or [], "absent", book)
    problems += absent_problems
    if problems:
        raise CliError(report_error_line(ReportError(problems)))
    data: dict[str, Any] = {"present": present_codes, "absent": absent_codes}
    data.update({name: value for name, value in numbers.items() if value is not None})
    try:
        assessment = assess_report(data, book)
    except ReportError as error:
        raise CliError(report_error_line(error)) from None
    emit_assessment(assessment, as_json, details)


# --- interview ----------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def interview(
    rules: RulesOption = None,
    as_json: JsonOption = False,
    details: DetailsOption = False,
    ask_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Ask every question, even those that can no longer change the triage level.",
        ),
    ] = False,
) -> None:
    """Ask the warning signs as one checklist, then the other questions, then print the report.

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

    book = load_book(rules)
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

    result = run_interview(book, read_line, write, skip=not ask_all)
    emit_assessment(result.assessment, as_json, details)


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
    console = Console(highlight=False)
    console.print(Text(f"Vocabulary of {book.name} {book.full_version}", style="bold"))
    for term in book.terms.values():
        line = Text(term.code, style="bold red" if term.category.value == "red_flag" else "bold")
        line.append(f"  {term.label}  [{term.category.value}]")
        line.append(f"\n    {term.question}", style="dim")
        console.print(line, soft_wrap=True)
    console.print(f"{len(book.terms)} codes")


@app.command(epilog=EXIT_CODES_HELP)
def schema(
    which: Annotated[
        str,
        typer.Argument(metavar="report|assessment", help="Which JSON document to describe."),
    ] = "assessment",
) -> None:
    """Print the JSON Schema of a SymptomReport (input) or an Assessment (output).

    For programs in other languages that send reports and read assessments.

    \b
    Examples:
      psoas-triage schema report
      psoas-triage schema assessment > assessment.schema.json
    """
    from pydantic import BaseModel

    from psoas_triage.models import Assessment, SymptomReport

    models: dict[str, type[BaseModel]] = {"report": SymptomReport, "assessment": Assessment}
    if which not in models:
        raise CliError(f"unknown schema {which!r}: choose report or assessment")
    print_json(models[which].model_json_schema())


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
    console = Console(highlight=False)
    console.print(Text(f"Rules of {book.name} {book.full_version}", style="bold"))
    width = max((len(loaded.rule.id) for loaded in book.rules), default=2)
    for loaded in book.rules:
        rule = loaded.rule
        effect = f"{rule.points:+d}" if rule.points else ""
        if rule.triage_floor is not None:
            effect = ", ".join(part for part in (effect, f">= {rule.triage_floor.value}") if part)
        line = Text(rule.id.ljust(width), style="bold")
        line.append(f"  {rule.status.value:<12}  ")
        line.append(f"{effect:<20}", style="bold red" if rule.red_flag else "")
        line.append(f"  {rule.title}" + ("  (red flag)" if rule.red_flag else ""))
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
    misbehave (a rule that can never fire), and codes no rule uses (a warning). Exits 3
    when it finds an error (warnings alone exit 0).

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
    warnings = len(problems) - len(errors)
    if as_json:
        print_json(
            [
                {
                    "severity": problem.severity,
                    "file": problem.file,
                    "rule": problem.rule,
                    "message": problem.message,
                }
                for problem in problems
            ]
        )
    else:
        console = Console(highlight=False)
        for problem in problems:
            style = "red" if problem.severity == "error" else "yellow"
            console.print(Text(str(problem), style=style), soft_wrap=True)
        where = directory if directory is not None else "the shipped rule book"
        verdict = "ok" if not errors else "FAILED"
        console.print(f"lint {verdict}: {len(errors)} errors, {warnings} warnings in {where}")
    if errors:
        raise typer.Exit(EXIT_CHECK_FAILED)


@rules_app.command("coverage", epilog=EXIT_CODES_HELP)
def rules_coverage(
    features: Annotated[
        Path,
        typer.Argument(metavar="[FEATURES]", help="A directory of .feature files, or one file."),
    ] = Path("features"),
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure which rules the Gherkin scenarios fire through the engine.

    Runs the scenarios in a child pytest and counts a rule as covered only when some scenario's
    report fired it. Exits 3 when coverage is below 100% or a scenario failed.

    \b
    Examples:
      psoas-triage rules coverage
      psoas-triage rules coverage features/ --rules rules/
    """
    try:
        from psoas_triage.coverage import CoverageError, measure_coverage
    except ImportError as error:
        raise CliError(
            f"rule coverage is not available in this installation ({error})", EXIT_INTERNAL
        ) from None
    if not features.exists():
        raise CliError(f"no features at {features}")
    if rules is not None:
        load_book(rules)  # a bad rule directory is a one-line error before anything else
    try:
        report = measure_coverage(features=features, rules=rules)
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
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")
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
    """
    from psoas_triage.batch import run_batch

    if rules is not None:
        load_book(rules)
    if input_path != "-" and not Path(input_path).is_file():
        raise CliError(f"cannot read {input_path}: no such file")
    if output is not None and output != "-" and Path(output).resolve() == _resolved(input_path):
        raise CliError("the output file would overwrite the input file")
    try:
        summary = run_batch(
            input_path,
            None if output in (None, "-") else output,
            workers=workers,
            rules=rules,
            progress=not quiet and _isatty(sys.stderr),
        )
    except BrokenPipeError:
        raise
    except OSError as error:
        name = error.filename if error.filename is not None else input_path
        raise CliError(f"cannot read or write {name}: {error.strerror or error}") from None
    if not quiet:
        sys.stderr.write(summary.describe() + "\n")
    if summary.errors:
        raise typer.Exit(EXIT_BAD_INPUT)


def _resolved(path: str) -> Path | None:
    return None if path == "-" else Path(path).resolve()


def main() -> None:
    """Console-script entry point."""
    typer.main.get_command(app).main(prog_name=PROG)


if __name__ == "__main__":  # pragma: no cover
    main()

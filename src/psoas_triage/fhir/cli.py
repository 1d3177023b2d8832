"""The FHIR commands: ``psoas-triage fhir questionnaire`` and ``psoas-triage assess --fhir``.

Registered by ``psoas_triage.cli``; this module imports only typer at load time, so the CLI starts
without the extra. Each command loads the bridge on use and turns a missing extra into one line
naming ``pip install "psoas-triage[fhir]"``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from psoas_triage.cli_options import LanguageOption, RulesOption
from psoas_triage.fhir.extra import MissingExtraError
from psoas_triage.rulebook import RuleBook

fhir_app = typer.Typer(
    help=(
        'FHIR R4B bridge (extra: pip install "psoas-triage\\[fhir]").\n\n'
        "\b\nExamples:\n"
        "  psoas-triage fhir questionnaire > questionnaire.json\n"
        "  psoas-triage assess --input response.json --fhir"
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@fhir_app.command("questionnaire")
def questionnaire(
    rules: RulesOption = None,
    language: LanguageOption = None,
) -> None:
    """Print the FHIR R4B Questionnaire of the rule book's questions (JSON).

    linkIds are the vocabulary codes, the number fields (age, duration_days, pain_intensity) and
    the group warning_signs; answer a code with Y / N / asked-unknown (or a boolean).

    \b
    Examples:
      psoas-triage fhir questionnaire > questionnaire.json
      psoas-triage fhir questionnaire --rules my_rules/
      psoas-triage fhir questionnaire --language fr
    """
    from psoas_triage.cli import check_language, load_book

    book = load_book(rules)
    language = check_language(book, language)
    resource = _bridge(lambda: _questionnaire(book, language))
    sys.stdout.write(resource.model_dump_json(indent=2) + "\n")


def assess_response(source: str, book: RuleBook, *, include_experimental: bool = False) -> None:
    """``assess --input FILE --fhir``: a QuestionnaireResponse in, a RiskAssessment JSON out."""
    from psoas_triage.assessment import assess
    from psoas_triage.cli import CliError, read_document
    from psoas_triage.errors import ReportError

    text = read_document(source)

    def run() -> Any:
        from psoas_triage.fhir.response import from_questionnaire_response
        from psoas_triage.fhir.risk import to_risk_assessment

        try:
            report = from_questionnaire_response(text, book)
        except ReportError as error:
            where = "standard input" if source == "-" else source
            raise CliError(f"{where}: {error}") from None
        assessment = assess(report, book, include_experimental=include_experimental)
        return to_risk_assessment(assessment, rulebook=book)

    resource = _bridge(run)
    sys.stdout.write(resource.model_dump_json(indent=2) + "\n")


def _questionnaire(book: RuleBook, language: str | None = None) -> Any:
    from psoas_triage.fhir.questionnaire import to_questionnaire

    return to_questionnaire(book, language=language)


def _bridge(run: Callable[[], Any]) -> Any:
    """``run()``, with a missing extra reported as a one-line CLI error (exit 1)."""
    from psoas_triage.cli import EXIT_INTERNAL, CliError

    try:
        return run()
    except MissingExtraError as error:
        raise CliError(str(error), EXIT_INTERNAL) from None

"""Command-line options shared by the ``psoas-triage`` commands and the adapters' subcommands.

Its own module so that ``cli``, ``fhir.cli`` and ``service.command`` declare ``--rules`` (and
``--experimental``) once;
the adapters cannot import ``cli`` itself, which imports them to register their commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from psoas_triage.rulebook import RULES_ENV

RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        envvar=RULES_ENV,
        help="Rule directory to use instead of the shipped rule book.",
        show_default=False,
    ),
]

LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        "-l",
        metavar="LANG",
        help=(
            "Texts in this language (e.g. fr), from the rule book's locales/LANG.yaml; English "
            "where it has no translation. Codes, levels and scores do not change."
        ),
        show_default=False,
    ),
]

ExperimentalOption = Annotated[
    bool,
    typer.Option(
        "--experimental",
        help="Also use rules of status experimental (weakly supported; left out by default).",
    ),
]

"""The benchmark table: one row type and one way to print it, shared by every benchmark script
(``run.py`` gathers the rows of ``cold_start.py`` and ``dask_rows.py`` into its own table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of the table; ``met`` is None for a figure without a target."""

    section: str
    measure: str
    value: str
    target: str = ""
    met: bool | None = None


def status(row: Row) -> str:
    if row.met is None:
        return ""
    return "met" if row.met else "MISSED"


def print_table(rows: Sequence[Row], title: str) -> None:
    """The table with rich when it is there, as plain text otherwise."""
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # rich is a dependency, but the benchmark should not need it
        print(title)
        for row in rows:
            print(f"{row.section:10} {row.measure:62} {row.value:30} {row.target:10} {status(row)}")
        return
    table = Table(title=title)
    for name in ("", "measure", "result", "target", ""):
        table.add_column(name)
    for row in rows:
        style = "green" if row.met else "bold red" if row.met is False else ""
        cells = (row.section, row.measure, row.value, row.target)
        table.add_row(*(Text(cell) for cell in cells), Text(status(row), style=style))
    console = Console()
    if not console.is_terminal:
        console = Console(width=150)
    console.print(table)

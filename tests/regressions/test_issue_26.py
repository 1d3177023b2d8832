"""Issue 26 (first part, no files moved): one piece of logic in one place.

The did-you-mean wording, counted nouns, the bounded memo, the rule-directory variable and the
report's number fields each live once; the CLI lets the library resolve labels; the Gherkin
steps load books through the library's memos.
"""

from __future__ import annotations

import ast
from pathlib import Path

from typer.testing import CliRunner

from psoas_triage import ReportError, assess, default_rulebook
from psoas_triage.bdd.case import rulebook_at
from psoas_triage.cli import app
from psoas_triage.memo import remember
from psoas_triage.suggestions import did_you_mean, plural, suggest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "psoas_triage"


def test_did_you_mean_is_one_wording() -> None:
    assert did_you_mean(["groin_pain", "hip_pain"]) == " (did you mean: groin_pain, hip_pain?)"
    assert did_you_mean([]) == ""
    assert suggest("groin_pian", ["groin_pain", "fever"]) == " (did you mean: groin_pain?)"
    assert plural(1, "error") == "1 error" and plural(2, "error") == "2 errors"
    written = [
        path.relative_to(SOURCE)
        for path in SOURCE.rglob("*.py")
        if "(did you mean: {" in path.read_text(encoding="utf-8")
    ]
    assert written == [Path("suggestions.py")]  # every door goes through did_you_mean


def test_a_full_memo_is_emptied_before_it_grows() -> None:
    memo: dict[int, int] = {}
    for key in range(5):
        assert remember(memo, key, key * 10, limit=3) == key * 10
    assert memo == {3: 30, 4: 40}


def test_each_constant_is_defined_once() -> None:
    wanted = {"NUMBER_FIELDS", "CHOICE_FIELDS", "RULES_ENV", "MAX_REMEMBERED"}
    found: dict[str, list[str]] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            for name in set(targets) & wanted:
                found.setdefault(name, []).append(str(path.relative_to(SOURCE)))
    # localise keeps its own, larger bound on purpose (texts per locale)
    assert {name: sorted(paths) for name, paths in found.items()} == {
        "NUMBER_FIELDS": ["models.py"],
        "CHOICE_FIELDS": ["models.py"],
        "RULES_ENV": ["rulebook.py"],
        "MAX_REMEMBERED": ["localise.py", "memo.py"],
    }


def test_the_cli_reports_every_problem_of_a_report_at_once() -> None:
    """Labels are resolved by the library at every door, so the CLI reports an unknown word
    and an impossible age together, in the words ``assess`` uses."""
    result = CliRunner().invoke(app, ["assess", "groin_pian", "--age", "200"])
    assert result.exit_code == 2
    assert "(2 problems)" in result.stderr
    assert "unknown symptom code 'groin_pian'" in result.stderr and "age" in result.stderr
    try:
        assess({"present": ["groin_pian"], "age": 200})
    except ReportError as error:
        library = {problem.field for problem in error.problems}
    assert library == {"present[0]", "age"}
    labels = CliRunner().invoke(app, ["assess", "groin pain", "--absent", "hip snapping"])
    assert labels.exit_code == 0, labels.stderr


def test_the_steps_share_the_library_books(tmp_path: Path) -> None:
    assert rulebook_at(None) is default_rulebook()


def test_the_dask_runner_uses_only_the_batch_runners_public_names() -> None:
    tree = ast.parse((SOURCE / "dask.py").read_text(encoding="utf-8"))
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "psoas_triage.batch"
        for alias in node.names
    ]
    assert imported and not [name for name in imported if name.startswith("_")]
    assert "batch_run" in imported  # the shared input, output, progress and summary

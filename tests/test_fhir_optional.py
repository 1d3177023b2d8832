"""The FHIR extra stays optional: the core and the CLI load without it, and using the bridge
without it says which command installs it. Runs whether or not fhir.resources is installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A meta-path finder that makes every ``fhir`` module look uninstalled, then runs the given code.
WITHOUT_FHIR = textwrap.dedent(
    """
    import sys

    class NoFhir:
        def find_spec(self, name, path=None, target=None):
            if name == "fhir" or name.startswith("fhir."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoFhir())
    """
)


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_core_and_cli_do_not_import_fhir_resources():
    result = python(
        "import sys\n"
        "import psoas_triage, psoas_triage.cli, psoas_triage.fhir, psoas_triage.fhir.cli\n"
        "psoas_triage.assess({'present': ['groin_pain']})\n"
        "print(sorted(m for m in sys.modules if m == 'fhir' or m.startswith('fhir.')))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_bridge_without_the_extra_names_the_install_command():
    result = python(
        WITHOUT_FHIR
        + textwrap.dedent(
            """
            from psoas_triage.fhir import MissingExtraError
            try:
                from psoas_triage.fhir import to_questionnaire
            except MissingExtraError as error:
                print("missing:", error)
            """
        )
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("missing: the FHIR bridge needs fhir.resources")
    assert 'pip install "psoas-triage[fhir]"' in result.stdout


def test_cli_without_the_extra_is_one_line_with_the_install_command():
    for argv in (["fhir", "questionnaire"], ["assess", "--input", "-", "--fhir"]):
        result = python(
            WITHOUT_FHIR
            + f"sys.argv = ['psoas-triage', *{argv!r}]\n"
            + "from psoas_triage.cli import main\nmain()\n"
        )
        assert result.returncode == 1, (argv, result.stderr)
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith("psoas-triage: error: the FHIR bridge needs fhir.resources")
        assert 'pip install "psoas-triage[fhir]"' in line

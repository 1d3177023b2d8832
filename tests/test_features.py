"""Run every Gherkin scenario in features/ with the psoas-triage step plugin.

The steps live in ``psoas_triage.bdd.plugin`` (registered through the ``pytest11`` entry point);
``bdd_features_base_dir`` in pyproject.toml points pytest-bdd at the features folder.
"""

from pytest_bdd import scenarios

scenarios(".")

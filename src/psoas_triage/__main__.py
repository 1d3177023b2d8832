"""``python -m psoas_triage``: the same as the ``psoas-triage`` command."""

from psoas_triage.cli import main

if __name__ == "__main__":
    main()

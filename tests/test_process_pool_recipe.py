"""The README's process-pool recipe runs as written and gives the serial results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from psoas_triage import assess

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- process-pool recipe -->"


def recipe() -> str:
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) + len(MARKER) :]
    start = after.index("```python\n") + len("```python\n")
    return after[start : after.index("```", start)]


def test_the_recipe_assesses_in_worker_processes_like_a_serial_run(tmp_path: Path) -> None:
    code = recipe()
    assert "initializer=load_once" in code
    script = tmp_path / "recipe.py"
    # Also print the results, so they can be compared with assess() here.
    script.write_text("import json\n" + code + "    print(json.dumps(lines))\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    first, results = done.stdout.splitlines()
    assert first == "60 assessed"
    serial = [
        assess({"present": ["groin_pain"], "age": age}).model_dump_json() for age in range(20, 80)
    ]
    assert json.loads(results) == serial

"""The web handler of docs/embedding.md, taken from the document and driven in process (WSGI)."""

from __future__ import annotations

import importlib.util
import io
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from psoas_triage import assess

DOC = Path(__file__).resolve().parents[1] / "docs" / "embedding.md"


def _handler(tmp_path: Path) -> ModuleType:
    text = DOC.read_text(encoding="utf-8")
    block = next(
        body for body in re.findall(r"```python\n(.*?)```", text, re.S) if "def app(" in body
    )
    path = tmp_path / "interview_app.py"
    path.write_text(block, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("interview_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _post(app: Any, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    data = json.dumps(body).encode()
    environ = {"CONTENT_LENGTH": str(len(data)), "wsgi.input": io.BytesIO(data)}
    status: list[str] = []
    chunks = app(environ, lambda code, _headers: status.append(code))
    return status[0], json.loads(b"".join(chunks))


def test_the_documented_handler_runs_a_whole_interview(tmp_path: Path) -> None:
    app = _handler(tmp_path).app
    body: dict[str, Any] = {"report": {}}
    for _ in range(100):
        status, reply = _post(app, body)
        assert status == "200 OK"
        step = reply["step"]
        if step["should_stop"]:
            break
        question = step["question"]
        answer: Any = False
        if question["kind"] == "group":
            answer = ["groin_pain"] if "groin_pain" in question["codes"] else []
        elif question["kind"] == "choice":
            assert question["field"] == "sex"
            answer = "female"
        elif question["kind"] == "number":
            answer = {"age": 40, "duration_days": 12, "pain_intensity": 4}[question["field"]]
        elif question["code"] == "groin_pain":
            answer = True
        body = {"report": reply["report"], "question": question, "answer": answer}
    assert step["should_stop"]
    assert step["assessment"] == json.loads(assess(reply["report"]).to_json())
    assert step["assessment"]["report"]["sex"] == "female"


def test_the_documented_handler_names_a_bad_field(tmp_path: Path) -> None:
    app = _handler(tmp_path).app
    status, reply = _post(app, {"report": {"present": ["groin_pian"]}})
    assert status.startswith("422")
    assert reply["problems"][0]["field"] == "present[0]"

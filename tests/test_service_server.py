"""The real ``psoas-triage serve`` in a subprocess on a free loopback port, called over HTTP."""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from psoas_triage import RuleBook, assess

pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
pytest.importorskip("uvicorn", reason="the service extra (uvicorn) is not installed")

HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def server(
    serve_on_loopback: Callable[..., contextlib.AbstractContextManager[int]],
) -> Iterator[int]:
    with serve_on_loopback() as port:
        yield port


def request(port: int, method: str, path: str, body: bytes | None = None, **headers: str):
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("content-type") or "", response.read()
    finally:
        connection.close()


def test_assess_over_http(server: int, shipped_book: RuleBook) -> None:
    report = {"present": ["groin_pain", "hip_snapping"], "duration_days": 10}
    status, kind, body = request(
        server,
        "POST",
        "/v1/assess",
        json.dumps(report).encode(),
        **{"Content-Type": "application/json"},
    )
    assert (status, kind) == (200, "application/json")
    assert body == assess(report, shipped_book).to_json().encode()


def test_health_and_cds_over_http(server: int, shipped_book: RuleBook) -> None:
    status, _, body = request(server, "GET", "/healthz")
    assert status == 200
    assert json.loads(body)["rulebook"]["digest"] == shipped_book.digest
    status, _, body = request(server, "GET", "/cds-services")
    assert status == 200 and json.loads(body)["services"][0]["id"] == "psoas-triage"
    call = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": "1"},
        "prefetch": {"psoas-triage": {"present": ["saddle_numbness"]}},
    }
    status, _, body = request(
        server,
        "POST",
        "/cds-services/psoas-triage",
        json.dumps(call).encode(),
        **{"Content-Type": "application/json"},
    )
    assert status == 200
    assert json.loads(body)["cards"][0]["indicator"] == "critical"


def test_chunked_oversized_body_is_413_over_http(server: int) -> None:
    """The 413 comes before the body is read to its end, so the server may close while the
    client is still sending (a broken pipe on the client's side, seen in CI under load): a
    try that could not even read an answer is tried again; every answer must be the 413."""
    answers = [answer for answer in (_send_chunked_oversized(server) for _ in range(3)) if answer]
    assert answers, "no answer in three tries"
    assert answers == [(413, "body_too_large")] * len(answers)


def _send_chunked_oversized(server: int) -> tuple[int, str] | None:
    connection = http.client.HTTPConnection(HOST, server, timeout=10)
    try:
        chunks = (b" " * 4096 for _ in range(20))  # 80 KiB, no Content-Length
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request("POST", "/v1/assess", body=chunks, encode_chunked=True)
        try:
            response = connection.getresponse()
            return response.status, json.loads(response.read())["error"]
        except (ConnectionError, http.client.HTTPException):
            return None  # the connection went before the answer could be read
    finally:
        connection.close()


def test_unknown_route_is_json_404(server: int) -> None:
    status, kind, body = request(server, "GET", "/nothing/here")
    assert (status, kind) == (404, "application/json")
    assert json.loads(body)["error"] == "not_found"


def test_serve_refuses_a_bad_rule_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "psoas_triage", "serve", "--rules", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "not a rule directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_several_workers_keep_tcp_nodelay() -> None:
    """uvicorn issue 3149: its pre-bound listener for --workers N has proto 0 (no TCP_NODELAY)."""
    import socket as sockets

    import uvicorn

    from psoas_triage.service.command import _keep_tcp_nodelay

    class Config(uvicorn.Config):  # a subclass, so the test leaves uvicorn itself alone
        pass

    _keep_tcp_nodelay(Config)
    sock = Config("psoas_triage.service.app:app_from_environment", host=HOST, port=0).bind_socket()
    try:
        assert sock.proto == sockets.IPPROTO_TCP
        assert sock.get_inheritable()
        assert sock.getsockname()[0] == HOST
    finally:
        sock.close()


def test_serve_without_the_extra_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['fastapi'] = None\n"  # as if the extra were not installed
        "sys.argv = ['psoas-triage', 'serve']\n"
        "from psoas_triage.cli import main; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "pip install 'psoas-triage[service]'" in result.stderr
    assert "Traceback" not in result.stderr

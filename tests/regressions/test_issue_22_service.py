"""Issue 22, the HTTP service: no red flag lost at its doors, no connection held after a fault.

One test per item, named after what it protects; each failed on the main of the day it was
written (CDS Hooks kept the last of two equal keys, any Content-Type was read as JSON, a stalled
client held a connection for 90 s and more, and nothing pinned that a UTF-8 BOM changes nothing).
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")

with warnings.catch_warnings():  # newer Starlette suggests httpx2; httpx still works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from psoas_triage.service import create_app

JSON_HEADERS = {"Content-Type": "application/json"}
CDS = "/cds-services/psoas-triage"
CALL_START = (
    '{"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", '
    '"context": {"userId": "Practitioner/example", "patientId": "example"}, '
)
RED_FLAG = '{"present": ["saddle_numbness"]}'
NO_RED_FLAG = '{"present": ["groin_pain", "hip_snapping"], "duration_days": 10}'


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


# --- item 1: CDS Hooks reads its body with the one JSON reader ----------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (
            CALL_START
            + '"prefetch": {"psoas-triage": {"present": ["saddle_numbness"], "present": []}}}',
            "prefetch.psoas-triage.present",
        ),
        (
            CALL_START + f'"prefetch": {{"psoas-triage": {RED_FLAG}, "psoas-triage": '
            f"{NO_RED_FLAG}}}}}",
            "prefetch.psoas-triage",
        ),
        (
            CALL_START + f'"prefetch": {{"psoas-triage": {RED_FLAG}}}, '
            f'"prefetch": {{"psoas-triage": {NO_RED_FLAG}}}}}',
            "prefetch",
        ),
    ],
    ids=["present-twice", "prefetch-key-twice", "prefetch-twice"],
)
def test_cds_hooks_never_drops_a_red_flag_given_before_a_duplicate_key(
    client: TestClient, body: str, path: str
) -> None:
    json.loads(body)  # valid JSON for every parser that keeps the last key (and loses the flag)
    answer = client.post(CDS, content=body.encode(), headers=JSON_HEADERS)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["error"] == "invalid_cds_request"
    assert [problem["field"] for problem in error["problems"]] == [path]
    assert "more than once" in error["problems"][0]["message"]
    assert "cards" not in error


def test_cds_hooks_without_duplicates_gives_the_critical_card(client: TestClient) -> None:
    body = CALL_START + f'"prefetch": {{"psoas-triage": {RED_FLAG}}}}}'
    answer = client.post(CDS, content=body.encode(), headers=JSON_HEADERS)
    assert answer.status_code == 200, answer.text
    assert [card["indicator"] for card in answer.json()["cards"]] == ["critical"]


# --- item 2: a body not declared JSON in UTF-8 is a 415, not read as JSON -----------------------

BODY_ROUTES = ["/v1/assess", "/v1/report", "/v1/next-question", CDS]


def call_with(report: str) -> str:
    return CALL_START + f'"prefetch": {{"psoas-triage": {report}}}}}'


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",  # what curl -d sends without -H
        "application/json; charset=utf-16",
        "application/json; charset=latin-1",
        "multipart/form-data; boundary=x",
        None,
    ],
)
def test_a_body_not_declared_json_in_utf8_is_refused_with_415(
    client: TestClient, route: str, content_type: str | None
) -> None:
    body = call_with(RED_FLAG) if route == CDS else RED_FLAG
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = client.post(route, content=body.encode(), headers=headers)
    assert answer.status_code == 415, answer.text
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()
    assert error["error"] == "unsupported_media_type"
    assert "application/json" in error["message"] and "UTF-8" in error["message"]
    assert error["problems"][0]["field"] == "Content-Type"
    assert error["problems"][0]["value"] == content_type


@pytest.mark.parametrize(
    ("route", "content_type"),
    [
        ("/v1/assess", "application/json"),
        ("/v1/assess", "Application/JSON; Charset=UTF-8"),
        ("/v1/report", 'application/json; charset="utf-8"'),
        ("/v1/next-question", "application/json;charset=utf-8"),
        (CDS, "application/json"),
        (CDS, "application/fhir+json; charset=utf-8"),
    ],
)
def test_json_in_utf8_is_still_read(client: TestClient, route: str, content_type: str) -> None:
    body = call_with(RED_FLAG) if route == CDS else RED_FLAG
    answer = client.post(route, content=body.encode(), headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text


# --- item 4: a UTF-8 byte order mark changes nothing ------------------------------------------


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_a_utf8_bom_body_is_assessed_exactly_like_the_body_without_it(
    client: TestClient, route: str
) -> None:
    body = (call_with(RED_FLAG) if route == CDS else RED_FLAG).encode()
    plain = client.post(route, content=body, headers=JSON_HEADERS)
    marked = client.post(route, content=b"\xef\xbb\xbf" + body, headers=JSON_HEADERS)
    assert plain.status_code == 200, plain.text
    assert marked.status_code == 200, marked.text
    assert marked.headers["content-type"] == plain.headers["content-type"]
    assert marked.content == plain.content
    if route == CDS:
        assert [card["indicator"] for card in marked.json()["cards"]] == ["critical"]
    if route == "/v1/assess":
        assert marked.json()["triage_level"] == "emergency"


# --- item 3: a stalled client is cut off; the server holds no connection for it -----------------

HOST = "127.0.0.1"
READ_SECONDS = 1
CLOSED_WITHIN = 5.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def short_timeouts_server() -> Iterator[int]:
    """``psoas-triage serve`` with 1 s read and keep-alive timeouts on a free loopback port."""
    pytest.importorskip("uvicorn", reason="the service extra (uvicorn) is not installed")
    port = free_port()
    command = [sys.executable, "-m", "psoas_triage", "serve", "--host", HOST, "--port", str(port)]
    command += ["--timeout-read", str(READ_SECONDS), "--timeout-keep-alive", str(READ_SECONDS)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited early with {process.returncode}")
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("server did not start in time") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def seconds_until_closed(port: int, send: Callable[[socket.socket], None]) -> float:
    """Connect, ``send``, then wait for the server to close: the seconds it took (from the
    connection opening), or an AssertionError when it is still open after CLOSED_WITHIN."""
    with socket.create_connection((HOST, port), timeout=2) as connection:
        opened = time.monotonic()
        send(connection)
        connection.settimeout(CLOSED_WITHIN)
        received = b""
        try:
            while chunk := connection.recv(4096):
                received += chunk
        except TimeoutError:
            raise AssertionError(f"still open after {CLOSED_WITHIN} s") from None
        except ConnectionResetError:
            pass
        assert received == b"", f"a stalled request got an answer: {received[:200]!r}"
        return time.monotonic() - opened


def send_nothing(connection: socket.socket) -> None:
    pass


def send_half_the_headers(connection: socket.socket) -> None:
    connection.sendall(b"POST /v1/assess HTTP/1.1\r\nHost: localhost\r\nContent-Ty")


def send_a_tenth_of_the_body(connection: socket.socket) -> None:
    connection.sendall(
        b"POST /v1/assess HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        b'{"present"'
    )


def drip_the_headers(connection: socket.socket) -> None:
    """A byte every 0.25 s (slowloris): each within any idle timeout, the whole too slow."""
    with contextlib.suppress(OSError):
        for byte in b"GET /healthz HTTP/1.1\r\n":
            connection.sendall(bytes([byte]))
            time.sleep(0.25)


@pytest.mark.parametrize(
    "send",
    [send_nothing, send_half_the_headers, send_a_tenth_of_the_body, drip_the_headers],
    ids=["nothing", "half-the-headers", "a-tenth-of-the-body", "one-byte-at-a-time"],
)
def test_a_stalled_client_is_cut_off_after_the_read_timeout(
    short_timeouts_server: int, send: Callable[[socket.socket], None]
) -> None:
    took = seconds_until_closed(short_timeouts_server, send)
    assert READ_SECONDS * 0.8 <= took < CLOSED_WITHIN, took


def test_an_idle_kept_alive_connection_is_closed_and_a_whole_request_still_answered(
    short_timeouts_server: int,
) -> None:
    request = (
        b"POST /v1/assess HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(RED_FLAG)).encode() + b"\r\n\r\n" + RED_FLAG.encode()
    )
    with socket.create_connection((HOST, short_timeouts_server), timeout=CLOSED_WITHIN) as sock:
        sock.sendall(request)
        answer = b""
        while b'"triage_level"' not in answer:
            chunk = sock.recv(65536)
            assert chunk, f"closed before the answer: {answer[:200]!r}"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert b'"triage_level":"emergency"' in answer
        idle_from = time.monotonic()
        try:
            while sock.recv(65536):  # the rest of the answer, then the close
                pass
        except TimeoutError:
            raise AssertionError(f"idle connection still open after {CLOSED_WITHIN} s") from None
        assert time.monotonic() - idle_from < CLOSED_WITHIN

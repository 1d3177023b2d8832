"""``psoas-triage serve``: run the HTTP service with uvicorn (extra ``psoas-triage[service]``).

Registered by the CLI; imports uvicorn only when it runs, so the CLI works without the extra.
"""

from __future__ import annotations

import os
import socket
from typing import Annotated, Any

import typer

from psoas_triage.cli_options import RulesOption

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_TIMEOUT_READ = 10
"""Seconds for a request's headers and body to arrive (as service.protocol.DEFAULT_TIMEOUT_READ:
that module needs uvicorn, which the CLI must not import before ``serve`` runs)."""
DEFAULT_TIMEOUT_KEEP_ALIVE = 5
"""Seconds an idle kept-alive connection stays open between requests."""


def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. Loopback by default; anything else is your choice."
        ),
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = DEFAULT_PORT,
    rules: RulesOption = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, max=64, help="Worker processes.")
    ] = 1,
    max_body: Annotated[
        int,
        typer.Option(min=1, max=16 * 1024 * 1024, help="Largest request body, bytes."),
    ] = 64 * 1024,
    timeout_read: Annotated[
        int,
        typer.Option(
            min=1,
            max=3600,
            help="Seconds a request's headers and body have to arrive, from the connection "
            "opening (or the next request's first byte); then the connection is closed.",
        ),
    ] = DEFAULT_TIMEOUT_READ,
    timeout_keep_alive: Annotated[
        int,
        typer.Option(
            min=1, max=3600, help="Seconds an idle connection is kept open between requests."
        ),
    ] = DEFAULT_TIMEOUT_KEEP_ALIVE,
) -> None:
    """Serve the JSON API, the HTML report and CDS Hooks over HTTP.

    \b
    Endpoints: POST /v1/assess, POST /v1/report, POST /v1/next-question, GET /v1/vocabulary,
    GET /v1/rules, GET /v1/rules/{id}, GET /healthz, GET /cds-services,
    POST /cds-services/psoas-triage; the OpenAPI document at /openapi.json and its pages at /docs.

    A client that stalls (sends nothing, half its headers, or less body than it announced) is
    cut off after --timeout-read seconds, so it cannot hold a connection open.

    \b
    Examples:
      psoas-triage serve
      psoas-triage serve --port 8080 --workers 2
      psoas-triage serve --timeout-read 30 --timeout-keep-alive 15
    """
    from psoas_triage.cli import CliError, load_book
    from psoas_triage.rulebook import RULES_ENV

    try:
        import uvicorn

        from psoas_triage.service.app import MAX_BODY_ENV  # needs fastapi
        from psoas_triage.service.protocol import (  # needs uvicorn
            TIMEOUT_READ_ENV,
            DeadlineH11Protocol,
        )
    except ImportError as error:
        raise CliError(
            f"the service needs the 'service' extra ({error}): pip install 'psoas-triage[service]'"
        ) from None
    load_book(rules)  # a bad rule directory is a one-line error before the server starts
    if rules is not None:
        os.environ[RULES_ENV] = str(rules.resolve())
    else:
        os.environ.pop(RULES_ENV, None)
    os.environ[MAX_BODY_ENV] = str(max_body)
    os.environ[TIMEOUT_READ_ENV] = str(timeout_read)
    if workers > 1:
        _keep_tcp_nodelay(uvicorn.Config)
    uvicorn.run(
        "psoas_triage.service.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # h11 with a deadline for reading each request (service/protocol.py). The class, not its
        # import string: older uvicorn (0.30, the lowest allowed) looks a string up only among
        # its own protocols.
        http=DeadlineH11Protocol,
        timeout_keep_alive=timeout_keep_alive,
        log_level="info",
    )


def _keep_tcp_nodelay(config_class: Any) -> None:
    """Work around uvicorn issue 3149: with ``--workers N`` the listener uvicorn binds has proto 0,
    so asyncio never sets TCP_NODELAY on accepted connections and every keep-alive request after
    the first waits ~40 ms for a delayed ACK (measured here: 85 requests/s instead of ~700).
    Rebuilding the bound socket with proto IPPROTO_TCP restores it. Only this process's class is
    changed, and only when several workers are asked for.
    """
    bind = config_class.bind_socket

    def bind_socket(self: Any) -> socket.socket:
        sock = bind(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            family, kind = sock.family, sock.type
            sock = socket.socket(family, kind, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock

    config_class.bind_socket = bind_socket

"""uvicorn's h11 protocol with a deadline for reading each request (``serve --timeout-read``).

uvicorn has a keep-alive timeout between requests but no limit on reading one: a client that
opens a connection and sends nothing, half its headers, or headers announcing 100 bytes of body
and then 10, holds the connection (and in the body case the request's task) for as long as it
likes. A handful of such clients ties up a worker's connections. Here a request's headers and
body must arrive within ``timeout_read`` seconds, counted from the connection opening or, on a
kept-alive connection, from the first byte of the next request; otherwise the connection is
closed. The clock is not reset by each byte, so sending one byte every few seconds does not
keep a connection open either. Once a request is read the deadline is off: a slow assessment is
the server's time, not the client's.

Imported by uvicorn (``http="psoas_triage.service.protocol:DeadlineH11Protocol"``) in every
worker process, so the deadline comes from the environment, as the app's other settings do.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

TIMEOUT_READ_ENV = "PSOAS_TRIAGE_TIMEOUT_READ"
DEFAULT_TIMEOUT_READ = 10.0
"""Seconds for a request's headers and body to arrive (a report is a few hundred bytes)."""
PROTOCOL = "psoas_triage.service.protocol:DeadlineH11Protocol"

logger = logging.getLogger("uvicorn.error")


class DeadlineH11Protocol(H11Protocol):
    """H11Protocol that closes a connection whose request is not read within the deadline."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.timeout_read = float(os.environ.get(TIMEOUT_READ_ENV, DEFAULT_TIMEOUT_READ))
        self.read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_read_deadline()  # a connection that sends nothing is closed too

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_request()  # a pipelined request read from the buffer is on the clock too

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_read_deadline()
        super().connection_lost(exc)

    def _follow_request(self) -> None:
        """Keep the deadline while a request is partly read; drop it once it is read whole."""
        state = self.conn.their_state
        if state is h11.SEND_BODY or (state is h11.IDLE and self.conn.trailing_data[0]):
            self._start_read_deadline()
        else:
            self._stop_read_deadline()

    def _start_read_deadline(self) -> None:
        if self.read_deadline is None and not self.transport.is_closing():
            self.read_deadline = self.loop.call_later(self.timeout_read, self._read_too_slow)

    def _stop_read_deadline(self) -> None:
        if self.read_deadline is not None:
            self.read_deadline.cancel()
            self.read_deadline = None

    def _read_too_slow(self) -> None:
        self.read_deadline = None
        if self.transport.is_closing():
            return
        client = f"{self.client[0]}:{self.client[1]} - " if self.client else ""
        logger.warning(
            "%sclosing a connection whose request was not read within %g s",
            client,
            self.timeout_read,
        )
        self.transport.close()

"""The uvicorn server of ``urutiq-ai serve``, which records where it listens.

Apart from ``cli/server.py`` so that building the command line does not import uvicorn.
"""

import os
import socket
from pathlib import Path

import typer
import uvicorn

from urutiq_ai.core.discovery import advertised_url, remove_record, write_record


class RecordedServer(uvicorn.Server):
    """A uvicorn server that records where it listens once it does (``server.json`` next
    to an embedded database, see ``core/discovery.py``), so the CLI and the SDK on this
    machine talk to it instead of opening the database beside it; the record goes as soon
    as the server starts to stop."""

    def __init__(self, config: uvicorn.Config, database_url: str) -> None:
        super().__init__(config)
        self.database_url = database_url
        self.record: Path | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.servers and self.servers[0].sockets:
            port = self.servers[0].sockets[0].getsockname()[1]
            url = advertised_url(self.config.host, port)
            try:
                self.record = write_record(self.database_url, url, os.getpid())
            except OSError as exc:  # a read-only data folder: the server runs, unannounced
                typer.echo(f"Could not record the server for the CLI: {exc}", err=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.forget()
        await super().shutdown(sockets)

    def forget(self) -> None:
        if self.record is not None:
            remove_record(self.record, os.getpid())
            self.record = None

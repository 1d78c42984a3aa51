"""Shared options of the SDK-backed commands and the one place SDK errors become exits.

The SDK is imported when a command opens a client, not when the command line is built:
``--help`` stays instant.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from urutiq_ai.cli._output import fail

if TYPE_CHECKING:
    from urutiq_ai.sdk import Client

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Server URL (default: URUTIQ_URL; with neither, the app runs in-process "
        "on the local database).",
    ),
]
ApiKeyOption = Annotated[
    str | None, typer.Option("--api-key", help="API key (default: URUTIQ_API_KEY).")
]
CompanyOption = Annotated[
    str | None, typer.Option("--company", help="Company id (default: URUTIQ_COMPANY).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOption = Annotated[
    int | None, typer.Option("--limit", min=1, max=500, help="Rows per page (1-500).")
]
CursorOption = Annotated[
    str | None, typer.Option("--cursor", help="Continue after a previous page.")
]
AllOption = Annotated[bool, typer.Option("--all", help="Fetch every page, following the cursors.")]


def _skip_httpx_command_line() -> None:
    """httpx imports its own command line (click, pygments, Rich's syntax and progress) when
    they are installed, which cost every command here about 50 ms; this process never runs
    it. A None module entry makes that import fail, which httpx expects: its ``main`` is
    then a stub."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


@contextmanager
def sdk_client(
    url: str | None, api_key: str | None, company: str | None = None
) -> Iterator["Client"]:
    """An SDK client for one command; any SDK error prints ``Error: ...`` and exits 1."""
    _skip_httpx_command_line()
    from urutiq_ai.sdk import Client, UrutiqError

    try:
        with Client(url, api_key, company) as client:
            yield client
    except UrutiqError as exc:
        fail(exc.detail, [(f.field, f.reason) for f in exc.fields])

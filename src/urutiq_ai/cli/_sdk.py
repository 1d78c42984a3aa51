"""The connection options of the SDK-backed commands, the one place their client is opened
and the one place SDK errors become exits.

``--url``, ``--api-key`` and ``--company`` are accepted twice: by the root
(``urutiq-ai --company X models list``, :func:`connect`) and by every command that talks to
the API (``urutiq-ai models list --company X``, the documented form, which ``--help`` of
the command shows). A command's own value wins over the root's; one given nowhere is left
to the SDK, which reads URUTIQ_URL, URUTIQ_API_KEY and URUTIQ_COMPANY (core.settings).
:func:`company_command` and :func:`tenant_command` add the options to a command and hand
its body the resolved :class:`Connection`.

The SDK is imported when a command opens a client, not when the command line is built:
``--help`` stays instant.
"""

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Concatenate, ParamSpec

import typer

from urutiq_ai.cli._output import fail

if TYPE_CHECKING:
    from urutiq_ai.sdk import Client

P = ParamSpec("P")

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


@dataclass(frozen=True)
class Connection:
    """Where and as whom a command calls the API; None where the command line said nothing
    (the SDK then reads the environment)."""

    url: str | None = None
    api_key: str | None = None
    company: str | None = None

    def over(self, outer: "Connection | None") -> "Connection":
        """These values where given, else ``outer``'s: a command's options over the root's."""
        if outer is None:
            return self
        return Connection(
            url=self.url or outer.url,
            api_key=self.api_key or outer.api_key,
            company=self.company or outer.company,
        )

    @contextmanager
    def client(self) -> Iterator["Client"]:
        """An SDK client for one command; any SDK error prints ``Error: ...`` and exits 1.

        A command opens it after checking its own input, so a mistyped file or option is
        reported before the database or the server is reached."""
        _skip_httpx_command_line()
        from urutiq_ai.sdk import Client, UrutiqError

        try:
            with Client(self.url, self.api_key, self.company) as client:
                yield client
        except UrutiqError as exc:
            fail(exc.detail, [(f.field, f.reason) for f in exc.fields])


def connect(
    ctx: typer.Context,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    company: CompanyOption = None,
) -> None:
    """The root's options, kept for the command that runs (``urutiq-ai --company X ...``)."""
    ctx.obj = Connection(url=url, api_key=api_key, company=company)


def _option(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=annotation
    )


_OPTIONS = {
    "company": _option("company", CompanyOption),
    "url": _option("url", UrlOption),
    "api_key": _option("api_key", ApiKeyOption),
}
_CONTEXT = inspect.Parameter(
    "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
)


class _ConnectedCommand:
    """A command as Typer sees it: ``func``'s parameters after the first, then the
    connection ``options`` (its help lists them); called, it hands ``func`` the
    :class:`Connection` that they and the root's options resolve to.

    Typer reads the signature and the annotations when it converts the command, which
    cli._lazy does for the branch asked for only: they are built then, not for every
    command each time the command line is built (``inspect.signature`` of them all cost
    every start a few milliseconds)."""

    def __init__(self, func: Callable[..., None], options: tuple[str, ...]) -> None:
        code = func.__code__
        names = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
        clash = {"ctx", *options} & set(names)
        if clash:
            raise TypeError(f"{func.__qualname__} has parameters of its own named {sorted(clash)}")
        # name, help text, module; not the annotations, nor a __signature__ of func's own
        functools.update_wrapper(
            self, func, assigned=("__module__", "__name__", "__qualname__", "__doc__"), updated=()
        )
        self._func, self._options = func, options

    @functools.cached_property
    def __signature__(self) -> inspect.Signature:
        signature = inspect.signature(self._func)
        own = list(signature.parameters.values())[1:]
        options = [_OPTIONS[name] for name in self._options]
        return signature.replace(parameters=[_CONTEXT, *own, *options])

    # what typing.get_type_hints reads; object's is a plain attribute, hence the ignore
    @functools.cached_property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        return {name: param.annotation for name, param in self.__signature__.parameters.items()}

    def __call__(self, ctx: typer.Context, **kwargs: Any) -> None:
        given = Connection(**{name: kwargs.pop(name) for name in self._options})
        self._func(given.over(ctx.find_object(Connection)), **kwargs)


def company_command(func: Callable[Concatenate[Connection, P], None]) -> Callable[..., None]:
    """A command on a company's data: ``--company``, ``--url`` and ``--api-key``."""
    return _ConnectedCommand(func, ("company", "url", "api_key"))


def tenant_command(func: Callable[Concatenate[Connection, P], None]) -> Callable[..., None]:
    """A command on the key's tenant (companies, keys, audit log): ``--url``, ``--api-key``;
    a ``--company`` given to the root is passed on, as URUTIQ_COMPANY would be."""
    return _ConnectedCommand(func, ("url", "api_key"))

"""Configuration versions through the SDK: ``config set|activate|history|diff|show``.

``config set --type categories --file categories.json`` writes the next version and makes
it the active one; ``config activate ID`` activates any version (an earlier one: a roll
back); ``config diff FROM TO`` shows what changed between two versions.
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from urutiq_ai.cli._output import (
    Column,
    cell,
    fail,
    field,
    make_console,
    print_fitted,
    print_json,
    read_json_file,
)
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command
from urutiq_ai.config.types import ConfigType

if TYPE_CHECKING:
    from urutiq_ai.config.schemas import AIConfigRead, ConfigDiff

TypeOption = Annotated[
    ConfigType,
    typer.Option(
        "--type", "-t", help="The configuration type: prompts, categories, behavior or industry."
    ),
]
IdArg = Annotated[str, typer.Argument(help="The configuration version's id.")]
# What a roll back is chosen by: the version, whether it is active, its id (for `config
# activate`) and why it was written; when and by whom give way first.
HISTORY_COLUMNS = [
    field("version", rank=1),
    Column("active", lambda row: "*" if row.is_active else "", rank=1),
    field("id"),
    field("created_at", rank=3),
    field("created_by", rank=4),
    field("note", rank=2, wrap=True),
]


@company_command
def set_(
    conn: Connection,
    config_type: TypeOption,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="A JSON file holding the configData.")
    ] = None,
    data: Annotated[
        str | None, typer.Option("--data", help="The configData as inline JSON.")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Why this version (kept in the history).")
    ] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="Keep the current version active (activate later).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write the next version of a configuration; it becomes the active one unless --draft."""
    config_data = _config_data(file, data)
    with conn.client() as client:
        version = client.configs.set(config_type, config_data, note=note, activate=not draft)
    if as_json:
        print_json(version)
        return
    state = "active" if version.is_active else "a draft (not active)"
    make_console().print(
        f"{version.config_type.value} version {version.version} ({version.id}) written, {state}.",
        soft_wrap=True,
    )


@company_command
def activate(
    conn: Connection,
    config_id: IdArg,
    as_json: JsonOption = False,
) -> None:
    """Make a version the only active one of its type (an earlier one: a roll back)."""
    with conn.client() as client:
        version = client.configs.activate(config_id)
    if as_json:
        print_json(version)
        return
    make_console().print(
        f"{version.config_type.value} version {version.version} ({version.id}) is active.",
        soft_wrap=True,
    )


@company_command
def history(
    conn: Connection,
    config_type: TypeOption,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 100,
    as_json: JsonOption = False,
) -> None:
    """The versions of a configuration type, newest first (* marks the active one)."""
    with conn.client() as client:
        versions = client.configs.history(config_type, limit=limit)
    if as_json:
        print_json(versions)
        return
    console = make_console()
    if not versions:
        console.print(f"No {config_type.value} configuration yet.")
        return
    title = f"{config_type.value} configuration history"
    print_fitted(title, HISTORY_COLUMNS, versions, console=console)


@company_command
def diff(
    conn: Connection,
    from_id: Annotated[str, typer.Argument(help="The older (or any) version's id.")],
    to_id: Annotated[str, typer.Argument(help="The version to compare it with.")],
    as_json: JsonOption = False,
) -> None:
    """What changed in the configData from one version to another."""
    with conn.client() as client:
        result = client.configs.diff(from_id, to_id)
    if as_json:
        print_json(result)
        return
    print_diff(result)


def print_diff(result: "ConfigDiff") -> None:
    from urutiq_ai.config.schemas import ChangeKind

    console = make_console()
    title = f"{result.config_type.value}: version {result.from_version} -> {result.to_version}"
    if not result.changes:
        console.print(f"{title}: no differences.")
        return
    # the path says what a row is; long values fold onto more lines instead of being cut
    columns = [
        Column("change", lambda change: change.kind.value),
        Column("path", lambda change: change.path or "(all)", rank=0),
        Column(
            "old",
            lambda change: "" if change.kind is ChangeKind.added else _value(change.old),
            rank=2,
            fold=True,
        ),
        Column(
            "new",
            lambda change: "" if change.kind is ChangeKind.removed else _value(change.new),
            rank=2,
            fold=True,
        ),
    ]
    print_fitted(title, columns, result.changes, console=console)


@company_command
def show(
    conn: Connection,
    config_type: TypeOption,
    as_json: JsonOption = False,
) -> None:
    """The active version of a configuration type and its configData."""
    with conn.client() as client:
        version = client.configs.active(config_type)
    if as_json:
        print_json(version)
        return
    print_version(version)


def print_version(version: "AIConfigRead") -> None:
    console = make_console()
    state = "active" if version.is_active else "not active"
    note = f", {version.note}" if version.note else ""
    console.print(
        f"{version.config_type.value} version {version.version} ({state}{note}), "
        f"{version.id}, written {cell(version.created_at)}",
        soft_wrap=True,
        markup=False,
    )
    typer.echo(json.dumps(version.config_data, indent=2, ensure_ascii=False))


def _config_data(file: Path | None, data: str | None) -> Any:
    if (file is None) == (data is None):
        fail("give the configData with exactly one of --file and --data")
    if file is not None:
        return read_json_file("--file", file)
    assert data is not None
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        fail("--data is not valid JSON", [("--data", str(exc))])


def _value(value: Any) -> str:
    return cell(value) if isinstance(value, dict | list) else json.dumps(value, ensure_ascii=False)

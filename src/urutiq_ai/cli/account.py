"""Tenant commands through the SDK: companies list, keys list|show, audit-log list, whoami."""

from typing import Annotated

import typer

from urutiq_ai.cli._output import print_json, print_listing, print_record, print_table
from urutiq_ai.cli._sdk import (
    AllOption,
    Connection,
    CursorOption,
    JsonOption,
    LimitOption,
    tenant_command,
)

COMPANY_COLUMNS = ("id", "name", "created_at")
KEY_COLUMNS = ("id", "name", "prefix", "role", "company_ids", "revoked_at", "last_used_at")
AUDIT_COLUMNS = ("created_at", "action", "table_name", "row_id", "company_id", "actor_key_id")


@tenant_command
def list_companies(conn: Connection, as_json: JsonOption = False) -> None:
    """List the companies the API key may see."""
    with conn.client() as client:
        companies = client.companies.list()
    if as_json:
        print_json(companies)
    else:
        print_table("companies", COMPANY_COLUMNS, companies)


@tenant_command
def list_keys(conn: Connection, as_json: JsonOption = False) -> None:
    """List the tenant's API keys (admin key; secrets are never shown again). A key limited
    to some companies lists only keys no broader than itself."""
    with conn.client() as client:
        keys = client.api_keys.list()
    if as_json:
        print_json(keys)
    else:
        print_table("API keys", KEY_COLUMNS, keys)


@tenant_command
def show_key(
    conn: Connection,
    key_id: Annotated[str, typer.Argument(help="The key's id (not the secret).")],
    as_json: JsonOption = False,
) -> None:
    """Show one API key (admin key; a limited key sees only keys no broader than itself)."""
    with conn.client() as client:
        key = client.api_keys.get(key_id)
    if as_json:
        print_json(key)
    else:
        print_record(key)


@tenant_command
def list_audit_log(
    conn: Connection,
    table: Annotated[
        str | None, typer.Option("--table", help="Only rows of this table (e.g. AIModel).")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action (create, update, ...).")
    ] = None,
    company_id: Annotated[
        str | None, typer.Option("--company-id", help="Only changes in this company.")
    ] = None,
    limit: LimitOption = None,
    cursor: CursorOption = None,
    all_pages: AllOption = False,
    as_json: JsonOption = False,
) -> None:
    """List the audit log, newest first (admin or auditor key)."""
    filters = {"table_name": table, "action": action, "company_id": company_id}
    with conn.client() as client:
        print_listing(
            "audit log",
            AUDIT_COLUMNS,
            client.audit_log,
            all_pages=all_pages,
            as_json=as_json,
            cursor=cursor,
            limit=limit,
            **filters,
        )


@tenant_command
def whoami(conn: Connection, as_json: JsonOption = False) -> None:
    """Show the tenant, role and companies of the API key."""
    with conn.client() as client:
        me = client.whoami()
    if as_json:
        print_json(me)
    else:
        print_record(me)

"""Tenant administration: companies, users, API keys and the audit log (admin keys)."""

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from urutiq_ai.core.schemas import Page
from urutiq_ai.sdk._transport import (
    Transport,
    build_payload,
    follow_pages,
    parse,
    parse_list,
    query_params,
)
from urutiq_ai.tenancy.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    AuditLogRead,
    CompanyCreate,
    CompanyRead,
    CompanyUpdate,
    UserCreate,
    UserRead,
)


class CompaniesClient:
    """The companies of the key's tenant (creating and renaming needs an admin key)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(self) -> list[CompanyRead]:
        """Every company the key may see."""
        return parse_list(CompanyRead, self._transport.request("GET", "/companies"))

    def get(self, id: str) -> CompanyRead:
        """One company; :class:`NotFound` if the key may not see it."""
        body = self._transport.request("GET", f"/companies/{quote(id, safe='')}")
        return parse(CompanyRead, body)

    def create(
        self, data: CompanyCreate | Mapping[str, Any] | None = None, **fields: Any
    ) -> CompanyRead:
        """Create a company (``name``, optional ``id``)."""
        payload = build_payload(CompanyCreate, data, fields)
        return parse(CompanyRead, self._transport.request("POST", "/companies", json=payload))

    def update(
        self,
        id: str,
        data: CompanyUpdate | Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> CompanyRead:
        """Rename a company."""
        payload = build_payload(CompanyUpdate, data, fields)
        path = f"/companies/{quote(id, safe='')}"
        return parse(CompanyRead, self._transport.request("PATCH", path, json=payload))


class UsersClient:
    """The users of the key's tenant (admin keys)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(self) -> list[UserRead]:
        """Every user of the tenant."""
        return parse_list(UserRead, self._transport.request("GET", "/users"))

    def create(self, data: UserCreate | Mapping[str, Any] | None = None, **fields: Any) -> UserRead:
        """Create a user (``email``, optional ``name``)."""
        payload = build_payload(UserCreate, data, fields)
        return parse(UserRead, self._transport.request("POST", "/users", json=payload))


class ApiKeysClient:
    """API keys of the key's tenant (admin keys). Plaintext keys are shown only at creation."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(self) -> list[ApiKeyRead]:
        """Every key of the tenant the key reaches, revoked ones included (never their
        secrets): a key limited to some companies sees only keys no broader than itself."""
        return parse_list(ApiKeyRead, self._transport.request("GET", "/api-keys"))

    def get(self, key_id: str) -> ApiKeyRead:
        """One key; :class:`NotFound` for a key broader than this one, or another tenant's."""
        path = f"/api-keys/{quote(key_id, safe='')}"
        return parse(ApiKeyRead, self._transport.request("GET", path))

    def create(
        self, data: ApiKeyCreate | Mapping[str, Any] | None = None, **fields: Any
    ) -> ApiKeyCreated:
        """Create a key (``role``, optional ``company_ids``, ``name``); ``.key`` is the secret."""
        payload = build_payload(ApiKeyCreate, data, fields)
        return parse(ApiKeyCreated, self._transport.request("POST", "/api-keys", json=payload))

    def revoke(self, key_id: str) -> ApiKeyRead:
        """Revoke a key at once; requests with it answer 401 from then on. A limited key
        revokes only keys no broader than itself (:class:`NotFound` for the others)."""
        path = f"/api-keys/{quote(key_id, safe='')}/revoke"
        return parse(ApiKeyRead, self._transport.request("POST", path))


class AuditLogClient:
    """The append-only audit log, newest first (admin and auditor keys)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def list(
        self, *, limit: int | None = None, cursor: str | None = None, **filters: Any
    ) -> Page[AuditLogRead]:
        """One page of audit rows.

        Filters: ``company_id``, ``table_name``, ``action``, ``row_id``,
        ``actor_key_id``, ``created_at_from``, ``created_at_to`` (snake_case or camelCase).
        """
        params = query_params(limit=limit, cursor=cursor, **filters)
        body = self._transport.request("GET", "/audit-log", params=params)
        return parse(Page[AuditLogRead], body)

    def iterate(self, *, limit: int | None = None, **filters: Any) -> Iterator[AuditLogRead]:
        """Every matching audit row, following the pages."""
        return follow_pages(lambda cursor: self.list(limit=limit, cursor=cursor, **filters))

"""Configuration versions through the SDK: write one, activate (or roll back to) one, the
history, the active version and the difference between two."""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from urutiq_ai.config.schemas import (
    AIConfigCreate,
    AIConfigRead,
    AIConfigUpdate,
    ConfigDiff,
    ConfigType,
)
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._transport import build_payload, parse, parse_list, query_params


class ConfigsClient(ResourceClient[AIConfigRead, AIConfigCreate, AIConfigUpdate]):
    """A company's configurations (prompts, categories, behavior, industry), one version per
    change; one version of each type is active."""

    def set(
        self,
        config_type: ConfigType | str,
        data: Mapping[str, Any] | BaseModel,
        *,
        note: str | None = None,
        activate: bool = True,
        company: str | None = None,
    ) -> AIConfigRead:
        """Write ``data`` as the next version of ``config_type`` and make it the active one
        (``activate=False``: a draft). :class:`ValidationError` names each
        ``configData.<path>`` that its type's schema refuses. ``data`` may be a mapping or
        a schema of ``urutiq_ai.config.schemas`` (``CategoriesConfig(...)``)."""
        if isinstance(data, BaseModel):
            data = data.model_dump(mode="json", by_alias=True, exclude_none=True)
        fields: dict[str, Any] = {
            "config_type": config_type,
            "config_data": data,
            "is_active": activate,
        }
        if note is not None:
            fields["note"] = note
        body = build_payload(AIConfigCreate, None, fields)
        return parse(AIConfigRead, self._transport.request("POST", self._path(company), json=body))

    def activate(self, id: str, *, company: str | None = None) -> AIConfigRead:
        """Make version ``id`` the only active one of its type (an earlier one: a roll back)."""
        path = self._path(company, id) + "/activate"
        return parse(AIConfigRead, self._transport.request("POST", path))

    def history(
        self, config_type: ConfigType | str, *, limit: int | None = None, company: str | None = None
    ) -> list[AIConfigRead]:
        """The versions of ``config_type``, newest first."""
        params = query_params(config_type=config_type, limit=limit)
        path = self._transport.company_path("configs/history", company)
        return parse_list(AIConfigRead, self._transport.request("GET", path, params=params))

    def active(self, config_type: ConfigType | str, *, company: str | None = None) -> AIConfigRead:
        """The active version of ``config_type`` (:class:`NotFound` when none is active)."""
        path = self._transport.company_path("configs/active", company)
        params = query_params(config_type=config_type)
        return parse(AIConfigRead, self._transport.request("GET", path, params=params))

    def diff(self, from_id: str, to_id: str, *, company: str | None = None) -> ConfigDiff:
        """What changed in ``configData`` from version ``from_id`` to version ``to_id``."""
        path = self._transport.company_path("configs/diff", company)
        params = query_params(**{"from": from_id, "to": to_id})
        return parse(ConfigDiff, self._transport.request("GET", path, params=params))

"""Find the enum and JSON fields of a Pydantic request schema (for generic tests)."""

from enum import Enum
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator

from urutiq_ai.core.naming import to_camel
from urutiq_ai.core.schemas import _parse_json_text, _string_list


def _members(annotation: Any) -> list[Any]:
    """``X | None`` -> [X]; anything else -> [annotation]."""
    if get_origin(annotation) in (Union, UnionType):
        return [arg for arg in get_args(annotation) if arg is not type(None)]
    return [annotation]


def _is_json(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        if any(isinstance(m, BeforeValidator) and m.func is _parse_json_text for m in metadata):
            return True
        return _is_json(base)
    return False


def enum_fields(schema: type[BaseModel]) -> dict[str, type[Enum]]:
    """camelCase field name -> its enum class."""
    out: dict[str, type[Enum]] = {}
    for name, info in schema.model_fields.items():
        for member in _members(info.annotation):
            if isinstance(member, type) and issubclass(member, Enum):
                out[to_camel(name)] = member
    return out


def json_fields(schema: type[BaseModel]) -> list[str]:
    """camelCase names of the fields typed as JSON (accepting structures or JSON text)."""
    out = []
    for name, info in schema.model_fields.items():
        annotated = Annotated[(info.annotation, *info.metadata)] if info.metadata else None
        if any(_is_json(m) for m in _members(info.annotation)) or (
            annotated is not None and _is_json(annotated)
        ):
            out.append(to_camel(name))
    return out


def _is_string_list(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        if any(getattr(m, "func", None) is _string_list for m in metadata):
            return True
        return _is_string_list(base)
    return False


def string_list_fields(schema: type[BaseModel]) -> list[str]:
    """camelCase names of the JSON fields that must hold an array of strings."""
    return [
        to_camel(name)
        for name, info in schema.model_fields.items()
        if any(_is_string_list(m) for m in _members(info.annotation))
    ]

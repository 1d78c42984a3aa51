"""The pure part of configuration versions: checking a version's data against its type,
and the difference between two versions' data.

:func:`diff` compares two JSON values and lists what changed, by dotted path
(``categories.2.name``; ``""`` is the whole value). Objects are compared key by key;
arrays are aligned first (``difflib``), so inserting one category reports one
``added`` item instead of every later item ``changed``: an ``added`` or ``changed`` path
indexes the new array, a ``removed`` one the old. Numbers compare by value (``1`` equals
``1.0``), ``true`` is not ``1``.
"""

import json
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from urutiq_ai.config.schemas import CONFIG_SCHEMAS, ChangeKind, ConfigData, ConfigType
from urutiq_ai.core.errors import FieldError, ValidationError

FIELD = "configData"


@dataclass(frozen=True)
class Change:
    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None


def diff(a: Any, b: Any) -> list[Change]:
    """What changed from ``a`` to ``b`` (JSON values), in document order."""
    changes: list[Change] = []
    _diff(a, b, (), changes)
    return changes


def _diff(a: Any, b: Any, path: tuple[str | int, ...], out: list[Change]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key, value in a.items():
            if key in b:
                _diff(value, b[key], (*path, key), out)
            else:
                out.append(Change(_dotted((*path, key)), ChangeKind.removed, old=value))
        for key, value in b.items():
            if key not in a:
                out.append(Change(_dotted((*path, key)), ChangeKind.added, new=value))
        return
    if isinstance(a, list) and isinstance(b, list):
        _diff_lists(a, b, path, out)
        return
    if _key(a) != _key(b):
        out.append(Change(_dotted(path), ChangeKind.changed, old=a, new=b))


def _diff_lists(a: list[Any], b: list[Any], path: tuple[str | int, ...], out: list[Change]) -> None:
    matcher = SequenceMatcher(None, [_key(x) for x in a], [_key(x) for x in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)  # 0 for a pure insert or delete
        for k in range(paired):
            _diff(a[i1 + k], b[j1 + k], (*path, j1 + k), out)
        for i in range(i1 + paired, i2):
            out.append(Change(_dotted((*path, i)), ChangeKind.removed, old=a[i]))
        for j in range(j1 + paired, j2):
            out.append(Change(_dotted((*path, j)), ChangeKind.added, new=b[j]))


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _key(value: Any) -> str:
    """A canonical text of a JSON value: equal values, equal texts (key order ignored)."""
    return json.dumps(_normal(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path)


def parse_config(config_type: ConfigType | str, data: Any) -> ConfigData:
    """``data`` parsed by its type's schema; ValidationError (422) naming each
    ``configData.<path>`` that is wrong."""
    kind = ConfigType(config_type)
    schema = CONFIG_SCHEMAS[kind]
    try:
        parsed = schema.from_data(data)
    except PydanticValidationError as exc:
        fields = [_field_error(error) for error in exc.errors()]
        raise ValidationError(_detail(kind, fields), fields=fields) from None
    problems = [FieldError(_field(path), reason) for path, reason in parsed.problems()]
    if problems:
        raise ValidationError(_detail(kind, problems), fields=problems)
    return parsed


def _field(loc: tuple[str | int, ...]) -> str:
    return ".".join([FIELD, *(str(part) for part in loc)])


def _field_error(error: Any) -> FieldError:
    loc = tuple(error["loc"])
    reason = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        reason = "unknown field"
    if loc and loc[-1] == "[key]":  # a key of a mapping (a template's name) is refused
        loc, reason = loc[:-1], f"not a valid name: {reason}"
    return FieldError(_field(loc), reason)


def _detail(kind: ConfigType, fields: list[FieldError]) -> str:
    listed = "; ".join(f"{f.field}: {f.reason}" for f in fields[:5])
    more = f" (and {len(fields) - 5} more)" if len(fields) > 5 else ""
    return f"configData is not a valid {kind.value} configuration: {listed}{more}"

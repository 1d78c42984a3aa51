"""Properties of the wire schemas (enums, JSON fields) and of cursors, with hypothesis.

The generic cases are derived from the catalog, so every enum and JSON field of
every create schema is covered without listing them here.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from tests.api.payloads import CREATE
from tests.core.schema_fields import enum_fields, json_fields, string_list_fields
from urutiq_ai.catalog import RESOURCES
from urutiq_ai.core.errors import ValidationError
from urutiq_ai.core.pagination import SortSpec, decode_cursor, encode_cursor
from urutiq_ai.crud.resource import Resource

PROPERTY_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FAKE_DEPS = {
    "models": "model1",
    "trained-models": "model2",
    "pipelines": "pipeline1",
    "governance-policies": "policy1",
}

ENUM_CASES = [
    pytest.param(res, field, id=f"{res.path}-{field}")
    for res in RESOURCES
    for field in enum_fields(res.create_schema)
]
JSON_CASES = [
    pytest.param(res, field, id=f"{res.path}-{field}")
    for res in RESOURCES
    for field in json_fields(res.create_schema)
    if field not in string_list_fields(res.create_schema)
]
STRING_LIST_CASES = [
    pytest.param(res, field, id=f"{res.path}-{field}")
    for res in RESOURCES
    for field in string_list_fields(res.create_schema)
]

# Any text but NUL and lone surrogates (no database text holds them: TestUnstorable), spaces
# included: see TestJsonWhitespace for why.
texts = st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=20)
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
json_values = st.recursive(
    st.none() | st.booleans() | INT64 | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=20,
)


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def _validate(res: Resource, **changes: Any) -> BaseModel:
    body = CREATE[res.path](FAKE_DEPS)
    body.update(changes)
    return res.create_schema.model_validate(body)


def _error_fields(exc: PydanticValidationError) -> set[str]:
    return {".".join(str(part) for part in error["loc"][:1]) for error in exc.errors()}


class TestBasePayloads:
    @pytest.mark.parametrize("res", RESOURCES, ids=lambda res: res.path)
    def test_valid(self, res: Resource) -> None:
        _validate(res)


class TestEnumFields:
    @pytest.mark.parametrize(("res", "field"), ENUM_CASES)
    def test_every_value_accepted(self, res: Resource, field: str) -> None:
        for member in enum_fields(res.create_schema)[field]:
            parsed = _validate(res, **{field: member.value})
            assert parsed.model_dump(by_alias=True, mode="json")[field] == member.value

    @pytest.mark.parametrize(("res", "field"), ENUM_CASES)
    @PROPERTY_SETTINGS
    @given(text=st.text(max_size=30))
    def test_other_text_rejected(self, res: Resource, field: str, text: str) -> None:
        values = {member.value for member in enum_fields(res.create_schema)[field]}
        if text in values:
            return
        with pytest.raises(PydanticValidationError) as caught:
            _validate(res, **{field: text})
        assert field in _error_fields(caught.value)


class TestJsonFields:
    @pytest.mark.parametrize(("res", "field"), JSON_CASES)
    @PROPERTY_SETTINGS
    @given(value=json_values)
    def test_structure_kept(self, res: Resource, field: str, value: Any) -> None:
        """Any JSON structure is kept; a bare string is JSON *text* (the seed's "JSON string")."""
        if isinstance(value, str):
            value = json.dumps(value)
            expected: Any = json.loads(value)
        else:
            expected = value
        parsed = _validate(res, **{field: value})
        assert parsed.model_dump(by_alias=True)[field] == expected

    @pytest.mark.parametrize(("res", "field"), JSON_CASES)
    @PROPERTY_SETTINGS
    @given(value=json_values)
    def test_json_text_parsed(self, res: Resource, field: str, value: Any) -> None:
        parsed = _validate(res, **{field: json.dumps(value)})
        assert parsed.model_dump(by_alias=True)[field] == value

    @pytest.mark.parametrize(("res", "field"), JSON_CASES)
    @PROPERTY_SETTINGS
    @given(text=st.text(max_size=30).filter(_not_json))
    def test_malformed_text_rejected(self, res: Resource, field: str, text: str) -> None:
        with pytest.raises(PydanticValidationError) as caught:
            _validate(res, **{field: text})
        errors = [e for e in caught.value.errors() if e["loc"][:1] == (field,)]
        assert errors, caught.value
        assert any("malformed JSON" in e["msg"] for e in errors)

    @pytest.mark.parametrize(("res", "field"), JSON_CASES)
    def test_not_a_number(self, res: Resource, field: str) -> None:
        for text in ("NaN", "Infinity", "[-Infinity]"):
            with pytest.raises(PydanticValidationError):
                _validate(res, **{field: text})


def _with(value: Any, bad: Any, where: int) -> Any:
    """``value`` with ``bad`` put somewhere inside it (a leaf, or beside it in a list)."""
    if isinstance(value, dict) and value:
        key = sorted(value)[where % len(value)]
        return {**value, key: _with(value[key], bad, where // 2)}
    if isinstance(value, list) and value:
        index = where % len(value)
        return [*value[:index], _with(value[index], bad, where // 2), *value[index + 1 :]]
    return [value, bad]


class TestUnstorable:
    """No JSON field, at any depth, holds what a database cannot store: NUL or a lone
    surrogate (in a text or a key), a number past 64 bits; each is refused naming the
    field."""

    @pytest.mark.parametrize(("res", "field"), JSON_CASES)
    @PROPERTY_SETTINGS
    @given(
        value=json_values,
        bad=st.sampled_from(["a\x00", {"k\x00": 1}, "\ud800", {"\udfff": 1}, 2**63, -(2**63) - 1]),
        where=st.integers(0, 50),
    )
    def test_refused_naming_the_field(
        self, res: Resource, field: str, value: Any, bad: Any, where: int
    ) -> None:
        with pytest.raises(PydanticValidationError) as caught:
            _validate(res, **{field: _with(value, bad, where)})
        assert field in _error_fields(caught.value)


class TestStringListFields:
    @pytest.mark.parametrize(("res", "field"), STRING_LIST_CASES)
    @PROPERTY_SETTINGS
    @given(value=st.lists(texts, max_size=8))
    def test_strings_accepted(self, res: Resource, field: str, value: list[str]) -> None:
        for given_value in (value, json.dumps(value)):
            parsed = _validate(res, **{field: given_value})
            assert parsed.model_dump(by_alias=True)[field] == value

    @pytest.mark.parametrize(("res", "field"), STRING_LIST_CASES)
    @PROPERTY_SETTINGS
    @given(
        value=json_values.filter(
            lambda v: (
                not (isinstance(v, list) and all(isinstance(i, str) for i in v)) and v is not None
            )
        )
    )
    def test_anything_else_rejected(self, res: Resource, field: str, value: Any) -> None:
        with pytest.raises(PydanticValidationError) as caught:
            _validate(res, **{field: json.dumps(value)})
        assert field in _error_fields(caught.value)


class TestJsonWhitespace:
    """JSON content is data: its strings are kept exactly, spaces included."""

    @pytest.mark.parametrize("as_text", [False, True], ids=["structure", "json-text"])
    def test_kept_in_every_json_field(self, as_text: bool) -> None:
        value = {"sep": " ", " key ": ["  padded  ", "tab\t"]}
        for case in JSON_CASES:
            res, field = case.values
            given_value = json.dumps(value) if as_text else value
            parsed = _validate(res, **{field: given_value})
            assert parsed.model_dump(by_alias=True)[field] == value, case.id

    def test_kept_in_string_lists(self) -> None:
        for case in STRING_LIST_CASES:
            res, field = case.values
            parsed = _validate(res, **{field: [" amount ", "vendor\n"]})
            assert parsed.model_dump(by_alias=True)[field] == [" amount ", "vendor\n"], case.id


cursor_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.datetimes(timezones=st.just(UTC))
)


class TestCursor:
    @PROPERTY_SETTINGS
    @given(
        field=st.sampled_from(["createdAt", "modelName", "metricDate"]),
        descending=st.booleans(),
        value=cursor_values,
        row_id=texts,
    )
    def test_round_trip(self, field: str, descending: bool, value: Any, row_id: str) -> None:
        sort = SortSpec(field=field, descending=descending)
        cursor = encode_cursor(sort, value, row_id)
        assert cursor.isascii()
        assert "=" not in cursor
        assert decode_cursor(cursor, sort) == (value, row_id)

    @PROPERTY_SETTINGS
    @given(value=cursor_values, row_id=texts)
    def test_other_sort_rejected(self, value: Any, row_id: str) -> None:
        cursor = encode_cursor(SortSpec("createdAt", True), value, row_id)
        for other in (SortSpec("createdAt", False), SortSpec("updatedAt", True)):
            with pytest.raises(ValidationError) as caught:
                decode_cursor(cursor, other)
            assert [f.field for f in caught.value.fields] == ["cursor"]

    @PROPERTY_SETTINGS
    @given(text=st.text(max_size=60))
    def test_garbage_rejected(self, text: str) -> None:
        with pytest.raises(ValidationError) as caught:
            decode_cursor(text, SortSpec("createdAt", True))
        assert [f.field for f in caught.value.fields] == ["cursor"]

    def test_datetime_keeps_timezone(self) -> None:
        moment = datetime(2025, 9, 4, 17, 44, 58, 123456, tzinfo=UTC)
        sort = SortSpec("createdAt", True)
        value, _ = decode_cursor(encode_cursor(sort, moment, "x"), sort)
        assert value == moment
        assert value.tzinfo is not None

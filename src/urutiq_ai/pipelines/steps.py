"""The transformation steps of a pipeline on the wire (see :mod:`urutiq_ai.ml.transform`)."""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from urutiq_ai.core.schemas import LongText, RequestSchema, ShortText
from urutiq_ai.quality.rules import Expression
from urutiq_ai.sources.schemas import SourceSpec

Columns = Annotated[
    list[ShortText],
    BeforeValidator(lambda v: [v] if isinstance(v, str) else v),
    Field(min_length=1, max_length=200),
]


WINDOW = re.compile(r"^\d+[dhm]$")


def _window(value: str) -> str:
    if not WINDOW.match(value):
        raise ValueError(f"not a window: {value!r} (e.g. '30d', '12h', '90m')")
    return value


class Select(RequestSchema):
    step: Literal["select"]
    columns: Columns


class Rename(RequestSchema):
    step: Literal["rename"]
    columns: dict[ShortText, ShortText] = Field(min_length=1)


class Cast(RequestSchema):
    step: Literal["cast"]
    columns: dict[ShortText, Literal["integer", "number", "string", "boolean", "date"]] = Field(
        min_length=1
    )


class Filter(RequestSchema):
    step: Literal["filter"]
    expression: Expression


class Derive(RequestSchema):
    step: Literal["derive"]
    column: ShortText
    expression: Expression


class FillMissing(RequestSchema):
    step: Literal["fill_missing"]
    values: dict[ShortText, str | int | float | bool] = Field(min_length=1)


class Deduplicate(RequestSchema):
    step: Literal["deduplicate"]
    columns: Columns | None = None
    keep: Literal["first", "last"] = "first"


class Join(RequestSchema):
    step: Literal["join"]
    source: SourceSpec
    on: Columns
    columns: Columns
    how: Literal["left", "inner"] = "left"


class Aggregation(RequestSchema):
    column: ShortText
    fn: Literal["sum", "mean", "min", "max", "count", "count_distinct", "first", "last"]


class Aggregate(RequestSchema):
    step: Literal["aggregate"]
    group_by: Columns
    aggregations: dict[ShortText, Aggregation] = Field(min_length=1)


class Rolling(RequestSchema):
    step: Literal["rolling"]
    key: Columns
    time_column: ShortText
    column: ShortText
    window: Annotated[ShortText, AfterValidator(_window)]
    fn: Literal["sum", "mean", "count", "min", "max"] = "sum"
    output: ShortText


class Encode(RequestSchema):
    step: Literal["encode"]
    column: ShortText
    method: Literal["one_hot", "ordinal"] = "one_hot"
    categories: list[ShortText] | None = Field(default=None, max_length=500)


class Sql(RequestSchema):
    step: Literal["sql"]
    query: LongText


TransformStep = Annotated[
    Select
    | Rename
    | Cast
    | Filter
    | Derive
    | FillMissing
    | Deduplicate
    | Join
    | Aggregate
    | Rolling
    | Encode
    | Sql,
    Field(discriminator="step"),
]

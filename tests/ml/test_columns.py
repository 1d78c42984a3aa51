import datetime as dt

import pandas as pd
import pytest

from tests.ml.conftest import FEATURES
from urutiq_ai.ml.columns import ColumnKind, infer_column_types, validate_rows
from urutiq_ai.ml.errors import InputError

TYPES = {
    "amount": ColumnKind.NUMERIC,
    "vendor": ColumnKind.CATEGORICAL,
    "memo": ColumnKind.TEXT,
    "posted": ColumnKind.DATETIME,
    "recurring": ColumnKind.BOOLEAN,
}
ROW = {
    "amount": 12.5,
    "vendor": "acme",
    "memo": "office chairs for the team",
    "posted": "2024-03-01",
    "recurring": True,
}


class TestInferColumnTypes:
    def test_kinds(self, frame: pd.DataFrame) -> None:
        kinds = infer_column_types(frame, FEATURES)
        assert kinds == {
            "amount": "numeric",
            "noise": "numeric",
            "vendor": "categorical",
            "memo": "text",
            "posted": "datetime",
            "recurring": "boolean",
        }

    def test_iso_strings_are_dates_and_overrides_win(self) -> None:
        frame = pd.DataFrame({"d": ["2024-01-01", "2024-02-03T10:00:00"], "code": [1, 2]})
        kinds = infer_column_types(frame, ["d", "code"], {"code": "categorical"})
        assert kinds == {"d": ColumnKind.DATETIME, "code": ColumnKind.CATEGORICAL}


class TestValidateRows:
    def test_valid_rows_are_typed(self) -> None:
        out = validate_rows([ROW, {**ROW, "amount": None}], list(TYPES), TYPES)
        assert list(out.columns) == list(TYPES)
        assert out["posted"].iloc[0] == pd.Timestamp("2024-03-01")
        assert pd.isna(out["amount"].iloc[1])
        assert out["recurring"].tolist() == [1.0, 1.0]

    def test_missing_extra_and_wrong_types_are_listed(self) -> None:
        row = {**ROW, "amount": "twelve", "posted": "yesterday", "colour": "red"}
        del row["vendor"]
        with pytest.raises(InputError) as exc:
            validate_rows([row], list(TYPES), TYPES)
        fields = sorted(field for field, _ in exc.value.errors)
        assert fields == ["amount", "colour", "posted", "vendor"]
        reasons = dict(exc.value.errors)
        assert "missing" in reasons["vendor"]
        assert "unknown" in reasons["colour"]
        assert "number" in reasons["amount"]

    def test_accepts_dataframes_and_dates(self) -> None:
        frame = pd.DataFrame([{**ROW, "posted": dt.date(2024, 1, 2)}])
        assert len(validate_rows(frame, list(TYPES), TYPES)) == 1

    def test_bool_is_not_a_number(self) -> None:
        with pytest.raises(InputError) as exc:
            validate_rows([{**ROW, "amount": True}], list(TYPES), TYPES)
        assert [field for field, _ in exc.value.errors] == ["amount"]


def test_infinite_numbers_are_refused() -> None:
    from urutiq_ai.ml.columns import check_records

    with pytest.raises(InputError) as caught:
        check_records([{"amount": float("inf")}], ["amount"], {"amount": "numeric"})
    assert caught.value.errors == [("amount", "row 0: expected a finite number")]

"""``drift compare``: two CSV or Parquet files compared in-process (no API key, no model)."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.cli.conftest import Invoke

N = 400


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``amount`` shifts, ``vendor`` gains an unseen value, ``steady`` stays, dates move."""
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {
            "amount": rng.lognormal(0.0, 0.5, N),
            "vendor": np.repeat(["acme", "globex"], N // 2),
            "steady": np.arange(N) % 10 * 1.5,
            "posted": pd.date_range("2024-01-01", periods=N, freq="D").strftime("%Y-%m-%d"),
        }
    )
    current = pd.DataFrame(
        {
            "amount": rng.lognormal(0.4, 0.5, N),
            "vendor": np.repeat(["acme", "globex", "hooli"], [180, 180, 40]),
            "steady": np.arange(N) % 10 * 1.5,
            "posted": pd.date_range("2025-01-01", periods=N, freq="D").strftime("%Y-%m-%d"),
        }
    )
    return reference, current


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The two data sets as CSV and as Parquet; wide Rich tables."""
    monkeypatch.setenv("COLUMNS", "250")
    reference, current = _frames()
    paths = {
        "ref.csv": tmp_path / "ref.csv",
        "cur.csv": tmp_path / "cur.csv",
        "ref.parquet": tmp_path / "ref.parquet",
        "cur.parquet": tmp_path / "cur.parquet",
    }
    reference.to_csv(paths["ref.csv"], index=False)
    current.to_csv(paths["cur.csv"], index=False)
    reference.to_parquet(paths["ref.parquet"])
    current.to_parquet(paths["cur.parquet"])
    return paths


def _compare(invoke: Invoke, reference: Path, current: Path, *args: str) -> Any:
    result = invoke(
        "drift", "compare", "--reference", reference, "--current", current, "--json", *args
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _by_column(document: Any) -> dict[str, Any]:
    return {column["column"]: column for column in document["columns"]}


class TestTable:
    def test_table_and_verdict(self, invoke: Invoke, files: dict[str, Path]) -> None:
        result = invoke(
            "drift", "compare", "--reference", files["ref.csv"], "--current", files["cur.parquet"]
        )
        assert result.exit_code == 0, result.output
        out = result.stdout
        for header in ("column", "compared", "statistic", "score", "detected when", "status"):
            assert header in out
        lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("│")}
        assert set(lines) == {"amount", "vendor", "steady"}
        # each score with its statistic and rule: a p-value drifts when low
        assert "KS p-value" in lines["amount"]
        assert "p < 0.05" in lines["amount"]
        assert "detected" in lines["amount"]
        assert "Z-test p-value" in lines["vendor"]
        assert "unseen 10.0% (hooli)" in lines["vendor"]
        assert "normal" in lines["steady"]
        assert "ref.csv (400 rows) -> cur.parquet (400 rows)" in out
        assert "Skipped posted: date columns are not compared" in out
        assert "Dataset drift: yes (2 of 3 columns detected" in out

    def test_no_drift(self, invoke: Invoke, files: dict[str, Path]) -> None:
        result = invoke(
            "drift", "compare", "--reference", files["ref.csv"], "--current", files["ref.parquet"]
        )
        assert result.exit_code == 0, result.output
        rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
        assert len(rows) == 3
        assert all("normal" in row for row in rows)
        assert "Dataset drift: no (0 of 3 columns detected" in result.stdout

    def test_rare_shift_signal_in_the_table(
        self, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("COLUMNS", "250")
        pd.DataFrame({"flag": np.repeat(["no", "yes"], [1900, 100])}).to_csv(
            tmp_path / "r.csv", index=False
        )
        pd.DataFrame({"flag": np.repeat(["no", "yes"], [1820, 180])}).to_csv(
            tmp_path / "c.csv", index=False
        )
        result = invoke(
            "drift", "compare", "--reference", tmp_path / "r.csv", "--current", tmp_path / "c.csv"
        )
        assert result.exit_code == 0, result.output
        assert "JS distance" in result.stdout
        assert "≥ 0.1" in result.stdout
        assert "rare shift yes 5.0% -> 9.0%" in result.stdout

    def test_text_is_named_text_with_what_is_compared(
        self, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("COLUMNS", "250")
        words = np.array(["office", "chairs", "travel", "hotel", "fuel", "lunch", "taxi"])
        rng = np.random.default_rng(3)
        memos = [" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(400)]
        frame = pd.DataFrame({"description": memos})
        frame.to_csv(tmp_path / "r.csv", index=False)
        frame.to_csv(tmp_path / "c.csv", index=False)
        result = invoke(
            "drift", "compare", "--reference", tmp_path / "r.csv", "--current", tmp_path / "c.csv"
        )
        assert result.exit_code == 0, result.output
        (line,) = [row for row in result.stdout.splitlines() if row.startswith("│")]
        assert "text: word count per value" in line
        assert "numeric" not in line

    def test_nothing_compared(self, invoke: Invoke, tmp_path: Path) -> None:
        frame = pd.DataFrame({"posted": pd.date_range("2024-01-01", periods=40).astype(str)})
        frame.to_csv(tmp_path / "d.csv", index=False)
        result = invoke(
            "drift", "compare", "--reference", tmp_path / "d.csv", "--current", tmp_path / "d.csv"
        )
        assert result.exit_code == 0, result.output
        assert "No columns compared." in result.stdout
        assert "Skipped posted: date columns are not compared" in result.stdout
        assert "Dataset drift: not assessed (no column could be compared)" in result.stdout

    def test_a_mostly_null_column_is_skipped_with_the_reason(
        self, invoke: Invoke, files: dict[str, Path], tmp_path: Path
    ) -> None:
        _, current = _frames()
        current.loc[10:, "steady"] = None
        current.to_csv(tmp_path / "nulls.csv", index=False)
        result = invoke(
            "drift", "compare", "--reference", files["ref.csv"], "--current", tmp_path / "nulls.csv"
        )
        assert result.exit_code == 0, result.output
        lines = {line.split()[1]: line for line in result.stdout.splitlines() if "│" in line}
        assert set(lines) == {"amount", "vendor"}
        assert (
            "Skipped steady: only 10 non-null values in the current data; a drift test needs "
            "at least 30" in result.stdout
        )
        assert "Dataset drift: yes (2 of 2 columns detected" in result.stdout
        assert "drift at 50% or more; 2 skipped)" in result.stdout

    def test_markup_in_values_is_printed_as_is(
        self, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("COLUMNS", "250")
        pd.DataFrame({"v": ["a", "b"] * 50}).to_csv(tmp_path / "r.csv", index=False)
        pd.DataFrame({"v": ["a", "b"] * 45 + ["[red]x"] * 10}).to_csv(
            tmp_path / "c.csv", index=False
        )
        result = invoke(
            "drift", "compare", "--reference", tmp_path / "r.csv", "--current", tmp_path / "c.csv"
        )
        assert result.exit_code == 0, result.output
        assert "unseen 10.0% ([red]x)" in result.stdout


class TestJson:
    @pytest.mark.parametrize(
        ("reference", "current"),
        [
            ("ref.csv", "cur.csv"),
            ("ref.parquet", "cur.parquet"),
            ("ref.csv", "cur.parquet"),
        ],
    )
    def test_report(
        self, invoke: Invoke, files: dict[str, Path], reference: str, current: str
    ) -> None:
        document = _compare(invoke, files[reference], files[current])
        assert document["datasetDrift"] is True
        assert document["driftedColumns"] == ["amount", "vendor"]
        assert document["driftShare"] == pytest.approx(2 / 3)
        assert (document["referenceRows"], document["currentRows"]) == (N, N)
        assert document["skipped"] == {
            "posted": "date columns are not compared (time always moves)"
        }
        columns = _by_column(document)
        assert columns["amount"]["method"] == "ks"
        assert columns["steady"]["status"] == "normal"
        (signal,) = columns["vendor"]["analysis"]["signals"]
        assert signal["signal"] == "unseen_categories"
        assert signal["share"] == pytest.approx(0.1)

    def test_a_mostly_null_column_is_listed_as_skipped(
        self, invoke: Invoke, files: dict[str, Path], tmp_path: Path
    ) -> None:
        _, current = _frames()
        current.loc[10:, "steady"] = None
        current.to_parquet(tmp_path / "nulls.parquet")
        document = _compare(invoke, files["ref.parquet"], tmp_path / "nulls.parquet")
        assert document["skipped"]["steady"] == (
            "only 10 non-null values in the current data; a drift test needs at least 30"
        )
        assert set(_by_column(document)) == {"amount", "vendor"}
        assert document["driftShare"] == 1.0

    def test_columns(self, invoke: Invoke, files: dict[str, Path]) -> None:
        document = _compare(
            invoke, files["ref.csv"], files["cur.csv"], "--columns", " steady , amount"
        )
        assert [column["column"] for column in document["columns"]] == ["steady", "amount"]
        assert document["skipped"] == {}
        assert document["datasetDrift"] is True

    def test_method_and_threshold_overrides(self, invoke: Invoke, files: dict[str, Path]) -> None:
        document = _compare(
            invoke,
            files["ref.csv"],
            files["cur.csv"],
            "--method",
            "amount=psi",
            "--method",
            "steady = wasserstein",
            "--threshold",
            "amount=50",
            "--threshold",
            "vendor=1e-300",
        )
        columns = _by_column(document)
        assert (columns["amount"]["method"], columns["amount"]["threshold"]) == ("psi", 50.0)
        assert columns["amount"]["status"] == "normal"
        assert columns["steady"]["method"] == "wasserstein"
        assert columns["vendor"]["threshold"] == 1e-300
        # the unseen values still raise the status whatever the threshold
        assert columns["vendor"]["status"] == "detected"
        assert document["driftedColumns"] == ["vendor"]

    def test_threshold_alone_clears_a_column(self, invoke: Invoke, files: dict[str, Path]) -> None:
        document = _compare(
            invoke, files["ref.csv"], files["cur.csv"], "--threshold", "amount=1e-300"
        )
        assert _by_column(document)["amount"]["status"] == "normal"


class TestErrors:
    def _fails(self, invoke: Invoke, files: dict[str, Path], *args: Any) -> str:
        defaults = {"--reference": files["ref.csv"], "--current": files["cur.csv"]}
        given = list(args)
        for option, value in defaults.items():
            if option not in given:
                given += [option, value]
        result = invoke("drift", "compare", *given)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        return result.stderr

    def test_missing_reference(self, invoke: Invoke, files: dict[str, Path]) -> None:
        missing = files["ref.csv"].with_name("nope.csv")
        err = self._fails(invoke, files, "--reference", missing)
        assert f"Error: cannot read {missing}" in err
        assert "--reference: no such file" in err

    def test_missing_current(self, invoke: Invoke, files: dict[str, Path]) -> None:
        missing = files["ref.csv"].with_name("nope.parquet")
        err = self._fails(invoke, files, "--current", missing)
        assert "--current: no such file" in err

    def test_a_folder_is_no_file(self, invoke: Invoke, files: dict[str, Path]) -> None:
        folder = files["ref.csv"].parent / "dir.csv"
        folder.mkdir()
        assert "--current: no such file" in self._fails(invoke, files, "--current", folder)

    def test_unknown_suffix(self, invoke: Invoke, files: dict[str, Path]) -> None:
        other = files["ref.csv"].with_name("ref.xlsx")
        other.write_text("a\n1\n")
        err = self._fails(invoke, files, "--reference", other)
        assert "--reference: unknown file type; use one of .csv, .parquet, .pq" in err

    @pytest.mark.parametrize(
        ("name", "content"),
        [("bad.parquet", b"not a parquet file"), ("empty.csv", b""), ("bad.csv", b'a\n"x\n')],
    )
    def test_unreadable_file(
        self, invoke: Invoke, files: dict[str, Path], name: str, content: bytes
    ) -> None:
        path = files["ref.csv"].with_name(name)
        path.write_bytes(content)
        err = self._fails(invoke, files, "--current", path)
        assert f"Error: cannot read {path}" in err
        assert "  --current: " in err

    @pytest.mark.parametrize("suffix", [".csv", ".parquet"])
    def test_a_tiny_current_file_is_refused(
        self, invoke: Invoke, files: dict[str, Path], suffix: str
    ) -> None:
        _, current = _frames()
        path = files["ref.csv"].with_name(f"tiny{suffix}")
        tiny = current.head(3)
        if suffix == ".csv":
            tiny.to_csv(path, index=False)
        else:
            tiny.to_parquet(path)
        err = self._fails(invoke, files, "--current", path)
        assert "Error: invalid drift comparison" in err
        assert "  current: 3 rows; a drift comparison needs at least 30 in each data set" in err

    def test_an_empty_current_file_is_refused(self, invoke: Invoke, files: dict[str, Path]) -> None:
        path = files["ref.csv"].with_name("header_only.csv")
        path.write_text("amount,vendor,steady,posted\n")
        err = self._fails(invoke, files, "--current", path)
        assert "Error: invalid drift comparison" in err
        assert "  current: 0 rows; a drift comparison needs at least 30 in each data set" in err

    def test_a_tiny_reference_file_is_refused(self, invoke: Invoke, files: dict[str, Path]) -> None:
        reference, _ = _frames()
        path = files["ref.csv"].with_name("small_ref.csv")
        reference.head(29).to_csv(path, index=False)
        err = self._fails(invoke, files, "--reference", path)
        assert "  reference: 29 rows; a drift comparison needs at least 30" in err

    @pytest.mark.parametrize("item", ["amount", "=ks", "amount=", "amount:ks"])
    def test_bad_method_syntax(self, invoke: Invoke, files: dict[str, Path], item: str) -> None:
        err = self._fails(invoke, files, "--method", item)
        assert f"Error: invalid --method {item!r}" in err
        assert "--method: expected COLUMN=VALUE, e.g. amount=ks" in err

    def test_method_given_twice(self, invoke: Invoke, files: dict[str, Path]) -> None:
        err = self._fails(invoke, files, "--method", "amount=ks", "--method", "amount=psi")
        assert "--method: column 'amount' given twice" in err

    @pytest.mark.parametrize("item", ["amount", "amount=", "=0.2"])
    def test_bad_threshold_syntax(self, invoke: Invoke, files: dict[str, Path], item: str) -> None:
        err = self._fails(invoke, files, "--threshold", item)
        assert f"Error: invalid --threshold {item!r}" in err
        assert "--threshold: expected COLUMN=VALUE, e.g. amount=0.2" in err

    def test_threshold_not_a_number(self, invoke: Invoke, files: dict[str, Path]) -> None:
        err = self._fails(invoke, files, "--threshold", "amount=high")
        assert "Error: invalid --threshold amount=high" in err
        assert "thresholds.amount: must be a number" in err

    @pytest.mark.parametrize("value", ["0", "-0.5", "nan"])
    def test_threshold_not_positive(
        self, invoke: Invoke, files: dict[str, Path], value: str
    ) -> None:
        err = self._fails(invoke, files, "--threshold", f"amount={value}")
        assert "Error: invalid drift comparison" in err
        assert "thresholds.amount: must be a positive, finite number" in err

    def test_unknown_method(self, invoke: Invoke, files: dict[str, Path]) -> None:
        err = self._fails(invoke, files, "--method", "amount=ttest")
        assert "Error: invalid drift comparison" in err
        assert "methods.amount: unknown method 'ttest'" in err

    def test_override_of_an_unknown_column(self, invoke: Invoke, files: dict[str, Path]) -> None:
        err = self._fails(invoke, files, "--method", "nope=ks", "--threshold", "gone=0.2")
        assert "methods.nope: unknown column" in err
        assert "thresholds.gone: unknown column" in err

    def test_unknown_column(self, invoke: Invoke, files: dict[str, Path]) -> None:
        err = self._fails(invoke, files, "--columns", "amount,nope")
        assert "Error: invalid drift comparison" in err
        assert "nope: not in the reference data" in err

    def test_empty_columns(self, invoke: Invoke, files: dict[str, Path]) -> None:
        err = self._fails(invoke, files, "--columns", " , ")
        assert "--columns: expected comma-separated column names" in err


def test_the_group_lists_compare(invoke: Invoke) -> None:
    result = invoke("drift", "--help")
    assert result.exit_code == 0, result.output
    assert "compare" in result.stdout

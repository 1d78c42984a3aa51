"""CLI output helpers: loss curves in a line, tables fitted to the terminal, the busy bar."""

import io
from datetime import datetime

import pytest
from pydantic import BaseModel
from rich.console import Console

from urutiq_ai.cli._output import (
    FOLD_LEAST,
    Column,
    busy,
    cell,
    fit_columns,
    is_curve,
    print_fitted,
    print_table,
    ranked,
    sparkline,
)


class TestCurves:
    def test_a_curve_is_recognised(self) -> None:
        assert is_curve([{"epoch": 1, "loss": 0.5}])
        assert not is_curve([])
        assert not is_curve([{"epoch": 1}])
        assert not is_curve({"epoch": 1, "loss": 0.5})

    def test_sparkline_summarises_first_and_last(self) -> None:
        points = [{"epoch": i, "loss": 1.0 / i} for i in range(1, 101)]
        line = sparkline(points)
        assert line.startswith("100 points, 1 -> 0.01 ")
        marks = line.rsplit(" ", 1)[1]
        assert marks[0] == "█"
        assert marks[-1] == "▁"

    def test_cell_uses_it(self) -> None:
        assert cell([{"epoch": 1, "loss": 2.0}, {"epoch": 2, "loss": 1.0}]).startswith("2 points")
        assert cell([1, 2]) == "[1,2]"


class Row(BaseModel):
    id: str
    model_name: str
    model_version: str
    model_type: str
    status: str
    created_at: datetime


ROWS = [
    Row(
        id="f33f5f758e1d4433adfd30e56be96a63",
        model_name="cashflow_prediction",
        model_version="1.2.0",
        model_type="anomaly_detection",
        status="active",
        created_at=datetime(2026, 12, 1, 18, 16, 27),
    )
]
MODEL_COLUMNS = ranked(
    {
        "id": 0,
        "model_name": 1,
        "model_version": 1,
        "model_type": 3,
        "status": 2,
        "created_at": 4,
    }
)


def printed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: int) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    print_table("models", MODEL_COLUMNS, ROWS)
    return capsys.readouterr().out


class TestFitting:
    def test_everything_shows_when_it_fits(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = printed(monkeypatch, capsys, 200)
        for text in ("f33f5f758e1d4433adfd30e56be96a63", "anomaly_detection", "18:16:27"):
            assert text in out
        assert "hidden" not in out

    def test_at_80_columns_lesser_columns_go_and_a_footnote_names_them(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = printed(monkeypatch, capsys, 80)
        assert "…" not in out
        assert max(len(line) for line in out.splitlines()[:-1]) <= 80
        for text in ("f33f5f758e1d4433adfd30e56be96a63", "cashflow_prediction", "1.2.0", "active"):
            assert text in out  # whole: ids and names are never cut
        assert "anomaly_detection" not in out
        assert out.splitlines()[-1] == (
            "2 columns hidden (modelType, createdAt): --json or a wider terminal shows all"
        )

    def test_the_id_stays_whole_however_narrow(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = printed(monkeypatch, capsys, 40)
        assert "f33f5f758e1d4433adfd30e56be96a63" in out
        assert "5 columns hidden" in out

    def test_the_highest_rank_goes_first_and_a_lesser_column_that_fits_stays(self) -> None:
        columns = [
            Column("id", str, rank=0),
            Column("w", str, rank=1),
            Column("n", str, rank=2),
        ]
        cells = [["x" * 10, "y" * 30, "z" * 5]]
        # the table: widths + 3 per column - 1
        assert fit_columns(columns, cells, 10 + 30 + 5 + 8) == ([0, 1, 2], {})
        assert fit_columns(columns, cells, 10 + 30 + 5 + 7) == ([0, 1], {})
        assert fit_columns(columns, cells, 30) == ([0, 2], {})
        assert fit_columns(columns, cells, 5) == ([0], {})

    def test_free_text_folds_at_spaces_instead_of_being_cut(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("COLUMNS", "60")
        columns = [
            Column("id", lambda row: row["id"], rank=0),
            Column("verdict", lambda row: row["verdict"], wrap=True),
        ]
        verdict = "inconclusive: collect more data (24086 more outcomes per arm)"
        row = {"id": "ff63a5dcc58e403ba18804fca5172553", "verdict": verdict}
        kept, widths = fit_columns(columns, [[row["id"], verdict]], 60)
        assert kept == [0, 1]
        assert widths == {1: 60 - 32 - 5}
        print_fitted("experiments", columns, [row])
        out = capsys.readouterr().out
        assert "…" not in out
        words = " ".join(line.split("│")[1].strip() for line in out.splitlines()[3:])
        assert words.split() == verdict.split()

    def test_a_long_value_folds_inside_its_words_instead_of_being_hidden(self) -> None:
        value = '{"name":"professional_subscriptions_and_memberships"}'
        cells = [["categories.2", value]]
        path = Column("path", str, rank=0)
        # as free text its one word is wider than the room: the column would go
        assert fit_columns([path, Column("new", str, wrap=True)], cells, 40) == ([0], {})
        kept, widths = fit_columns([path, Column("new", str, fold=True)], cells, 40)
        assert kept == [0, 1]
        assert widths == {1: 40 - len("categories.2") - 5}  # 5: the padding and the rule
        assert fit_columns([path, Column("new", str, fold=True)], cells, 12 + 5 + FOLD_LEAST) == (
            [0, 1],
            {1: FOLD_LEAST},
        )

    def test_a_cell_takes_its_style_from_its_text(self) -> None:
        out = io.StringIO()
        console = Console(file=out, width=40, force_terminal=True, color_system="standard")
        columns = [
            Column("check", lambda row: row[0], rank=0),
            Column("status", lambda row: row[1], styles={"fail": "bold red"}),
        ]
        print_fitted("checks", columns, [("a", "fail"), ("b", "pass")], console=console)
        assert "\x1b[1;31mfail" in out.getvalue()
        assert " pass " in out.getvalue()  # no style for it


class TestBusy:
    def test_a_terminal_sees_the_label_on_stderr_only(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
        with busy("computing shap importances"):
            pass
        out, err = capsys.readouterr()
        assert out == ""
        assert "computing shap importances" in err

    def test_nothing_when_stderr_is_no_terminal(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("TTY_COMPATIBLE", "0")
        with busy("computing shap importances"):
            pass
        assert capsys.readouterr() == ("", "")

"""Compact rendering of loss curves in CLI tables."""

from urutiq_ai.cli._output import cell, is_curve, sparkline


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

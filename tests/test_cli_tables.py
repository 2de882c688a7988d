"""Console tables at 80 columns: a figure (an amount, a date, a bound of an interval) is never cut in two nor cut
short, however many columns the table has; only headers break inside a word."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
import pytest

from junshi.cli import output


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COLUMNS", "80")
    output._console.cache_clear()
    yield
    output._console.cache_clear()


def _cells(text: str) -> list[str]:
    """Every word inside the table's body rows."""
    return [w for line in text.splitlines() if line.startswith("│") for w in re.split(r"[│\s]+", line) if w]


def test_eight_columns_of_figures_and_a_date_keep_every_figure_whole(narrow: None,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The logistics summary's shape: eight columns whose whole header words do not fit in 80 cells."""
    frame = pd.DataFrame([{"Delivered orders": 13397, "Late orders": 2964, "Late delivery share": 0.2212,
                           "Hours to ship": 18.34, "Days to deliver": 2.73, "Rating, on time": 4.309,
                           "Rating, late": 3.911, "As of": "2026-11-27"}])
    output.print_frame(frame, "table", "Logistics")
    words = _cells(capsys.readouterr().out)
    assert {"13397", "2964", "0.2212", "18.34", "2.73", "4.309", "3.911", "2026-11-27"} <= set(words), words


def test_an_interval_breaks_between_its_bounds_never_inside_one(narrow: None,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """An A/B readout's shape: a text column holding "+effect [low, high]", beside six others."""
    frame = pd.DataFrame([["Conversion (paying visitors / visitors) (CUPED)", "0.02758", "0.03729",
                           "+0.00971 [0.0007173, 0.0187]", "+35.2%", "0.0343", "0.222"]],
                         columns=["metric", "主推款-爆款", "拉新计划", "difference [95% CI]", "relative", "p",
                                  "always-valid p"])
    output.print_frame(frame, "table", "A/B")
    out = capsys.readouterr().out
    assert "…" not in out
    assert {"+0.00971", "[0.0007173,", "0.0187]", "+35.2%", "0.0343", "0.222"} <= set(_cells(out)), out


def test_columns_without_figures_keep_their_headers_readable(narrow: None, capsys: pytest.CaptureFixture[str]) -> None:
    """An orders-only shop's logistics: no delivery known, so seven empty columns and a date. They were each made one
    cell wide (their widest figure), the headers printed a letter a line."""
    frame = pd.DataFrame([{"Delivered orders": 0, "Late orders": 0, "Late delivery share": None,
                           "Hours to ship": None, "Days to deliver": None, "Rating, on time": None,
                           "Rating, late": None, "As of": "2011-12-09"}])
    output.print_frame(frame, "table", "Logistics")
    out = capsys.readouterr().out
    assert "Delivered" in out and "2011-12-09" in out and len(out.splitlines()) < 12, out


def test_a_table_too_wide_even_so_prints_a_record_at_a_time(narrow: None, capsys: pytest.CaptureFixture[str]) -> None:
    """`junshi ads channels`' shape: a channel and twelve figures do not fit 80 cells even with headers broken; folded,
    every figure was cut (748,941 over two lines). Each channel is a block of header and value lines instead, the
    figures in their units (money in the shop's currency, a ratio as a percent, a change signed)."""
    columns = {"channel": None, **{f"m{i}": "money" for i in range(10)}, "share": "ratio", "cost_change": "money"}
    rows = [{"channel": name, **{f"m{i}": 748941.5 + i for i in range(10)}, "share": 0.5388, "cost_change": 12.5}
            for name in ("钻展", "直通车")]
    labels = {k: f"Header {k}" for k in columns}
    output.print_frame(pd.DataFrame(rows), "table", "Ads", units={k: u for k, u in columns.items() if u},
                       labels=labels, currency="GBP")
    lines = capsys.readouterr().out.splitlines()
    records = [re.split(r"\s*│\s*", line.strip("│ ")) for line in lines if line.startswith("│")]
    assert records[0] == ["Header channel", "钻展"] and records[13] == ["Header channel", "直通车"]
    assert records[1] == ["Header m0", "£748,941.50"] and records[11] == ["Header share", "53.88%"]
    assert records[12] == ["Header cost_change", "+£12.50"] and len(records) == 26
    assert all(len(line) <= 80 for line in lines)

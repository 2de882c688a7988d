"""Ingest speed: `junshi ingest --preset online-retail` vs DuckDB's own read_csv + INSERT of the same file.

Target (issue 2): loading all 541,909 rows of UCI Online Retail takes at most 3x the baseline. Both run
in this process on fresh DuckDB files; each is timed best of ``REPEATS``. Exits 1 when the target is missed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

from junshi.ingest import ingest
from junshi.warehouse import Warehouse

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "online_retail"
FILE = DATA / "online_retail_2010-12-01_2011-12-09.csv"
REPEATS = 3
TARGET = 3.0


def baseline(db: Path) -> float:
    """DuckDB alone: create the table, INSERT ... SELECT * FROM read_csv(file), commit."""
    con = duckdb.connect(str(db))
    start = time.perf_counter()
    con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{FILE}') LIMIT 0")
    con.execute(f"INSERT INTO raw SELECT * FROM read_csv('{FILE}')")
    con.close()
    return time.perf_counter() - start


def junshi(db: Path) -> float:
    """Junshi: read, type, validate, quarantine, build orders/items/refunds/products/customers, commit."""
    wh = Warehouse(db)
    start = time.perf_counter()
    report = ingest(wh, "bench", [FILE], preset="online-retail")
    wh.close()
    assert report.rows_loaded + report.rows_quarantined == 541_909
    return time.perf_counter() - start


def main() -> int:
    if not FILE.is_file():
        print(f"missing {FILE}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        base = min(baseline(Path(tmp) / f"b{i}.duckdb") for i in range(REPEATS))
        ours = min(junshi(Path(tmp) / f"j{i}.duckdb") for i in range(REPEATS))
    ratio = ours / base
    print(f"online-retail 541,909 rows: duckdb read_csv+INSERT {base:.2f}s, junshi ingest {ours:.2f}s, "
          f"ratio {ratio:.2f}x (target <= {TARGET:.0f}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

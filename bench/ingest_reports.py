"""Many small report files: `junshi ingest FOLDER` vs DuckDB reading the same files into tables.

The folder is what `junshi simulate --days 30 --visitors-per-day 300 --as taobao` writes (生意参谋 daily
reports, one file per day per report, plus order and ad exports); pass another folder as the first
argument to time that instead. The baseline is the floor of the work: every file read (CSV by
read_csv after the same GBK-to-UTF-8 step, workbooks by calamine as Junshi reads them) into a table
of its own, in one transaction.
Both run in this process on fresh DuckDB files, best of ``REPEATS``; prints seconds per file and the ratio.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from junshi.ingest import ingest
from junshi.ingest.readers import _excel_table, prepare_text
from junshi.warehouse import Warehouse

REPEATS = 2
EXCEL = {".xls", ".xlsx"}


def simulate(out: Path, db: Path) -> None:
    """Write the demo shop's Taobao downloads into ``out`` (through the CLI, as a seller would)."""
    subprocess.run(
        [sys.executable, "-c", "from junshi.cli import main; main()", "simulate", "--days", "30",
         "--visitors-per-day", "300", "--as", "taobao", "--out", str(out), "--db", str(db)],
        check=True, capture_output=True,
    )


def baseline(files: list[Path], db: Path) -> float:
    """DuckDB alone: each file into its own table (all text), one transaction, commit."""
    con = duckdb.connect(str(db))
    start = time.perf_counter()
    con.execute("BEGIN")
    for i, path in enumerate(files):
        if path.suffix.lower() in EXCEL:
            table, _ = _excel_table(path)
            con.register("_arrow", table)
            con.execute(f"CREATE TABLE t{i} AS SELECT * FROM _arrow")
            con.unregister("_arrow")
        else:
            text = prepare_text(path, db.parent)
            con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{text.path}', all_varchar=true)")
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start


def junshi(folder: Path, db: Path) -> float:
    """Junshi: recognise each file's kind, read, type, check, quarantine, upsert, commit."""
    wh = Warehouse(db)
    start = time.perf_counter()
    report = ingest(wh, "bench", [folder])
    wh.close()
    assert report.rows_loaded > 0
    return time.perf_counter() - start


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = Path(sys.argv[1]) if len(sys.argv) > 1 else work / "taobao"
        if len(sys.argv) <= 1:
            simulate(folder, work / "sim.duckdb")
        files = sorted(p for p in folder.iterdir() if p.is_file())
        base = min(baseline(files, work / f"b{i}.duckdb") for i in range(REPEATS))
        ours = min(junshi(folder, work / f"j{i}.duckdb") for i in range(REPEATS))
    n = len(files)
    print(f"{n} report files: duckdb read {base:.2f}s ({base / n * 1000:.0f} ms/file), junshi ingest {ours:.2f}s "
          f"({ours / n * 1000:.0f} ms/file), ratio {ours / base:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`junshi ingest` / `junshi quarantine` as a user runs them: exit codes, messages without tracebacks,
and a run killed half-way leaving the warehouse exactly as it was."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from junshi.cli import main
from junshi.i18n import set_lang

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
RETAIL = "online_retail/online_retail_2010-12-01_2011-12-09.csv"
JUNSHI = str(Path(sys.executable).parent / "junshi")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process like the ``junshi`` script: (exit code, stdout, stderr without line wraps)."""
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        set_lang(None)
    out, err = capsys.readouterr()
    return code, out, "".join(err.split())


def snapshot(db: Path) -> dict[str, object]:
    """Every table's row count and an order-independent checksum of its rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {n: con.execute(f'SELECT count(*), sum(hash(t)) FROM "{n}" t').fetchall()[0] for n in sorted(names)}
    finally:
        con.close()


def test_exit_codes_and_messages(capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path) -> None:
    db = str(db_path)
    code, out, _ = run(capsys, "ingest", str(FIXTURES / "orders_zh_bom.csv"), "--db", db, "--format", "json")
    assert code == 0 and json.loads(out)["rows_quarantined"] == 2
    code, out, _ = run(capsys, "ingest", str(FIXTURES / "orders_zh_bom.csv"), "--db", db)
    assert code == 0 and "orders" in out

    code, _, err = run(capsys, "ingest", str(FIXTURES / "orders_zh_bom.csv"), "--db", db, "--shop", "s", "--strict")
    assert code == 3 and "--strict" in err and "Traceback" not in err

    (tmp_path / "x.csv").write_text("foo,bar\n1,2\n")
    code, _, err = run(capsys, "--lang", "zh", "ingest", str(tmp_path / "x.csv"), "--db", db)
    assert code == 2 and "没有可用的列" in err and "foo,bar" in err and "怎么办" in err

    code, _, err = run(capsys, "ingest", str(tmp_path / "nope.csv"), "--db", db)
    assert code == 2 and "Nosuchfile" in err
    code, _, err = run(capsys, "ingest", str(tmp_path / "x.csv"), "--preset", "nope", "--db", db)
    assert code == 2 and "Unknownpreset" in err
    code, out, _ = run(capsys, "ingest", str(tmp_path / "m.csv"), "--map", "oops", "--db", db)
    assert code == 2

    code, out, _ = run(capsys, "quarantine", "--db", db, "--format", "json")
    assert code == 0 and sorted(r["source_line"] for r in json.loads(out)) == [3, 4]
    code, out, _ = run(capsys, "quarantine", "--db", db, "--file", str(FIXTURES / "orders_zh_bom.csv"))
    assert code == 0 and "2 of 2" in " ".join(out.split())


def test_map_option_on_the_command_line(capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("单号,成交时刻\nM1,2024-03-01 12:00\n")
    code, _, err = run(capsys, "ingest", str(tmp_path / "m.csv"), "--db", str(db_path), "--map", "单号=order_id",
                       "--map", "成交时刻=created_at")
    assert code == 0, err
    assert snapshot(db_path)["orders"] == (1, snapshot(db_path)["orders"][1])  # type: ignore[index]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_mid_load_leaves_the_warehouse_as_before(db_path: Path, tmp_path: Path, shared_data: Path,
                                                        sig: signal.Signals) -> None:
    """A warehouse holding one load; a second load of ~1.1M rows is killed (SIGKILL) or interrupted (Ctrl-C)
    once it is writing (its step log says so): every table is exactly as before, and the warehouse opens and
    loads again."""
    with __import__("junshi").connect(db_path) as shop:
        shop.ingest(FIXTURES / "orders_zh_bom.csv")
    before = snapshot(db_path)
    src = (shared_data / RETAIL).read_text(encoding="utf-8").splitlines(keepends=True)
    big = tmp_path / "retail_twice.csv"
    big.write_text("".join(src + src[1:]), encoding="utf-8")

    proc = subprocess.Popen([JUNSHI, "ingest", str(big), "--preset", "online-retail", "--shop", "uk",
                             "--db", str(db_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    log = []
    for line in proc.stderr:
        log.append(line)
        if line.startswith("writing order_items"):
            break
    assert proc.poll() is None, "".join(log)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "Traceback" not in err, err
    assert snapshot(db_path) == before
    with __import__("junshi").connect(db_path, "ub") as shop:
        assert shop.ingest(FIXTURES / "userbehavior.csv", preset="taobao-userbehavior").committed

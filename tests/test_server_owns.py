"""The CLI beside a running server (issue 14 point 4): a real `junshi serve` process on a loopback port owns
the warehouse; `junshi kpi`, `diagnose`, `ingest` ... on the same --db run through it and print exactly what
they print without a server; a load is on the dashboard's API as soon as it commits; one load at a time."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from channel_servers import FakeClock, channel_server
from junshi.api.app import create_app
from junshi.remote import endpoint_file, find_server, write_endpoint
from junshi.simulate import simulate

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SRC = Path(__file__).resolve().parents[1] / "src"
END = dt.date(2024, 6, 30)
# Commands whose output must not depend on whether a server holds the warehouse.
SAME_OUTPUT = (
    ("kpi", "-m", "sales,uv,paid_buyers", "--by", "day", "--from", "2024-06-24"),
    ("kpi", "-m", "sales,payment_conversion_rate", "--by", "source", "--from", "2024-06-16", "--to", "2024-06-30",
     "--compare", "previous", "--format", "json"),
    ("kpi", "-m", "sales", "--compare", "previous"),  # an error: a message and a hint, exit code 2
    ("--lang", "zh", "diagnose", "--date", "2024-06-30"),
    ("alerts", "--date", "2024-06-30", "--format", "json"),
    ("customers", "rfm"),
    ("shop", "show"),
)


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUNSHI_")}
    return {**env, "PYTHONPATH": str(SRC), "JUNSHI_CONFIG": str(tmp / "config.json"), "COLUMNS": "100"}


def junshi(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `junshi` command as a user runs it, in its own process."""
    code = "import sys; from junshi.cli import main; sys.argv[0] = 'junshi'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str, token: str) -> Any:
    call = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(call, timeout=120) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated shop (30 days, ~150 new visits a day). Copy before writing."""
    path = tmp_path_factory.mktemp("owned") / "shop.duckdb"
    simulate(path, days=30, visitors_per_day=150, seed=3, lang="zh", end_date=END)
    return path


@pytest.fixture
def served(shop_db: Path, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], subprocess.Popen[str]]]:
    """(warehouse, environment, server process): `junshi serve` on a free loopback port over a copy of the
    shop, started from another folder than the commands', stopped (SIGINT) afterwards."""
    db = tmp_path / "shop.duckdb"
    shutil.copy(shop_db, db)
    env = _env(tmp_path)
    elsewhere = tmp_path / "server-cwd"
    elsewhere.mkdir()
    code = "import sys; from junshi.cli import main; sys.argv[0] = 'junshi'; main()"
    server = subprocess.Popen([sys.executable, "-c", code, "serve", "--db", str(db), "--port", str(_free_port())],
                              cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    file = endpoint_file(str(db))
    assert file is not None
    deadline = time.monotonic() + 120
    while not file.exists():
        assert server.poll() is None, server.communicate()
        assert time.monotonic() < deadline, "the server wrote no endpoint file"
        time.sleep(0.2)
    try:
        yield db, env, server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_commands_print_the_same_with_and_without_a_server(
    shop_db: Path, served: tuple[Path, dict[str, str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    """Each command once on the warehouse alone (before the server started: a copy of the same file) and once
    through the server holding it: the same stdout, stderr and exit code. The server really answered: its
    warehouse is locked, so a direct open would have failed."""
    db, env, server = served
    alone = tmp_path / "alone.duckdb"
    shutil.copy(shop_db, alone)
    endpoint = find_server(str(db))
    assert endpoint is not None and endpoint.pid == server.pid and endpoint.url.startswith("http://127.0.0.1:")
    file = endpoint_file(str(db))
    assert file is not None and stat.S_IMODE(file.stat().st_mode) == 0o600
    assert json.loads(file.read_text())["token"] == endpoint.token
    for command in SAME_OUTPUT:
        direct = junshi(env, tmp_path, *command, "--db", str(alone))
        through = junshi(env, tmp_path, *command, "--db", str(db))
        assert direct.returncode == (2 if command == SAME_OUTPUT[2] else 0), (command, direct.stderr)
        assert (through.stdout, through.stderr, through.returncode) == (
            direct.stdout, direct.stderr, direct.returncode), command
    held = junshi(env, tmp_path, "simulate", "--days", "2", "--db", str(db))
    assert held.returncode != 0 and "junshi serve" in held.stderr and str(server.pid) in held.stderr
    assert "Traceback" not in held.stderr


def test_a_load_through_the_server_is_on_the_dashboard_at_once(
    served: tuple[Path, dict[str, str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    """`junshi ingest` with a path relative to the user's folder (the server runs in another folder) loads
    through the server; its API shows the new orders right after: 订单 A001 (¥128.50 paid) of the fixture
    lands in shop s2, whose sales go from nothing to 128.50; `junshi kpi` through the server agrees; the
    served shop's data version moved on. After SIGINT the endpoint file is gone and commands open the
    warehouse themselves."""
    db, env, server = served
    endpoint = find_server(str(db))
    assert endpoint is not None
    shutil.copy(FIXTURES / "orders_zh_bom.csv", tmp_path / "orders.csv")
    before = _get(endpoint.url + "/api/status", endpoint.token)["version"]
    loaded = junshi(env, tmp_path, "ingest", "orders.csv", "--db", str(db), "--shop", "s2", "--format", "json")
    assert loaded.returncode == 0, loaded.stderr
    report = json.loads(loaded.stdout)
    assert report["rows_loaded"] == 2 and report["rows_quarantined"] == 2
    assert _get(endpoint.url + "/api/status", endpoint.token)["version"] == before + 1
    kpi = junshi(env, tmp_path, "kpi", "-m", "sales", "--db", str(db), "--shop", "s2", "--format", "json")
    assert kpi.returncode == 0, kpi.stderr
    assert json.loads(kpi.stdout)["rows"][0]["sales"] == pytest.approx(128.5)
    answer = _get(endpoint.url + "/api/kpi?metrics=paid_orders", endpoint.token)
    assert answer["rows"][0]["paid_orders"] > 0  # the served shop still answers beside the load

    server.send_signal(signal.SIGINT)
    server.wait(timeout=60)
    file = endpoint_file(str(db))
    assert file is not None and not file.exists()
    after = junshi(env, tmp_path, "kpi", "-m", "sales", "--db", str(db), "--shop", "s2", "--format", "json")
    assert after.returncode == 0 and json.loads(after.stdout) == json.loads(kpi.stdout)


def test_a_stale_endpoint_file_is_removed(shop_db: Path, tmp_path: Path) -> None:
    """An endpoint file left by a server that died (its pid gone) is not followed: the command opens the
    warehouse itself and removes the file."""
    db = tmp_path / "shop.duckdb"
    shutil.copy(shop_db, db)
    file = write_endpoint(str(db), "http://127.0.0.1:9", "x" * 32, "default")
    assert file is not None
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    file.write_text(json.dumps({**json.loads(file.read_text()), "pid": int(dead.stdout)}))
    assert find_server(str(db)) is None and not file.exists()


def test_one_load_at_a_time_and_only_local_clients(shop_db: Path, tmp_path: Path) -> None:
    """A load sent while another runs is refused (the Busy error, exit code non-zero) and loads nothing; a
    client that is not on the server's machine gets no command run (400)."""
    db = tmp_path / "shop.duckdb"
    shutil.copy(shop_db, db)
    app = create_app(db, "t" * 32)
    call = {"argv": ["ingest", str(FIXTURES / "orders_zh_bom.csv"), "--shop", "s2"], "cwd": str(tmp_path),
            "lang": "en", "shop": "s2"}
    auth = {"Authorization": "Bearer " + "t" * 32}
    with TestClient(app, client=("127.0.0.1", 5000)) as client:
        engine = app.state.engine
        with engine.writing():
            busy = client.post("/api/cli", json=call, headers=auth).json()
        assert busy["exit_code"] != 0 and "Another ingest is running" in busy["stderr"], busy
        count = engine.shop().warehouse.con.execute("SELECT count(*) FROM orders WHERE shop_id = 's2'").fetchall()
        assert count == [(0,)]
        done = client.post("/api/cli", json=call, headers=auth).json()
        assert done["exit_code"] == 0, done
        assert "Loaded 2 rows" in done["stdout"]
    with TestClient(create_app(db, "t" * 32), client=("192.0.2.7", 5000)) as remote:
        refused = remote.post("/api/cli", json=call, headers=auth)
        assert refused.status_code == 400 and "machine" in refused.json()["error"]["en"]["message"]


def test_schedule_run_goes_through_the_server(
    served: tuple[Path, dict[str, str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    """While the server holds the warehouse, `junshi schedule add` stores a schedule due a minute ago and
    `junshi schedule run --once` sends its report through the server (to a local Slack stand-in): one message,
    the runner's line printed by the client; a second run finds it sent and sends nothing."""
    db, env, _ = served
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")) - dt.timedelta(minutes=1)
    with channel_server("slack", None, FakeClock()) as channel:
        added = junshi(env, tmp_path, "schedule", "add", "now", "--to", "slack", "--webhook", channel.url, "--at",
                       now.strftime("%H:%M"), "--wait", "0", "--db", str(db))
        assert added.returncode == 0, added.stderr
        first = junshi(env, tmp_path, "schedule", "run", "--once", "--db", str(db))
        second = junshi(env, tmp_path, "schedule", "run", "--once", "--db", str(db))
    assert first.returncode == 0 and second.returncode == 0, (first.stderr, second.stderr)
    assert len(channel.received) == 1
    assert "default/" in first.stderr and "default/" not in second.stderr

"""A wheel built by ``python -m build`` serves a working dashboard from a fresh virtual environment, without npm.

The wheel is built from the files git would commit (tracked, or new and not ignored), installed with
``--no-deps`` into a new venv whose only other entry on ``sys.path`` is a ``.pth`` line naming this test
runner's site-packages (for the runtime dependencies, already installed: nothing is downloaded). The
installed ``junshi serve`` must then serve a page and the ECharts build the page loads, and refuse to
start, naming the file, once that build is removed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import httpx
import pytest

import junshi

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "wheel-token-0123456789abcdef"
VENDOR = ROOT / "src" / "junshi" / "web" / "static" / "vendor"


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the venv's bin folder, the environment to run it in) with the freshly built wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    files = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():  # a file deleted but not yet committed is skipped
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    # without isolation: the build backend (setuptools) comes from the dev extra instead of a download
    _run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "dist", source)
    wheel = next((work / "dist").glob("junshi-*.whl"))
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    bin_dir = env_dir / "bin"
    _run(sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--no-deps", "--no-index", wheel)
    site = Path(_run(bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "runner-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "JUNSHI_DB"}}
    env["JUNSHI_CONFIG"] = str(work / "config.json")
    where = _run(bin_dir / "python", "-c", "import junshi; print(junshi.__file__)", env=env).strip()
    assert where.startswith(str(site)), f"junshi must come from the wheel, not {where}"
    return bin_dir, env


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small warehouse: three paid orders on 2024-05-01 and 2024-05-02."""
    folder = tmp_path_factory.mktemp("wheel-db")
    orders = folder / "orders.csv"
    orders.write_text(
        "order_id,customer_id,created_at,paid_at,pay_amount\n"
        "W1,C1,2024-05-01 10:00:00,2024-05-01 10:01:00,10.00\n"
        "W2,C2,2024-05-02 11:00:00,2024-05-02 11:01:00,20.00\n"
        "W3,C3,2024-05-02 12:00:00,2024-05-02 12:01:00,30.00\n",
        encoding="utf-8",
    )
    db = folder / "shop.duckdb"
    with junshi.connect(db) as shop:
        shop.ingest(orders, table="orders")
    return db


def _installed_static(installed: tuple[Path, dict[str, str]]) -> Path:
    bin_dir, env = installed
    return Path(_run(bin_dir / "python", "-c", "import junshi.web as w; print(w.STATIC_DIR)", env=env).strip())


def test_the_wheel_holds_the_vendored_echarts_build_and_its_licences(installed: tuple[Path, dict[str, str]]) -> None:
    static = _installed_static(installed)
    for name in ["echarts.min.js", "echarts.LICENSE", "echarts.NOTICE", "zrender.LICENSE", "d3.LICENSE"]:
        assert (static / "vendor" / name).read_bytes() == (VENDOR / name).read_bytes(), name
    assert (static / "vendor" / "VERSIONS.json").is_file()


def test_the_vendored_build_is_the_version_the_lock_file_pins() -> None:
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    shipped = json.loads((VENDOR / "VERSIONS.json").read_text(encoding="utf-8"))["echarts.min.js"]
    assert (shipped["version"], shipped["integrity"]) == (
        lock["node_modules/echarts"]["version"], lock["node_modules/echarts"]["integrity"])
    head = (VENDOR / "echarts.min.js").read_text(encoding="utf-8")
    assert "Apache License, Version 2.0" in head[:1000]
    assert f'version="{shipped["version"]}"' in head or f'"{shipped["version"]}"' in head


def test_the_installed_server_serves_pages_and_charts(installed: tuple[Path, dict[str, str]], warehouse: Path) -> None:
    bin_dir, env = installed
    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "junshi"), "serve", "--db", str(warehouse), "--port", str(port), "--token", TOKEN],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                httpx.get(base + "/login", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the installed server did not start"
                time.sleep(0.2)
        with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as client:
            page = client.get(f"/?token={TOKEN}")
            assert page.status_code == 200 and '<script src="/static/vendor/echarts.min.js">' in page.text
            script = client.get("/static/vendor/echarts.min.js")
            assert script.status_code == 200
            assert script.content == (VENDOR / "echarts.min.js").read_bytes()
            assert client.get("/static/junshi.js").status_code == 200
            kpi = client.get("/api/kpi?metrics=sales&start=2024-05-01&end=2024-05-02").json()
            assert kpi["rows"][0]["sales"] == pytest.approx(60.0)
    finally:
        server.terminate()
        server.wait(30)


def test_the_installed_server_refuses_to_start_without_its_charts(
    installed: tuple[Path, dict[str, str]], warehouse: Path
) -> None:
    bin_dir, env = installed
    static = _installed_static(installed)
    hidden = static / "vendor" / "echarts.min.js.away"
    (static / "vendor" / "echarts.min.js").rename(hidden)
    try:
        done = subprocess.run(
            [str(bin_dir / "junshi"), "--lang", "en", "serve", "--db", str(warehouse), "--port", str(_free_port()),
             "--token", TOKEN],
            env=env, capture_output=True, text=True, timeout=120,
        )
    finally:
        hidden.rename(static / "vendor" / "echarts.min.js")
    assert done.returncode == 2, done
    assert "vendor/echarts.min.js" in done.stderr and "Reinstall" in done.stderr
    assert "open http" not in done.stdout  # no login URL of a server that is not running

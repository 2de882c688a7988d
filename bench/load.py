"""Load test of the dashboard server (bounded, localhost only).

20 concurrent clients ask for the overview of the demo shop (a day among the last 30) for 30 seconds while
an ingest of 150,000 orders runs through the upload API. Prints p50/p95 latency and errors (target: p95 under
300 ms, no errors), the baseline of the same run (a trivial cached route, the server's floor), the ingest's
duration, and the time Chromium takes to render the overview page (target: under 1 second) once the
server's start-up warm-up is done.

    .venv/bin/python bench/load.py [--clients 20] [--seconds 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from junshi.simulate import simulate

TOKEN = "load-test-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
END = dt.date(2024, 11, 30)
INGEST_ROWS = 150_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def orders_csv(rows: int) -> bytes:
    """Paid orders of 2023 (outside the days the clients read), as a shop export would have them."""
    out = io.StringIO()
    out.write("order_id,customer_id,created_at,paid_at,pay_amount\n")
    rng = random.Random(7)
    start = dt.datetime(2023, 1, 1)
    for i in range(rows):
        t = start + dt.timedelta(seconds=rng.randrange(300 * 86400))
        amount = rng.randrange(2000, 90000) / 100
        out.write(f"L{i},LC{rng.randrange(50_000)},{t},{t + dt.timedelta(minutes=3)},{amount}\n")
    return out.getvalue().encode()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def hammer(base: str, path_of: list[str], seconds: float, clients: int) -> tuple[list[float], list[str]]:
    """``clients`` threads each asking for random paths of ``path_of`` until time is up."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as c:
            while time.monotonic() < stop:
                path = rng.choice(path_of)
                t0 = time.perf_counter()
                try:
                    r = c.get(path)
                    ok = r.status_code == 200
                    why = f"{r.status_code} {path}"
                except httpx.HTTPError as exc:
                    ok, why = False, f"{type(exc).__name__} {path}"
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(why)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def render_time(base: str, path: str) -> float | None:
    """Seconds from navigation to the page's figures drawn, in headless Chromium (None without it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").exists():
        return None
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.context.add_cookies([{"name": "junshi_token", "value": TOKEN, "url": base}])
        page.goto(f"{base}/data")  # static assets into the browser cache, as for a returning user
        page.wait_for_function("document.body.dataset.ready")
        t0 = time.perf_counter()
        page.goto(base + path)
        page.wait_for_function("document.body.dataset.ready === '1'")
        seconds = time.perf_counter() - t0
        browser.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    clients, seconds = min(args.clients, 50), min(args.seconds, 120.0)  # bounded

    with tempfile.TemporaryDirectory(prefix="junshi-load-") as tmp:
        db = Path(tmp) / "demo.duckdb"
        simulate(db, days=180, visitors_per_day=2000, seed=0, lang="zh", end_date=END)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # The server runs as `junshi serve` in its own process, as in use (and apart from the clients' GIL).
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("junshi")), "serve", "--db", str(db), "--port", str(port),
             "--token", TOKEN], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(base)
            run(base, clients, seconds)
        finally:
            server.terminate()
            server.wait(30)


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/shop", headers=HEADERS, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def run(base: str, clients: int, seconds: float) -> None:
    """Render times, then the load with an ingest in the middle; print the figures."""
    time.sleep(10)  # let the start-up warm-up (overview, alerts, advice of the last day, older overviews) finish
    earlier = render_time(base, f"/?date={END - dt.timedelta(days=40)}")
    last = render_time(base, "/")

    floor, floor_errors = hammer(base, ["/api/shop"], 5, clients)
    paths = [f"/api/overview?date={END - dt.timedelta(days=i)}" for i in range(30)]
    payload = orders_csv(INGEST_ROWS)
    ingest: dict[str, httpx.Response | float] = {}

    def post(name: str, body: bytes) -> httpx.Response:
        with httpx.Client(base_url=base, headers=HEADERS, timeout=600) as c:
            return c.post("/api/ingest?table=orders", files=[("files", (name, body, "text/csv"))])

    def load() -> None:
        time.sleep(seconds / 6)
        t0 = time.perf_counter()
        first = threading.Thread(target=lambda: ingest.update(first=post("load.csv", payload)))
        first.start()
        while not httpx.get(base + "/api/status", headers=HEADERS).json()["ingesting"]:
            time.sleep(0.05)
        ingest["second"] = post("again.csv", orders_csv(10))  # while the first one runs
        first.join()
        ingest["seconds"] = time.perf_counter() - t0

    loader = threading.Thread(target=load)
    loader.start()
    latencies, errors = hammer(base, paths, seconds, clients)
    loader.join()

    first, second, took = ingest["first"], ingest["second"], ingest["seconds"]
    assert isinstance(first, httpx.Response) and isinstance(second, httpx.Response) and isinstance(took, float)
    p50, p95 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.95) * 1000
    base50 = statistics.median(floor) * 1000
    print(f"overview API, {clients} clients x {seconds:.0f} s while an ingest of {INGEST_ROWS:,} orders runs:")
    print(f"  requests {len(latencies):,}  p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {max(latencies) * 1000:.0f} ms  "
          f"errors {len(errors)}{' ' + str(errors[:5]) if errors else ''}")
    print(f"  baseline (cached /api/shop, same clients): p50 {base50:.1f} ms, errors {len(floor_errors)}; "
          f"overview p50 / baseline p50 = {p50 / base50:.2f}")
    print(f"  ingest: HTTP {first.status_code} in {took:.1f} s (rows loaded {first.json().get('rows_loaded')}); "
          f"a second ingest meanwhile: HTTP {second.status_code} {second.json().get('error', {}).get('type', '')}")
    print(f"  target p95 < 300 ms: {'met' if p95 < 300 else 'MISSED'}; errors: {'none' if not errors else 'SOME'}")
    for label, value in [("the last day", last), ("a day 40 days earlier", earlier)]:
        shown = "n/a (no chromium)" if value is None else f"{value * 1000:.0f} ms"
        print(f"overview page render in Chromium (target < 1 s), {label}: {shown}")


if __name__ == "__main__":
    main()

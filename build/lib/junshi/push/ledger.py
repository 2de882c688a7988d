"""The ``deliveries`` table: each delivery is claimed before it is sent, so a report goes out once, and a
failure stays on record."""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse
from typing import Any, Literal

from junshi.warehouse import Writable

Status = Literal["sending", "sent", "failed", "alerted"]


def mask(target: str) -> str:
    """A target without its secret parts (webhook tokens, passwords, addresses): scheme and host only."""
    parts = urllib.parse.urlsplit(target)
    return f"{parts.scheme}://{parts.hostname or '?'}/…"


def fingerprint(target: str) -> str:
    """A short stable id of a target that reveals nothing of it."""
    return hashlib.sha256(target.encode()).hexdigest()[:16]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def claim(warehouse: Writable, shop_id: str, key: str, *, channel: str, target: str, report_date: dt.date,
          schedule_id: str | None = None, again: bool = False) -> Status | None:
    """Record that ``key`` is being sent and return None; or return its status when it was already claimed
    (then nothing is written), unless ``again`` (a deliberate resend)."""
    with warehouse.transaction() as con:
        rows = con.execute("SELECT status FROM deliveries WHERE shop_id = ? AND delivery_key = ?",
                           [shop_id, key]).fetchall()
        if rows and not again:
            status: Status = rows[0][0]
            return status
        con.execute("DELETE FROM deliveries WHERE shop_id = ? AND delivery_key = ?", [shop_id, key])
        con.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, 'sending', 0, NULL, ?, NULL)",
                    [shop_id, key, schedule_id, channel, mask(target), report_date, _now()])
    return None


def finish(warehouse: Writable, shop_id: str, key: str, status: Status, attempts: int, error: str = "") -> None:
    """Record how a claimed delivery ended."""
    warehouse.con.execute(
        "UPDATE deliveries SET status = ?, attempts = ?, error = ?, finished_at = ? "
        "WHERE shop_id = ? AND delivery_key = ?", [status, attempts, error or None, _now(), shop_id, key])


def history(warehouse: Writable, shop_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The latest deliveries, newest first (targets masked)."""
    cur = warehouse.con.execute(
        "SELECT delivery_key, schedule_id, channel, target, report_date, status, attempts, error, started_at, "
        "finished_at FROM deliveries WHERE shop_id = ? ORDER BY started_at DESC LIMIT ?", [shop_id, limit])
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

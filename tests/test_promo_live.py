"""大促实时作战: the main day's cumulative sales by hour against the plan's curve, the projected close and the
off-pace alert, on the demo shop's 双11."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from junshi import connect
from junshi.analysis.source import kpi_frame
from junshi.errors import ConfigError
from junshi.promo.live import live

DAY = dt.date(2024, 11, 11)


def test_live_pace_projection_and_alert(demo_db: Path) -> None:
    with connect(demo_db) as shop:
        close = float(kpi_frame(shop, ["sales"], [], start=DAY, end=DAY)["sales"].iloc[0])
        end = live(shop, DAY, 400000.0, 23)
        noon = live(shop, DAY, 400000.0, 12)
        easy = live(shop, DAY, close / 3, 12)
        with pytest.raises(ConfigError):
            live(shop, DAY, 400000.0, 24)
    # at the day's last hour the cumulative sales are the day's sales and the projection is them
    assert end["cumulative_sales"] == pytest.approx(close, abs=0.01)
    assert end["projection"] == pytest.approx(close, abs=0.01) and end["planned_cumulative"] == pytest.approx(400000)
    cum = [h["cumulative"] for h in noon["hours"][:13]]
    assert cum == sorted(cum) and cum[-1] == noon["cumulative_sales"]
    assert all(h["cumulative"] is None for h in noon["hours"][13:])
    assert sum(h["sales"] for h in noon["hours"][:13]) == pytest.approx(noon["cumulative_sales"], abs=0.05)
    lo, hi = noon["projection_interval"]
    assert lo <= noon["projection"] <= hi
    assert noon["pace"] == pytest.approx(noon["cumulative_sales"] / noon["planned_cumulative"], abs=1e-4)
    # 400,000 is far beyond what the day can reach: a high alert, in alerts' shape and both languages
    [alert] = noon["alerts"]
    assert alert["code"] == "promo_off_pace" and alert["severity"] == "high" and alert["metric"] == "sales"
    assert hi < 400000 and "12:59" in alert["text"]["en"] and "大促当天进度落后" in alert["text"]["zh"]
    assert easy["alerts"] == []

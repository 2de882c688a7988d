"""The server's warm-up runs behind the requests: it starts no step while a request is in progress or just ended,
then fills the cache with the default period's pages (the same keys the endpoints use)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from junshi.api import engine as engine_module
from junshi.api import pages, views
from junshi.api.engine import Engine, warm_up
from junshi.api.pages import diagnosis, overview, promo


def test_warm_up_waits_for_requests(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins record each step. While a request is in progress nothing is computed; once it ends, the overview,
    alerts, advice, diagnosis and the period pages of the default period are, in that order, under the keys the
    endpoints ask for (a request for them finds them without computing)."""
    done: list[Any] = []

    def stand_in(step: Any, value: Any = None) -> Any:
        done.append(step)
        return value

    monkeypatch.setattr(overview, "warm", lambda engine, period: stand_in(("overview", period.start)))
    monkeypatch.setattr(overview, "daily_rows", lambda engine, first, last: stand_in(("daily", last)))
    monkeypatch.setattr(views, "alerts", lambda shop, day: stand_in(("alerts", day), "alerts"))
    monkeypatch.setattr(views, "advice", lambda shop, day: stand_in(("advice", day), "advice"))
    monkeypatch.setattr(diagnosis, "diagnosis", lambda shop, period, *_: stand_in("diagnosis", "diagnosis"))
    monkeypatch.setattr(pages, "PERIOD_VIEWS", {"traffic": lambda shop, period, lang: stand_in(lang, "traffic")})
    monkeypatch.setattr(promo, "find_window", lambda shop, until: stand_in("promo window"))
    monkeypatch.setattr(promo, "promo_data", lambda shop, found, target: stand_in("promo"))
    monkeypatch.setattr(engine_module, "QUIET", 1.0)
    engine = Engine(str(demo_db))
    try:
        default = views.default_of(engine.cached(("shop_info",), views.shop_info))
        assert default is not None
        with engine.serving():
            warming = threading.Thread(target=warm_up, args=(engine,))
            warming.start()
            time.sleep(1.0)
            assert done == []  # a request in progress: the warm-up waits
        time.sleep(0.3)
        assert done == []  # ... and a moment after it (a page's next call comes then)
        warming.join(timeout=120)
        assert not warming.is_alive()
        day = default.end
        assert done[:8] == [("overview", default.start), ("alerts", day), ("advice", day), "diagnosis", "zh",
                            "promo window", "promo", ("overview", day)]

        def never(_: Any) -> Any:
            raise AssertionError("computed again")

        assert engine.cached(("alerts", day), never) == "alerts"
        assert engine.cached(("diagnosis", default.start, default.end, None, "sales", 3, "zh"), never) == "diagnosis"
        assert engine.cached(("traffic", default.start, default.end, "zh"), never) == "traffic"
    finally:
        engine.close()

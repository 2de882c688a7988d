"""The server's access to the engine: one Shop per worker thread, one ingest at a time, cached reads.

DuckDB lets one process write a database file. Inside the server every worker thread gets its own
connection to the same database (DuckDB shares the database between them), so readers run in parallel
and each sees a consistent snapshot: an ingest in progress is invisible until it commits. A second
ingest while one runs is refused with :class:`~junshi.api.errors.Busy`. Read results are cached per
data version; the version moves on after every ingest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from junshi import Shop, connect
from junshi.api.errors import Busy

if TYPE_CHECKING:
    from junshi.i18n import Lang
    from junshi.periods import Period

T = TypeVar("T")
log = logging.getLogger("junshi.api")
CACHE_SIZE = 512
WARM_DAYS = 365  # days back whose daily figures the warm-up computes (the date picker's other days)
QUIET = 2.0
"""Seconds without a request before a warm-up step starts: a page and its API calls come within a moment of each
other (and the first page within moments of the start), so no step starts between them to compete for the CPU."""


class Engine:
    """Per-thread shops on one warehouse, a single-writer gate and a small result cache."""

    def __init__(self, db: str, shop_id: str = "default") -> None:
        self.db, self.shop_id = db, shop_id
        self._local = threading.local()
        self._base: Shop | None = None
        self._generation = 0  # moves on at close(): threads then open new connections when used again
        self._shops: list[Shop] = []
        self._guard = threading.Lock()
        self._writer = threading.Lock()
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._flights: dict[Hashable, threading.Lock] = {}
        self.after_write: Callable[[Engine], None] | None = None
        self.version = 0
        self._serving = 0  # requests in progress (the warm-up waits for none)
        self._quiet_since = time.monotonic()  # when the last request ended (or the engine started)
        self._idle = threading.Condition()
        self.shop()  # open now so that a locked or invalid warehouse fails at start-up

    def shop(self) -> Shop:
        """This thread's Shop: its own DuckDB connection (a cursor) to the one shared database."""
        shop: Shop | None = getattr(self._local, "shop", None)
        if shop is None or getattr(self._local, "generation", -1) != self._generation:
            with self._guard:
                if self._base is None:
                    self._base = connect(self.db, self.shop_id)
                    shop = self._base
                else:
                    shop = Shop(self._base.warehouse.cursor(), self.shop_id)
                self._shops.append(shop)
            self._local.shop, self._local.generation = shop, self._generation
        return shop

    def cached(self, key: Hashable, compute: Callable[[Shop], T]) -> T:
        """``compute(shop)``, remembered for this data version; concurrent asks for one key compute it once."""
        full = (self.version, key)
        with self._guard:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]  # type: ignore[no-any-return]  # values are whatever compute returned
            flight = self._flights.setdefault(full, threading.Lock())
        with flight:  # the first asker computes; the others wait here, then find the value
            with self._guard:
                if full in self._cache:
                    return self._cache[full]  # type: ignore[no-any-return]  # as above
            try:
                value = compute(self.shop())
                with self._guard:
                    self._cache[full] = value
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
            finally:
                with self._guard:
                    self._flights.pop(full, None)
        return value

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Around a request: the warm-up does not start a step while one is in progress."""
        with self._idle:
            self._serving += 1
        try:
            yield
        finally:
            with self._idle:
                self._serving -= 1
                self._quiet_since = time.monotonic()
                self._idle.notify_all()

    def wait_idle(self) -> None:
        """Return when no request is in progress and none ended in the last :data:`QUIET` seconds (the warm-up's
        steps start only then)."""
        with self._idle:
            while True:
                self._idle.wait_for(lambda: self._serving == 0)
                left = self._quiet_since + QUIET - time.monotonic()
                if left <= 0:
                    return
                self._idle.wait(timeout=left)

    @property
    def ingesting(self) -> bool:
        return self._writer.locked()

    def write(self, action: Callable[[Shop], T]) -> T:
        """Run one write (an ingest); refuse a second while one runs; new reads see it once committed."""
        with self.writing() as shop:
            return action(shop)

    @contextmanager
    def writing(self) -> Iterator[Shop]:
        """The single writer's shop (see :meth:`write`): a Busy error while another write runs."""
        if not self._writer.acquire(blocking=False):
            raise Busy(
                "Another ingest is running; only one runs at a time.",
                "已有一个导入正在进行；同一时间只能运行一个导入。",
                hint_en="Wait until it finishes (the dashboard keeps working meanwhile), then upload again.",
                hint_zh="请等待其完成（期间看板照常可用），然后重新上传。",
            )
        try:
            yield self.shop()
        finally:
            with self._guard:
                self.version += 1
                self._cache.clear()
            self._writer.release()
            if self.after_write is not None:
                threading.Thread(target=self.after_write, args=(self,), name="junshi-after-write", daemon=True).start()

    def close(self) -> None:
        with self._guard:
            for shop in reversed(self._shops):  # the base connection last
                shop.close()
            self._shops.clear()
            self._base = None
            self._generation += 1


def warm_up(engine: Engine) -> None:
    """Compute what the first visits show into the cache, at low priority: each step starts only when no request is
    in progress or just ended (:data:`QUIET`), in a thread the operating system schedules last (nice 19). The
    default period's overview, alerts, advice, diagnosis and the other pages; the overviews of the date picker's
    other shortcuts ending on its last day; then the daily figures of the last year with data and of the year before
    it (30 days per query), which serve the overview of any of its days. Compiling the pages' queries here also
    makes their other days fast."""
    from junshi.api import views
    from junshi.api.pages import PERIOD_VIEWS, overview, promo
    from junshi.api.pages.diagnosis import diagnosis
    from junshi.errors import JunshiError
    from junshi.periods import SHORTCUTS, shortcut

    with contextlib.suppress(AttributeError, OSError):  # this thread only (Linux); elsewhere it runs as it is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)

    def step(key: Hashable, compute: Callable[[Shop], Any]) -> None:
        engine.wait_idle()
        engine.cached(key, compute)

    try:
        engine.wait_idle()
        info = engine.cached(("shop_info",), views.shop_info)
        default = views.default_of(info)
        if default is None:
            return
        day = default.end
        lang: Lang = "zh"  # the language a first visit gets (request_lang)
        engine.wait_idle()
        overview.warm(engine, default)
        step(("alerts", day), lambda shop: views.alerts(shop, day))
        step(("advice", day), lambda shop: views.advice(shop, day))
        step(("diagnosis", default.start, default.end, None, "sales", 3, lang),
             lambda shop: diagnosis(shop, default, None, "sales", 3, lang))
        for key, view in PERIOD_VIEWS.items():
            step((key, default.start, default.end, lang), partial(_period_view, view, default, lang))
        found = engine.cached(("promo-window", default.end), partial(promo.find_window, until=default.end))
        step(("promo", found, None), partial(promo.promo_data, found=found, target=None))
        for kind in SHORTCUTS:
            engine.wait_idle()
            overview.warm(engine, shortcut(kind, day, day))
        known = dt.date.fromisoformat(info.first_day) if info.first_day else default.start
        first = max(known, day - dt.timedelta(days=WARM_DAYS))
        engine.wait_idle()
        overview.daily_rows(engine, first, day)
        engine.wait_idle()
        overview.daily_rows(engine, first - dt.timedelta(days=365), day - dt.timedelta(days=365))  # vs last year
    except JunshiError as exc:  # a shop the analyses cannot handle yet: the pages will say why
        log.warning("warm-up stopped: %s", exc)


def _period_view(view: Callable[[Shop, Period, Lang], Any], period: Period, lang: Lang, shop: Shop) -> Any:
    return view(shop, period, lang)

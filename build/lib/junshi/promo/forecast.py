"""Demand and stock-out forecast per product and day (需求与断货预测).

A product's daily units are a level times the shop's weekday profile:

- **Censored demand.** A day a product ended out of stock (``inventory.stock`` <= 0) shows what was sold, not
  what was wanted (a zero sale with zero stock is not zero demand). Such days are left out of the weekday
  profile and of the dispersion, and their units are replaced by the larger of what sold and the product's
  usual (uncensored, weekday-adjusted) demand before the level is fitted.
- **Weekday profile** pooled over all products (one product's weekdays are noise; the shop's are not).
- **Level** of each product's weekday-adjusted series by statsforecast's ADIDA (aggregate-disaggregate
  intermittent demand, made for products that sell a few units a day or less).
- **Spread**: a negative binomial with the mean forecast and a dispersion estimated from the product's recent
  days (pooled over products), so a horizon's units get an upper quantile and a stock its stock-out risk.

:func:`backtest` replays the forecast from several origins against statsforecast's seasonal naive (the same
weekday a week before) and reports WAPE and MASE on the uncensored days.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from junshi.errors import MissingDataError
from junshi.promo.baseline import day_range
from junshi.promo.history import daily, paid_span, stock_frame

if TYPE_CHECKING:
    from junshi.shop import Shop

HISTORY_DAYS = 112  # 16 weeks of history per forecast
PROFILE_DAYS = 56  # the weekday profile and the dispersion from the last 8 weeks
QUANTILE = 0.9
MIN_HISTORY = 28


@dataclass(frozen=True)
class UnitHistory:
    """Units per day (rows) and product (columns), and which cells are censored (out of stock)."""

    units: pd.DataFrame
    censored: pd.DataFrame

    def until(self, day: date) -> UnitHistory:
        keep = self.units.index <= pd.Timestamp(day)
        return UnitHistory(self.units[keep], self.censored[keep])


def unit_history(shop: Shop, start: date, end: date) -> UnitHistory:
    """Units sold per product and day over start..end (metric ``units``), and the out-of-stock days."""
    f = daily(shop, ["units"], start, end, by=["product_id"])
    f = f[f["product_id"].notna()]
    days = pd.DatetimeIndex(pd.to_datetime(day_range(start, end)))
    if f.empty:
        raise MissingDataError("No product sold in this period.", "这段时间没有商品售出。",
                               hint_en="Load orders with their lines (order_items).",
                               hint_zh="请导入带商品明细（order_items）的订单。")
    units = (f.assign(day=pd.to_datetime(f["day"])).pivot_table(index="day", columns="product_id", values="units",
                                                               aggfunc="sum").reindex(days).fillna(0.0))
    stock = stock_frame(shop, start, end)
    out = pd.DataFrame(False, index=days, columns=units.columns)
    if len(stock):
        s = stock.assign(date=pd.to_datetime(stock["date"]))
        s = s[s["product_id"].isin(units.columns)]
        zero = s[s["stock"] <= 0]
        for pid, g in zero.groupby("product_id"):
            out.loc[pd.DatetimeIndex(g["date"]).intersection(days), pid] = True
    units.columns = [str(c) for c in units.columns]
    out.columns = units.columns
    return UnitHistory(units.astype(float), out)


def _weekdays(index: pd.Index) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(index).weekday)


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """Days x products as statsforecast's long frame (unique_id, ds, y)."""
    n_days, n_products = frame.shape
    return pd.DataFrame({"unique_id": np.tile(np.asarray(frame.columns, dtype=object), n_days),
                         "ds": np.repeat(np.asarray(frame.index), n_products),
                         "y": frame.to_numpy(dtype=float).ravel()})


def weekday_profile(h: UnitHistory) -> np.ndarray:
    """Mean units per weekday over the mean, all products pooled, uncensored days of the last 8 weeks."""
    u = h.units.iloc[-PROFILE_DAYS:].where(~h.censored.iloc[-PROFILE_DAYS:])
    per_day = u.mean(axis=1)  # mean over products of each day
    wd = pd.Series(per_day.to_numpy(), index=_weekdays(per_day.index)).groupby(level=0).mean()
    prof = np.array([float(wd.get(k, np.nan)) for k in range(7)])
    if not np.isfinite(prof).all() or np.nanmean(prof) <= 0:
        return np.ones(7)
    return np.asarray(prof / prof.mean())


def _adjusted(h: UnitHistory, prof: np.ndarray) -> pd.DataFrame:
    """Weekday-adjusted units with censored days raised to the product's usual demand; the weekdays the shop
    never sells on (closed) are left out."""
    w = prof[_weekdays(h.units.index)]
    adj = h.units[w > 0].div(w[w > 0], axis=0)
    censored = h.censored[w > 0]
    usual = adj.where(~censored).iloc[-PROFILE_DAYS:].mean().fillna(0.0)
    lifted = adj.clip(lower=usual, axis=1)
    out: pd.DataFrame = adj.where(~censored, lifted)
    return out


def _level(adj: pd.DataFrame) -> pd.Series:
    """Each product's one-step level by statsforecast's ADIDA."""
    os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
    from statsforecast import StatsForecast
    from statsforecast.models import ADIDA

    fc = StatsForecast(models=[ADIDA()], freq="D", n_jobs=1).forecast(df=_long(adj), h=1)
    return fc.groupby("unique_id")["ADIDA"].first().reindex(adj.columns).fillna(0.0).clip(lower=0.0)


def dispersion(h: UnitHistory, prof: np.ndarray) -> float:
    """The negative binomial's φ (variance = μ + φ μ²), by moments over the uncensored recent days, pooled."""
    u = h.units.iloc[-PROFILE_DAYS:]
    w = prof[_weekdays(u.index)]
    u, c, w = u[w > 0], h.censored.iloc[-PROFILE_DAYS:][w > 0], w[w > 0][:, None]
    mu = u.div(w[:, 0], axis=0).where(~c).mean().to_numpy()[None, :] * w
    ok = (~c).to_numpy() & np.isfinite(mu)
    y, m = u.to_numpy()[ok], mu[ok]
    den = float((m**2).sum())
    return max(float(((y - m) ** 2 - m).sum()) / den, 0.0) if den > 0 else 0.0


@dataclass(frozen=True)
class Forecast:
    """Mean units per product (columns) and day (rows) after ``as_of``, and the dispersion φ."""

    as_of: date
    mean: pd.DataFrame
    phi: float

    def total(self, product: str, days: int | None = None) -> float:
        return float(self.mean[product].iloc[:days].sum())

    def quantile(self, product: str, q: float = QUANTILE, days: int | None = None,
                 lift: float | np.ndarray = 1.0) -> float:
        """The q-quantile of the product's units over the first ``days`` days (times ``lift``, a factor per day)."""
        mu = self.mean[product].iloc[:days].to_numpy() * lift
        if mu.sum() <= 0:
            return 0.0
        dist, args = _nb(mu, self.phi)
        return float(dist.ppf(q, *args))

    def risk(self, product: str, stock: float, days: int | None = None, lift: float | np.ndarray = 1.0) -> float:
        """P(units over the first ``days`` days > stock)."""
        mu = self.mean[product].iloc[:days].to_numpy() * lift
        if mu.sum() <= 0:
            return 0.0
        dist, args = _nb(mu, self.phi)
        return float(dist.sf(max(stock, 0), *args))


def _nb(mu: np.ndarray, phi: float) -> tuple[Any, tuple[float, ...]]:
    """The distribution of a sum of days and its shape arguments: negative binomial matched to its mean and
    variance (Poisson if φ=0). Not frozen: freezing a scipy distribution builds a new instance of it (about 8 ms,
    100 of them in a promotion plan), the same figures."""
    from scipy import stats  # here: scipy.stats takes a second to import, at server start

    m = float(mu.sum())
    var = m + phi * float((mu**2).sum())
    if var <= m * (1 + 1e-9):
        return stats.poisson, (m,)
    n = m * m / (var - m)
    return stats.nbinom, (n, n / (n + m))


def fit(h: UnitHistory, horizon: int) -> Forecast:
    """Forecast each product's units over the ``horizon`` days after the history's last day."""
    if len(h.units) < MIN_HISTORY:
        raise MissingDataError(
            f"A demand forecast needs {MIN_HISTORY} days of sales (this shop has {len(h.units)}).",
            f"需求预测需要 {MIN_HISTORY} 天的销售数据（本店只有 {len(h.units)} 天）。",
            hint_en="Load more days of orders.", hint_zh="请导入更多天的订单。")
    prof = weekday_profile(h)
    level = _level(_adjusted(h, prof))
    last = h.units.index[-1]
    days = pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
    mean = pd.DataFrame(np.outer(prof[days.weekday], level.to_numpy()), index=days, columns=h.units.columns)
    return Forecast(last.date(), mean, dispersion(h, prof))


def seasonal_naive(h: UnitHistory, horizon: int) -> pd.DataFrame:
    """statsforecast's SeasonalNaive (the same weekday of the last week), the baseline to beat."""
    os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    fc = StatsForecast(models=[SeasonalNaive(7)], freq="D", n_jobs=1).forecast(df=_long(h.units), h=horizon)
    out: pd.DataFrame = fc.pivot_table(index="ds", columns="unique_id", values="SeasonalNaive")
    return out.reindex(columns=h.units.columns)


def backtest(h: UnitHistory, horizon: int = 14, origins: int = 4) -> dict[str, Any]:
    """WAPE and MASE of the forecast and of the seasonal naive from ``origins`` weekly origins (each with
    ``horizon`` days after it), on the uncensored product-days. MASE scales each product's absolute error by its
    in-sample seasonal-naive error (mean over products with one)."""
    errs: dict[str, list[float]] = {"forecast": [], "seasonal_naive": []}
    scaled: dict[str, list[float]] = {"forecast": [], "seasonal_naive": []}
    actual_sum = 0.0
    used = 0
    for k in range(origins, 0, -1):
        cut = len(h.units) - horizon - (k - 1) * 7
        if cut < MIN_HISTORY:
            continue
        lo = max(cut - HISTORY_DAYS, 0)
        past = UnitHistory(h.units.iloc[lo:cut], h.censored.iloc[lo:cut])
        fut, cens = h.units.iloc[cut:cut + horizon], h.censored.iloc[cut:cut + horizon]
        scale = past.units.diff(7).abs().iloc[7:].mean()
        preds = {"forecast": fit(past, horizon).mean.to_numpy(),
                 "seasonal_naive": seasonal_naive(past, horizon).to_numpy()}
        ok = ~cens.to_numpy()
        a = fut.to_numpy()
        actual_sum += float(a[ok].sum())
        for name, p in preds.items():
            e = np.abs(p - a)
            errs[name].append(float(e[ok].sum()))
            n_ok = ok.sum(axis=0)
            sc = scale.to_numpy()
            keep = (n_ok > 0) & (sc > 0)  # products with uncensored days and an in-sample error to scale by
            per = np.where(ok, e, 0.0).sum(axis=0)[keep] / n_ok[keep] / sc[keep]
            scaled[name].extend(per.tolist())
        used += 1
    if not used or actual_sum <= 0:
        raise MissingDataError(
            "Too few days to backtest the forecast.", "天数太少，无法回测预测。",
            hint_en=f"It needs {MIN_HISTORY + horizon} days of sales.",
            hint_zh=f"需要 {MIN_HISTORY + horizon} 天的销售数据。")
    return {"origins": used, "horizon": horizon, "products": int(h.units.shape[1]),
            **{name: {"wape": round(sum(errs[name]) / actual_sum, 4),
                      "mase": round(float(np.mean(scaled[name])), 4) if scaled[name] else None} for name in errs}}


def forecast(shop: Shop, as_of: date | None = None, horizon: int = 14, *, backtest_origins: int = 4,
             products: list[str] | None = None) -> dict[str, Any]:
    """Each product's units over the ``horizon`` days after ``as_of`` (default: the last day with sales), its upper
    quantile, its stock and the risk of running out; presale items' committed (deposit) units and the risk of
    overselling them; the backtest of the method on this shop."""
    first, last = paid_span(shop)
    day = as_of or last
    h = unit_history(shop, max(first, day - timedelta(days=HISTORY_DAYS - 1)), day)
    fc = fit(h, horizon)
    stock = current_stock(shop, day)
    committed = presale_units(shop, day)
    rows: list[dict[str, Any]] = []
    for pid in (products or list(h.units.columns)):
        if pid not in fc.mean.columns:
            continue
        units = fc.total(pid)
        on_hand = stock.get(pid)
        held = committed.get(pid, 0)
        risk = None if on_hand is None else 1.0 if held > on_hand else round(fc.risk(pid, on_hand - held), 4)
        rows.append({
            "product_id": pid, "forecast_units": round(units, 2), "upper_units": fc.quantile(pid),
            "stock": on_hand, "presale_units": held, "stockout_risk": risk,
            "stockout_day": None if on_hand is None else stockout_day(fc, pid, on_hand - held),
            "oversell_risk": risk if held else None,
            "censored_days": int(h.censored[pid].sum()),
        })
    rows.sort(key=lambda r: (-(r["stockout_risk"] or 0), -r["forecast_units"], r["product_id"]))
    try:
        bt: dict[str, Any] | None = backtest(h, horizon, backtest_origins) if backtest_origins else None
    except MissingDataError:
        bt = None
    return {"as_of": day.isoformat(), "horizon": horizon, "quantile": QUANTILE, "dispersion": round(fc.phi, 4),
            "products": rows, "backtest": bt}


def stockout_day(fc: Forecast, product: str, stock: float) -> str | None:
    """The first day the expected cumulative units pass the stock (None: not within the horizon)."""
    cum = fc.mean[product].cumsum()
    over = cum[cum > max(stock, 0)]
    return None if over.empty else over.index[0].date().isoformat()


def current_stock(shop: Shop, day: date) -> dict[str, int]:
    """Stock at the end of ``day`` (the last inventory row up to it), else the products table's stock."""
    from junshi.metrics.query import run_dated
    from junshi.promo.history import stock_on

    on = stock_on(shop, day)
    if on:
        return on

    def products(*_: date | None) -> dict[str, Any]:
        return {"products": shop.table("products").select("product_id", "stock")}

    p = run_dated(shop.warehouse, shop.shop_id, "promo products stock", products, None, None)["products"]
    return {str(r["product_id"]): int(r["stock"]) for r in p.to_dict("records") if r["stock"] == r["stock"]
            and r["stock"] is not None}


def presale_units(shop: Shop, day: date) -> dict[str, int]:
    """Units of presale orders placed up to ``day``, neither cancelled nor shipped by then: stock promised."""
    from junshi.metrics.query import run_dated

    def units(_first: date | None, last: date | None) -> dict[str, Any]:
        assert last is not None
        o, li = shop.table("orders"), shop.table("order_items")
        end = pd.Timestamp(last) + pd.Timedelta(days=1)
        o = o.filter(o.is_presale.fill_null(False) & (o.created_at < end)
                     & (o.cancelled_at.isnull() | (o.cancelled_at >= end))
                     & (o.shipped_at.isnull() | (o.shipped_at >= end)))
        j = li.join(o.select("order_id"), "order_id")
        return {"units": j.group_by("product_id").aggregate(units=j.quantity.sum())}

    f = run_dated(shop.warehouse, shop.shop_id, "promo presale units", units, None, day)["units"]
    return {str(r["product_id"]): int(r["units"]) for r in f.to_dict("records") if r["units"] == r["units"]}

"""Customer lifetime value: fit BG/NBD, Pareto/NBD and Gamma-Gamma on a shop's orders, predict per
customer, validate on a holdout period, and warn about customers who are probably leaving (流失预警)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from junshi.customers.summary import customer_summary, last_purchase_day
from junshi.errors import ConfigError, ModelError
from junshi.i18n import Text
from junshi.periods import parse_day

if TYPE_CHECKING:  # the models (SciPy) are imported where fitted: the server starts without them
    from junshi.models import BetaGeoModel, GammaGammaModel, ParetoNBDModel

DEFAULT_UNIT_DAYS = 7.0  # models are fitted in weeks, as in the published CDNOW results
MAX_WAIT_YEARS = 10  # an expected next purchase further away than this is no date (see predict)
NO_NEXT_PURCHASE = Text(
    "{n:,} customer(s) have no expected next purchase date: at their expected rate the next purchase would "
    "be more than {years} years away (they have hardly bought again).",
    "{n:,} 位客户没有预计下次购买日期：按其预期购买频率，下次购买在 {years} 年之后（几乎没有复购）。",
)


@dataclass
class CLVFit:
    """The fitted customer models of one shop at one calibration end, with the summary they used."""

    calibration_end: dt.date
    unit_days: float
    bgnbd: BetaGeoModel
    gamma_gamma: GammaGammaModel | None
    pareto: ParetoNBDModel | None
    summary: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Parameters, standard errors and log-likelihoods as JSON-ready values.

        ``{"bgnbd": {"r", "alpha", "a", "b", "loglik", "se", ...}, "gamma_gamma": {"p", "q", "gamma",
        "loglik", ...} | None, "pareto_nbd": {...} | None, "calibration_end", "unit_days", "customers",
        "repeat_customers"}``
        """
        return {
            "calibration_end": self.calibration_end.isoformat(),
            "unit_days": self.unit_days,
            "customers": len(self.summary),
            "repeat_customers": int((self.summary.frequency > 0).sum()),
            "bgnbd": self.bgnbd.summary(),
            "gamma_gamma": self.gamma_gamma.summary() if self.gamma_gamma else None,
            "pareto_nbd": self.pareto.summary() if self.pareto else None,
        }

    def models_json(self) -> dict[str, Any]:
        """Every model as saved JSON (parameters + config), to store and reload with model_from_dict."""
        models = [m for m in (self.bgnbd, self.gamma_gamma, self.pareto) if m is not None]
        return {m.name: m.to_dict() for m in models}


def fit_clv(
    orders: ibis.Table,
    calibration_end: dt.date | str | None = None,
    *,
    unit_days: float = DEFAULT_UNIT_DAYS,
    pareto: bool = False,
    holdout_end: dt.date | str | None = None,
) -> CLVFit:
    """Fit BG/NBD (and Pareto/NBD when ``pareto``) and Gamma-Gamma on purchases up to ``calibration_end``
    (default: the last purchase day). The Gamma-Gamma part is None when fewer than 3 customers repeat."""
    end = parse_day(calibration_end, "calibration end") if calibration_end is not None else last_purchase_day(orders)
    summary = customer_summary(orders, end, unit_days=unit_days, holdout_end=holdout_end)
    if int((summary.frequency > 0).sum()) == 0:
        raise ModelError(
            "No customer bought twice before the calibration end: repeat purchases cannot be modelled.",
            "校准期内没有客户复购，无法建立复购模型。",
            hint_en="Use a later calibration end or more history.",
            hint_zh="请使用更晚的校准期结束日或更长的历史数据。",
        )
    from junshi.models import BetaGeoModel, GammaGammaModel, ParetoNBDModel

    x, tx, t = summary.frequency, summary.recency, summary["T"]
    bg = BetaGeoModel().fit(x, tx, t)
    gg: GammaGammaModel | None
    try:
        gg = GammaGammaModel().fit(x, summary.monetary_value)
    except ModelError:
        gg = None
    pn = ParetoNBDModel().fit(x, tx, t) if pareto else None
    return CLVFit(end, unit_days, bg, gg, pn, summary)


def predict(fit: CLVFit, horizon_days: float = 90.0) -> pd.DataFrame:
    """Per-customer predictions at the calibration end.

    Columns: customer_id, frequency, recency, T, monetary_value, revenue, first_purchase,
    last_purchase, p_alive (BG/NBD), expected_purchases (customer-days in the next ``horizon_days``),
    expected_spend (Gamma-Gamma mean per purchase; the customer's own mean when the spend model could
    not be fitted), expected_value (= expected_purchases x expected_spend, not discounted),
    expected_next_purchase (date: calibration end + the mean time between purchases at the customer's
    expected rate, (alpha + T) / (r + x); meaningful if still active; empty (NaT) when that is more than
    MAX_WAIT_YEARS away, which :data:`NO_NEXT_PURCHASE` explains), and p_alive_pareto with Pareto/NBD.
    """
    if horizon_days <= 0:
        raise ConfigError(
            f"The horizon must be positive, not {horizon_days}.",
            f"预测期必须为正数，而不是 {horizon_days}。",
            hint_en="Give the number of days ahead, e.g. --days 90.",
            hint_zh="请给出预测的天数，例如 --days 90。",
        )
    s = fit.summary
    x, tx, t = s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy()
    out = s.drop(columns=["purchase_days"]).copy()
    out["p_alive"] = fit.bgnbd.p_alive(x, tx, t)
    out["expected_purchases"] = fit.bgnbd.expected_purchases(horizon_days / fit.unit_days, x, tx, t)
    if fit.gamma_gamma is not None:
        out["expected_spend"] = fit.gamma_gamma.expected_spend(x, s.monetary_value)
    else:
        out["expected_spend"] = s.revenue / s.purchase_days
    out["expected_value"] = out.expected_purchases * out.expected_spend
    wait_days = fit.unit_days / fit.bgnbd.expected_rate(x, t)
    # a date decades away says nothing (and past year 2262 pandas cannot even hold it): no date
    wait_days = np.where(np.isfinite(wait_days) & (wait_days <= MAX_WAIT_YEARS * 365.25), np.round(wait_days), np.nan)
    out["expected_next_purchase"] = pd.Timestamp(fit.calibration_end) + pd.to_timedelta(wait_days, unit="D")
    if fit.pareto is not None:
        out["p_alive_pareto"] = fit.pareto.p_alive(x, tx, t)
    return out


@dataclass(frozen=True)
class FrequencyRow:
    """Holdout purchases of the customers with one calibration frequency (the last row is open: 7+)."""

    frequency: int
    label: str
    customers: int
    actual: float
    predicted: float


@dataclass(frozen=True)
class Validation:
    """Calibration/holdout check of BG/NBD: predicted vs actual holdout purchases."""

    calibration_end: str
    holdout_end: str
    unit_days: float
    customers: int
    actual_total: float
    predicted_total: float
    correlation: float
    by_frequency: list[FrequencyRow]
    churn_auc: dict[str, float]
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate(
    orders: ibis.Table,
    calibration_end: dt.date | str,
    holdout_end: dt.date | str,
    *,
    unit_days: float = DEFAULT_UNIT_DAYS,
    max_frequency: int = 7,
    pareto: bool = True,
) -> Validation:
    """Fit on purchases up to ``calibration_end`` and compare the conditional expectations with the
    customer-days actually bought in (calibration_end, holdout_end], by calibration frequency
    (0 .. max_frequency-1, then max_frequency+), with their correlation across customers and the
    AUC of each churn score for "bought again in the holdout" (see :func:`churn_auc`). ``pareto``: also
    fit Pareto/NBD for its churn AUCs (slow when the data push it to "nobody drops out")."""
    fit = fit_clv(orders, calibration_end, unit_days=unit_days, pareto=pareto, holdout_end=holdout_end)
    s = fit.summary
    hend = parse_day(holdout_end)
    horizon = (pd.Timestamp(hend) - pd.Timestamp(fit.calibration_end)).days / unit_days
    x, tx, t = s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy()
    predicted = fit.bgnbd.expected_purchases(horizon, x, tx, t)
    actual = s.holdout_purchases.to_numpy()
    bucket = np.minimum(x, max_frequency).astype(int)
    rows = []
    for f in sorted(set(bucket.tolist())):
        m = bucket == f
        label = f"{f}+" if f == max_frequency else str(f)
        rows.append(FrequencyRow(f, label, int(m.sum()), float(actual[m].sum()), float(predicted[m].sum())))
    corr = float(np.corrcoef(predicted, actual)[0, 1]) if len(s) > 1 else float("nan")
    return Validation(
        calibration_end=fit.calibration_end.isoformat(),
        holdout_end=hend.isoformat(),
        unit_days=unit_days,
        customers=len(s),
        actual_total=float(actual.sum()),
        predicted_total=float(predicted.sum()),
        correlation=corr,
        by_frequency=rows,
        churn_auc=churn_auc(fit, horizon),
        params=fit.to_dict(),
    )


def churn_auc(fit: CLVFit, horizon: float) -> dict[str, float]:
    """How well each score ranks "bought again in the holdout" (ROC AUC; 0.5 is chance).

    Needs a summary with holdout_purchases. Scores: BG/NBD P(alive) and expected purchases,
    Pareto/NBD P(alive) (when fitted), and the simple recency rule (fewer days since the last purchase
    = more likely to buy) and frequency rule (more past purchase days = more likely to buy). A model
    score that a degenerate fit (a handful of customers) leaves non-finite is left out.
    """
    s = fit.summary
    y = (s.holdout_purchases.to_numpy() > 0).astype(int)
    if y.min() == y.max():
        return {}
    x, tx, t = s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy()
    scores: dict[str, Any] = {
        "bgnbd_p_alive": fit.bgnbd.p_alive(x, tx, t),
        "bgnbd_expected_purchases": fit.bgnbd.expected_purchases(horizon, x, tx, t),
        "recency_rule": -(t - tx),
        "frequency_rule": x,
    }
    if fit.pareto is not None:
        scores["pareto_p_alive"] = fit.pareto.p_alive(x, tx, t)
        scores["pareto_expected_purchases"] = fit.pareto.expected_purchases(horizon, x, tx, t)
    from sklearn.metrics import roc_auc_score  # here: scikit-learn takes a second to import, at server start

    # a score a degenerate fit could not compute (NaN) is left out rather than ranked
    return {name: float(roc_auc_score(y, score)) for name, score in scores.items() if np.isfinite(score).all()}


def churn_warning(
    fit: CLVFit,
    *,
    threshold: float = 0.5,
    horizon_days: float = 365.0,
    model: str = "pareto",
) -> pd.DataFrame:
    """Customers whose probability of still being active fell below ``threshold``, most valuable first.

    ``value_at_stake`` is what the customer would be worth over ``horizon_days`` if still active:
    expected purchases given active x expected spend. With ``model="pareto"`` (default, needs a fit with
    ``pareto=True``) one-time buyers can be flagged too; BG/NBD gives them P(alive) = 1 by construction.
    Columns: customer_id, p_alive, days_since_last_purchase, frequency, revenue, expected_spend,
    value_at_stake, last_purchase. ``attrs["lowest_p_alive"]``: the lowest probability of any customer (what an
    empty warning is measured against).
    """
    if not 0 < threshold < 1:
        raise ConfigError(
            f"The threshold must be between 0 and 1, not {threshold}.",
            f"阈值必须在 0 与 1 之间，而不是 {threshold}。",
            hint_en="E.g. --threshold 0.5.",
            hint_zh="例如 --threshold 0.5。",
        )
    pred = predict(fit, horizon_days)
    s = fit.summary
    x, tx, t = s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy()
    h = horizon_days / fit.unit_days
    if model == "pareto":
        if fit.pareto is None:
            raise ModelError("Fit with pareto=True first.", "请先以 pareto=True 拟合。")
        p_alive = fit.pareto.p_alive(x, tx, t)
        per_active = fit.pareto.expected_purchases(h, x, tx, t) / np.maximum(p_alive, 1e-12)
    elif model == "bgnbd":
        p_alive = pred.p_alive.to_numpy()
        per_active = pred.expected_purchases.to_numpy() / np.maximum(p_alive, 1e-12)
    else:
        raise ConfigError(
            f"Unknown model {model!r}.",
            f"未知模型 {model!r}。",
            hint_en="Use pareto or bgnbd.",
            hint_zh="请使用 pareto 或 bgnbd。",
        )
    out = pd.DataFrame(
        {
            "customer_id": s.customer_id,
            "p_alive": p_alive,
            "days_since_last_purchase": (pd.Timestamp(fit.calibration_end) - pd.to_datetime(s.last_purchase)).dt.days,
            "frequency": s.frequency.astype(int),
            "revenue": s.revenue,
            "expected_spend": pred.expected_spend,
            "value_at_stake": per_active * pred.expected_spend.to_numpy(),
            "last_purchase": pd.to_datetime(s.last_purchase).dt.date,
        }
    )
    out = out[out.p_alive < threshold]
    out = out.sort_values(["value_at_stake", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    out.attrs["lowest_p_alive"] = float(np.nanmin(p_alive)) if len(p_alive) else None  # why a list is empty
    return out

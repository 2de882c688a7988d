"""Shared machinery of the customer models: maximum likelihood on log-parameters, standard errors
from the Hessian, the scikit-learn estimator contract, and saving as JSON (parameters + config)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from junshi.errors import ModelError

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]
# A negative log-likelihood on log-parameters: returns the value and, optionally, its gradient.
Objective = Callable[[Array], tuple[float, Array]] | Callable[[Array], float]


def as_array(values: Any, name: str) -> Array:
    """A 1-D float array, or a ModelError that says which input is wrong."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ModelError(
            f"{name} has missing or infinite values.",
            f"{name} 含有缺失值或无穷值。",
            hint_en="Build the input with junshi.customers.customer_summary, which has no gaps.",
            hint_zh="请用 junshi.customers.customer_summary 生成输入，它不会有缺失值。",
        )
    return arr


def wsum(weights: Array, values: Array) -> float:
    """sum(weights * values) without BLAS: ``w @ v`` goes through a multi-threaded BLAS dot, which
    on a busy machine costs milliseconds of thread hand-off for what is microseconds of work."""
    return float(np.add.reduce(weights * values))


def compress(*columns: Array, weights: Array | None = None) -> tuple[list[Array], Array]:
    """Distinct rows of the given columns and how many (weighted) customers share each row.

    Customer models depend on a customer only through a few numbers, so a million customers often
    collapse to far fewer distinct rows; the likelihood is then a weighted sum over them.
    """
    frame = pd.DataFrame({f"c{i}": col for i, col in enumerate(columns)})
    frame["w"] = 1.0 if weights is None else weights
    grouped = frame.groupby(list(frame.columns[:-1]), sort=False)["w"].sum()
    keys = grouped.index.to_frame(index=False)
    return [keys[c].to_numpy(np.float64) for c in keys.columns], grouped.to_numpy(np.float64)


def triples(frequency: Any, recency: Any, T: Any) -> tuple[Array, Array, Array]:
    """Per-customer (frequency, recency, T) as checked float arrays."""
    return as_array(frequency, "frequency"), as_array(recency, "recency"), as_array(T, "T")


def distinct_triples(frequency: Any, recency: Any, T: Any, sample_weight: Any) -> tuple[Array, Array, Array, Array]:
    """The distinct (frequency, recency, T) rows and how many customers (``sample_weight``) share each."""
    w = None if sample_weight is None else as_array(sample_weight, "sample_weight")
    (x, tx, t), counts = compress(*triples(frequency, recency, T), weights=w)
    return x, tx, t, counts


def purchase_clock(rng: np.random.Generator, lam: Array, end: Array, limit: Array) -> tuple[Array, Array]:
    """Each customer buys as a Poisson process of rate ``lam`` until time ``end``, at most ``limit`` times.

    Returns the number of purchases and the time of the last one (0 when none): the shared core of the
    BG/NBD and Pareto/NBD simulators, which differ only in what stops a customer.
    """
    n = len(lam)
    x, tx, clock = np.zeros(n), np.zeros(n), np.zeros(n)
    active = limit > 0
    while active.any():
        idx = np.flatnonzero(active)
        clock[idx] += rng.exponential(1.0 / lam[idx])
        inside = clock[idx] <= end[idx]
        done = idx[inside]
        x[done] += 1
        tx[done] = clock[done]
        active[idx[~inside]] = False
        active[done] = x[done] < limit[done]
    return x, tx


def numeric_hessian(grad: Callable[[Array], Array], x: Array, step: float = 1e-5) -> Array:
    """Hessian at ``x`` by central differences of the analytic gradient, symmetrised."""
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = step
        h[i] = (grad(x + e) - grad(x - e)) / (2 * step)
    return (h + h.T) / 2


class CustomerModel:
    """Base of the customer models: keyword hyperparameters, ``fit`` returns self, fitted attributes end in ``_``.

    Subclasses set ``name`` and ``param_names`` and implement ``_objective`` (negative log-likelihood
    on log-parameters, summed with weights) and ``_start``.
    """

    name: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]

    params_: dict[str, float]
    se_: dict[str, float]
    cov_: Array
    loglik_: float
    n_customers_: float
    n_iter_: int

    def __init__(self, *, penalizer: float = 0.0, tol: float = 1e-10, max_iter: int = 500) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter

    # --- the scikit-learn contract ---
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Hyperparameters, as in scikit-learn."""
        return {"penalizer": self.penalizer, "tol": self.tol, "max_iter": self.max_iter}

    def set_params(self, **params: Any) -> Self:
        for key, value in params.items():
            if key not in self.get_params():
                raise ModelError(f"Unknown hyperparameter {key!r}.", f"未知超参数 {key!r}。")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "params_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise ModelError(
                f"The {self.name} model is not fitted yet.",
                f"{self.name} 模型尚未拟合。",
                hint_en="Call fit(...) first, or load a saved model.",
                hint_zh="请先调用 fit(...)，或加载已保存的模型。",
            )

    # --- maximum likelihood ---
    def _penalty(self, logp: Array) -> tuple[float, Array]:
        """L2 penalty on the parameters (as in the ``lifetimes`` package); 0 by default."""
        p = np.exp(logp)
        return float(self.penalizer * np.sum(p * p)), 2 * self.penalizer * p * p

    def _minimise(self, objective: Callable[[Array], tuple[float, Array]], start: Array, total: float) -> None:
        """Maximise the likelihood over log-parameters, then set params_, se_, cov_, loglik_."""

        def fun(logp: Array) -> tuple[float, Array]:
            val, grad = objective(logp)
            pen, pgrad = self._penalty(logp)
            return (val + pen) / total, (grad + pgrad) / total

        res = optimize.minimize(
            fun,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-15.0, 15.0)] * len(start),
            options={"maxiter": self.max_iter, "ftol": self.tol * 1e-3, "gtol": self.tol},
        )
        if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
            raise ModelError(
                f"The {self.name} model did not converge.",
                f"{self.name} 模型未能收敛。",
                hint_en="Check the data (enough repeat customers?) or set a small penalizer, e.g. 0.001.",
                hint_zh="请检查数据（复购客户是否足够？）或设置较小的 penalizer，如 0.001。",
            )
        logp = np.asarray(res.x, dtype=np.float64)
        params = np.exp(logp)
        self.params_ = dict(zip(self.param_names, map(float, params), strict=True))
        self.loglik_ = -float(objective(logp)[0])
        self.n_iter_ = int(res.nit)
        hess = numeric_hessian(lambda lp: objective(lp)[1], logp)
        try:
            cov_log = np.linalg.inv(hess)
        except np.linalg.LinAlgError:
            cov_log = np.full_like(hess, np.nan)
        # delta method: d(theta) = theta d(log theta)
        self.cov_ = cov_log * np.outer(params, params)
        diag = np.diag(self.cov_)
        se = np.where(diag >= 0, np.sqrt(np.abs(diag)), np.nan)
        self.se_ = dict(zip(self.param_names, map(float, se), strict=True))

    # --- saving: parameters + config as JSON, never pickles ---
    def to_dict(self) -> dict[str, Any]:
        """Model name, hyperparameters and (when fitted) parameters, standard errors and fit facts."""
        out: dict[str, Any] = {"model": self.name, "config": self.get_params()}
        if self.is_fitted:
            out.update(
                params=self.params_,
                se=self.se_,
                loglik=self.loglik_,
                n_customers=self.n_customers_,
                n_iter=self.n_iter_,
                cov=self.cov_.tolist(),
            )
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild a model saved by :meth:`to_dict`."""
        if data.get("model") != cls.name:
            raise ModelError(
                f"This is a {data.get('model')!r} model, not {cls.name!r}.",
                f"这是 {data.get('model')!r} 模型，不是 {cls.name!r}。",
            )
        model = cls(**data.get("config", {}))
        if "params" in data:
            model.params_ = {k: float(data["params"][k]) for k in cls.param_names}
            model.se_ = {k: float(v) for k, v in data.get("se", {}).items()}
            model.loglik_ = float(data["loglik"])
            model.n_customers_ = float(data.get("n_customers", 0))
            model.n_iter_ = int(data.get("n_iter", 0))
            cov = data.get("cov")
            n = len(cls.param_names)
            model.cov_ = np.asarray(cov, dtype=np.float64) if cov else np.full((n, n), np.nan)
        return model

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Read a model written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def summary(self) -> dict[str, Any]:
        """Parameters with standard errors and the log-likelihood, as plain JSON-ready values."""
        self._check_fitted()
        return {**self.params_, "loglik": self.loglik_, "se": self.se_, "n_customers": self.n_customers_}

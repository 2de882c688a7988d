"""Customer models: BG/NBD and Pareto/NBD for purchase counts, Gamma-Gamma for spend.

scikit-learn style (keyword hyperparameters, ``fit`` returns self, fitted attributes end in ``_``),
fitted by maximum likelihood with standard errors, saved as JSON parameters + config.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from junshi.errors import ModelError
from junshi.models._base import CustomerModel
from junshi.models.bgnbd import BetaGeoModel, simulate_bgnbd
from junshi.models.gamma_gamma import GammaGammaModel, simulate_gamma_gamma
from junshi.models.pareto import ParetoNBDModel, simulate_pareto_nbd

MODELS: dict[str, type[CustomerModel]] = {m.name: m for m in (BetaGeoModel, ParetoNBDModel, GammaGammaModel)}


def model_from_dict(data: dict[str, Any]) -> CustomerModel:
    """Rebuild any saved customer model from its JSON dict."""
    cls = MODELS.get(str(data.get("model")))
    if cls is None:
        raise ModelError(
            f"Unknown model {data.get('model')!r}.",
            f"未知模型 {data.get('model')!r}。",
            hint_en="Known models: " + ", ".join(MODELS),
            hint_zh="已知模型：" + "、".join(MODELS),
        )
    return cls.from_dict(data)


def load_model(path: str | os.PathLike[str]) -> CustomerModel:
    """Read a model saved with ``model.save(path)``."""
    return model_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


__all__ = [
    "MODELS",
    "BetaGeoModel",
    "CustomerModel",
    "GammaGammaModel",
    "ParetoNBDModel",
    "load_model",
    "model_from_dict",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
    "simulate_pareto_nbd",
]

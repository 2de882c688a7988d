"""风控 Risk: order risk scores (刷单 fake orders) with reasons, the suspect table and clean metrics."""

from junshi.risk.score import DEFAULT_THRESHOLD, OrderRisk, score_orders
from junshi.risk.store import save_suspects, suspect_orders

__all__ = ["DEFAULT_THRESHOLD", "OrderRisk", "save_suspects", "score_orders", "suspect_orders"]

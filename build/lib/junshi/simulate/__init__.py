"""The demo shop simulator: a women's clothing and cosmetics shop with known ground truth.

>>> truth = simulate("demo.duckdb", days=120, visitors_per_day=1000, seed=0)   # doctest: +SKIP
>>> truth.event("landing_stockout")                                            # doctest: +SKIP
"""

from junshi.simulate.plan import PlantedEvent, Promotion
from junshi.simulate.run import simulate, yesterday
from junshi.simulate.state import BTYD
from junshi.simulate.truth import GroundTruth

__all__ = ["BTYD", "GroundTruth", "PlantedEvent", "Promotion", "simulate", "yesterday"]

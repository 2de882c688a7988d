"""What the simulation carries from one day to the next: id counters, stock, visitors, customers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from junshi.simulate.catalog import Catalog


@dataclass(frozen=True)
class BTYD:
    """Population parameters of the buy-till-you-die process (BG/NBD), time unit: days.

    While alive a customer buys at Poisson rate lambda ~ Gamma(shape=r, rate=alpha); after each repeat
    purchase she drops out for good with probability p ~ Beta(a, b). Birth is the first paid order.
    """

    r: float = 0.75
    alpha: float = 90.0
    a: float = 0.9
    b: float = 2.1


@dataclass
class Population:
    """Customers under the BTYD process, as growable parallel arrays."""

    cid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    vid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    city: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    device: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    lam: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p: np.ndarray = field(default_factory=lambda: np.zeros(0))
    birth_t: np.ndarray = field(default_factory=lambda: np.zeros(0))  # days since the start
    next_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    death_t: np.ndarray = field(default_factory=lambda: np.zeros(0))  # nan while alive
    n_repeat: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.cid)

    def extend(self, **cols: np.ndarray) -> None:
        for name, values in cols.items():
            setattr(self, name, np.concatenate([getattr(self, name), values]))


@dataclass
class State:
    """Counters and stocks at the start of a day."""

    catalog: Catalog
    stock: np.ndarray
    restock_day: np.ndarray  # day index a pending restock arrives (-1: none)
    next_session: int = 1
    next_event: int = 1
    next_visitor: int = 1
    next_customer: int = 1
    next_order: int = 1
    next_refund: int = 1
    next_review: int = 1
    pool: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # recent non-buying visitors
    customers: Population = field(default_factory=Population)
    # presale orders waiting for their balance: order id, customer, visitor, city, device, paid time (us)
    pending: dict[str, np.ndarray] = field(default_factory=dict)
    was_forced_out: set[int] = field(default_factory=set)
    ring: dict[str, np.ndarray] | None = None  # the brushing ring's accounts, once it exists

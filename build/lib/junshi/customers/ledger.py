"""The shop's purchase days as arrays (NumPy): per known customer and shop-local day with a purchase (paid, not
cancelled: :func:`junshi.customers.summary.purchases`), the orders and the amount in cents, sorted by customer and
day. RFM as of any day and repurchase over any days are counted from them in milliseconds, exactly (integers).

Reading them costs a pass over every order of the shop's history (a second on a 100M-event shop); they are kept
while the shop's data is unchanged (:mod:`junshi.versioned`: 40 bytes a purchase day, and their rows beside the
warehouse for the next process), so the history is read once per load rather than once per call. Written with
NumPy rather than in SQL because one read answers every day and period of the data version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from junshi.customers.summary import TableSource, purchases

if TYPE_CHECKING:
    from numpy.typing import NDArray

EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class PurchaseDays:
    """Purchase days sorted by customer (``customer``: index into ``ids``) and day (days since 1970-01-01)."""

    ids: pa.Array  # the customers' ids, ascending
    customer: NDArray[np.int64]
    day: NDArray[np.int64]
    orders: NDArray[np.int64]
    cents: NDArray[np.int64]

    def upto(self, last: dt.date, first: dt.date | None = None) -> PurchaseDays:
        """The purchase days from ``first`` (default: the first) to ``last``."""
        keep = self.day <= (last - EPOCH).days
        if first is not None:
            keep &= self.day >= (first - EPOCH).days
        return PurchaseDays(self.ids, self.customer[keep], self.day[keep], self.orders[keep], self.cents[keep])

    def per_customer(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Per customer with a purchase day here: its index into ``ids``, last purchase day, orders and cents."""
        if not len(self.customer):
            empty = np.zeros(0, np.int64)
            return empty, empty, empty, empty
        ends = np.flatnonzero(np.r_[self.customer[1:] != self.customer[:-1], True])
        starts = np.r_[0, ends[:-1] + 1]
        return (self.customer[ends], self.day[ends], np.add.reduceat(self.orders, starts),
                np.add.reduceat(self.cents, starts))

    def gaps(self) -> NDArray[np.int64]:
        """Days between each customer's consecutive purchase days."""
        same = self.customer[1:] == self.customer[:-1]
        gaps: NDArray[np.int64] = (self.day[1:] - self.day[:-1])[same]
        return gaps


def _rows(src: TableSource) -> pa.Table:
    """Per customer and day with a purchase, its orders and cents, sorted by customer and day."""
    p = purchases(src.table("orders"))
    d = p.group_by("customer_id", "day").aggregate(orders=p.count(), cents=(p.money * 100).cast("int64").sum())
    return d.order_by(["customer_id", "day"]).to_pyarrow()


def _ledger(t: pa.Table) -> PurchaseDays:
    names = t.column("customer_id").combine_chunks()
    # sorted by customer: a customer's number counts the changes of id so far (a quarter of dictionary_encode's time)
    changed = np.asarray(pc.not_equal(names[1:], names[:-1]), dtype=bool) if len(names) else np.zeros(0, bool)
    first = np.r_[True, changed][:len(names)]
    return PurchaseDays(
        ids=names.filter(pa.array(first)),
        customer=np.cumsum(first, dtype=np.int64) - 1,
        day=np.asarray(t.column("day").cast(pa.int32()), dtype=np.int64),
        orders=np.asarray(t.column("orders"), dtype=np.int64),
        cents=np.asarray(t.column("cents").fill_null(0), dtype=np.int64),
    )


def purchase_days(src: TableSource) -> PurchaseDays:
    """The shop's purchase days, kept while its data is unchanged (:mod:`junshi.versioned`): in this process, and
    their rows beside the warehouse, so that a restarted server's first customers call reads them back instead of
    every order (at 100M events about 1 of its 2.4 CPU s)."""
    from junshi.shop import Shop
    from junshi.versioned import kept, stored_table

    if not isinstance(src, Shop):
        return _ledger(_rows(src))
    return kept(src, "purchase_days", lambda: _ledger(stored_table(src, "purchase_days", lambda: _rows(src))))

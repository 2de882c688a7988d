"""The fingerprint graph: buyers linked by a shared delivery address or device, and its rings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from junshi.warehouse import Writable

# An IP address is shared by honest buyers (an office, a campus, a carrier's NAT), so it links buyers
# only in the reasons, never into a ring; an address (and a family tablet) is shared by a family of a few
# buyers, so a ring needs more buyers than a family has.
LINKING = ("address_hash", "device_hash")
RING_MIN_BUYERS = 5


@dataclass(frozen=True)
class Component:
    """Buyers joined by shared fingerprints: ``kinds`` the fingerprint kinds that link them."""

    id: int
    buyers: frozenset[str]
    edges: int
    density: float
    kinds: frozenset[str]

    @property
    def ring(self) -> bool:
        """More buyers than a family: a ring."""
        return len(self.buyers) >= RING_MIN_BUYERS


def fingerprint_edges(wh: Writable, shop_id: str, end: dt.date) -> pd.DataFrame:
    """The graph of the buyers (``customer_id``) of every order placed up to ``end``: one row (u < v, kinds) per
    pair of buyers linked by a shared address or device. Each shared value is a star whose hub is its first buyer
    (the first to order with it), so components and kinds come without n^2 edges for big groups; built in DuckDB,
    which returns the linked pairs only. A shop with rollups reads its stored fingerprints (``rollup_prints``:
    those first used by ``end``), else every order up to ``end``."""
    from junshi import rollup
    from junshi.rollup.risk import prints_sql
    from junshi.rollup.tables import PRINTS

    kinds = ", ".join(f"'{k}'" for k in LINKING)
    stored = rollup.built(wh.con, shop_id)
    star = (f"SELECT kind, customer_id, hub FROM {PRINTS.name} WHERE shop_id = $shop AND hub IS NOT NULL "
            f"AND kind IN ({kinds}) AND first_at < $hi" if stored
            else prints_sql(lambda _: "created_at < $hi", LINKING))
    return wh.con.execute(f"""
        SELECT least(hub, customer_id) AS u, greatest(hub, customer_id) AS v, list(DISTINCT kind) AS kinds
        FROM ({star}) WHERE hub IS NOT NULL GROUP BY 1, 2""",
        {"shop": shop_id, "hi": end + dt.timedelta(days=1)}).df()


def components(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Each of ``n`` nodes' connected component in the undirected graph of the edges ``u[i]``-``v[i]``, numbered in
    the order of the components' smallest node, as ``scipy.sparse.csgraph.connected_components`` numbers them.
    Written out (smallest-label propagation with pointer jumping, in NumPy) because importing SciPy's sparse graph
    routines cost a fresh process's first 风控 call about 0.4 CPU s; a test pins the labels equal to SciPy's."""
    root = np.arange(n)
    while True:
        low = np.minimum(root[u], root[v])
        moved = root.copy()
        np.minimum.at(moved, root[u], low)  # each edge hooks the larger root under the smaller
        np.minimum.at(moved, root[v], low)
        while not np.array_equal(jumped := moved[moved], moved):  # every node straight to its root
            moved = jumped
        if np.array_equal(moved, root):  # every edge's two ends share a root: the component's smallest node
            _, label = np.unique(root, return_inverse=True)
            return label
        root = moved


def rings(edges: pd.DataFrame) -> list[Component]:
    """The connected components of :data:`RING_MIN_BUYERS` or more buyers of a :func:`fingerprint_edges` graph,
    numbered in the order of their smallest buyer id."""
    if edges.empty:
        return []
    codes, buyers = pd.factorize(pd.concat([edges["u"], edges["v"]], ignore_index=True), sort=True)
    u, v = codes[:len(edges)], codes[len(edges):]
    label = components(u, v, len(buyers))
    size = np.bincount(label)
    kept = np.flatnonzero(size >= RING_MIN_BUYERS)  # labels follow the smallest buyer (buyers are sorted)
    edge_label = label[u]
    out = []
    for i, lab in enumerate(kept):
        members = frozenset(buyers[label == lab])
        mine = edges[edge_label == lab]
        n, e = len(members), len(mine)
        kinds = frozenset(k for ks in mine["kinds"] for k in ks)
        out.append(Component(i, members, e, 2 * e / (n * (n - 1)), kinds))
    return out


def ring_components(wh: Writable, shop_id: str, end: dt.date) -> list[Component]:
    """The rings among the buyers of every order placed up to ``end``."""
    return rings(fingerprint_edges(wh, shop_id, end))

"""The fingerprint graph: buyers linked by a shared delivery address or device (networkx)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # networkx is imported where used: the server starts without it
    import networkx as nx

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


def fingerprint_graph(orders: pd.DataFrame) -> nx.Graph:
    """Buyers (``customer_id``) as nodes; an edge per pair sharing an address or device, labelled by kind."""
    import networkx as nx

    g: nx.Graph = nx.Graph()
    rows = orders.dropna(subset=["customer_id"])
    g.add_nodes_from(rows["customer_id"].unique())
    for kind in LINKING:
        pairs = rows.dropna(subset=[kind]).drop_duplicates(["customer_id", kind])
        for _, buyers in pairs.groupby(kind)["customer_id"]:
            ids = list(buyers)
            if len(ids) < 2:
                continue
            hub = ids[0]  # a star per shared value: components and kinds, without n^2 edges for big groups
            for other in ids[1:]:
                if g.has_edge(hub, other):
                    g[hub][other]["kinds"].add(kind)
                else:
                    g.add_edge(hub, other, kinds={kind})
    return g


def components(g: nx.Graph) -> dict[str, Component]:
    """Each buyer in a component of two or more buyers -> its component."""
    import networkx as nx

    out: dict[str, Component] = {}
    for i, nodes in enumerate(c for c in nx.connected_components(g) if len(c) > 1):
        sub = g.subgraph(nodes)
        kinds = frozenset(k for _, _, d in sub.edges(data=True) for k in d["kinds"])
        comp = Component(i, frozenset(nodes), sub.number_of_edges(), float(nx.density(sub)), kinds)
        for node in nodes:
            out[node] = comp
    return out

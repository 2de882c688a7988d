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
    stars = []
    for kind in LINKING:
        pairs = rows.dropna(subset=[kind]).drop_duplicates(["customer_id", kind])
        # a star per shared value (its first buyer the hub): components and kinds, without n^2 edges for big groups
        hub = pairs.groupby(kind)["customer_id"].transform("first")
        spokes = pairs["customer_id"] != hub
        stars.append(pd.DataFrame({"u": hub[spokes], "v": pairs["customer_id"][spokes], "kind": kind}))
    edges = pd.concat(stars, ignore_index=True)
    if edges.empty:
        return g
    # an undirected edge: the same pair of buyers linked by both kinds (in either direction) is one edge
    swap = edges["u"] > edges["v"]
    edges.loc[swap, ["u", "v"]] = edges.loc[swap, ["v", "u"]].to_numpy()
    kinds = edges.groupby(["u", "v"], sort=False)["kind"].agg(set).reset_index()
    g.add_edges_from(zip(kinds["u"], kinds["v"], ({"kinds": k} for k in kinds["kind"]), strict=True))
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

"""Edge routes for the built-in layout, in rank space (u across the ranks, v along the flow).

Every edge bends only in the gaps between ranks, never inside a rank's band, so it cannot cross a node box: it
leaves its source's slot straight along the flow to just past the source's rank, runs straight through each rank
it skips (at its dummy point there, which the rows keep clear) and enters its destination straight. An edge that
skips more than ``LANE_SKIP`` ranks has no dummy points: it runs in one straight lane right of everything in the
ranks it passes inside the nested graph that holds both its ends, shorter lanes nearer the nodes (nested skips
draw as nested brackets); ``layout_clusters.ClusterTree.separate`` places the lanes with the cluster's other
members. No point per skipped rank (N²/4 of them for N layers with skips spanning half the net).
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["LANE_SKIP", "lanes_by_cluster", "routes"]

#: Edges skipping more ranks than this are drawn in a lane, not through a dummy point per rank.
LANE_SKIP = 6
Point = tuple[float, float]


def lanes_by_cluster(geo, u: dict[str, float]) -> dict[tuple, list[tuple[int, int, int, float]]]:
    """The long edges by the cluster that holds both their ends: (edge index, first and last rank passed, the u
    of the source's slot, which the lane takes when nothing is in the way)."""
    out = defaultdict(list)
    for i in geo.lanes:
        src, dst = geo.chains[i][0], geo.chains[i][-1]
        common = geo.cluster[src][:_shared(geo.cluster[src], geo.cluster[dst])]
        out[common].append((i, geo.rank[src] + 1, geo.rank[dst] - 1, u[src] + geo.ends[i][0]))
    return out


def _shared(a: tuple, b: tuple) -> int:
    return next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def routes(geo, u, band, lanes: dict[int, float], stub: float,
           straight: dict[int, tuple[float, float]] | None = None) -> list[list[Point]]:
    """Each edge's waypoints (rank space) between its two slots. ``band``: each rank's (v from, v to), ``lanes``:
    the u of each long edge's lane, ``stub``: how far past a band an edge turns; ``straight``: by rank, how much
    farther the edges in the gap before it run straight after its start and before its end (rows of labels)."""
    ends, straight = geo.ends, straight or {}

    def head(r: int) -> float:  # where edges leaving rank r - 1 turn
        return band[r - 1][1] + stub + straight.get(r, (0.0, 0.0))[0]

    def tail(r: int) -> float:  # where edges entering rank r have turned
        return band[r][0] - stub - straight.get(r, (0.0, 0.0))[1]

    out = []
    for i, chain in enumerate(geo.chains):
        src, dst = chain[0], chain[-1]
        a, b = geo.rank[src], geo.rank[dst]
        points = [(u[src] + ends[i][0], head(a + 1))]
        if i in lanes:
            points += [(lanes[i], tail(a + 1)), (lanes[i], head(b))]
        for x in chain[1:-1]:
            r = geo.rank[x]
            points += [(u[x], tail(r)), (u[x], head(r + 1))]
        points.append((u[dst] + ends[i][1], tail(b)))
        out.append(points)
    return out

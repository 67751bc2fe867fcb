"""Edge routes for the built-in layout, in rank space (u across the ranks, v along the flow).

Every edge bends only in the gaps between ranks, never inside a rank's band, so it cannot cross a node box: it
leaves its source's slot straight along the flow to just past the source's rank, runs straight through each rank
it skips (at its dummy point there, which the rows keep clear) and enters its destination straight. An edge that
skips more than ``LANE_SKIP`` ranks has no dummy points: it runs in one straight lane beside everything in the
ranks it passes (nodes, other lanes, cluster boxes), on the side nearer its ends, shorter lanes nearer the nodes
(nested skips draw as nested brackets). Lanes are found with a range-maximum tree over the ranks, so drawing a
net costs O((nodes + edges) log ranks), not a point per skipped rank (N²/4 for N layers with skips spanning half
the net).
"""

from __future__ import annotations

__all__ = ["LANE_SKIP", "LANESEP", "RangeMax", "routes"]

#: Edges skipping more ranks than this are drawn in a lane, not through a dummy point per rank.
LANE_SKIP = 6
LANESEP = 9.0  # between neighbouring lanes
Point = tuple[float, float]


class RangeMax:
    """Maximum over a range of ranks, with ``raise_to`` (every value in a range at least x), both O(log n)."""

    def __init__(self, values: list[float]) -> None:
        self.size = 1
        while self.size < max(1, len(values)):
            self.size *= 2
        self.top = [float("-inf")] * (2 * self.size)  # the maximum under a tree node
        self.floor = [float("-inf")] * (2 * self.size)  # a value its whole range was raised to
        self.top[self.size:self.size + len(values)] = values
        for k in range(self.size - 1, 0, -1):
            self.top[k] = max(self.top[2 * k], self.top[2 * k + 1])

    def max(self, lo: int, hi: int, k: int = 1, k_lo: int = 0, k_hi: int | None = None) -> float:
        k_hi = self.size - 1 if k_hi is None else k_hi
        if hi < k_lo or k_hi < lo:
            return float("-inf")
        if lo <= k_lo and k_hi <= hi:
            return self.top[k]
        mid = (k_lo + k_hi) // 2
        return max(self.floor[k], self.max(lo, hi, 2 * k, k_lo, mid), self.max(lo, hi, 2 * k + 1, mid + 1, k_hi))

    def raise_to(self, lo: int, hi: int, x: float, k: int = 1, k_lo: int = 0, k_hi: int | None = None) -> None:
        k_hi = self.size - 1 if k_hi is None else k_hi
        if hi < k_lo or k_hi < lo:
            return
        self.top[k] = max(self.top[k], x)
        if lo <= k_lo and k_hi <= hi:
            self.floor[k] = max(self.floor[k], x)
            return
        mid = (k_lo + k_hi) // 2
        self.raise_to(lo, hi, x, 2 * k, k_lo, mid)
        self.raise_to(lo, hi, x, 2 * k + 1, mid + 1, k_hi)


def _reaches(geo, u: dict[str, float], boxes: list[tuple[float, float, int, int]], clear: float) -> tuple:
    """How far right (and, negated, left) the things in each rank reach, plus ``clear``: nodes, points, boxes
    (u from, u to, first rank, last rank)."""
    right = [max((u[n] + geo.extent_u[n] / 2 for n in row), default=float("-inf")) + clear for row in geo.order]
    left = [max((-u[n] + geo.extent_u[n] / 2 for n in row), default=float("-inf")) + clear for row in geo.order]
    right, left = RangeMax(right), RangeMax(left)
    for lo, hi, first, last in boxes:
        right.raise_to(first, last, hi + clear)
        left.raise_to(first, last, -lo + clear)
    return right, left


def _lanes(geo, u, ends, boxes, nodesep: float) -> dict[int, float]:
    """The u of each long edge's lane (by edge index), shortest edges first so that they run nearest the nodes."""
    right, left = _reaches(geo, u, boxes, nodesep - LANESEP)
    out = {}
    for i in sorted(geo.lanes, key=lambda i: (geo.rank[geo.chains[i][-1]] - geo.rank[geo.chains[i][0]], i)):
        src, dst = geo.chains[i][0], geo.chains[i][-1]
        a, b = geo.rank[src] + 1, geo.rank[dst] - 1
        us, ut = u[src] + ends[i][0], u[dst] + ends[i][1]
        r, lft = right.max(a, b) + LANESEP, -(left.max(a, b) + LANESEP)
        if abs(r - us) + abs(r - ut) <= abs(lft - us) + abs(lft - ut):
            out[i] = r
            right.raise_to(a, b, r)
        else:
            out[i] = lft
            left.raise_to(a, b, -lft)
    return out


def routes(geo, u, band, ends, boxes, nodesep: float, stub: float) -> list[list[Point]]:
    """Each edge's waypoints (rank space) between its two slots. ``band``: each rank's (v from, v to), ``ends``:
    each edge's slot offsets (source, destination), ``boxes``: cluster boxes (u from, u to, first rank, last rank),
    ``stub``: how far past a band an edge turns."""
    lanes = _lanes(geo, u, ends, boxes, nodesep)
    out = []
    for i, chain in enumerate(geo.chains):
        src, dst = chain[0], chain[-1]
        a, b = geo.rank[src], geo.rank[dst]
        points = [(u[src] + ends[i][0], band[a][1] + stub)]
        if i in lanes:
            points += [(lanes[i], band[a + 1][0] - stub), (lanes[i], band[b - 1][1] + stub)]
        for x in chain[1:-1]:
            lo, hi = band[geo.rank[x]]
            points += [(u[x], lo - stub), (u[x], hi + stub)]
        points.append((u[dst] + ends[i][1], band[b][0] - stub))
        out.append(points)
    return out

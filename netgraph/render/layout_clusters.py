"""Cluster boxes for the built-in layout: each nested graph's members kept together, boxes kept apart.

The clusters form a tree (a path's parent is the path less its last name). Each cluster's children, its own
nodes and its child clusters, get one left-to-right order used in every rank (``reorder``), so a cluster holds
one contiguous run of each rank. ``separate`` then moves children apart, innermost clusters first, so that no
two children sharing a rank overlap: a child cluster's box (its members plus padding) stays clear of its
siblings and their boxes, and the lanes of long edges (``layout_edges.py``) run right of a cluster's other members
in their ranks, inside its box. Along the flow, ``rank_gaps`` leaves room between ranks for the boxes that end
or start there, so boxes with no rank in common never meet either. Each node and cluster is visited a fixed
number of times; a cluster with siblings is also checked once per rank it spans.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

__all__ = ["Pads", "ClusterTree"]

Box = tuple[float, float]


@dataclass(frozen=True)
class Pads:
    """A box's padding around its members on each side, in rank space (u across ranks, v along the flow)."""

    u_lo: float
    u_hi: float
    v_lo: float
    v_hi: float

    @classmethod
    def of(cls, rankdir: str, pad: float, label: float) -> Pads:
        """Padding ``pad`` on every side, plus ``label`` on the side drawn at the top (the label's place)."""
        if rankdir == "TB":
            return cls(pad, pad, pad + label, pad)
        if rankdir == "BT":
            return cls(pad, pad, pad, pad + label)
        return cls(pad + label, pad, pad, pad)  # LR, RL: u runs down the page


class ClusterTree:
    """The clusters of a layout (``geo`` of ``layout.py``: ranks, rows and each node's cluster path)."""

    def __init__(self, geo) -> None:
        self.parent: dict[tuple, tuple] = {}
        self.nodes: dict[tuple, list[str]] = defaultdict(list)
        self.kids: dict[tuple, list[tuple]] = defaultdict(list)
        for n, path in geo.cluster.items():
            self.nodes[path].append(n)
            while path and path not in self.parent:
                self.parent[path] = path[:-1]
                self.kids[path[:-1]].append(path)
                path = path[:-1]
        self.inner_first = sorted(self.parent, key=len, reverse=True)
        self.first, self.last, self.height = {}, {}, {}
        for c in self.inner_first:
            ranks = [geo.rank[n] for n in self.nodes[c]]
            self.first[c] = min([*ranks, *(self.first[k] for k in self.kids[c])])
            self.last[c] = max([*ranks, *(self.last[k] for k in self.kids[c])])
            self.height[c] = 1 + max((self.height[k] for k in self.kids[c]), default=0)
        self.children: dict[tuple, list] = {}

    def reorder(self, geo) -> None:
        """Order each cluster's children by their mean place in the rows (centred), then every row by that
        one order: clusters keep to contiguous runs and siblings keep one side of each other in every rank."""
        place = {n: i - (len(row) - 1) / 2 for row in geo.order for i, n in enumerate(row)}
        total: dict[tuple, list[float]] = {c: [sum(place[n] for n in ns), len(ns)] for c, ns in self.nodes.items()}
        for c in self.inner_first:
            t, up = total.setdefault(c, [0.0, 0]), total.setdefault(self.parent[c], [0.0, 0])
            up[0], up[1] = up[0] + t[0], up[1] + t[1]
        for c in (*self.inner_first, ()):
            items = [(place[n], k, n) for k, n in enumerate(self.nodes[c])]
            items += [(total[k][0] / max(1, total[k][1]), len(items) + j, k) for j, k in enumerate(self.kids[c])]
            self.children[c] = [item for _, _, item in sorted(items, key=lambda x: x[:2])]
        index: dict[str, int] = {}
        stack = [iter(self.children[()])]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
            elif isinstance(item, tuple):
                stack.append(iter(self.children[item]))
            else:
                index[item] = len(index)
        geo.order = [sorted(row, key=index.__getitem__) for row in geo.order]

    def separate(self, geo, u: dict[str, float], pads: Pads, gap: float, lane_gap: float,
                 lanes: dict[tuple, list[tuple[int, int, int, float]]],
                 least: dict[tuple, float]) -> tuple[dict[tuple, Box], dict[int, float]]:
        """Move children apart (to the right, in order) so that no two sharing a rank come closer than ``gap``;
        returns each cluster's box across the ranks (u from, u to) and the u of each lane. ``lanes``: by cluster,
        the long edges routed in it (edge index, first rank, last rank, wanted u), placed after its other
        children, shortest first: right of everything of the cluster in their ranks, inside its box; a lane
        keeps ``gap`` from boxes but only ``lane_gap`` from the lanes placed before it. ``least``: by cluster, the
        width across the ranks its box needs at least (its label's), widened evenly on both sides."""
        ext: dict[tuple, Box] = {}
        shift: dict[tuple, float] = {}
        lane_u: dict[int, float] = {}
        for c in (*self.inner_first, ()):
            spans = []
            for item in self.children[c]:
                if isinstance(item, tuple):
                    spans.append((*ext[item], self.first[item], self.last[item], item))
                else:
                    half = geo.extent_u[item] / 2
                    spans.append((u[item] - half, u[item] + half, geo.rank[item], geo.rank[item], item))
            spans += [(want, want, a, b, i) for i, a, b, want in sorted(lanes.get(c, ()), key=lambda x: (x[2] - x[1], x))]
            reach = _Reach([(a, b) for _, _, a, b, _ in spans])
            lo_c, hi_c = float("inf"), float("-inf")
            for lo, hi, a, b, item in spans:
                s = 0.0
                if len(spans) > 1:
                    s = max(0.0, reach.get(a, b) + gap - lo)
                    reach.put(a, b, hi + s - (gap - lane_gap if isinstance(item, int) else 0.0))
                if isinstance(item, tuple):
                    shift[item] = s
                elif isinstance(item, int):
                    lane_u[item] = lo + s
                else:
                    u[item] += s
                lo_c, hi_c = min(lo_c, lo + s), max(hi_c, hi + s)
            if c:
                extra = max(0.0, least.get(c, 0.0) - (hi_c - lo_c + pads.u_lo + pads.u_hi)) / 2
                ext[c] = (lo_c - pads.u_lo - extra, hi_c + pads.u_hi + extra)
        moved = {(): 0.0}
        for c in reversed(self.inner_first):  # outermost first: a cluster moves with its ancestors
            moved[c] = moved[self.parent[c]] + shift[c]
        for n, path in geo.cluster.items():
            u[n] += moved[path]
        for c, routed in lanes.items():
            for i, *_ in routed:
                lane_u[i] += moved[c]
        return {c: (lo + moved[c], hi + moved[c]) for c, (lo, hi) in ext.items()}, lane_u

    def rank_gaps(self, pads: Pads, ranks: int) -> tuple[list[float], list[float]]:
        """Room (before, after) each rank for the padding of the boxes that start or end there."""
        before, after = [0.0] * ranks, [0.0] * ranks
        for c in self.inner_first:
            before[self.first[c]] = max(before[self.first[c]], pads.v_lo * self.height[c])
            after[self.last[c]] = max(after[self.last[c]], pads.v_hi * self.height[c])
        return before, after

    def spans_v(self, geo, v: dict[str, float], pads: Pads) -> dict[tuple, Box]:
        """Each cluster's box along the flow (v from, v to), around its nodes and its child clusters' boxes."""
        out: dict[tuple, Box] = {}
        for c in self.inner_first:
            los = [v[n] - geo.extent_v[n] / 2 for n in self.nodes[c]] + [out[k][0] for k in self.kids[c]]
            his = [v[n] + geo.extent_v[n] / 2 for n in self.nodes[c]] + [out[k][1] for k in self.kids[c]]
            out[c] = (min(los) - pads.v_lo, max(his) + pads.v_hi)
        return out


class _Reach:
    """How far right the children placed so far reach in each rank: kept per rank; or (``by_item``, when there are
    few children spanning many ranks) as a list of (first rank, last rank, reach); or, when some children span
    many ranks (the lanes of long edges), in a range-maximum tree over the ranks: whichever is less work."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        cover = sum(b - a + 1 for a, b in spans)
        self.by_item = len(spans) ** 2 < cover
        self.items: list[tuple[int, int, float]] = []
        self.ranks: dict[int, float] = {}
        self.tree: RangeMax | None = None
        if not self.by_item and cover > 8 * len(spans):
            self.first = min(a for a, _ in spans)
            self.tree = RangeMax(max(b for _, b in spans) - self.first + 1)

    def get(self, a: int, b: int) -> float:
        if self.tree is not None:
            return self.tree.max(a - self.first, b - self.first)
        if self.by_item:
            return max((x for p, q, x in self.items if p <= b and a <= q), default=float("-inf"))
        return max(self.ranks.get(r, float("-inf")) for r in range(a, b + 1))

    def put(self, a: int, b: int, x: float) -> None:
        """Reach ``x`` in ranks a to b (never less than they reach already: children are placed left to right)."""
        if self.tree is not None:
            self.tree.raise_to(a - self.first, b - self.first, x)
        elif self.by_item:
            self.items.append((a, b, x))
        else:
            self.ranks.update(dict.fromkeys(range(a, b + 1), x))


class RangeMax:
    """The maximum over a range of ``n`` places, all -inf at first; ``raise_to`` lifts a range to at least x.
    Both O(log n)."""

    def __init__(self, n: int) -> None:
        self.size = 1
        while self.size < n:
            self.size *= 2
        self.top = [float("-inf")] * (2 * self.size)  # the maximum under a tree node
        self.floor = [float("-inf")] * (2 * self.size)  # a value its whole range was lifted to

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

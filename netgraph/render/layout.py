"""A built-in layered (Sugiyama-style) layout, used when neither ``dot`` nor ``graphviz-pure`` exists.

Steps: rank the nodes by longest path (sources pulled down next to their consumers), add a dummy
point per rank an edge skips (up to ``LANE_SKIP`` ranks: longer edges get lanes, see ``layout_edges.py``),
order each rank by barycenters (members of a cluster kept together), give each cluster's members one order
for all ranks, place nodes along the rank with minimum gaps, then move clusters apart so that no box holds a
node or box not its own (``layout_clusters.py``); route the edges, bending only between ranks
(``layout_edges.py``), and put their labels in rows where they would meet (``layout_labels.py``); ``svg.py`` draws
the result. Plainer than dot, same content: every node, port slot, edge label and marking of the diagram model.

>>> from netgraph import NetGraph, LinearLayer
>>> from netgraph.render.build import build_diagram, DiagramOptions
>>> placed = place(build_diagram(NetGraph({"lin": LinearLayer(3)}, Input=4), DiagramOptions()))
>>> len(placed.centre), placed.width > 0 and placed.height > 0
(3, True)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

import networkx as nx

from netgraph.render.layout_clusters import ClusterTree, Pads
from netgraph.render.layout_edges import LANE_SKIP, lanes_by_cluster, routes
from netgraph.render.layout_labels import label_rows
from netgraph.render.metrics import text_width
from netgraph.render.model import Diagram, Node

__all__ = ["Geometry", "Placed", "node_size", "place", "bends"]

BODY_PT, PORT_PT, TERM_PT, LABEL_PT = 10.0, 9.0, 11.0, 9.0
LABEL_PAD = 4.0  # between an edge label and the boxes on either side of its gap, or the next row of labels
PAD, PORT_H, LINE_H = 4.0, 17.0, 13.0
NODESEP, RANKSEP, CLUSTER_PAD, CLUSTER_LABEL = 18.0, 34.0, 8.0, 14.0
CLUSTER_FONT = 10.0  # a nested graph's label along the top of its box
LANESEP = 6.0  # between neighbouring lanes of long edges: tighter than boxes, apart enough to tell them apart


def body_lines(node: Node) -> list[str]:
    """The text lines of a layer's body: title (bold), type, option lines, the warning."""
    return [node.title, node.type, *node.lines, *([node.warning] if node.warning else [])]


def node_size(node: Node, horizontal: bool) -> tuple[float, float]:
    """(width, height) of a node drawn for a top-down (or, ``horizontal``, left-right) flow."""
    if node.kind not in ("layer", "graph"):
        size = TERM_PT if node.kind in ("input", "output") else PORT_PT
        w = max(text_width(t, size) for t in (node.title, *node.lines)) + (24 if node.kind in ("input", "output") else 12)
        return max(w, 40.0), (30.0 if node.kind in ("input", "output") else 18.0) + 12.0 * len(node.lines)
    lines = body_lines(node)  # the first, the title, in bold
    body_w = max(text_width(line, BODY_PT, bold=k == 0) for k, line in enumerate(lines)) + 2 * PAD
    body_h = len(lines) * LINE_H + 2 * PAD
    cell = [text_width(p, PORT_PT) + 2 * PAD for p in (*node.inputs, *node.outputs)] or [0.0]
    m, k = len(node.inputs), len(node.outputs)
    if horizontal:
        h = max(body_h, m * PORT_H, k * PORT_H)
        return body_w + (max(cell) if m else 0) + (max(cell) if k else 0), h
    w = max(body_w, m * max(cell), k * max(cell))
    return w, body_h + (PORT_H if m else 0) + (PORT_H if k else 0)


@dataclass
class Placed:
    """Where everything went: node centres and sizes, edge waypoints, cluster boxes, canvas size."""

    centre: dict[str, tuple[float, float]] = field(default_factory=dict)
    size: dict[str, tuple[float, float]] = field(default_factory=dict)
    waypoints: list[list[tuple[float, float]]] = field(default_factory=list)
    clusters: dict[tuple, tuple[float, float, float, float]] = field(default_factory=dict)
    labels: dict[int, float] = field(default_factory=dict)  # edge index -> its label's place along the flow, when
    # not the middle of its last bend (labels that would meet are in rows: layout_labels.py)
    sides: dict[int, int] = field(default_factory=dict)  # edge index -> its label's side across the flow (-1: left
    # or above, 1: right or below)
    width: float = 0.0
    height: float = 0.0


@dataclass
class Geometry:
    """Rank-space layout state: u is across ranks' rows, v along the flow (TB: u = x, v = y)."""

    rank: dict[str, int]
    order: list[list[str]]
    cluster: dict[str, tuple]
    extent_u: dict[str, float]
    extent_v: dict[str, float]
    preds: dict[str, list[tuple[str, float, float]]]  # (node above, its slot offset, this node's slot offset)
    succs: dict[str, list[tuple[str, float, float]]]
    chains: list[list[str]]  # per edge: source, its dummy points (one per rank skipped), destination
    ends: list[tuple[float, float]]  # per edge: its slots' offsets from the source's and destination's centres
    lanes: list[int]  # edges with no dummy points (they skip more than LANE_SKIP ranks), routed in lanes


def _ranks(d: Diagram) -> dict[str, int]:
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in d.nodes)
    g.add_edges_from((e.src, e.dst) for e in d.edges)
    rank: dict[str, int] = {}
    topo = list(nx.topological_sort(g))
    for n in topo:
        rank[n] = max((rank[p] + 1 for p in g.predecessors(n)), default=0)
    for n in reversed(topo):  # pull sources (arrays, inputs) down next to their first consumer
        succ = [rank[s] for s in g.successors(n)]
        if g.in_degree(n) == 0 and succ:
            rank[n] = min(succ) - 1
    return rank


def bends(d: Diagram, rank: dict | None = None) -> int:
    """Ranks skipped by edges in all: the points a layered layout routes them through (dot's time grows with it).
    ``rank``: ``d``'s ranks when already worked out (``rank_sizes``)."""
    rank = _ranks(d) if rank is None else rank
    return sum(max(0, rank[e.dst] - rank[e.src] - 1) for e in d.edges)


def widest_rank(d: Diagram, rank: dict | None = None) -> int:
    """The most nodes on one rank: a layered layout's widest row (dot fails past 65,535 points across)."""
    return max(Counter((_ranks(d) if rank is None else rank).values()).values(), default=0)


def rank_sizes(d: Diagram) -> tuple[int, int]:
    """(``widest_rank``, ``bends``) of ``d``, its ranks worked out once."""
    rank = _ranks(d)
    return widest_rank(d, rank), bends(d, rank)


def _shared_length(a: tuple, b: tuple) -> int:
    """Length of the common prefix of ``a`` and ``b``, by bisecting on slice comparisons (C speed: deep
    cluster paths are compared for every pair of neighbours)."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while hi - lo > 1:  # a[:lo] == b[:lo], a[:hi] != b[:hi]
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if a[:mid] == b[:mid] else (lo, mid)
    return lo


def _common(a: tuple, b: tuple) -> tuple:
    return a[:_shared_length(a, b)]


def _offset(node: Node | None, ports: tuple[str, ...], port: str | None, extent: float) -> float:
    """Where slot ``port`` sits along a node's cross axis, relative to its centre."""
    if node is None or port is None or port not in ports:
        return 0.0
    return (ports.index(port) + 0.5) * extent / len(ports) - extent / 2


def _geometry(d: Diagram, horizontal: bool) -> Geometry:
    rank = _ranks(d)
    by_id = {n.id: n for n in d.nodes}
    cluster = {n.id: n.cluster for n in d.nodes}
    extent_u, extent_v = {}, {}
    for n in d.nodes:
        w, h = node_size(n, horizontal)
        extent_u[n.id], extent_v[n.id] = (h, w) if horizontal else (w, h)
    preds, succs = defaultdict(list), defaultdict(list)
    chains, ends, lanes = [], [], []
    for i, e in enumerate(d.edges):
        src, dst = by_id[e.src], by_id[e.dst]
        ends.append((_offset(src, src.outputs, e.src_port, extent_u[e.src]),
                     _offset(dst, dst.inputs, e.dst_port, extent_u[e.dst])))
        if rank[e.dst] - rank[e.src] - 1 > LANE_SKIP:  # routed in a lane once the nodes are placed
            lanes.append(i)
            chains.append([e.src, e.dst])
            continue
        chain = [e.src]
        for r in range(rank[e.src] + 1, rank[e.dst]):
            dummy = f"\0{i}.{r}"
            rank[dummy], cluster[dummy] = r, _common(cluster[e.src], cluster[e.dst])
            extent_u[dummy], extent_v[dummy] = 4.0, 0.0
            chain.append(dummy)
        chain.append(e.dst)
        for k, (a, b) in enumerate(pairwise(chain)):
            off_a = ends[i][0] if k == 0 else 0.0
            off_b = ends[i][1] if k == len(chain) - 2 else 0.0
            succs[a].append((b, off_a, off_b))
            preds[b].append((a, off_a, off_b))
        chains.append(chain)
    order = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for node in (*(n.id for n in d.nodes), *(x for c in chains for x in c[1:-1])):
        order[rank[node]].append(node)
    return Geometry(rank, order, cluster, extent_u, extent_v, preds, succs, chains, ends, lanes)


def _grouped(items: list[tuple[float, str]], cluster: dict[str, tuple], depth: int = 0) -> list[str]:
    """Sort (key, node) by key while keeping each cluster's members together (recursively)."""
    if len(items) == 1:
        return [items[0][1]]
    paths = [cluster[node] for _, node in items]
    if min(paths) == max(paths):  # one cluster (a flat graph's rows, long edges' points): each node is its own group
        return [node for _, node in sorted(items, key=lambda kv: kv[0])]
    depth = max(depth, _shared_length(min(paths), max(paths)))  # levels all items share group nothing: skip them
    groups: dict[tuple, list[tuple[float, str]]] = {}
    for (key, node), path in zip(items, paths):
        groups.setdefault(("c", path[depth]) if len(path) > depth else ("n", node), []).append((key, node))
    out: list[str] = []
    for kind, members in sorted(groups.items(), key=lambda kv: sum(k for k, _ in kv[1]) / len(kv[1])):
        out += [members[0][1]] if kind[0] == "n" else _grouped(members, cluster, depth + 1)
    return out


def _order(geo: Geometry, sweeps: int = 4) -> None:
    pos = {n: i for row in geo.order for i, n in enumerate(row)}
    for sweep in range(2 * sweeps):
        down = sweep % 2 == 0
        rows = range(1, len(geo.order)) if down else range(len(geo.order) - 2, -1, -1)
        for r in rows:
            items = []
            for n in geo.order[r]:
                if down:  # the slot a link leaves from orders the nodes below it
                    keys = [pos[a] + off_a / (geo.extent_u[a] + 1) for a, off_a, _ in geo.preds[n]]
                else:
                    keys = [pos[b] + off_b / (geo.extent_u[b] + 1) for b, _, off_b in geo.succs[n]]
                items.append((sum(keys) / len(keys) if keys else pos[n], n))
            geo.order[r] = _grouped(items, geo.cluster)
            pos.update({n: i for i, n in enumerate(geo.order[r])})


def _gap(geo: Geometry, a: str, b: str) -> float:
    ca, cb = geo.cluster[a], geo.cluster[b]
    boundaries = len(ca) + len(cb) - 2 * _shared_length(ca, cb)
    return (geo.extent_u[a] + geo.extent_u[b]) / 2 + NODESEP + 2 * CLUSTER_PAD * boundaries


def _pack(geo: Geometry, row: list[str], want: dict[str, float], u: dict[str, float], gaps: list[float]) -> None:
    """Place ``row`` in order, as close to ``want`` as the minimum ``gaps`` between neighbours allow."""
    placed = [want[row[0]]] if row else []
    for n, gap in zip(row[1:], gaps):
        placed.append(max(want[n], placed[-1] + gap))
    shift = sum(want[n] - p for n, p in zip(row, placed)) / max(1, len(row))
    for n, p in zip(row, placed):
        u[n] = p + shift


def _coordinates(geo: Geometry, iterations: int = 4) -> dict[str, float]:
    u: dict[str, float] = {}
    gaps = [[_gap(geo, a, b) for a, b in pairwise(row)] for row in geo.order]  # the order is settled: gaps too
    for row, row_gaps in zip(geo.order, gaps):
        _pack(geo, row, {n: 0.0 for n in row}, u, row_gaps)
    for it in range(2 * iterations):
        down = it % 2 == 0
        for row, row_gaps in (zip(geo.order, gaps) if down else zip(geo.order[::-1], gaps[::-1])):
            want = {}
            for n in row:  # line the node's slot up with the slot at the other end of each link
                above = [u[a] + off_a - off_b for a, off_a, off_b in geo.preds[n]]
                below = [u[b] + off_b - off_a for b, off_a, off_b in geo.succs[n]]
                near = (above or below) if down else (below or above)
                want[n] = sum(near) / len(near) if near else u[n]
            _pack(geo, row, want, u, row_gaps)
    return u


def _frame_sides(tree: ClusterTree, box_u: dict[tuple, tuple[float, float]]) -> list[tuple[float, int, int]]:
    """Where across the flow the sides of the nested graphs' frames run, and through which gaps (u, first gap, last
    gap; a gap by the rank it ends at): a label must not straddle one (``label_rows`` counts them as it counts
    edges). Each frame's first and last ranks are the tree's (its nodes' and its children's), found by the path
    object's id (``box_u`` holds the tree's own paths): hashing a path tuple reads all of it, so a lookup by path a
    frame, and a pass over every node's path, cost the square of the depth."""
    spans = {id(c): span for c, *span in zip(tree.first, tree.first.values(), tree.last.values())}  # one order
    out = []
    for c, sides in box_u.items():
        a, b = spans[id(c)]  # box_u's paths are the tree's own objects (``ClusterTree.separate``)
        out += [(side, a + 1, b) for side in sides] if a < b else []
    return out


def place(d: Diagram) -> Placed:
    """Lay out a diagram model: node centres, edge waypoints and cluster boxes in SVG points."""
    horizontal = d.options.rankdir in ("LR", "RL")
    geo = _geometry(d, horizontal)
    _order(geo)
    tree = ClusterTree(geo)
    tree.reorder(geo)
    u = _coordinates(geo)
    pads = Pads.of(d.options.rankdir, CLUSTER_PAD, CLUSTER_LABEL)
    least = {} if horizontal else {c.path: text_width(c.label, CLUSTER_FONT) + 12 for c in d.clusters}  # the label
    box_u, lane_u = tree.separate(geo, u, pads, NODESEP, LANESEP, lanes_by_cluster(geo, u), least)
    before, after = tree.rank_gaps(pads, len(geo.order))
    labels = [(i, e.label, text_width(e.label, LABEL_PT)) for i, e in enumerate(d.edges) if e.label]
    spacing = {r: (after[r - 1], RANKSEP, before[r]) for r in range(1, len(geo.order))}  # the gaps without labels
    flip = d.options.rankdir in ("BT", "RL")
    placed = label_rows(labels, geo, u, lane_u, horizontal, flip, LABEL_PT, LABEL_PAD, spacing, RANKSEP / 4,
                        _frame_sides(tree, box_u))
    v, band, edge = {}, [], 0.0
    for r, row in enumerate(geo.order):
        edge += before[r]
        half = max((geo.extent_v[n] for n in row), default=0.0) / 2
        for n in row:
            v[n] = edge + half
        band.append((edge, edge + 2 * half))
        gap = sum(spacing.get(r + 1, (after[r], RANKSEP, 0.0)))
        edge += 2 * half + after[r] + RANKSEP + max(0.0, placed.room.get(r + 1, 0.0) - gap)
    box_v = tree.spans_v(geo, v, pads)
    paths = routes(geo, u, band, lane_u, RANKSEP / 4, placed.straight)
    margin = 12.0
    lo_u = min([*(u[n] - geo.extent_u[n] / 2 for n in u), *(b[0] for b in box_u.values()),
                *(x for p in paths for x, _ in p), *(a for a, _ in placed.spans)], default=0.0)
    hi_u = max([*(u[n] + geo.extent_u[n] / 2 for n in u), *(b[1] for b in box_u.values()),
                *(x for p in paths for x, _ in p), *(b for _, b in placed.spans)], default=0.0)
    lo_v = min([*(v[n] - geo.extent_v[n] / 2 for n in v), *(b[0] for b in box_v.values())], default=0.0)
    hi_v = max([*(v[n] + geo.extent_v[n] / 2 for n in v), *(b[1] for b in box_v.values())], default=0.0)
    span_u, span_v = hi_u - lo_u + 2 * margin, hi_v - lo_v + 2 * margin

    def point(a: float, b: float) -> tuple[float, float]:
        a, b = a - lo_u + margin, b - lo_v + margin
        b = span_v - b if flip else b
        return (b, a) if horizontal else (a, b)

    out = Placed(width=span_v if horizontal else span_u, height=span_u if horizontal else span_v)
    for n in d.nodes:
        out.centre[n.id] = point(u[n.id], v[n.id])
        eu, ev = geo.extent_u[n.id], geo.extent_v[n.id]
        out.size[n.id] = (ev, eu) if horizontal else (eu, ev)
    out.waypoints = [[point(a, b) for a, b in p] for p in paths]
    out.sides = placed.sides
    for i, offset in placed.offsets.items():  # a label in a row off its gap's middle: where along the flow it goes
        if offset:
            r = geo.rank[geo.chains[i][-1]]
            out.labels[i] = point(0.0, (band[r - 1][1] + band[r][0]) / 2 + offset)[0 if horizontal else 1]
    known = {c.path for c in d.clusters}
    for c, (u0, u1) in box_u.items():
        if c in known:
            (xa, ya), (xb, yb) = point(u0, box_v[c][0]), point(u1, box_v[c][1])
            out.clusters[c] = (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))
    return out

"""Geometry of the built-in layout's edges, read from its SVG: each edge leaves its source's port slot, ends (arrow
tip) at its destination's port slot and passes through no node box; an edge skipping many layers is drawn with a
few bends, not one per layer it skips (that cost about N²/4 points for N layers with skips spanning half the net).
Speed is measured by benchmarks/render.py (``--skips``), not here."""

from __future__ import annotations

import random
import re
import warnings
import xml.etree.ElementTree as ET

import pytest

from netgraph import CatenateLayer, FunctionLayer, LinearLayer, NetGraph, NetPort, TotalLayer
from netgraph.render import diagram
from netgraph.render.layout import text_width
from netgraph.render.layout_clusters import RangeMax
from netgraph.render.model import FILL
from tests.benchmark_modules import benchmark
from tests.test_render import SVG, check_content, groups, needs_dot, nodes_by_id, residual_stack
from tests.test_render_layout import Rect, operators, rect_of

Point = tuple[float, float]
TOL = 0.05
SLOT_FILLS = ("white", FILL["score"])  # a port slot's fill; a body has its layer's


unet = benchmark("render").skip_net  # n layers in a chain; layer i of the first half also feeds layer n-1-i (U-Net)


def wide_ports() -> NetGraph:
    """Ports of very different widths and counts; the input also feeds a layer many ranks down."""
    cat = CatenateLayer()
    fn = FunctionLayer("#a_rather_long_port_name + #b + #c")
    chain = {f"c{i}": LinearLayer(3) for i in range(12)}
    edges = [(NetPort("Input"), "c0"), *((f"c{i}", f"c{i + 1}") for i in range(11)),
             ([NetPort("Input"), "c3", "c11"], "cat"), ("cat", "lin"),
             ("lin", NetPort("fn", "a_rather_long_port_name")), ("c5", NetPort("fn", "b")), (NetPort("Input"), NetPort("fn", "c")),
             (["fn", "c7"], "total")]
    return NetGraph({**chain, "cat": cat, "lin": LinearLayer(3), "fn": fn, "total": TotalLayer()}, edges, Input=3)


def render(net: NetGraph, rankdir: str) -> ET.Element:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ET.fromstring(net.render_svg(backend="builtin", rankdir=rankdir))


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


def path_points(edge: ET.Element) -> tuple[list[list[Point]], Point]:
    """The cubic segments (4 control points each) of an edge's path, and its arrow's tip."""
    values = numbers(edge.find(f"{SVG}path").get("d"))
    pts = list(zip(values[::2], values[1::2]))
    segments = [[pts[k], *pts[k + 1:k + 4]] for k in range(0, len(pts) - 1, 3)]
    tip = numbers(edge.find(f"{SVG}polygon").get("points"))[:2]
    return segments, (tip[0], tip[1])


def sample(segment: list[Point], steps: int = 16) -> list[Point]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = segment
    out = []
    for k in range(steps + 1):
        t = k / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
        out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def table_of(node: ET.Element) -> Rect:
    """A node's box without the outline drawn around random and uninitialised layers (edges end on the table)."""
    rects = [(float(r.get("x")), float(r.get("y")), float(r.get("width")), float(r.get("height")))
             for r in node.iter(f"{SVG}rect") if r.get("fill") != "none"]
    if not rects:
        return rect_of(node)
    return (min(x for x, _, _, _ in rects), min(y for _, y, _, _ in rects),
            max(x + w for x, _, w, _ in rects), max(y + h for _, y, _, h in rects))


def strictly_inside(p: Point, r: Rect) -> bool:
    return r[0] + TOL < p[0] < r[2] - TOL and r[1] + TOL < p[1] < r[3] - TOL


def on_border(p: Point, r: Rect) -> bool:
    inside = r[0] - TOL <= p[0] <= r[2] + TOL and r[1] - TOL <= p[1] <= r[3] + TOL
    return inside and min(abs(p[0] - r[0]), abs(p[0] - r[2]), abs(p[1] - r[1]), abs(p[1] - r[3])) <= TOL


def port_cell(node: ET.Element, port: str | None, side: str) -> Rect:
    """The box of a layer's port slot (the cell whose text is the port's name, on the given side), or the whole
    node for a graph port or a slot-less end."""
    if port is None:
        return table_of(node)
    cells = []
    children = list(node.iter())
    for k, el in enumerate(children[:-1]):
        nxt = children[k + 1]
        if el.tag == f"{SVG}rect" and nxt.tag == f"{SVG}text" and nxt.text == port and el.get("fill") in SLOT_FILLS:
            x, y, w, h = (float(el.get(a)) for a in ("x", "y", "width", "height"))
            cells.append((x, y, x + w, y + h))
    assert cells, (node.get("id"), port)
    return cells[0] if side == "i" else cells[-1]  # a port named as both: inputs are drawn first


def check_routes(net: NetGraph, rankdir: str) -> list[int]:
    """Every edge starts on its source's port slot, ends on its destination's and enters no node box; returns
    the number of cubic segments of each edge."""
    d = diagram(net, rankdir=rankdir)
    root = render(net, rankdir)
    by_id = nodes_by_id(root)
    boxes = {nid: table_of(g) for nid, g in by_id.items()}
    edges = sorted(groups(root, "edge"), key=lambda g: int(g.get("id")[4:]))
    assert len(edges) == len(d.edges)
    counts = []
    for e, g in zip(d.edges, edges):
        segments, tip = path_points(g)
        start = segments[0][0]
        assert on_border(start, port_cell(by_id[e.src], e.src_port, "o")), (rankdir, e, start)
        assert on_border(start, boxes[e.src]), (rankdir, e, start, "not on the node's border")
        assert on_border(tip, port_cell(by_id[e.dst], e.dst_port, "i")), (rankdir, e, tip)
        assert on_border(tip, boxes[e.dst]), (rankdir, e, tip, "not on the node's border")
        for p in (q for s in segments for q in sample(s)):
            hit = [nid for nid, box in boxes.items() if strictly_inside(p, box)]
            assert not hit, (rankdir, e.src, e.dst, "passes through", hit, p)
        counts.append(len(segments))
    return counts


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
def test_unet_skips_are_drawn_with_few_bends_and_avoid_every_box(rankdir):
    small, big = unet(24), unet(60)
    counts = check_routes(big, rankdir)
    d = diagram(big)
    longest = max(range(len(d.edges)), key=lambda i: d.edges[i].src == "L.l0" and d.edges[i].dst == "L.l59")
    assert counts[longest] <= 5, counts[longest]  # out of l0, down a lane past 58 layers, into l59
    assert max(counts) == max(check_routes(small, rankdir))  # the most bends of any edge does not grow with the net


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
@pytest.mark.parametrize("make", [lambda: residual_stack(12), wide_ports, operators, lambda: fan_in(24, 8)])
def test_edges_run_port_to_port_around_boxes(make, rankdir):
    check_routes(make(), rankdir)


#: Helvetica's advance widths (em) of the characters of shape labels (its AFM metrics); others as a digit.
HELVETICA = {"(": 0.333, ")": 0.333, ",": 0.278, " ": 0.278, "…": 1.0, "?": 0.556, "i": 0.222, "t": 0.278}


def label_box(text: ET.Element) -> tuple[float, float]:
    """(left, right) of an edge label as Helvetica draws it."""
    width = float(text.get("font-size")) * sum(HELVETICA.get(c, 0.556) for c in text.text)
    x = float(text.get("x"))
    shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[text.get("text-anchor")]
    return x - shift * width, x + (1 - shift) * width


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
@pytest.mark.parametrize("make", [lambda: unet(40), wide_ports])
def test_edge_labels_lie_inside_the_canvas(make, rankdir):
    root = render(make(), rankdir)
    width = float(root.get("viewBox").split()[2])
    shift = numbers(next(g for g in groups(root, "graph")).get("transform"))[0]
    for g in groups(root, "edge"):
        left, right = label_box(g.find(f"{SVG}text"))
        assert 0 <= left + shift and right + shift <= width, (g.find(f"{SVG}title").text, left, right, width)


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_skips_inside_a_nested_graph_stay_inside_its_box(rankdir):
    """A skip between two layers of a nested graph is drawn inside that graph's dashed box, not around it."""
    net = NetGraph({"unet": unet(24), "after": "Tanh", "beside": LinearLayer(2)},
                   [("unet", "after"), (NetPort("Input"), "beside")], Input=3)
    d = diagram(net, rankdir=rankdir)
    root = render(net, rankdir)
    box = next(rect_of(g) for g in groups(root, "cluster") if g.get("id") == d.clusters[0].id)
    members = {n.id for n in d.nodes if n.cluster[:1] == d.clusters[0].path}
    edges = sorted(groups(root, "edge"), key=lambda g: int(g.get("id")[4:]))
    inner = [g for e, g in zip(d.edges, edges) if e.src in members and e.dst in members]
    assert len(inner) > 24
    for g in inner:
        segments, _ = path_points(g)
        for x, y in (q for s in segments for q in sample(s)):
            assert box[0] <= x <= box[2] and box[1] <= y <= box[3], (g.find(f"{SVG}title").text, (x, y), box)
    check_routes(net, rankdir)


def test_range_max_agrees_with_a_list():
    """The tree that keeps lanes apart answers as a plain list of reaches does (random operations, fixed seed)."""
    rng = random.Random(7)
    for n in (1, 5, 37):
        tree, plain = RangeMax(n), [float("-inf")] * n
        for _ in range(300):
            lo = rng.randrange(n)
            hi = rng.randrange(lo, n)
            if rng.random() < 0.5:
                x = rng.uniform(-50, 50)
                tree.raise_to(lo, hi, x)
                plain[lo:hi + 1] = [max(v, x) for v in plain[lo:hi + 1]]
            else:
                assert tree.max(lo, hi) == max(plain[lo:hi + 1])


@pytest.mark.exe
@needs_dot
@pytest.mark.parametrize("make", [lambda: unet(40), wide_ports])
def test_the_same_nets_draw_with_dot(make):
    """Graphviz `dot` draws these nets too, with every layer, port and shape label (speed: benchmarks/render.py
    --skips)."""
    net = make()
    check_content(net, net.render_svg(backend="dot"))


def lane_xs(root: ET.Element) -> list[float]:
    """The x of each long vertical run (a lane) of a top-to-bottom drawing's edges, left to right."""
    xs = []
    for g in groups(root, "edge"):
        for (x0, y0), *_, (x3, y3) in path_points(g)[0]:
            if abs(x3 - x0) <= TOL and abs(y3 - y0) > 400:
                xs.append(x0)
    return sorted(xs)



def fan_in(n: int, k: int) -> NetGraph:
    """A chain of ``n`` layers whose first ``k`` also feed one Catenate at the end: ``k`` long edges side by side."""
    layers = {**{f"l{i}": "Tanh" for i in range(n)}, "cat": CatenateLayer()}
    edges = [*((f"l{i - 1}", f"l{i}") for i in range(1, n)), ([*(f"l{i}" for i in range(k)), f"l{n - 1}"], "cat")]
    return NetGraph(layers, edges, Input=3)


def test_neighbouring_lanes_are_closer_than_boxes_but_apart():
    """Lanes are spaced a few points apart, not like boxes (18 pt)."""
    xs = lane_xs(render(fan_in(24, 8), "TB"))
    steps = [b - a for a, b in zip(xs, xs[1:])]
    assert len(xs) == 8, xs
    assert 4 <= min(steps) and max(steps) <= 8, steps


def cluster_label_box(cluster: ET.Element) -> Rect:
    """The box of a cluster's label (10 pt text: about 9 pt above its baseline, 2 below), inside its tooltip's link."""
    t = next(cluster.iter(f"{SVG}text"))
    x, y, w = float(t.get("x")), float(t.get("y")), text_width(t.text, 10)
    left = {"start": x, "middle": x - w / 2, "end": x - w}[t.get("text-anchor")]
    return (left, y - 9, left + w, y + 2)


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
def test_edges_into_a_nested_graph_keep_off_its_label(rankdir):
    """The edge into a nested U-Net ran straight down through the middle of its label "unet · NetGraph"."""
    net = NetGraph({"pre": "Tanh", "unet": unet(24), "post": "Tanh"}, [("pre", "unet"), ("unet", "post")], Input=3)
    root = render(net, rankdir)
    labels = [cluster_label_box(g) for g in groups(root, "cluster")]
    assert labels
    for g in groups(root, "edge"):
        for p in (q for s in path_points(g)[0] for q in sample(s)):
            assert not any(strictly_inside(p, r) for r in labels), (rankdir, g.find(f"{SVG}title").text, p)

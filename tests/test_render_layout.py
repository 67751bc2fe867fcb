"""Geometry of the built-in layout, read from its SVG: nested graphs (clusters) hold exactly their own members.

Before, the layout grouped a cluster's members only rank by rank and drew each box around all of them, so a
top-level layer could sit inside a nested graph's dashed box (the README's Nesting example: ``skip`` inside
``enc``) and sibling boxes lay on top of each other."""

from __future__ import annotations

import random
import warnings
import xml.etree.ElementTree as ET

import pytest

from netgraph import (CatenateLayer, ElementwiseLayer, LinearLayer, NetChain, NetFoldOperator, NetGraph,
                      NetMapOperator, NetPort)
from netgraph.render import diagram
from tests.test_render import SVG

Rect = tuple[float, float, float, float]


def readme_nesting() -> NetGraph:
    enc = NetGraph({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2)}, [("l1", "act", "l2")])
    return NetGraph({"enc": enc, "head": LinearLayer(5), "add": "Plus", "skip": LinearLayer(5)},
                    [("enc", "head"), (NetPort(("enc", "l1", "Output")), "skip"), (["head", "skip"], "add")], Input=3)


def sibling_chains() -> NetGraph:
    return NetGraph({**{f"g{i}": NetChain([3, "Tanh"]) for i in range(3)}, "t": "Plus"},
                    [(NetPort("Input"), ["g0", "g1", "g2"]), (["g0", "g1", "g2"], "t")], Input=3)


def operators() -> NetGraph:
    """A map and a fold side by side, a nested graph holding a chain, and a layer reading from inside it."""
    mlp = NetGraph({"h": LinearLayer(8), "act": ElementwiseLayer("Tanh"), "o": LinearLayer(2)}, [("h", "act", "o")])
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)
    inner = NetGraph({"block": NetChain([4, "Ramp"]), "out": LinearLayer(3)}, [("block", "out")])
    return NetGraph({"map": NetMapOperator(mlp), "fold": NetFoldOperator(cell), "inner": inner,
                     "side": LinearLayer(3), "cat": CatenateLayer()},
                    [(NetPort("Input"), ["map", "fold"]), (NetPort("fold", "State"), "inner"),
                     (NetPort(("inner", "block", "Output")), "side"), (["inner", "side"], "cat")], Input=("n", 3))


def random_net(seed: int, depth: int = 3) -> NetGraph:
    """Layers and nested graphs in random order, each reading the input or an earlier member (nested ones
    sometimes from inside an earlier nested graph: an edge that leaves a cluster); one layer joins the rest."""
    rng = random.Random(seed)
    layers, edges, inside, unread = {}, [], [], []
    for i in range(rng.randint(2, 5)):
        name = f"n{i}"
        layers[name] = random_net(rng.randrange(10**6), depth - 1) if depth and rng.random() < 0.5 else LinearLayer(3)
        source = rng.choice([NetPort("Input"), *layers][:-1] + inside)
        edges.append((source, name))
        unread = [u for u in unread if u != source] + [name]
        if isinstance(layers[name], NetGraph):
            inside += [NetPort((name, k, "Output")) for k, v in layers[name].layers.items() if isinstance(v, LinearLayer)]
    layers.update(cat=CatenateLayer(), join=LinearLayer(3))
    edges.append((unread, "cat", "join"))
    return NetGraph(layers, edges, Input=3)


def rect_of(group: ET.Element) -> Rect:
    xs, ys = [], []
    for r in group.iter(f"{SVG}rect"):
        x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
        xs += [x, x + w]
        ys += [y, y + h]
    for e in group.iter(f"{SVG}ellipse"):
        cx, cy, rx, ry = (float(e.get(k)) for k in ("cx", "cy", "rx", "ry"))
        xs += [cx - rx, cx + rx]
        ys += [cy - ry, cy + ry]
    return min(xs), min(ys), max(xs), max(ys)


def meet(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def within(a: Rect, b: Rect) -> bool:
    return b[0] <= a[0] and a[2] <= b[2] and b[1] <= a[1] and a[3] <= b[3]


def check(net: NetGraph, rankdir: str) -> None:
    """Every node lies inside the boxes of the clusters it belongs to and meets no other box or node; boxes
    of clusters neither of which holds the other do not meet."""
    d = diagram(net, rankdir=rankdir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(net.render_svg(backend="builtin", rankdir=rankdir))
    drawn = {g.get("id"): rect_of(g) for g in root.iter(f"{SVG}g") if g.get("class") in ("cluster",) or
             "node" in (g.get("class") or "").split()}
    boxes = {c.path: drawn[c.id] for c in d.clusters}
    assert boxes, "the net has nested graphs"
    nodes = [(n.id, n.cluster, drawn[n.id]) for n in d.nodes]
    for nid, path, rect in nodes:
        for c, box in boxes.items():
            if path[:len(c)] == c:
                assert within(rect, box), (rankdir, nid, "outside its cluster", c)
            else:
                assert not meet(rect, box), (rankdir, nid, "inside the box of", c)
    for i, (a, _, ra) in enumerate(nodes):
        assert not any(meet(ra, rb) for _, _, rb in nodes[i + 1:]), (rankdir, a, "overlaps a node")
    paths = list(boxes)
    for i, a in enumerate(paths):
        for b in paths[i + 1:]:
            nested = a[:len(b)] == b or b[:len(a)] == a
            assert nested or not meet(boxes[a], boxes[b]), (rankdir, a, b, "boxes overlap")


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
@pytest.mark.parametrize("make", [readme_nesting, sibling_chains, operators])
def test_clusters_hold_their_members_and_nothing_else(make, rankdir):
    check(make(), rankdir)


@pytest.mark.parametrize("seed", range(12))
def test_random_nested_nets_keep_clusters_apart(seed):
    net = random_net(seed)
    if not diagram(net).clusters:
        net = NetGraph({"wrap": net, "after": LinearLayer(2), "beside": LinearLayer(2)},
                       [("wrap", "after"), (NetPort("Input"), "beside")], Input=3)
    check(net, ["TB", "LR"][seed % 2])


@pytest.mark.parametrize("rankdir", ["TB", "BT"])
def test_a_long_cluster_label_stays_inside_its_box(rankdir):
    """A nested graph with a long name and a narrow layer: its box is as wide as its label (as dot draws it),
    so the label neither runs off the canvas nor over the layer beside it. Before, the box fitted its members
    only and the label, centred on it, reached 66 pt past its left side (x < 0) and over ``b``. The label's width is
    measured once in Arial (Liberation Sans): the layout's own estimate could not catch a wrong estimate."""
    name = "a_very_long_nested_graph_name_that_is_wide"
    net = NetGraph({name: NetGraph({"t": "Tanh"}, []), "b": LinearLayer(3), "c": "Plus"},
                   [(NetPort("Input"), [name, "b"]), ([name, "b"], "c")], Input=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(net.render_svg(backend="builtin", rankdir=rankdir))
    cluster = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "cluster")
    box, text = rect_of(cluster), next(cluster.iter(f"{SVG}text"))
    assert text.text == "a_very_long_nested_graph_name_t\u2026 \u00b7 NetGraph"
    half = 22.24 * float(text.get("font-size")) / 2  # its width in Arial: 22.24 em
    label = (float(text.get("x")) - half, float(text.get("y")) - 8, float(text.get("x")) + half, float(text.get("y")))
    assert within(label, box), (label, box)
    nodes = [rect_of(g) for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()]
    assert not any(meet(label, n) for n in nodes)

"""Diagrams of deeply nested nets: the work and the text grow linearly with the depth (counted, not timed: speed
is measured by benchmarks/render.py), long paths get short ids, and depth caps keep Graphviz from taking minutes."""

from __future__ import annotations

import dataclasses
import warnings
import xml.etree.ElementTree as ET

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, NetMapOperator, NetNestOperator, NetPort
from netgraph.core.errors import NetGraphError
from netgraph.render import build, diagram, layout, layout_labels, render_svg, to_dot
from netgraph.render import engines as render_backend
from netgraph.render.dot_limits import DOT_MAX_DEPTH
from netgraph.render.model import MAX_EXPAND
from tests.test_render import edge_labels, groups, nodes_by_id, texts


def nest(depth: int, kind: type = NetGraph) -> NetGraph:
    """A LinearLayer inside ``depth`` nested graphs (or chains), the outermost taking Input=2."""
    net = LinearLayer(3)
    for _ in range(depth - 1):
        net = kind([net], []) if kind is NetGraph else kind([net])
    return NetGraph([net], [], Input=2)


def assert_drawn(d, svg: str) -> None:
    """The SVG has every node of the model under its id, every cluster, and an edge (b, …) label for each edge."""
    root = ET.fromstring(svg)
    by_id = nodes_by_id(root)
    assert set(by_id) == {n.id for n in d.nodes}
    assert {g.get("id") for g in groups(root, "cluster")} == {c.id for c in d.clusters}
    leaf = next(n for n in d.nodes if n.kind == "layer")
    assert "LinearLayer" in texts(by_id[leaf.id])
    assert sum(edge_labels(root).values()) == len(d.edges)


class Counter:
    """Wraps a function and counts its calls."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def work(monkeypatch, depth: int) -> dict[str, int]:
    """Calls of the functions whose repetition made deep diagrams quadratic, and the sizes of DOT and SVG."""
    counters = {"escape_id": Counter(build.escape_id), "layer_types": Counter(NetGraph.layer_types),
                "describe": Counter(NetGraph.describe), "_grouped": Counter(layout._grouped)}
    monkeypatch.setattr(build, "escape_id", counters["escape_id"])
    monkeypatch.setattr(NetGraph, "layer_types", lambda *a, **k: counters["layer_types"](*a, **k))
    monkeypatch.setattr(NetGraph, "describe", lambda *a, **k: counters["describe"](*a, **k))
    monkeypatch.setattr(layout, "_grouped", counters["_grouped"])
    names = [0]  # the names given to NetPort for the edges' tooltips: each edge's whole path made them quadratic

    def port(*args):
        names[0] += len(args[0]) if isinstance(args[0], tuple) else len(args)
        return NetPort(*args)
    monkeypatch.setattr(build, "NetPort", port)
    printed = [0]  # the names printed for the graph ports' tooltips (the last 120 of each port's path: quadratic)
    real = build.printable_path

    def printed_path(path, *args):
        printed[0] += len(path)
        return real(path, *args)
    monkeypatch.setattr(build, "printable_path", printed_path)
    net = nest(depth)
    dot, svg = to_dot(net, expand=depth), render_svg(net, backend="builtin", expand=depth)
    return {**{k: c.calls for k, c in counters.items()}, "dot": len(dot), "svg": len(svg), "port names": names[0],
            "printed names": printed[0]}


def test_work_and_text_grow_linearly_with_the_depth(monkeypatch):
    """Each further 50 levels add about as much work and text as the 50 before (a quadratic cost would add 5/3
    as much from 100 to 150 as from 50 to 100). Before, ids spelled whole paths (the DOT of 800 levels was
    19 MB), every cluster scanned every node, and every type lookup and description walked the path again."""
    a, b, c = (work(monkeypatch, depth) for depth in (50, 100, 150))
    assert all(a.values()), a  # each counted function is on the path
    for key in a:
        assert c[key] - b[key] <= 1.2 * (b[key] - a[key]) + 10, (key, a[key], b[key], c[key])
    assert c["dot"] < 3000 * 150  # a few thousand characters a level


def crossing_parts(monkeypatch, depth: int) -> int:
    """The edge parts and frame sides that the edge labels of a ``depth``-level diagram are checked against."""
    seen = [0]
    crossings = layout_labels._Crossings

    def counted(parts, *args):
        seen[0] += len(parts)
        return crossings(parts, *args)
    monkeypatch.setattr(layout_labels, "_Crossings", counted)
    render_svg(nest(depth), backend="builtin", expand=depth)
    return seen[0]


def test_label_placement_checks_each_label_against_the_frames_near_it_only(monkeypatch):
    """Every gap's labels were checked against the sides of every frame enclosing the gap, so the work grew with the
    square of the depth (800 levels: 0.94 CPU s of 1.75); only the sides a label could reach count."""
    a, b, c = (crossing_parts(monkeypatch, depth) for depth in (50, 100, 150))
    assert a > 0 and c - b <= 1.2 * (b - a) + 10, (a, b, c)


def test_long_paths_get_short_unique_ids_and_every_level_is_drawn():
    net = nest(60)
    d = diagram(net, expand=60)
    ids = [n.id for n in d.nodes] + [c.id for c in d.clusters]
    assert len(ids) == len(set(ids)) and max(map(len, ids)) <= build.ID_LIMIT + 12
    assert any("~" in i for i in ids) and "L.1" not in ids  # deep ids shortened; shallow ones still spell paths
    assert [c.id for c in d.clusters][:2] == ["cluster_1", "cluster_1.1"]
    assert len(d.clusters) == 59
    assert_drawn(d, render_svg(net, backend="builtin", expand=60))


def test_expand_true_draws_at_most_max_expand_levels_and_says_so():
    net = nest(MAX_EXPAND + 8, NetChain)
    d = diagram(net)
    assert max(len(c.path) for c in d.clusters) == MAX_EXPAND
    boxes = [n for n in d.nodes if n.kind == "graph"]
    assert len(boxes) == 1 and f"collapsed below level {MAX_EXPAND} (expand=n)" in boxes[0].lines
    assert "8 layers" not in boxes[0].lines and "1 layer" in boxes[0].lines  # a box holds its nested leaves
    root = ET.fromstring(render_svg(net, backend="builtin"))
    assert "collapsed below level" in texts(nodes_by_id(root)[boxes[0].id])
    assert len(diagram(net, expand=MAX_EXPAND + 8).clusters) == MAX_EXPAND + 7  # an explicit depth is taken as given


@pytest.fixture
def every_engine(monkeypatch):
    """Every engine 'installed' (none is run: the depth check comes first)."""
    monkeypatch.setattr(render_backend, "find_executable", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(render_backend, "_announced", set())


def test_graphviz_is_not_given_clusters_nested_too_deep(every_engine, tmp_path):
    net, depth = nest(DOT_MAX_DEPTH + 3), DOT_MAX_DEPTH + 3
    with pytest.warns(UserWarning) as caught:
        svg = render_svg(net, expand=depth)
    said = [str(w.message) for w in caught]
    assert len(said) == 1 and f"dot and graphviz-pure would take minutes on clusters nested {depth - 1} deep" in \
        said[0], said  # one warning, not one per engine and then the layout's note repeating them
    assert "built-in layered layout" in svg
    assert_drawn(diagram(net, expand=depth), svg)
    with pytest.raises(NetGraphError, match=f"pass expand={DOT_MAX_DEPTH} or less, or backend='builtin'"):
        render_svg(net, backend="dot", expand=depth)
    with pytest.raises(NetGraphError, match="no render backend could write PNG"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.render(tmp_path / "deep.png", expand=depth)
    assert not (tmp_path / "deep.png").exists()


def test_the_advised_expand_counts_an_operator_and_its_inner_net_as_one_level(every_engine):
    """An operator and its inner net are two clusters but one level of expand: the advice said expand=128, which
    failed the same way (70 operators: 140 clusters deep at expand=70), where only 64 draws with dot."""
    net = NetChain([LinearLayer(3)])
    for _ in range(70):
        net = NetNestOperator(net, 1)
    net = NetGraph({"top": net}, [], Input=3)
    with pytest.raises(NetGraphError, match="nested 140 deep .more than 128.; pass expand=64 or less"):
        render_svg(net, backend="dot", expand=128)
    assert max(len(c.path) for c in diagram(net, expand=64).clusters) == DOT_MAX_DEPTH  # the advice is taken
    with pytest.raises(NetGraphError, match="nested 130 deep"):
        render_svg(net, backend="dot", expand=65)


def test_a_collapsed_graph_box_counts_its_layers_as_information_does():
    """The box counted table rows: '2 layers' for a map of 3 layers beside a Tanh, where LayersCount is 4."""
    inner = NetChain([NetMapOperator(NetChain([LinearLayer(2), "Tanh", LinearLayer(2)])), "Tanh"], input=(3, 4))
    net = NetChain({"block": inner, "out": LinearLayer(5)}, input=(3, 4))
    box, = [n for n in diagram(net, expand=False).nodes if n.kind == "graph"]
    assert inner.information("LayersCount") == 4 and "4 layers (3 in 1 operator)" in box.lines


class _CountedPath(tuple):
    """A cluster path that counts the names its hashes read (a tuple's hash reads all of them, every time)."""
    read = 0

    def __hash__(self) -> int:
        _CountedPath.read += len(self)
        return tuple.__hash__(self)


def test_the_frames_label_rows_avoid_are_found_without_hashing_their_paths(monkeypatch):
    """``_frame_sides`` looked each node's path up (and made each frame's parent path again): hashing paths of every
    depth, the square of the depth in all (800 levels: 0.03 s); the tree's first and last ranks are read by id."""
    d = diagram(nest(120), expand=120)
    d = dataclasses.replace(d, nodes=tuple(dataclasses.replace(n, cluster=_CountedPath(n.cluster)) for n in d.nodes))
    read, real = [], layout._frame_sides

    def counted(*args):
        before = _CountedPath.read
        sides = real(*args)
        read.append(_CountedPath.read - before)
        return sides
    monkeypatch.setattr(layout, "_frame_sides", counted)
    layout.place(d)
    assert len(read) == 1 and read[0] <= 120, read  # linear: a name a level at most (before: 136,136)

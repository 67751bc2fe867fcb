"""Diagrams: DOT text, SVG content with every backend, options, files, errors, the committed docs SVG.

The SVG is parsed with xml.etree and checked for every layer, port name, edge shape label and the
random-layer marking. Tests that need the system Graphviz ``dot`` are marked ``exe`` and skipped
when it is missing; the other backends are tested with ``dot`` hidden.

Regenerate the golden DOT and docs/normal_reparameterization.svg after an intended change with
``python -m tests.test_render regenerate`` (from the repository root).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from netgraph import (
    ElementwiseLayer,
    FunctionLayer,
    LinearLayer,
    NetArrayLayer,
    NetChain,
    NetGraph,
    NetGraphError,
    NetPort,
    NormalDistribution,
    OptionError,
    RandomArrayLayer,
    net_initialize,
)
from netgraph.render import engines as render_backend
from netgraph.render.model import FILL, escape_id
from tests.benchmark_modules import benchmark
from tests.conftest import normal_reparameterization_layer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DOT = ROOT / "tests" / "golden" / "normal_reparameterization.dot"
DOCS_SVG = ROOT / "docs" / "normal_reparameterization.svg"
REGENERATE = "python -m tests.test_render regenerate"
SVG = "{http://www.w3.org/2000/svg}"
HAS_DOT = shutil.which("dot") is not None
HAS_PURE = render_backend.find_executable("graphviz-pure") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="the Graphviz `dot` program is not on PATH")

BACKENDS = [pytest.param("dot", marks=[pytest.mark.exe, needs_dot]),
            pytest.param("graphviz-pure", marks=pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure not installed")),
            "builtin"]


# -- helpers ---------------------------------------------------------------------------------------------
def seed() -> NetGraph:
    return normal_reparameterization_layer([0.0, 30.0], [10.0, 5.0])


def nested() -> NetGraph:
    inner = NetGraph({"lin": LinearLayer(3), "act": ElementwiseLayer("Tanh")}, [("lin", "act")])
    return NetGraph({"enc": inner, "dec": LinearLayer(2),
                     "noise": RandomArrayLayer(NormalDistribution("#mu", 1)),
                     "sum": FunctionLayer("#x + #y")},
                    [("enc", "dec"), ("dec", "noise"), (NetPort("dec", "Output"), NetPort("sum", "x")),
                     ("noise", NetPort("sum", "y"))], Input=4)


def deep() -> NetGraph:
    """Two levels of nesting: a chain inside a graph inside a graph."""
    chain = NetChain({"c1": LinearLayer(4), "c2": ElementwiseLayer("Ramp")})
    middle = NetGraph({"block": chain, "out": LinearLayer(2)}, [("block", "out")])
    return NetGraph({"middle": middle}, Input=3)


def texts(element: ET.Element) -> str:
    """The visible text (<text> elements) under an element, whitespace and no-break spaces collapsed."""
    return " ".join(" ".join(s for t in element.iter(f"{SVG}text") for s in t.itertext()).split())


def groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if kind in (g.get("class") or "").split()]


def nodes_by_id(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("id"): g for g in groups(root, "node")}


def edge_labels(root: ET.Element) -> Counter:
    return Counter(" ".join(t.text.split()) for g in groups(root, "edge") for t in g.iter(f"{SVG}text") if t.text)


def expected_label(t) -> str:
    """Independent of the renderer: the edge label the issue asks for (batch as b; integer ports marked)."""
    dims = "(b, …)" if t.shape is None else "(" + ", ".join(["b", *("?" if d is None else str(d) for d in t.shape)]) + ")"
    return dims + (" int" if t.dtype == "Integer" else "")


def expected_edges(net: NetGraph, graph: NetGraph | None = None, prefix: tuple = ()) -> Counter:
    """Labels of every edge of ``net`` and of its nested graphs, from the inferred port types."""
    graph = net if graph is None else graph
    found = Counter()
    for e in graph.edges:
        path = prefix if e.src.layer is None else (*prefix, e.src.layer)
        t = net.port_types[e.src.port] if not path else net.layer_types(path)[e.src.port]
        found[expected_label(t)] += 1
    for name, layer in graph.layers.items():
        if isinstance(layer, NetGraph):
            found += expected_edges(net, layer, (*prefix, name))
    return found


def check_content(net: NetGraph, svg: str) -> ET.Element:
    """Every layer (by name and type), every port name, every edge shape label, graph ports, random marking."""
    root = ET.fromstring(svg)
    by_id = nodes_by_id(root)
    for path, layer in net.leaves():
        node = by_id.get("L." + ".".join(map(escape_id, path)))
        assert node is not None, f"no node for layer {path} in {sorted(by_id)}"
        text = texts(node)
        assert path[-1] in text and layer.type_name in text, text
        for port in (*layer.input_ports, *layer.output_ports):
            assert re.search(rf"(^| ){re.escape(port)}( |$)", text), f"port {port!r} missing from {text!r}"
        is_random = isinstance(layer, RandomArrayLayer)
        assert ("random" in node.get("class").split()) == is_random
        if is_random:
            assert type(layer.distribution).__name__ in text and "estimator" in text
            assert any(FILL["random"] in (el.get("fill") or "") for el in node.iter())
    for port in net.input_ports:
        node = by_id[f"I.{escape_id(port)}"]
        assert texts(node) == port and "graph-input" in node.get("class")
    for port in net.output_ports:
        node = by_id[f"O.{escape_id(port)}"]
        assert texts(node) == port and "graph-output" in node.get("class")
    assert edge_labels(root) == expected_edges(net), "edge labels differ from the port shapes"
    return root


# -- DOT ----------------------------------------------------------------------------------------------------
def test_seed_dot_matches_golden_text():
    assert GOLDEN_DOT.is_file(), f"missing {GOLDEN_DOT}; create it with {REGENERATE}"
    assert seed().to_dot() == GOLDEN_DOT.read_text(encoding="utf-8"), (
        f"the seed net's DOT changed; if intended, regenerate the golden file and docs SVG with {REGENERATE}")


def test_dot_is_deterministic_and_made_with_the_graphviz_package():
    import graphviz
    text = nested().to_dot()
    assert text == nested().to_dot()
    assert graphviz.Source(text).source == text
    assert text.index('"I.Input"') < text.index('"L.enc.lin"') < text.index('"L.dec"') < text.index('"O.Output"')


def test_dot_edges_go_port_to_port_with_shape_labels():
    text = seed().to_dot()
    assert '"L.1":o_Output:s -> "L.4":i_Means:n [label="(b, 2)"' in text
    assert '"L.3":o_Output:s -> "O.Params" [label="(b, 2)"' in text
    assert len(re.findall(r"^\t\S+ -> \S+ \[label=", text, re.MULTILINE)) == 5


def test_left_to_right_uses_side_ports():
    text = seed().to_dot(rankdir="LR")
    assert "rankdir=LR" in text and 'ROWSPAN="3"' in text
    assert '"L.1":o_Output:e -> "L.4":i_Means:w' in text


def test_names_with_special_characters_are_escaped():
    net = NetGraph({'a<b>&"c': LinearLayer(2), "d:e f": ElementwiseLayer("Tanh")}, [('a<b>&"c', "d:e f")], Input=2)
    for backend in ("builtin", *(["dot"] if HAS_DOT else [])):
        root = check_content(net, net.render_svg(backend=backend))
        assert 'a<b>&"c' in texts(nodes_by_id(root)["L.a-3c-b-3e--26--22-c"])


# -- SVG content, every backend -------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("make", [seed, nested, deep], ids=["seed", "nested", "deep"])
@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_svg_shows_every_layer_port_shape_and_random_marking(backend, make, rankdir):
    net = make()
    svg = net.render_svg(backend=backend, rankdir=rankdir)
    check_content(net, svg)


@pytest.mark.parametrize("backend", BACKENDS)
def test_seed_svg_details(backend):
    root = check_content(seed(), seed().render_svg(backend=backend))
    by_id = nodes_by_id(root)
    random = texts(by_id["L.3"])
    assert "NormalDistribution(0, 1)" in random and "estimator: pathwise (default)" in random
    assert "#Means + #Stds * #Random" in texts(by_id["L.4"])
    assert edge_labels(root) == Counter({"(b, 2)": 5})
    assert "uninitialized" not in " ".join(g.get("class") for g in by_id.values())


@pytest.mark.parametrize("backend", BACKENDS)
def test_uninitialised_arrays_are_flagged_until_initialised(backend):
    net = NetGraph({"lin": LinearLayer(3), "bias": NetArrayLayer(), "add": FunctionLayer("#x + #b")},
                   [("lin", NetPort("add", "x")), ("bias", NetPort("add", "b"))], Input=2)
    by_id = nodes_by_id(ET.fromstring(net.render_svg(backend=backend)))
    assert "uninitialized" in by_id["L.lin"].get("class") and "uninitialised: Weights, Biases" in texts(by_id["L.lin"])
    assert "uninitialised: Array" in texts(by_id["L.bias"])
    assert "uninitialized" not in by_id["L.add"].get("class")
    done = nodes_by_id(ET.fromstring(net_initialize(net, seed=0).render_svg(backend=backend)))
    assert not any("uninitialized" in g.get("class") for g in done.values())
    assert not any("uninitialised" in texts(g) for g in done.values())


def test_explicit_estimator_and_slot_parameters_are_shown():
    layer = RandomArrayLayer(NormalDistribution("#mu", 2.5), output=3, estimator="pathwise")
    net = NetGraph({"noise": layer}, mu=3)
    text = texts(nodes_by_id(ET.fromstring(net.render_svg(backend="builtin")))["L.noise"])
    assert "NormalDistribution(#mu, 2.5)" in text and "estimator: pathwise" in text and "(default)" not in text
    assert re.search(r"(^| )mu( |$)", text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nested_graphs_are_clusters_with_port_nodes(backend):
    root = ET.fromstring(deep().render_svg(backend=backend))
    clusters = {g.get("id"): texts(g) for g in groups(root, "cluster")}
    assert set(clusters) == {"cluster_middle", "cluster_middle.block"}
    assert "NetChain" in clusters["cluster_middle.block"] and "middle" in clusters["cluster_middle"]
    by_id = nodes_by_id(root)
    assert {"I.middle.Input", "O.middle.Output", "I.middle.block.Input", "L.middle.block.c1"} <= set(by_id)


@pytest.mark.parametrize("backend", BACKENDS)
def test_expand_collapses_nested_graphs(backend):
    net = deep()
    collapsed = ET.fromstring(net.render_svg(backend=backend, expand=False))
    assert not groups(collapsed, "cluster")
    node = nodes_by_id(collapsed)["L.middle"]
    assert "NetGraph" in texts(node) and "3 layers" in texts(node) and "graph" in node.get("class")
    assert edge_labels(collapsed) == Counter({"(b, 3)": 1, "(b, 2)": 1})
    one = ET.fromstring(net.render_svg(backend=backend, expand=1))
    assert [g.get("id") for g in groups(one, "cluster")] == ["cluster_middle"]
    assert "2 layers" in texts(nodes_by_id(one)["L.middle.block"])


def test_repr_svg_is_the_diagram():
    svg = seed()._repr_svg_()
    check_content(seed(), svg)


def test_nets_with_unknown_and_named_dims_render():
    cases = [NetGraph([ElementwiseLayer("Tanh")]), NetGraph({"a": ElementwiseLayer("Tanh")}, Input=("n", 3)),
             NetGraph({"x": NetArrayLayer()}),
             NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b"), (NetPort("a", "Output"), None)], Input=2),
             NetGraph({"f": FunctionLayer(lambda x, y: x * y)}, x=2, y=2)]
    for net in cases:
        for backend in ("builtin", *(["dot"] if HAS_DOT else [])):
            check_content(net, net.render_svg(backend=backend))
    labels = edge_labels(ET.fromstring(cases[0].render_svg(backend="builtin")))
    assert labels == Counter({"(b, …)": 2})
    assert "(b, n, 3)" in edge_labels(ET.fromstring(cases[1].render_svg(backend="builtin")))


def _one_layer_nets() -> list[NetGraph]:
    """A valid one-layer net for every registered layer type that builds from a simple argument."""
    from netgraph.core.operator import NetOperator
    from netgraph.layers import REGISTRY
    nets = []
    for cls in REGISTRY.values():
        if issubclass(cls, NetOperator):  # drawn as a cluster around its inner net: test_operators checks those
            continue
        for args in ((), (3,), ("Tanh",), ("#a + #b",)):
            try:
                layer = cls(*args)
                break
            except Exception:  # noqa: BLE001 - this probe only looks for some valid construction
                layer = None
        for shapes in ({}, {"Input": 3}, {"Input": (2, 3)}):
            try:
                nets.append(NetGraph({"x": layer}, **shapes))
                break
            except NetGraphError:
                continue
    return nets


def test_every_layer_type_renders():
    nets = _one_layer_nets()
    assert len(nets) >= 10
    for net in nets:
        for backend in ("builtin", *(["dot"] if HAS_DOT else [])):
            check_content(net, net.render_svg(backend=backend))
        assert net.to_dot(rankdir="LR", compact=True).startswith("digraph NetGraph {")


# -- options -------------------------------------------------------------------------------------------------
def test_bad_options_are_option_errors_with_suggestions():
    with pytest.raises(OptionError, match=r"rankdir must be one of .*found 'lr' \(did you mean 'LR'"):
        seed().to_dot(rankdir="lr")
    with pytest.raises(OptionError, match="unknown diagram option 'rank_dir' .did you mean 'rankdir'"):
        seed().render_svg(rank_dir="LR")
    with pytest.raises(OptionError, match="expand must be"):
        seed().to_dot(expand=-1)
    with pytest.raises(OptionError, match="unknown render backend 'dto' .did you mean 'dot'"):
        seed().render_svg(backend="dto")


def test_compact_labels_shorten_and_keep_full_text_in_tooltips():
    long = FunctionLayer("#alpha + #beta * #gamma - #delta * #epsilon + #zeta * #eta")
    net = NetGraph({"a_very_long_layer_name_that_goes_on": long}, alpha=2, beta=2, gamma=2, delta=2,
                   epsilon=2, zeta=2, eta=2)
    full = texts(nodes_by_id(ET.fromstring(net.render_svg(backend="builtin", compact=False)))["L.a_very_long_layer_name_that_goes_on"])
    assert "#alpha + #beta" in full and "…" in full  # a 48-character cut of the expression
    short = nodes_by_id(ET.fromstring(net.render_svg(backend="builtin", compact=True)))["L.a_very_long_layer_name_that_goes_on"]
    assert "#alpha" not in texts(short) and "a_very_long_layer_name_…" in texts(short)
    tooltip = next(a for a in short.iter(f"{SVG}a")).get("{http://www.w3.org/1999/xlink}title")
    assert "#alpha + #beta * #gamma - #delta * #epsilon + #zeta * #eta" in tooltip


def test_title_option():
    assert 'label=Seed labelloc=t' in seed().to_dot(title="Seed")
    assert "Seed" in texts(ET.fromstring(seed().render_svg(backend="builtin", title="Seed")))


# -- size and speed --------------------------------------------------------------------------------------------------
def residual_stack(blocks: int) -> NetGraph:
    return benchmark("render").residual_stack(3 * blocks)


def test_large_graphs_are_compact_and_the_builtin_layout_is_fast():
    net = residual_stack(40)  # 120 layers: compact labels
    start = time.process_time()
    svg = net.render_svg(backend="builtin")
    assert time.process_time() - start < 2.0
    root = check_content(net, svg)
    assert "#x + #skip" not in texts(nodes_by_id(root)["L.add0"])  # option lines dropped
    assert "#x + #skip" in texts(nodes_by_id(ET.fromstring(net.render_svg(backend="builtin", compact=False)))["L.add0"])


@pytest.mark.exe
@pytest.mark.slow
@needs_dot
def test_thousand_layers_render_with_dot():
    """A 999-layer net goes through `dot` and every layer, port and edge label is in the SVG. Its speed is
    measured by benchmarks/render.py (shuffled, median), not here: a timed unit test fails on a busy machine
    or a slower `dot` build (1.3 s of `dot` alone on this VM's Debian graphviz)."""
    net = residual_stack(333)
    assert len(net.layers) == 999
    check_content(net, net.render_svg(backend="dot"))


# -- the README's diagram -----------------------------------------------------------------------------------------------
def _stamp(dot_text: str) -> str:
    digest = hashlib.sha256(dot_text.encode("utf-8")).hexdigest()
    return f"<!-- netgraph: the seed net (tests/conftest.py); DOT sha256 {digest}; regenerate with {REGENERATE} -->"


def docs_svg() -> str:
    """The committed diagram: rendered by the best engine here, stamped with the hash of its DOT source."""
    svg = seed().render_svg()
    head, _, rest = svg.partition("\n")
    return f"{head}\n{_stamp(seed().to_dot())}\n{rest}" if head.startswith("<?xml") else f"{_stamp(seed().to_dot())}\n{svg}"


def test_docs_svg_is_current():
    assert DOCS_SVG.is_file(), f"missing {DOCS_SVG}; create it with {REGENERATE}"
    committed = DOCS_SVG.read_text(encoding="utf-8")
    assert _stamp(seed().to_dot()) in committed, (
        f"{DOCS_SVG.relative_to(ROOT)} was drawn from an older diagram of the seed net; regenerate it with {REGENERATE}")
    check_content(seed(), committed)
    generator = re.compile(r"Generated by ([^\n]*)")
    fresh = docs_svg()
    made_by, here = generator.search(committed), generator.search(fresh)
    if made_by and here and made_by.group(1) == here.group(1):  # the same engine and version: exact
        assert fresh == committed, f"{DOCS_SVG.relative_to(ROOT)} is out of date; regenerate it with {REGENERATE}"


def regenerate() -> None:
    GOLDEN_DOT.parent.mkdir(exist_ok=True)
    GOLDEN_DOT.write_text(seed().to_dot(), encoding="utf-8")
    DOCS_SVG.parent.mkdir(exist_ok=True)
    DOCS_SVG.write_text(docs_svg(), encoding="utf-8")
    print(f"wrote {GOLDEN_DOT.relative_to(ROOT)} and {DOCS_SVG.relative_to(ROOT)} "
          f"(laid out by {render_backend.available_backends()[0]})")


def test_a_pair_embedding_operator_joins_both_inputs_to_its_inner_net():
    """Input1 and Input2 each go through the inner net, whose one input is Input: no name matched, so the inner net
    was drawn cut off from the operator's inputs."""
    from netgraph import NetPairEmbeddingOperator
    from netgraph.render import diagram
    net = NetGraph({"pair": NetPairEmbeddingOperator(NetChain([LinearLayer(2)]))}, [], Input1=3, Input2=3)
    joins = {(e.src, e.dst): e.label for e in diagram(net).edges if e.dst == "I.pair.net.Input"}
    assert joins == {("I.pair.Input1", "I.pair.net.Input"): "(b, 3)", ("I.pair.Input2", "I.pair.net.Input"): "(b, 3)"}


if __name__ == "__main__":
    if sys.argv[1:] != ["regenerate"]:
        sys.exit(f"usage: {REGENERATE}")
    regenerate()

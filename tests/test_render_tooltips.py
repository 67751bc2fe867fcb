"""Each drawn layer's and nested graph's tooltip says what it is (its place, type and options), on every backend, also
inside an operator: the layers of an operator's inner net were tipped with their path alone (``seq/net/1``) and the
inner net's box with nothing, so with compact labels (the default above 60 layers) their options showed nowhere."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import pytest

from netgraph import (CatenateLayer, ElementwiseLayer, LinearLayer, NetChain, NetFoldOperator, NetGraph,
                      NetMapOperator, NetPort, SequenceLastLayer)
from tests.test_render import BACKENDS, SVG
from tests.test_render_text import tooltips

XLINK = "{http://www.w3.org/1999/xlink}title"


def render(net: NetGraph, backend: str) -> ET.Element:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a backend falling back says so; the content is what is checked
        return ET.fromstring(net.render_svg(backend=backend, compact=True))


def box_tips(root: ET.Element) -> dict[str, str | None]:
    """Each cluster's tooltip (None: it has none), by cluster id."""
    return {g.get("id"): next((a.get(XLINK) for a in g.iter() if a.get(XLINK) is not None), None)
            for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_nested_graph_boxes_carry_their_tooltip(backend):
    """The built-in layout drew a nested graph's dashed box with no tooltip; dot and graphviz-pure tip it."""
    enc = NetGraph({"lin": LinearLayer(4), "act": "Tanh"}, [("lin", "act")])
    net = NetGraph({"enc": enc, "head": NetChain([LinearLayer(2)])}, [("enc", "head")], Input=3)
    tips = box_tips(render(net, backend))
    assert tips == {"cluster_enc": f"layer 1 'enc' (NetGraph): {enc!r}",
                    "cluster_head": f"layer 2 'head' (NetChain): {net.layers['head']!r}"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_layers_inside_an_operator_are_described_in_their_tooltips(backend):
    inner = NetChain([LinearLayer(3), NetGraph({"act": ElementwiseLayer("Tanh")}, [])])
    net = NetGraph({"seq": NetMapOperator(inner), "last": SequenceLastLayer()}, [("seq", "last")], Input=("n", 4))
    tips = tooltips(render(net, backend))
    where = "layer 1 'seq' (NetMapOperator) > inner net 'net'"
    assert tips["L.seq.net.1"] == f"{where} > layer 1 (LinearLayer): LinearLayer(3)"
    assert tips["L.seq.net.2.act"] == (f"{where} > layer 2 (NetGraph) > layer 1 'act' (ElementwiseLayer): "
                                       "ElementwiseLayer('Tanh')")
    assert tips["L.last"] == "layer 2 'last' (SequenceLastLayer): SequenceLastLayer()"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_inner_net_box_is_described_in_its_tooltip(backend):
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": "Tanh"},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)
    fold = NetFoldOperator(cell)
    tips = box_tips(render(NetGraph({"fold": fold}, [], Input=("n", 3)), backend))
    assert tips == {"cluster_fold": f"layer 1 'fold' (NetFoldOperator): {fold!r}",
                    "cluster_fold.net": "layer 1 'fold' (NetFoldOperator) > inner net 'net': NetGraph(<3 layers>, "
                                        "inputs={'Input': (3,), 'State': (5,)}, outputs={'Output': (5,)})"}


def edge_tips(root: ET.Element) -> set[str]:
    """Each edge's tooltip, without its shape label: the link's title (dot, graphviz-pure) or the <title> (built-in)."""
    tips = set()
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "edge":
            linked = next((a.get(XLINK) for a in g.iter() if a.get(XLINK) is not None), None)
            tips.add((linked if linked is not None else g.find(f"{SVG}title").text).rsplit(": ", 1)[0])
    return tips


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_edge_tooltip_names_its_ends_as_net_ports(backend):
    """Edges into an operator were tipped 'seq Input -> seq/net Input', the others 'seq.net.2.Input ->
    seq.net.2.act.Input', which cannot tell a nested graph's port from a layer's: every edge now names each end
    as the NetPort that reaches it, the layer path and the port apart."""
    inner = NetChain([LinearLayer(3), NetGraph({"act": ElementwiseLayer("Tanh")}, [])])
    net = NetGraph({"seq": NetMapOperator(inner), "last": SequenceLastLayer()}, [("seq", "last")], Input=("n", 4))
    assert edge_tips(render(net, backend)) == {
        "NetPort('Input') -> NetPort('seq', 'Input')",
        "NetPort('seq', 'Input') -> NetPort(('seq', 'net', 'Input'))",
        "NetPort(('seq', 'net', 'Input')) -> NetPort(('seq', 'net', '1', 'Input'))",
        "NetPort(('seq', 'net', '1', 'Output')) -> NetPort(('seq', 'net', '2', 'Input'))",
        "NetPort(('seq', 'net', '2', 'Input')) -> NetPort(('seq', 'net', '2', 'act', 'Input'))",
        "NetPort(('seq', 'net', '2', 'act', 'Output')) -> NetPort(('seq', 'net', '2', 'Output'))",
        "NetPort(('seq', 'net', '2', 'Output')) -> NetPort(('seq', 'net', 'Output'))",
        "NetPort(('seq', 'net', 'Output')) -> NetPort('seq', 'Output')",
        "NetPort('seq', 'Output') -> NetPort('last', 'Input')",
        "NetPort('last', 'Output') -> NetPort('Output')"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_operator_and_its_inner_net_are_tipped_with_the_shapes_they_run_with(backend):
    """The tips showed the inner net as given (``inputs={'Input': None}``), not as the operator's ports in this net
    make it run (``NetGraph.layer_types`` of the operator, through its ``inner_nets``)."""
    net = NetGraph({"seq": NetMapOperator(NetChain([LinearLayer(3)]))}, [], Input=("n", 4))
    tips = box_tips(render(net, backend))
    ran = "NetChain(<1 layer>, inputs={'Input': (4,)}, outputs={'Output': (3,)})"
    assert tips == {"cluster_seq": f"layer 1 'seq' (NetMapOperator): NetMapOperator({ran})",
                    "cluster_seq.net": f"layer 1 'seq' (NetMapOperator) > inner net 'net': {ran}"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_python_function_in_a_tooltip_has_no_memory_address(backend):
    """A FunctionLayer of a Python function was tipped with its repr, ``<function scaled at 0x7f...>``: the same net
    drew different bytes in every process. The address is left out, the function's name kept."""
    from netgraph import FunctionLayer

    def net_of_a_new_function() -> NetGraph:
        def scaled(x, y):
            return x * y
        return NetGraph({"f": FunctionLayer(scaled), "g": FunctionLayer(lambda x: 2 * x)}, [("f", "g")], x=2, y=2)

    first, second = net_of_a_new_function(), net_of_a_new_function()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        svg = first.render_svg(backend=backend)
        assert svg == second.render_svg(backend=backend) and first.to_dot() == second.to_dot()
    assert " at 0x" not in svg
    shown = tooltips(ET.fromstring(svg))
    assert "net_of_a_new_function.<locals>.scaled>)" in shown["L.f"], shown


class C:
    """A callable object with the default repr, ``<m.C object at 0x7f...>``: short, as a notebook's class
    (``<__main__.C object at 0x7f...>``), so its address fits in the box."""

    __module__ = "m"

    def __call__(self, x):
        return 2 * x


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_callable_object_in_a_box_has_no_memory_address(backend):
    """A FunctionLayer of a callable object showed its repr, address and all, in its box (``format_value`` fell back
    to ``repr``; only tooltips left addresses out): the same net drew different bytes in every process."""
    from netgraph import FunctionLayer

    def net_of_a_new_object() -> NetGraph:
        return NetGraph({"f": FunctionLayer(C())}, [], x=2)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first, second = net_of_a_new_object(), net_of_a_new_object()
        svg = first.render_svg(backend=backend)
        assert svg == second.render_svg(backend=backend) and first.to_dot() == second.to_dot()
    assert " at 0x" not in svg and " at 0x" not in first.to_dot()
    assert "&lt;m.C object&gt;" in svg


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_tooltip_keeps_a_run_of_spaces(backend):
    """A layer named 'a  b' was tipped 'a b' (the tooltip went through the labels' shortening, which folds runs of
    spaces): two layers 'a  b' and 'a b' were tipped alike."""
    net = NetGraph({"a  b": LinearLayer(3), "a b": LinearLayer(3)}, [], Input=2)
    tips = {tip.replace("\xa0", " ") for tip in tooltips(render(net, backend)).values()}  # a run: as Graphviz writes
    assert {"layer 1 'a  b' (LinearLayer): LinearLayer(3)", "layer 2 'a b' (LinearLayer): LinearLayer(3)"} <= tips, tips

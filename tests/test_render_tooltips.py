"""Each drawn layer's and nested graph's tooltip says what it is (its place, type and options), on every backend."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import pytest

from netgraph import LinearLayer, NetChain, NetGraph
from tests.test_render import BACKENDS, SVG

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

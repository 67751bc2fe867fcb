"""A layer alone drawn as the net of it alone, one node with its ports, as Wolfram draws a layer's summary (the
diagrams said to draw NetChain([layer]) instead; Wolfram-parity follow-up)."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetGraph
from netgraph.render import render, render_svg, to_dot


@pytest.mark.parametrize("draw", [to_dot, render_svg])
def test_a_layer_draws_as_the_net_of_it_alone(draw):
    layer = LinearLayer(2, input=3)
    assert draw(layer) == draw(NetGraph({"LinearLayer": layer}, [], Input=3))


def test_a_layer_renders_to_a_file(tmp_path):
    path = render(LinearLayer(2, input=3), tmp_path / "lin.svg")
    assert "LinearLayer" in path.read_text() and "Input" in path.read_text()

"""A layer alone drawn as the net of it alone, one node with its ports, as Wolfram draws a layer's summary (the
diagrams said to draw NetChain([layer]) instead; Wolfram-parity follow-up)."""

from __future__ import annotations

import pytest

from netgraph import ConvolutionLayer, LinearLayer, NetGraph, PoolingLayer
from netgraph.core.errors import ShapeError
from netgraph.render import render, render_svg, to_dot


@pytest.mark.parametrize("draw", [to_dot, render_svg])
def test_a_layer_draws_as_the_net_of_it_alone(draw):
    layer = LinearLayer(2, input=3)
    assert draw(layer) == draw(NetGraph({"LinearLayer": layer}, [], Input=3))


def test_a_layer_renders_to_a_file(tmp_path):
    path = render(LinearLayer(2, input=3), tmp_path / "lin.svg")
    assert "LinearLayer" in path.read_text() and "Input" in path.read_text()


def test_a_notebook_shows_a_layer_as_its_diagram():
    """A net showed its diagram in a notebook (``_repr_svg_``) but a layer alone only its text, though Wolfram shows a
    layer's summary and ``render_svg(layer)`` draws it."""
    layer = LinearLayer(2, input=3)
    assert layer._repr_svg_() == render_svg(layer)
    assert 'id="L.LinearLayer"' in LinearLayer(2)._repr_svg_()  # its shapes not known yet: drawn all the same


def test_a_notebook_shows_a_big_operator_alone_as_text(monkeypatch):
    """The limit on a net's notebook diagram (``MAX_NOTEBOOK_LAYERS``, the layers inside operators counted) holds for
    a layer alone: a map over a chain of thousands of layers is not drawn unasked."""
    from netgraph import ElementwiseLayer, NetChain, NetMapOperator
    from netgraph.core import stage_doors
    drawn = []
    monkeypatch.setattr(stage_doors, "stage", lambda name: lambda layer: drawn.append((name, layer)) or "<svg/>")
    n = stage_doors.MAX_NOTEBOOK_LAYERS
    big, small = (NetMapOperator(NetChain([ElementwiseLayer("Tanh")] * k)) for k in (n + 1, n))
    assert big._repr_svg_() is None and not drawn
    assert small._repr_svg_() == "<svg/>" and drawn == [("render_svg", small)]


@pytest.mark.parametrize("layer", [ConvolutionLayer(4, 5, input=(1, 3, 3)), PoolingLayer(5, input=(1, 3, 3))])
def test_a_notebook_shows_a_layer_that_cannot_be_drawn_as_text(layer):
    """A layer alone whose shapes conflict (a kernel bigger than its input) made ``_repr_svg_`` raise ShapeError, so a
    notebook showed a stack trace instead of the layer: a formatter returns None (the text shows), as a net that
    cannot be built never reaches the notebook; ``render_svg`` still raises, as asked."""
    assert layer._repr_svg_() is None
    with pytest.raises(ShapeError, match="too small for kernel 5"):
        render_svg(layer)


def test_a_notebook_counts_the_boxes_drawn_not_the_layers_collapsed(monkeypatch):
    """The notebook's limit counted every layer however deep, while a diagram collapses graphs nested more than
    ``MAX_EXPAND`` levels into one box each: a net whose many layers lie that deep draws a few boxes, yet showed as
    text. One counter (``count_drawn``) now serves the notebook and the diagram's ``compact="auto"``."""
    from netgraph import ElementwiseLayer, NetChain
    from netgraph.core import stage_doors
    from netgraph.render.model import MAX_EXPAND
    monkeypatch.setattr(stage_doors, "stage", lambda name: lambda net: "<svg/>")
    monkeypatch.setattr(stage_doors, "MAX_NOTEBOOK_LAYERS", 3)
    deep = NetChain([ElementwiseLayer("Tanh")] * 4)
    for _ in range(MAX_EXPAND + 1):
        deep = NetChain([deep])
    assert deep._repr_svg_() == "<svg/>"  # 1 box: the 4 layers, 33 levels down, are collapsed
    assert NetChain([NetChain([ElementwiseLayer("Tanh")] * 4)])._repr_svg_() is None  # 4 boxes drawn: over 3

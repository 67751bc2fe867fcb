"""A layer's refusal of its input's shape names that layer and its port in ``error.layer`` and ``error.port``,
whether the shape came through an edge or from a graph input's declared shape (then ``error.declared`` names that
graph port, and a spec places the problem at its declaration); an input port's data problems name the graph
(``layer == ()``) alike.

Before, a refusal of a declared shape said ``layer == ()`` and ``port == 'Input'`` (the graph's), while the same
refusal through an edge said ``layer == ('r',)`` and ``port is None``; examples of different shapes at a port of
unknown shape said ``layer is None``.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, ElementwiseLayer, LinearLayer, NetGraph, ReshapeLayer, ShapeError, SpecError

SPEC = """netgraph: 1
layers:
  r: {type: ReshapeLayer, dims: [5]}
inputs: {Input: [2, 3]}
"""


def _refusal(make) -> ShapeError:
    with pytest.raises(ShapeError, match="cannot reshape") as caught:
        make()
    return caught.value


def test_a_declared_shape_refused_names_the_layer_its_port_and_the_declaration():
    e = _refusal(lambda: NetGraph(ReshapeLayer([5]), Input=(2, 3)))
    assert (e.kind, e.layer, e.port, e.declared, e.edge) == ("shape", ("1",), "Input", "Input", None)
    assert (e.expected, e.found) == (6, 5)


def test_a_shape_refused_through_an_edge_names_the_layer_and_its_port():
    e = _refusal(lambda: NetGraph({"a": LinearLayer(3), "r": ReshapeLayer([4])}, [("a", "r")], Input=2))
    assert (e.kind, e.layer, e.port, e.declared, e.edge) == ("shape", ("r",), "Input", None, 0)


def test_a_spec_places_the_refusal_at_the_declared_shape():
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(SPEC)
    (d,) = caught.value.diagnostics
    assert (d.layer, d.port, d.declared, d.line, d.column) == (("r",), "Input", "Input", 4, 10)


def test_examples_of_different_shapes_at_an_unknown_port_name_the_graph():
    with pytest.raises(DataError, match="examples have different shapes") as caught:
        ElementwiseLayer("Ramp")([torch.zeros(3, 4), torch.zeros(3)])
    assert (caught.value.kind, caught.value.layer, caught.value.port) == ("data-shape", (), "Input")

"""A layer's shape conflict is placed at the edge that brought the clashing type into that layer, not at another
edge of the same output (a fan-out): in Python its ``Diagnostic.edge``, in a spec its line."""

from __future__ import annotations

import pytest

from netgraph import FunctionLayer, NetArrayLayer, NetGraph, ShapeError, SpecError

_SPEC = """netgraph: 1
layers:
  mu: {type: NetArrayLayer, array: [0.0, 30.0]}
  noise: {type: NetArrayLayer, array: [1.0, 2.0, 3.0]}
  x: Tanh
  sample: {type: FunctionLayer, function: "#mu + #noise"}
edges:
  - mu -> x
  - "[mu, noise] -> sample"
"""


def test_the_conflict_names_the_edge_into_the_layer_not_a_fan_out_sibling():
    layers = {"mu": NetArrayLayer(array=[0.0, 30.0]), "noise": NetArrayLayer(array=[1.0, 2.0, 3.0]), "x": "Tanh",
              "sample": FunctionLayer("#mu + #noise")}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [("mu", "x"), (["mu", "noise"], "sample")])
    (problem,) = info.value.diagnostics
    assert problem.layer == ("sample",) and problem.edge == 1


def test_a_spec_reports_the_conflict_at_the_edge_into_the_layer(yaml_loader):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_SPEC)
    assert str(info.value).startswith("<string>:9:5: layer 4 'sample' (FunctionLayer): input ports 'mu' (2), "
                                      "'noise' (3) do not broadcast together")

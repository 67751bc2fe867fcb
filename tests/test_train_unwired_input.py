"""An input left unwired (Keras's "Graph disconnected"): net_train names the graph input, what it feeds, that the data
has no key for it, and the keys the net does not take."""

from __future__ import annotations

import pytest
import torch

from netgraph import CatenateLayer, LinearLayer, NetGraph, NetPort, ShapeError, net_train


def _two_towers_missing_an_edge() -> NetGraph:
    # the edge NetPort("b") -> "img" is forgotten: img's Input becomes the graph input 'Input', of unknown shape
    return NetGraph({"feat": LinearLayer(4), "img": LinearLayer(4), "cat": CatenateLayer(), "out": LinearLayer(1)},
                    [(NetPort("a"), "feat"), (["feat", "img"], "cat"), ("cat", "out")], a=3)


def test_a_graph_input_the_data_lacks_is_named_with_the_layer_it_feeds_and_the_keys_the_net_does_not_take():
    data = {"a": torch.randn(8, 3), "b": torch.randn(8, 5), "Target": torch.randn(8, 1)}
    with pytest.raises(ShapeError) as err:
        net_train(_two_towers_missing_an_edge(), data, max_training_rounds=1, progress=False)
    message = str(err.value)
    assert "graph input 'Input' (feeding layer 2 'img' (LinearLayer) port 'Input')" in message
    assert "the data has no key 'Input'" in message
    assert "keys that feed no port: ['b']" in message
    (problem,) = err.value.diagnostics
    assert (problem.layer, problem.port, problem.kind) == ((), "Input", "unknown-shape")


def test_a_list_of_example_dicts_lacking_the_input_is_named_the_same_way():
    data = [{"a": [0.0, 1.0, 2.0], "b": [1.0] * 5, "Target": [0.5]}] * 4
    with pytest.raises(ShapeError, match=r"the data has no key 'Input'.*keys that feed no port: \['b'\]"):
        net_train(_two_towers_missing_an_edge(), data, max_training_rounds=1, progress=False)

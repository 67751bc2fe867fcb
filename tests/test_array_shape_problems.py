"""An array of the wrong shape found once the net's types are known is a Diagnostic with fields (layer path, the
array's option, expected and found shapes), read by compile's readiness check and by the spec loader alike."""

from __future__ import annotations

import dataclasses

import torch

from netgraph import LinearLayer, NetChain, NetGraph
from netgraph.core.layer_checks import array_shape_problems


def misfit() -> tuple[NetGraph, object]:
    """A net whose layer 'b' holds weights of the wrong shape (made past the checks, as a bug in a layer would)."""
    net = NetGraph({"a": LinearLayer(3), "b": NetChain({"lin": LinearLayer(2)})}, [("a", "b")], Input=4)
    node = net.ir.node(("b", "lin"))
    return net, dataclasses.replace(node, layer=LinearLayer(2).with_arrays({"Weights": torch.zeros(2, 5)}))


def test_a_misshapen_array_is_a_diagnostic_with_its_layer_option_and_shapes():
    net, node = misfit()
    [problem] = array_shape_problems(node, lambda: net.describe((node.path, None)))
    assert (problem.kind, problem.layer, problem.option, problem.expected, problem.found) == \
        ("array-shape", ("b", "lin"), "weights", (2, 3), (2, 5))
    assert problem.message == "layer 2 'b' (NetChain) > layer 1 'lin' (LinearLayer) array 'Weights': expected " \
                              "shape (2, 3), found (2, 5)"
    assert problem.detail == "array 'Weights': expected shape (2, 3), found (2, 5)"


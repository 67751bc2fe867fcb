"""netgraph.interpret checks the inputs' variable lengths as the compiled forward does (QA pass 9): a length of 0
ran on (a NetMapOperator returned an empty output where net(x) refuses it; a NetFoldOperator or a recurrent layer
raised torch's bare "stack expects a non-empty TensorList" / "Expected sequence length to be larger than 0"), and
ports sharing a length given different ones raised torch's size mismatch."""

from __future__ import annotations

import pytest
import torch

import netgraph
from netgraph import (CatenateLayer, DataError, ElementwiseLayer, GatedRecurrentLayer, LinearLayer, NetFoldOperator,
                      NetGraph, NetMapOperator, NetPort, ThreadingLayer, net_initialize)

_CELL = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                 [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)


def _both_refuse(net, module, **inputs) -> tuple[DataError, DataError]:
    """The compiled module's DataError and ``interpret``'s on the same inputs."""
    with pytest.raises(DataError) as compiled:
        module(**inputs)
    with pytest.raises(DataError) as interpreted:
        netgraph.interpret(net, module, **inputs)
    return compiled.value, interpreted.value


@pytest.mark.parametrize("layer", [NetMapOperator(LinearLayer(2)), NetFoldOperator(_CELL), GatedRecurrentLayer(2)],
                         ids=["map", "fold", "gru"])
def test_a_length_of_0_is_the_compiled_modules_data_error(layer):
    net = net_initialize(NetGraph({"l": layer}, [], Input=("n", 3)), seed=0)
    compiled, interpreted = _both_refuse(net, net.compile(), Input=torch.randn(2, 0, 3))
    assert str(interpreted) == str(compiled) == (
        "input port 'Input': the data has length 0 along n (shape (2, 0, 3)); each length must be at least 1")
    assert interpreted.diagnostics[0].kind == "data-shape"


def test_ports_sharing_a_length_given_different_ones_are_the_compiled_modules_data_error():
    net = net_initialize(NetGraph({"p": ThreadingLayer("Plus")}, [([NetPort("A"), NetPort("B")], "p")], A=("n", 3),
                                  B=("n", 3)))
    compiled, interpreted = _both_refuse(net, net.compile(), A=torch.randn(2, 4, 3), B=torch.randn(2, 5, 3))
    assert str(interpreted) == str(compiled) == (
        "input ports 'A' and 'B' share the length n (declared (n, 3) and (n, 3)), found 4 and 5")


def test_lengths_of_1_or_more_still_interpret_as_compiled():
    net = net_initialize(NetGraph({"f": NetFoldOperator(_CELL)}, [], Input=("n", 3)), seed=0)
    module, x = net.compile(), torch.randn(2, 1, 3)
    torch.testing.assert_close(netgraph.interpret(net, module, Input=x), module(x))


def test_a_fixed_length_map_given_another_length_is_the_compiled_modules_data_error():
    """The map's module viewed its outputs back with the length given (5), where the compiled forward views them with
    the port's (4) and fails: interpret returned a (2, 5, 2) value for a (4, 3) port."""
    net = net_initialize(NetGraph({"m": NetMapOperator(LinearLayer(2))}, [], Input=(4, 3)), seed=0)
    module = net.compile()
    compiled, interpreted = _both_refuse(net, module, Input=torch.randn(2, 5, 3))
    assert str(interpreted) == str(compiled) == (
        "input port 'Input': the compiled module takes shape (b, 4, 3) with b the batch size, found (2, 5, 3)")
    x = torch.randn(2, 4, 3)
    torch.testing.assert_close(netgraph.interpret(net, module, Input=x), module(x))

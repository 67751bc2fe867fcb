"""Operators step through their sequence inputs in lockstep: lengths named apart are refused where the net is built."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CatenateLayer, DataError, ElementwiseLayer, FunctionLayer, GatedRecurrentLayer, LinearLayer,
                      NetChain, NetFoldOperator, NetGraph, NetMapOperator, NetPort, SequenceLastLayer, ShapeError,
                      net_initialize)


def test_fold_refuses_element_inputs_with_lengths_named_apart():
    """The fold silently dropped y's extra elements (or raised a raw IndexError) when x and y had lengths n and m."""
    fold = NetFoldOperator(NetGraph({"f": FunctionLayer("Tanh[#State + #x * #y]")}, []))
    with pytest.raises(ShapeError, match=r"'fold' \(NetFoldOperator\): sequence ports 'x' \(length n\) and 'y' "
                                         r"\(length m\) .*lengths m and n are independent"):
        NetGraph({"fold": fold}, [], x=("n", 3), y=("m", 3))
    same = NetGraph({"fold": fold}, [], x=("n", 3), y=("n", 3))
    assert same.port_types["Output"].shape == ("n", 3)


def test_map_refuses_inputs_with_lengths_named_apart():
    """The map's forward raised a raw torch RuntimeError on sequences of different lengths."""
    with pytest.raises(ShapeError, match=r"'m' \(NetMapOperator\): sequence ports 'a' \(length n\) and 'b' "
                                         r"\(length m\)"):
        NetGraph({"m": NetMapOperator(FunctionLayer("#a + #b"))}, [], a=("n", 3), b=("m", 3))
    one = NetGraph({"m": NetMapOperator(FunctionLayer("#a + #b"))}, [], a=(None, 3), b=("m", 3))
    assert one.port_types["Output"].shape == ("m", 3)


def test_map_shape_error_states_the_shapes_and_ranks():
    """It said "(n, n, 3)" for the map's (k, n, 3) output and called a rank-2 sequence "(?, ?)" a non-sequence."""
    with pytest.raises(ShapeError, match=r"'m' \(NetMapOperator\): port 'Output' gives a sequence of \(n, 3\) "
                                         r"elements, shape \(k, n, 3\) \(rank 3\); found \(\?, \?\) \(rank 2\)"):
        NetGraph({"m": NetMapOperator(GatedRecurrentLayer(3)), "l": GatedRecurrentLayer(2)}, [("m", "l")],
                 Input=("k", "n", 2))


def test_a_bare_length_name_as_a_port_shape_says_how_to_write_it():
    """Input="n" was refused as "must be an int or a list of ints", as if length names were not allowed."""
    with pytest.raises(ShapeError, match=r"port 'a' must be an int or a list of ints, found 'n'; a variable "
                                         r"length is a name inside the list: \['n'\] is a sequence of length n"):
        NetGraph({"m": NetMapOperator(FunctionLayer("#a + 1"))}, [], a="n")


def _cell():
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)


@pytest.mark.parametrize("layers", [
    [NetFoldOperator(_cell())], [ElementwiseLayer("Tanh"), NetFoldOperator(_cell())], [NetMapOperator(LinearLayer(2))],
])
@pytest.mark.parametrize("length", [9, 5])
def test_a_fixed_length_operator_compiled_refuses_another_length_as_the_net_call(layers, length):
    """The compiled fold looped over whatever length it got (the map viewed it back): a longer sequence ran
    silently, where net(x) refuses it. Both now give a DataError naming the input port and both shapes."""
    net = net_initialize(NetChain(layers, input=(7, 3)), seed=0)
    x = torch.randn(4, length, 3)
    errors = []
    for call in (net, net.compile()):
        with pytest.raises(DataError) as info:
            call(x)
        errors.append(str(info.value))
        assert "input port 'Input'" in errors[-1] and f"found (4, {length}, 3)" in errors[-1]
    assert all("(b, 7, 3)" in e for e in errors)
    out = net.compile()(torch.randn(4, 7, 3))
    assert (out["Output"] if isinstance(out, dict) else out).shape[:2] == (4, 7)


def test_a_map_over_a_map_keeps_the_outer_length_names_when_the_inner_net_sizes_its_input():
    """With input=8 on the inner layer the output read (h, n, 5): the inner map's own length 'n' stood in for 'w'
    (found importing ONNX: a Linear over a channels-last image)."""
    for inner in (LinearLayer(5, input=8), LinearLayer(5)):
        net = NetGraph({"m": NetMapOperator(NetMapOperator(inner))}, [], Input=("h", "w", 8))
        assert net.port_types["Output"].shape == ("h", "w", 5)
    net = net_initialize(NetGraph({"m": NetMapOperator(NetMapOperator(LinearLayer(5, input=8)))}, [],
                                  Input=("h", "w", 8)), seed=0)
    x = torch.randn(2, 3, 4, 8)
    lin = net.layers["m"].net.layers["layer"].net.layers["layer"]
    assert torch.allclose(net(x), x @ lin.weights.T + lin.biases, atol=1e-6)
    assert torch.allclose(net.compile()(x), net(x))


def test_wolframs_varying_alone_is_a_sequence_of_numbers():
    """Found by QA (qa-wolfram): SequenceLastLayer["Input" -> "Varying"] (a sequence of numbers of varying length,
    Wolfram's documented form) written Input="Varying" was refused as a bare length name."""
    net = NetGraph([SequenceLastLayer()], [], Input="Varying")
    assert net.input_shapes == {"Input": ("Varying",)} and net.output_shapes == {"Output": ()}
    torch.testing.assert_close(net(torch.tensor([[1.0, 2.0, 5.0]])), torch.tensor([5.0]))
    with pytest.raises(ShapeError, match=r"found 'n'; a variable length is a name inside the list"):
        NetGraph([SequenceLastLayer()], [], Input="n")  # any other name alone stays refused

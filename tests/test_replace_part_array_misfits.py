"""A layer put in (or given arrays by key) with several arrays of the wrong shape is one OptionError naming each of
them (array, expected shape, found shape; the first few and how many more), and an initialised operator put in for
another input size is refused for its arrays, whichever operator it is."""

from __future__ import annotations

import pytest
import torch

from netgraph import (GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetBidirectionalOperator, NetChain,
                      NetGraph, NetMapOperator, NetPort, NetSharedArray, OptionError, SequenceLastLayer, TotalLayer,
                      net_initialize, net_replace_part)
from tests.test_replace_part_array_fits import _MAPPED_GRU, _chain, _trained_gru


def _named_arrays(error) -> list[tuple]:
    return [(d.kind, d.layer, d.option, d.expected, d.found) for d in error.diagnostics]


@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_every_wrong_array_of_a_layer_is_named_in_one_error(replace):
    """Found by review: a trained GRU put in for inputs of another size named only ResetGateInputWeights, though its
    UpdateGate and MemoryGate input weights did not fit either (fixing one brought the next error)."""
    with pytest.raises(OptionError) as info:
        replace(_MAPPED_GRU, {"m": NetMapOperator(NetChain({"g": _trained_gru(5)}))})
    gates = ["reset_gate_input_weights", "update_gate_input_weights", "memory_gate_input_weights"]
    assert _named_arrays(info.value) == [("array-shape", ("m", "net", "g"), g, (4, 3), (4, 5)) for g in gates]
    said = ("layer 1 'g' (GatedRecurrentLayer) arrays 'ResetGateInputWeights': expected shape (4, 3), found (4, 5); "
            "'UpdateGateInputWeights': expected shape (4, 3), found (4, 5); 'MemoryGateInputWeights': ")
    assert said in str(info.value)


def test_arrays_given_by_key_that_do_not_fit_are_named_together():
    with pytest.raises(OptionError) as info:
        net_replace_part(_chain(), {("a", "Weights"): torch.zeros(3, 5), ("b", "Biases"): torch.zeros(4),
                                    ("a", "Biases"): torch.zeros(7)})
    assert _named_arrays(info.value) == [("array-shape", ("a",), "weights", (3, 4), (3, 5)),
                                         ("array-shape", ("a",), "biases", (3,), (7,))]  # b's: another layer's
    assert "layer 1 'a' (LinearLayer) arrays 'Weights': expected shape (3, 4), found (3, 5); 'Biases': " in \
        str(info.value)


def test_a_layer_with_more_wrong_arrays_than_are_shown_says_how_many_more():
    lstm = net_initialize(NetChain({"l": LongShortTermMemoryLayer(4)}, input=("n", 5)), seed=0).layer_at(("l",))
    with pytest.raises(OptionError) as info:
        NetChain({"l": LongShortTermMemoryLayer(4)}, input=("n", 3)).replace_layers({"l": lstm})
    assert len(info.value.diagnostics) == 4 and {d.found for d in info.value.diagnostics} == {(4, 5)}
    assert str(info.value).count("expected shape (4, 3), found (4, 5)") == 3
    assert str(info.value).endswith("; and 1 more (the error's .diagnostics holds each)")


def _around(op, size: int, initialised: bool):
    net = NetChain({"op": op(), "last": SequenceLastLayer(), "out": LinearLayer(2)}, input=("n", size))
    return net_initialize(net, seed=0) if initialised else net


_OPERATORS = {  # an operator over sequences of vectors holding a GRU, a LinearLayer, ...
    "bidirectional": lambda: NetBidirectionalOperator([NetChain({"g": GatedRecurrentLayer(4)}),
                                                       NetChain({"g": GatedRecurrentLayer(4)})]),
    "map": lambda: NetMapOperator(NetChain({"g": LinearLayer(4)})),
}


@pytest.mark.parametrize("initialised", [False, True])
@pytest.mark.parametrize("kind", _OPERATORS)
@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_an_initialised_operator_put_in_for_another_input_size_is_refused_for_its_arrays(kind, initialised, replace):
    """Session 50's list: an initialised NetBidirectionalOperator put in a net of another input size stayed the
    ShapeError "its inner net's port 'Input': expected shape (n, 5)", where a NetMapOperator's named its array."""
    with pytest.raises(OptionError) as info:
        replace(_around(_OPERATORS[kind], 3, initialised), {"op": _around(_OPERATORS[kind], 5, True).layer_at(("op",))})
    first, field = info.value.diagnostics[0], "forward_net" if kind == "bidirectional" else "net"
    assert (first.kind, first.layer, first.expected, first.found) == \
        ("array-shape", ("op", field, "g"), (4, 3), (4, 5))
    assert f"inside layer 1 'op' ({type(_OPERATORS[kind]()).__name__}), inner net '{field}': layer 1 'g'" in \
        str(info.value)


def _pair(**input_size):
    """Layers a and b, both fed the graph's input, share the array "w"."""
    w = NetSharedArray("w")
    return NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w), "t": TotalLayer()},
                    [(NetPort("Input"), "a"), (NetPort("Input"), "b"), (["a", "b"], "t")], **input_size)


@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_a_wrong_shared_array_in_a_graph_put_in_whole_is_refused_for_all_its_users(replace):
    """Found by review: the shared array was cleared at its first user alone; the second still held it, the net
    without the arrays could not be built, and the ShapeError stood instead of the array's error."""
    trained = net_initialize(_pair(Input=3), seed=0)
    inner = NetGraph(dict(trained.layers), [(NetPort("Input"), "a"), (NetPort("Input"), "b"), (["a", "b"], "t")])
    with pytest.raises(OptionError) as info:
        replace(NetChain({"enc": _pair(), "out": LinearLayer(2)}, input=4), {"enc": inner})
    assert _named_arrays(info.value) == [("array-shape", ("enc", "a"), "weights", (3, 4), (3, 3))]
    assert "array 'Weights' (the shared array NetSharedArray('w')): expected shape (3, 4), found (3, 3)" in \
        str(info.value)
    taken = replace(NetChain({"enc": _pair(), "out": LinearLayer(2)}, input=3), {"enc": inner})
    w = trained.layers["a"].arrays["Weights"]
    assert all(torch.equal(taken.layer_at(("enc", user)).arrays["Weights"], w) for user in "ab")


@pytest.mark.parametrize("key", ["m", ("m", "net")])
@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_a_wrong_shared_array_in_an_operators_inner_net_put_in_whole_is_refused_for_all_its_users(key, replace):
    """The same in an operator's inner net: the shared array was cleared at its first user alone (and an operator's
    layers were cleared from it before its own arrays were, which put the array back): the ShapeError stood."""
    trained = net_initialize(_pair(Input=3), seed=0)
    inner = NetGraph(dict(trained.layers), [(NetPort("Input"), "a"), (NetPort("Input"), "b"), (["a", "b"], "t")])
    with pytest.raises(OptionError) as info:
        replace(NetChain({"m": NetMapOperator(_pair())}, input=(2, 4)),
                {key: NetMapOperator(inner) if key == "m" else inner})
    assert _named_arrays(info.value) == [("array-shape", ("m", "net", "a"), "weights", (3, 4), (3, 3))]
    assert "inside layer 1 'm' (NetMapOperator), inner net 'net': layer 1 'a' (LinearLayer) array 'Weights' (the " \
           "shared array NetSharedArray('w')): expected shape (3, 4), found (3, 3)" in str(info.value)
    taken = replace(NetChain({"m": NetMapOperator(_pair())}, input=(2, 3)),
                    {key: NetMapOperator(inner) if key == "m" else inner})
    w = trained.layers["a"].arrays["Weights"]
    assert all(torch.equal(taken.layer_at(("m", "net", user)).arrays["Weights"], w) for user in "ab")

"""A shared array's shape, known from one user's ports, gives another user the port shapes its layer guesses from
its arrays (as a LinearLayer's Input from its weights): it was left unknown while the array had no value."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, NetPort, NetSharedArray, net_initialize
from netgraph.core.errors import OptionError


def test_a_user_of_unknown_input_size_takes_it_from_the_shared_weights():
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)},
                   [(NetPort("x"), "a"), (NetPort("y"), "b")], x=4)
    assert net.input_shapes == {"x": (4,), "y": (4,)}
    ready = net_initialize(net, seed=0)
    out = ready(x=torch.ones(2, 4), y=torch.ones(2, 4))
    torch.testing.assert_close(out["Output1"], out["Output2"])


def test_a_user_inside_a_nested_graph_takes_it_too():
    w = NetSharedArray("w")
    inner = NetChain({"lin": LinearLayer(2, weights=w)})
    net = NetGraph({"a": LinearLayer(2, weights=w), "enc": inner}, [(NetPort("x"), "a"), (NetPort("y"), "enc")], x=5)
    assert net.input_shapes == {"x": (5,), "y": (5,)}
    assert net.layer_types(("enc", "lin"))["Input"].shape == (5,)


def test_what_the_net_says_still_wins_over_the_guess():
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)},
                   [(NetPort("x"), "a"), (NetPort("y"), "b")])
    assert net.input_shapes == {"x": None, "y": None}  # nothing known: nothing guessed


@pytest.mark.parametrize("second", [lambda w: LinearLayer(3, weights=w),
                                    lambda w: NetChain([LinearLayer(3, weights=w)])])
def test_a_shared_value_of_the_wrong_size_names_the_shape_the_net_implies(second):
    # it named the second user's shape alone, (3, ·): the net's sizes say (3, 2), its input the first's output
    given = NetSharedArray("w", torch.zeros(2, 4))
    with pytest.raises(OptionError) as info:
        NetChain([LinearLayer(2, weights=given), second(NetSharedArray("w"))], input=4)
    said = "'Weights' (shared array 'w'): expected shape (3, 2) (from the net's sizes), found (2, 4)"
    assert said in str(info.value)
    assert info.value.diagnostics[0].expected == (3, 2) and info.value.diagnostics[0].found == (2, 4)


def test_a_shared_value_misfit_where_inference_fails_too_names_the_layer_alone():
    # the net cannot size the user (a conflict elsewhere): its own options' shape is said, as before
    given = NetSharedArray("w", torch.zeros(2, 4))
    with pytest.raises(OptionError, match=r"^layer 'b': LinearLayer: array 'Weights' \(shared array 'w'\): "
                                          r"expected shape \(3, ·\) \(from the layer's options\), found \(2, 4\)"):
        NetGraph({"a": LinearLayer(2, weights=given), "b": LinearLayer(3, weights=NetSharedArray("w")),
                  "c": LinearLayer(5, weights=torch.zeros(5, 7))}, [("a", "b"), ("b", "c")], Input=4)


def _refusing_user_net(**sizes):
    given = NetSharedArray("w", torch.zeros(2, 4))
    return NetGraph({"a": LinearLayer(2, weights=given), "b": LinearLayer(3, weights=NetSharedArray("w"))},
                    [(NetPort("x"), "a"), (NetPort("y"), "b")], **sizes)


def test_a_refused_shared_value_is_not_said_to_fit_sizes_it_guessed_itself():
    # y is never sized: its 4 was guessed from the refused (2, 4) itself, yet said "(3, 4) (from the net's sizes)"
    with pytest.raises(OptionError) as info:
        _refusing_user_net(x=4)
    said = "layer 'b': LinearLayer: array 'Weights' (shared array 'w'): expected shape (3, ·) (from the layer's"
    assert f"{said} options), found (2, 4)" in str(info.value) and "(3, 4)" not in str(info.value)


@pytest.mark.parametrize("y", [5, 4])  # 4: given, the size the refused value would guess too
def test_a_refused_shared_value_names_the_shape_of_sizes_the_net_gives(y):
    with pytest.raises(OptionError) as info:
        _refusing_user_net(x=4, y=y)
    said = f"'Weights' (shared array 'w'): expected shape (3, {y}) (from the net's sizes), found (2, 4)"
    assert said in str(info.value)

"""A shared array's shape, known from one user's ports, gives another user the port shapes its layer guesses from
its arrays (as a LinearLayer's Input from its weights): it was left unknown while the array had no value."""

from __future__ import annotations

import torch

from netgraph import LinearLayer, NetChain, NetGraph, NetPort, NetSharedArray, net_initialize


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

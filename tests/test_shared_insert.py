"""net_insert_shared_arrays (Wolfram's NetInsertSharedArrays): a net whose arrays are all shared, placed twice in a
graph, is one set of arrays used twice (Keras's shared layers: a siamese net)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import (FunctionLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, NetSharedArray,
                      OptionError, load, net_initialize, net_insert_shared_arrays, net_train, save)


def _siamese(tower) -> NetGraph:
    return NetGraph({"left": tower, "right": tower, "diff": FunctionLayer("Abs[#a - #b]"), "head": LinearLayer(1)},
                    [(NetPort("x1"), "left"), (NetPort("x2"), "right"), (["left", "right"], "diff"),
                     ("diff", "head")], x1=6, x2=6)


def _tower() -> NetChain:
    return NetChain({"l1": LinearLayer(8), "act": "Ramp", "l2": LinearLayer(4)})


def test_every_array_becomes_a_shared_array_named_by_prefix_and_path_keeping_its_value():
    tower = net_initialize(NetChain({"l1": LinearLayer(8), "act": "Ramp", "l2": LinearLayer(4)}, input=6), seed=0)
    shared = net_insert_shared_arrays(tower, "tower")
    assert shared.layers["l1"].shared == {"Weights": "tower-l1-Weights", "Biases": "tower-l1-Biases"}
    assert shared.layers["l2"].shared == {"Weights": "tower-l2-Weights", "Biases": "tower-l2-Biases"}
    assert torch.equal(shared.layers["l1"].arrays["Weights"], tower.layers["l1"].arrays["Weights"])
    x = torch.randn(3, 6)
    assert torch.equal(shared(x), tower(x))


def test_a_shared_tower_placed_twice_compiles_to_one_set_of_parameters_that_trains_as_one():
    net = net_initialize(_siamese(net_insert_shared_arrays(_tower(), "tower")), seed=0)
    module = net.compile()
    assert sorted(name for name, _ in module.named_parameters()) == [
        "head.Biases", "head.Weights", "left.l1.Biases", "left.l1.Weights", "left.l2.Biases", "left.l2.Weights"]
    x1, x2 = torch.randn(64, 6), torch.randn(64, 6)
    trained = net_train(net, {"x1": x1, "x2": x2, "Target": torch.randn(64, 1)}, max_training_rounds=2,
                        progress=False, random_seed=0)
    left, right = trained.layers["left"], trained.layers["right"]
    assert not torch.equal(left.layers["l1"].arrays["Weights"], net.layers["left"].layers["l1"].arrays["Weights"])
    assert torch.equal(left.layers["l1"].arrays["Weights"], right.layers["l1"].arrays["Weights"])
    tower = lambda x: F.linear(F.relu(F.linear(x, *left.layers["l1"].arrays.values())), *left.layers["l2"].arrays.values())
    expected = F.linear((tower(x1) - tower(x2)).abs(), *trained.layers["head"].arrays.values())
    assert torch.allclose(trained(x1=x1, x2=x2), expected, atol=1e-6)


def test_without_it_the_same_net_placed_twice_is_two_copies():
    net = net_initialize(_siamese(_tower()), seed=0)
    assert len(list(net.compile().parameters())) == 10


def test_arrays_inside_operators_and_nested_graphs_are_shared_and_the_net_saves(tmp_path):
    inner = NetChain({"enc": NetChain({"l1": LinearLayer(3)}), "map": NetMapOperator(LinearLayer(2))}, input=4)
    shared = net_insert_shared_arrays(net_initialize(inner, seed=0), "m")
    assert shared.information("SharedArrays").keys() == {"m-enc-l1-Weights", "m-enc-l1-Biases",
                                                         "m-map-net-layer-Weights", "m-map-net-layer-Biases"}
    save(shared, tmp_path / "m.yaml")
    assert load(tmp_path / "m.yaml") == shared


def test_arrays_already_shared_keep_their_names_and_a_bad_prefix_is_an_option_error():
    w = NetSharedArray("w")
    net = NetChain([LinearLayer(3, weights=w), LinearLayer(3, weights=w)], input=3)
    assert net_insert_shared_arrays(net).layers["1"].shared == {"Weights": "w", "Biases": "shared-1-Biases"}
    with pytest.raises(OptionError, match=r"net_insert_shared_arrays: prefix must be letters, digits, '_' or '-' "
                                          r"\(starting with a letter\), found '1x'"):
        net_insert_shared_arrays(net, "1x")


def test_a_layer_alone_is_shared_by_the_prefix_and_names_that_clash_are_numbered():
    assert net_insert_shared_arrays(LinearLayer(3, input=2), "t").shared == {"Weights": "t-Weights", "Biases": "t-Biases"}
    net = NetGraph({"a b": LinearLayer(2), "a_b": LinearLayer(2)}, [("a b", "a_b")], Input=2)
    assert net_insert_shared_arrays(net, "n").layers["a_b"].shared["Weights"] == "n-a_b-Weights-2"


def test_a_torch_layer_whose_arrays_cannot_be_shared_is_named():
    from netgraph import TorchLayer
    net = NetChain({"t": TorchLayer(torch.nn.Linear(3, 2), inputs={"Input": 3}, outputs=["Output"]), "l": LinearLayer(2)},
                   input=3)
    with pytest.raises(OptionError, match=r"net_insert_shared_arrays: layer 1 't' \(TorchLayer\) holds its arrays in "
                                          r"a torch module, which cannot share them"):
        net_insert_shared_arrays(net)

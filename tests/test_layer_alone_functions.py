"""A layer alone given where a net goes, as net_train, net_extract and net_replace_part take one (Wolfram's
NetMeasurements[layer, data], Export["x.onnx", layer]): the net of that layer alone, its arrays named as the
layer's (found by QA, qa-wolfram follow-up: export_onnx, net_measurements and net_set_learning_rate_multipliers
said they need a NetGraph)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (LinearLayer, NetGraph, NetMapOperator, OptionError, UninitializedError, export_onnx,
                      net_initialize, net_measurements, net_set_learning_rate_multipliers, net_train)
from tests.onnx_helpers import run_onnx


def test_export_onnx_of_a_layer_runs_as_the_layer(tmp_path):
    layer = net_initialize(LinearLayer(2, input=3), seed=0)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    path = export_onnx(layer, tmp_path / "layer.onnx")
    got, = run_onnx(path, {"Input": x})
    torch.testing.assert_close(torch.from_numpy(np.asarray(got)), layer(x), atol=1e-5, rtol=1e-4)


def test_export_onnx_of_an_uninitialised_layer_names_the_layer(tmp_path):
    with pytest.raises(UninitializedError, match="LinearLayer"):
        export_onnx(LinearLayer(2, input=3), tmp_path / "uninitialised.onnx")


def test_net_measurements_of_a_layer_measures_the_net_of_it_alone():
    layer = net_initialize(LinearLayer(2, input=3), seed=0)
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    data = {"Input": x, "Target": layer(x) + 0.5}
    assert net_measurements(layer, data) == pytest.approx(0.25, rel=1e-5)  # mean squared error of a 0.5 gap
    net = NetGraph([layer], [], Input=3)
    assert net_measurements(layer, data, ["Loss"]) == net_measurements(net, data, ["Loss"])


def test_net_measurements_of_an_uninitialised_layer_says_to_train_it():
    with pytest.raises(UninitializedError, match=r"net_measurements measures a trained net.*'LinearLayer/Weights'"):
        net_measurements(LinearLayer(2, input=3), {"Input": torch.zeros(2, 3), "Target": torch.zeros(2, 2)})


def test_multipliers_of_a_layer_name_its_arrays_and_give_the_net_of_it_alone():
    net = net_set_learning_rate_multipliers(LinearLayer(2, input=3), {"Weights": 0, "Biases": 0.5})
    assert isinstance(net, NetGraph) and list(net.layers) == ["LinearLayer"] and net.input_shapes == {"Input": (3,)}
    assert net.learning_rate_multipliers == {"LinearLayer/Weights": 0.0, "LinearLayer/Biases": 0.5}
    every = net_set_learning_rate_multipliers(LinearLayer(2, input=3), 0.1)
    assert every.learning_rate_multipliers == {"All": 0.1}
    mapped = net_set_learning_rate_multipliers(NetMapOperator(LinearLayer(2, input=3)), [(("net", "layer"), 0)])
    assert mapped.learning_rate_multipliers == {"NetMapOperator/net/layer": 0.0}


def test_multipliers_of_a_layer_refuse_an_unknown_array_naming_the_layers_arrays():
    with pytest.raises(OptionError, match=r"key 'Weigths' matches no array of LinearLayer \(did you mean "
                                          r"'Weights'\?\); its arrays: \['Weights', 'Biases'\]"):
        net_set_learning_rate_multipliers(LinearLayer(2, input=3), {"Weigths": 0})


def test_a_frozen_array_of_a_layer_trained_alone_keeps_its_values():
    # net_train(layer, data, learning_rate_multipliers={"Weights": 0}) said 'Weights' matches no array
    layer = net_initialize(LinearLayer(1, input=1), seed=0)
    x = torch.linspace(-1, 1, 32).unsqueeze(1)
    options = dict(max_training_rounds=20, learning_rate=0.05, random_seed=0, progress=False)
    trained = net_train(layer, {"Input": x, "Target": 2 * x + 1}, learning_rate_multipliers={"Weights": 0},
                        **options)
    assert isinstance(trained, LinearLayer) and torch.equal(trained.arrays["Weights"], layer.arrays["Weights"])
    assert not torch.equal(trained.arrays["Biases"], layer.arrays["Biases"])



@pytest.mark.parametrize("call", [
    lambda: export_onnx("net.yaml", "x.onnx"),
    lambda: net_measurements("net.yaml", {"Input": torch.zeros(1, 3)}),
    lambda: net_set_learning_rate_multipliers("net.yaml", 0.1),
])
def test_what_is_no_net_nor_layer_is_refused_alike(call):
    with pytest.raises(OptionError, match=r"needs a NetGraph, a NetChain or a layer.*found str"):
        call()


def test_net_replace_part_of_a_layer_given_a_shared_array_advises_the_layers_own_option():
    """The advice keyed the layer by its type name, net_replace_part(net, {'LinearLayer': ...}): a key of the net
    of the layer alone, which the caller never wrote (net_replace_part of that layer refuses it)."""
    from netgraph import LinearLayer, NetSharedArray, OptionError, net_replace_part
    layer = LinearLayer(3, input=2)
    with pytest.raises(OptionError) as info:
        net_replace_part(layer, {"Weights": NetSharedArray("w")})
    assert info.value.hint == ("to share the array, give it as the layer's option: layer.replace(weights="
                               "NetSharedArray('w')); to set a shared array's values in every user: "
                               "net_replace_part(layer, {NetSharedArray(name): values})")
    assert (info.value.kind, info.value.layer, info.value.option) == ("option-value", (), "weights")
    assert layer.replace(weights=NetSharedArray("w")).shared == {"Weights": "w"}  # the way the hint gives works


def test_net_replace_part_of_an_operator_given_a_shared_array_names_the_inner_layer_from_the_operator():
    from netgraph import LinearLayer, NetMapOperator, NetSharedArray, OptionError, net_replace_part
    operator = NetMapOperator(LinearLayer(3, input=2))
    with pytest.raises(OptionError) as info:
        net_replace_part(operator, {"net.layer.Weights": NetSharedArray("w")})
    assert info.value.hint.startswith("to share the array, give it as the inner layer's option: net_replace_part("
                                      "operator, {('net', 'layer'): layer.replace(weights=NetSharedArray('w'))}); ")
    shared = net_replace_part(operator, {("net", "layer"): LinearLayer(3, input=2, weights=NetSharedArray("w"))})
    assert shared.shared == {"net.layer.Weights": "w"}  # the way the hint gives works


@pytest.mark.parametrize("value", [None, "abc"])
def test_net_replace_part_given_no_numbers_for_an_array_names_its_layer(value):
    from netgraph import NetChain, net_replace_part
    with pytest.raises(OptionError) as info:
        net_replace_part(NetChain({"lin": LinearLayer(3)}, input=2), {("lin", "Weights"): value})
    assert (info.value.kind, info.value.layer) == ("option-value", ("lin",))

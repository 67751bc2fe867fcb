"""A user copying a torch (or Keras) model's arrays names them as its state_dict does (``bn.running_mean``,
``ln.weight``): surgery, ``with_arrays`` and a layer's attributes say which array that is here (``MovingMean``,
``Scaling``), beyond spelling slips that ``did you mean`` catches (``bias`` -> ``Biases``)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BatchNormalizationLayer, LayerNormalizationLayer, LinearLayer, NetChain, OptionError,
                      ParametricRampLayer, WiringError, net_initialize, net_replace_part)


def _net():
    return net_initialize(NetChain({"bn": BatchNormalizationLayer(), "ln": LayerNormalizationLayer(),
                                    "act": ParametricRampLayer(), "fc": LinearLayer(2)}, input=4), seed=0)


@pytest.mark.parametrize("layer, name, ours", [
    ("bn", "weight", "Scaling"), ("bn", "running_mean", "MovingMean"), ("bn", "running_var", "MovingVariance"),
    ("ln", "weight", "Scaling"), ("act", "weight", "Slope"),
    ("bn", "gamma", "Scaling"), ("bn", "beta", "Biases"), ("bn", "moving_variance", "MovingVariance"),
    ("fc", "kernel", "Weights")])
def test_net_replace_part_names_the_array_a_torch_or_keras_name_is(layer, name, ours):
    with pytest.raises(WiringError) as info:
        net_replace_part(_net(), {(layer, name): torch.ones(4)})
    assert f"has no array {name!r} (" in str(info.value) and f"is {ours!r} here" in str(info.value)
    assert info.value.diagnostics[0].hint == f"name the array {ours!r}"


def test_inside_an_operators_inner_net_too():
    from netgraph import NetMapOperator
    net = net_initialize(NetChain({"map": NetMapOperator(NetChain({"ln": LayerNormalizationLayer()}))},
                                  input=("n", 4)), seed=0)
    with pytest.raises(WiringError) as info:
        net_replace_part(net, {("map", "net", "ln", "weight"): torch.ones(4)})
    assert "(torch's weight is 'Scaling' here)" in str(info.value)
    assert info.value.diagnostics[0].hint == "name the array 'Scaling'"


def test_with_arrays_names_the_array_a_torch_name_is():
    with pytest.raises(OptionError) as info:
        _net().layers["bn"].with_arrays(running_var=torch.ones(4))
    assert "has no array 'running_var' (torch's running_var is 'MovingVariance' here)" in str(info.value)
    assert info.value.diagnostics[0].hint == "with_arrays(MovingVariance=...)"


def test_a_torch_counter_of_batches_is_said_to_have_no_array_here():
    with pytest.raises(WiringError) as info:
        net_replace_part(_net(), {("bn", "num_batches_tracked"): torch.tensor(3)})
    assert "netgraph keeps no count of batches: leave num_batches_tracked out" in str(info.value)


@pytest.mark.parametrize("layer, name, ours", [("bn", "running_mean", "MovingMean"), ("ln", "weight", "Scaling"),
                                               ("fc", "weight", "Weights")])
def test_a_torch_attribute_of_a_layer_names_its_array(layer, name, ours):
    with pytest.raises(AttributeError) as info:
        getattr(_net().layers[layer], name)
    assert f"its array {ours!r} is layer.arrays[{ours!r}]" in str(info.value)

"""layer.with_arrays refuses an array whose shape the layer's own options rule out, naming layer, array,
expected and found shapes, instead of leaving the error to the net the layer later joins."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LayerNormalizationLayer, LinearLayer, NetChain, NetMapOperator, OptionError, TorchLayer,
                      net_initialize)


@pytest.mark.parametrize("array, shape", [("Weights", (5, 7)), ("Weights", (2, 3)), ("Biases", (4,))])
def test_linear_layer_refuses_a_shape_its_options_rule_out(array, shape):
    layer = LinearLayer(3, input=2)
    expected = net_initialize(NetChain([layer]), seed=0).ir.nodes[0].layer.arrays[array].shape
    with pytest.raises(OptionError) as info:
        layer.with_arrays({array: torch.zeros(shape)})
    text = str(info.value)
    assert "LinearLayer" in text and repr(array) in text
    assert f"expected shape {tuple(expected)}" in text and f"found {shape}" in text


def test_right_shapes_and_unsized_layers_pass():
    filled = net_initialize(NetChain([LinearLayer(3, input=(2, 4)), LayerNormalizationLayer()]), seed=0)
    for node in filled.ir.nodes:  # a layer made afresh takes the arrays a net drew for it
        bare = node.layer.replace(**{field: None for field in node.layer.ARRAYS.values()})
        assert bare.with_arrays(node.layer.arrays) == node.layer
    loose = LinearLayer(3).with_arrays({"Weights": torch.zeros(3, 7)})  # input unknown: the net decides
    assert NetChain([loose], input=7).output_shapes["Output"] == (3,)


def test_an_operators_inner_layer_is_checked_too():
    op = NetMapOperator(LinearLayer(3, input=2))
    name = next(n for n in op.arrays if n.endswith("Weights"))
    with pytest.raises(OptionError, match=r"expected shape \(3, 2\).*found \(3, 5\)"):
        op.with_arrays({name: torch.zeros(3, 5)})


def test_arrays_may_be_given_by_keyword_as_replace_takes_options():
    """layer.with_arrays(Weights=w) was Python's TypeError ('unexpected keyword argument'): only a dict was taken,
    where replace(output=4) takes keywords."""
    weights, biases = torch.ones(3, 2), torch.zeros(3)
    layer = LinearLayer(3, input=2)
    by_keyword = layer.with_arrays(Weights=weights, Biases=biases)
    assert by_keyword == layer.with_arrays({"Weights": weights, "Biases": biases})
    assert torch.equal(by_keyword.arrays["Weights"], weights)
    assert layer.with_arrays({"Weights": weights}, Biases=biases) == by_keyword
    with pytest.raises(OptionError, match=r"LinearLayer has no array 'Wieghts' \(did you mean 'Weights'\?\)"):
        layer.with_arrays(Wieghts=weights)
    module = torch.nn.Linear(2, 3)
    torch_layer = TorchLayer(module)
    assert torch.equal(torch_layer.with_arrays(weight=torch.ones(3, 2)).arrays["weight"], torch.ones(3, 2))

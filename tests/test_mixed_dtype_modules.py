"""A compiled module with one layer cast to another dtype (``module._modules["3"].double()``): a failed call is one
DataError naming the layer whose input's dtype differs from its arrays', its port and both dtypes, as interpret's."""

import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, net_initialize
from netgraph.backend.interpreter import interpret


@pytest.fixture
def mixed():
    net = net_initialize(NetChain([LinearLayer(4), "Tanh", LinearLayer(2)], input=3), seed=0)
    module = net.compile()
    module._modules["3"].double()
    return net, module


def _runs(net, module):
    return {"compiled": module, "interpret": lambda x: interpret(net, module, x)}


@pytest.mark.parametrize("run", ["compiled", "interpret"])
@pytest.mark.parametrize("dtype, layer, expected", [(torch.float32, "3", torch.float64),
                                                    (torch.float64, "1", torch.float32)])
def test_the_layer_whose_arrays_differ_from_its_input_is_named(mixed, run, dtype, layer, expected):
    with pytest.raises(DataError) as info:
        _runs(*mixed)[run](torch.randn(2, 3, dtype=dtype))
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.port) == ("data-dtype", (layer,), "Input")
    assert (problem.expected, problem.found) == (expected, dtype)
    assert f"layer '{layer}'" in str(info.value) and str(expected) in str(info.value) and str(dtype) in str(info.value)


@pytest.mark.parametrize("run", ["compiled", "interpret"])
def test_a_wrong_shape_into_a_mixed_module_is_still_blamed_on_the_shape(mixed, run):
    with pytest.raises(DataError) as info:
        _runs(*mixed)[run](torch.randn(2, 5))
    assert [(d.kind, d.layer, d.port) for d in info.value.diagnostics] == [("data-shape", (), "Input")]


def test_a_module_of_one_dtype_runs_as_before(mixed):
    net, module = mixed
    module.double()
    x = torch.randn(2, 3, dtype=torch.float64)
    assert torch.equal(module(x), interpret(net, module, x)) and module(x).dtype == torch.float64

"""net(x) given data that makes no tensor, or uint64 indices past int64, names the port with the kind of its family
and the expected and found values (these had the kind "error" and no port)."""

from __future__ import annotations

import numpy
import pytest
import torch

from netgraph import DataError, EmbeddingLayer, LinearLayer, NetChain, net_initialize
from tests.diagnostic_helpers import sole_diagnostic


def _linear():
    return net_initialize(NetChain([LinearLayer(3)], input=5), seed=0)


@pytest.mark.parametrize("x, found, said", [
    ({1.0, 2.0}, "set", "cannot make a tensor from set"),
    (object(), "object", "cannot make a tensor from object"),
    ("abc", "str", "has no encoder"),
    ((torch.zeros(5), torch.zeros(5)), "tuple", "a tuple of tensors is no batch"),
    (torch.utils.data.TensorDataset(torch.zeros(2, 5)), "torch.utils.data.dataset.TensorDataset", "dataset.tensors"),
])
def test_data_that_makes_no_tensor_is_a_not_a_tensor_problem_of_its_port(x, found, said):
    diagnostic = sole_diagnostic(lambda: _linear()(x), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("not-a-tensor", (), "Input")
    assert (diagnostic.expected, diagnostic.found) == ("a tensor, array or list", found)
    assert said in diagnostic.message


def test_a_numpy_array_is_found_with_its_module():
    diagnostic = sole_diagnostic(lambda: _linear()(numpy.array([{1}, {2}], dtype=object)), DataError)
    assert (diagnostic.kind, diagnostic.found) == ("not-a-tensor", "numpy.ndarray")


@pytest.mark.parametrize("x", [numpy.array([[2 ** 63, 1]], dtype=numpy.uint64),
                               numpy.array([[3, 2 ** 64 - 1]], dtype=numpy.uint64)])
def test_uint64_indices_past_int64_are_a_data_dtype_problem_of_their_port(x):
    net = net_initialize(NetChain([EmbeddingLayer(4, 10)], input=["n"]), seed=0)
    diagnostic = sole_diagnostic(lambda: net(x), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("data-dtype", (), "Input")
    assert (diagnostic.expected, diagnostic.found) == ("Integer", torch.uint64)
    assert "values too large for int64" in diagnostic.message


def test_uint64_indices_within_int64_are_indices():
    net = net_initialize(NetChain([EmbeddingLayer(4, 10)], input=["n"]), seed=0)
    x = numpy.array([[3, 1]], dtype=numpy.uint64)
    torch.testing.assert_close(net(x), net(torch.tensor([[3, 1]])))


@pytest.mark.parametrize("x, shown", [([[2 ** 63, 1]], "2**63"), ([[3, -2 ** 63 - 1]], "-2**63"),
                                      ([[1, 2 ** 1100]], "2**1100")])
def test_python_ints_past_int64_at_an_index_port_are_said_as_uint64_or_float_ones_are(x, shown):
    # it was torch's own words: "cannot make a tensor from list: Overflow when unpacking long long"
    net = net_initialize(NetChain([EmbeddingLayer(4, 10)], input=["n"]), seed=0)
    diagnostic = sole_diagnostic(lambda: net(x), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("data-dtype", (), "Input")
    assert (diagnostic.expected, diagnostic.found) == ("Integer", "list")
    assert diagnostic.message == ("input port 'Input' takes integer indices (dtype Integer), found values too large "
                                  f"for int64 (as large as {shown}) in a list")


def test_python_ints_at_the_ends_of_int64_are_indices():
    net = net_initialize(NetChain([EmbeddingLayer(4, 10)], input=["n"]), seed=0)
    with pytest.raises(DataError, match=r"found values from -9223372036854775808 to 9223372036854775807"):
        net([[-2 ** 63, 2 ** 63 - 1]])

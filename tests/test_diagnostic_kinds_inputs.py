"""Problems of the inputs a net or its compiled module is given have the kind of their family, the port, and the
expected and found values: a length 0 along a variable dim is "data-shape" (the declared shape expected, the shape
given found), as a wrong shape is (these had the default kind "error" and no expected or found)."""

from __future__ import annotations

import numpy
import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, FunctionLayer, GatedRecurrentLayer, LinearLayer,
                      LongShortTermMemoryLayer, NetChain, NetGraph, SequenceLastLayer, SoftmaxLayer, net_initialize,
                      net_train)
from netgraph.backend.module_inputs import input_problem
from tests.diagnostic_helpers import sole_diagnostic


def _recurrent():
    return net_initialize(NetChain({"lstm": LongShortTermMemoryLayer(2), "last": SequenceLastLayer()},
                                   input=("n", 3)), seed=0)


def _indices():
    return net_initialize(NetChain({"emb": EmbeddingLayer(4, 10), "lstm": LongShortTermMemoryLayer(2),
                                    "last": SequenceLastLayer()}, input=["n"]), seed=0)


@pytest.mark.parametrize("call, found, example", [
    (lambda: _recurrent()(torch.zeros(2, 0, 3)), (2, 0, 3), None),
    (lambda: _recurrent()(torch.zeros(0, 3)), (0, 3), 0),  # one example, without a batch dim
    (lambda: _recurrent().compile()(torch.zeros(2, 0, 3)), (2, 0, 3), None),
    (lambda: _indices()([torch.tensor([1, 2]), torch.zeros(0, dtype=torch.long)]), (0,), 1),
])
def test_a_length_0_is_a_data_shape_problem_with_the_declared_and_the_given_shape(call, found, example):
    diagnostic = sole_diagnostic(call, DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("data-shape", (), "Input")
    assert (diagnostic.expected, diagnostic.found, diagnostic.example) == (("n", 3) if len(found) != 1 else ("n",),
                                                                            found, example)


def test_a_length_0_in_training_data_is_a_data_shape_problem_of_its_key():
    net = NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=("n", 2))
    diagnostic = sole_diagnostic(lambda: net_train(net, {"Input": torch.zeros(2, 0, 2), "Target": torch.tensor([0, 1])},
                                                   max_training_rounds=1), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("data-shape", (), "Input")
    assert (diagnostic.expected, diagnostic.found) == (("n", 2), (2, 0, 2))
    assert diagnostic.data is not None and diagnostic.data.name == "training"


def _linear():
    return net_initialize(NetChain([LinearLayer(3)], input=5), seed=0).compile()


@pytest.mark.parametrize("call, kind, expected, found", [
    (lambda: _linear()(torch.randn(4, 5, device="meta")), "data-device", torch.device("cpu"), torch.device("meta")),
    (lambda: _linear()(torch.randn(4, 5, dtype=torch.float64)), "data-dtype", torch.float32, torch.float64),
    (lambda: NetChain([SoftmaxLayer()], input=4).compile()(torch.zeros(2, 4, dtype=torch.long)), "data-dtype", "Real",
     torch.int64),
    (lambda: _linear()(numpy.ones((4, 5), numpy.float32)), "not-a-tensor", "a tensor", "numpy.ndarray"),
    (lambda: _linear()([[0.0] * 5] * 4), "not-a-tensor", "a tensor", "list"),
    (lambda: _linear()(None), "missing-data", "a tensor", "None"),
])
def test_a_compiled_modules_input_of_the_wrong_device_dtype_or_type_has_its_kind_expected_and_found(call, kind,
                                                                                                  expected, found):
    """These had the kind "error" and no expected or found."""
    diagnostic = sole_diagnostic(call, DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == (kind, (), "Input")
    assert (diagnostic.expected, diagnostic.found) == (expected, found)


@pytest.mark.parametrize("x, real, expected", [
    (torch.zeros(2, 3), torch.float32, "Integer"),  # an index port: the module's dtype does not matter
    (torch.zeros(2, 3, dtype=torch.complex64), None, "Integer"),
])
def test_floats_at_an_index_port_of_a_compiled_module_are_a_data_dtype_problem(x, real, expected):
    net = NetChain([EmbeddingLayer(4, 10)], input=["n"])
    diagnostic = input_problem(net, (x,), {}, real)
    assert (diagnostic.kind, diagnostic.port, diagnostic.expected, diagnostic.found) == ("data-dtype", "Input",
                                                                                         expected, x.dtype)


def test_half_precision_on_the_cpu_for_a_module_without_arrays_is_a_data_dtype_problem():
    diagnostic = input_problem(NetChain([SoftmaxLayer()], input=4), (torch.zeros(2, 4, dtype=torch.half),), {}, None)
    assert (diagnostic.kind, diagnostic.expected, diagnostic.found) == ("data-dtype", (torch.float32, torch.float64),
                                                                        torch.half)


@pytest.mark.parametrize("net, x, kind, expected", [
    (lambda: net_initialize(NetChain([LinearLayer(3)], input=4), seed=0), torch.empty(2, 4, device="meta"),
     "data-device", torch.device("cpu")),
    (lambda: NetChain([EmbeddingLayer(4, 10)], input=["n"]), torch.tensor([[0.5, 1.0]]), "data-dtype", "Integer"),
    (lambda: net_initialize(NetChain([LinearLayer(3)], input=4), seed=0), torch.zeros(2, 4, dtype=torch.complex64),
     "data-dtype", "Real"),
])
def test_net_x_gives_the_same_kind_expected_and_found_as_the_module(net, x, kind, expected):
    diagnostic = sole_diagnostic(lambda: net()(x), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == (kind, (), "Input")
    assert (diagnostic.expected, diagnostic.found) == (expected, x.device if kind == "data-device" else x.dtype)


def _sum():
    return NetGraph({"f": FunctionLayer("#x + #y")}, [], x=2, y=2)


@pytest.mark.parametrize("call", [lambda: _sum().compile()(torch.zeros(4, 2), torch.zeros(3, 2)),
                                  lambda: _sum()(x=torch.zeros(4, 2), y=torch.zeros(3, 2))])
def test_inputs_of_different_batch_sizes_are_a_data_shape_problem_finding_each_ports_size(call):
    diagnostic = sole_diagnostic(call, DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port, diagnostic.found) == ("data-shape", (), "x",
                                                                                      (("x", 4), ("y", 3)))


def test_a_modules_inputs_of_different_dtypes_are_a_data_dtype_problem_finding_each_ports_dtype():
    x, y = torch.zeros(4, 2), torch.zeros(4, 2, dtype=torch.float64)
    diagnostic = input_problem(_sum(), (x, y), {}, None)  # a module without arrays: its inputs fix the dtype
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port, diagnostic.found) == ("data-dtype", (), "x",
                                                                                      (("x", x.dtype), ("y", y.dtype)))


def test_a_ragged_training_example_of_length_0_is_a_data_shape_problem_of_its_key_and_example():
    net = NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                   input=["n"])
    data = {"Input": [torch.tensor([1, 2]), torch.zeros(0, dtype=torch.long), torch.tensor([3])],
            "Target": torch.tensor([0, 1, 0])}
    diagnostic = sole_diagnostic(lambda: net_train(net, data, max_training_rounds=1), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("data-shape", (), "Input")
    assert (diagnostic.example, diagnostic.found) == (1, (0,))

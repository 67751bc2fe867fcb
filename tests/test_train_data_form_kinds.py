"""Data of a form net_train cannot read, data without examples or keys, and examples of one batch that cannot be
stacked have kinds and fields a program reads, not kind "error": "data-form" (the forms expected, the type found),
"missing-data" (what is expected, 0 found) and "data-shape" (the key as port, the examples' shapes found)."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, NetGraph, NetPort, SoftmaxLayer, net_train
from netgraph.layers import FunctionLayer, NetArrayLayer
from netgraph.train.buckets import LengthBuckets, PaddedBatches
from tests.diagnostic_helpers import sole_diagnostic

FORMS = "a dict of port -> array, a list of example dicts or a pair (inputs, targets)"


def _train(data, net=None, **options):
    return net_train(net or NetChain([LinearLayer(3), SoftmaxLayer()], Input=2), data, progress=False, **options)


@pytest.mark.parametrize("data, found", [(torch.randn(4, 2), "torch.Tensor"), (None, "NoneType"), (3, "int")])
def test_data_of_another_form_is_a_data_form(data, found):
    d = sole_diagnostic(lambda: _train(data), DataError)
    assert (d.kind, d.expected, d.found, d.data.name) == ("data-form", FORMS, found, "training")


@pytest.mark.parametrize("data, expected", [({}, "one array per input port and target"), ([], "one example or more")])
def test_empty_data_is_missing_data(data, expected):
    d = sole_diagnostic(lambda: _train(data), DataError)
    assert (d.kind, d.expected, d.found, d.data.name) == ("missing-data", expected, 0, "training")


def test_examples_that_hold_no_keys_are_missing_data():
    net = NetGraph({"w": NetArrayLayer(array=[0.5]), "loss": FunctionLayer("#x * #x", output=1)},
                   [("w", "loss", NetPort("Loss"))])
    d = sole_diagnostic(lambda: _train([{}] * 4, net, loss_function="Loss"), DataError)
    assert (d.kind, d.expected, d.found) == ("missing-data", "one array per input port and target", 0)


def _buckets():
    return LengthBuckets({"x": [torch.zeros(2, 3), torch.zeros(2, 4)]}, 2, "training data")


def test_examples_of_a_batch_of_different_shapes_are_a_data_shape():
    d = sole_diagnostic(lambda: _buckets()._batch([0, 1]), DataError)
    assert (d.kind, d.layer, d.port, d.found) == ("data-shape", (), "x", ((2, 3), (2, 4)))


def test_padded_examples_that_differ_beyond_their_lengths_are_a_data_shape():
    padded = PaddedBatches(_buckets(), {"x": "x.lengths"})
    d = sole_diagnostic(lambda: padded._batch([0, 1]), DataError)
    assert (d.kind, d.layer, d.port, d.found) == ("data-shape", (), "x", ((2, 3), (2, 4)))


def _pairs(n=4):
    return [{"Input": torch.zeros(2), "Target": torch.tensor(0)} for _ in range(n)]


@pytest.mark.parametrize("data, kind, found", [
    ((torch.zeros(4, 2), torch.zeros(4), torch.ones(4)), "data-form", "a tuple of 3 arrays"),  # Keras's sample weights
    ([*_pairs(2), 3], "data-form", "int"),
    ([*_pairs(2), {"Input": torch.zeros(2)}], "example-keys", ("Input",)),
    ({"Input": "abc", "Target": [0]}, "not-a-tensor", "str"),
    (torch.utils.data.DataLoader([], batch_size=2), "missing-data", 0),
    ("no/such/folder", "missing-file", "no/such/folder"),
])
def test_each_refused_data_form_has_its_kind(data, kind, found):
    d = sole_diagnostic(lambda: _train(data), DataError)
    assert (d.kind, d.found, d.data.name) == (kind, found, "training")


def test_a_tuple_of_tensors_under_a_key_is_refused_as_net_x_refuses_it():
    # a list of tensors trains (one example each); a tuple was torch's words, "only one element tensors can be
    # converted to Python scalars", where net(x) says what to give
    x = torch.randn(6, 2)
    d = sole_diagnostic(lambda: _train({"Input": tuple(x), "Target": torch.zeros(6, dtype=torch.long)}), DataError)
    assert d.kind == "not-a-tensor" and d.port == "Input"
    assert d.message.endswith("key 'Input': a tuple of tensors is no batch: give one batched tensor (torch.stack), or "
                              "examples of different lengths as a list, one tensor each")


@pytest.mark.parametrize("shape", [(6,), (6, 2)])
def test_a_tuple_of_numpy_arrays_under_a_key_is_refused_as_a_tuple_too(shape):
    # torch made one tensor of the arrays, so the message was a shape mismatch of (2, 6, ...), not the tuple's
    x = torch.randn(*shape).numpy()
    d = sole_diagnostic(lambda: _train({"Input": (x, x), "Target": torch.zeros(6, dtype=torch.long)}), DataError)
    assert d.kind == "not-a-tensor" and d.port == "Input" and "a tuple of tensors is no batch" in d.message

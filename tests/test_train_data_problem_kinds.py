"""Every problem of ``bad training data`` has a kind and the fields a program reads (the key as port, expected,
found, the example where one is named), not kind "error" with the problem's text as its detail alone."""

from __future__ import annotations

import torch

from netgraph import (DataError, ElementwiseLayer, EmbeddingLayer, LinearLayer, NetChain, NetGraph, SequenceLastLayer,
                      SoftmaxLayer)
from netgraph import net_train
from netgraph.core.types import INTEGER, PortType
from netgraph.train.data_checks import example_length_problems, shared_length_problems, unpadded_problems
from netgraph.train.data_columns import Expect
from tests.diagnostic_helpers import sole_diagnostic


def _classifier(final=None):
    return NetGraph({"lin": LinearLayer(3), "sm": final or SoftmaxLayer()}, [("lin", "sm")], Input=2)


def _problem(data, net=None):
    d = sole_diagnostic(lambda: net_train(net or _classifier(), data, progress=False), DataError)
    assert d.data.name == "training" and d.detail == d.message  # the problem's own words, as before
    return d


def _fields(d):
    return d.kind, d.port, d.expected, d.found


X = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
Y = torch.tensor([0, 1, 2, 0, 1, 2])


def test_a_missing_key_is_a_missing_key():
    assert _fields(_problem({"Input": X})) == ("missing-key", "Target", "Target", ("Input",))


def test_the_target_under_both_its_keys_is_a_duplicate_key():
    assert _fields(_problem({"Input": X, "Target": Y, "Output": Y})) == (
        "duplicate-key", "Output", None, ("Target", "Output"))


def test_keys_of_different_example_counts_are_a_data_shape():
    assert _fields(_problem({"Input": X, "Target": Y[:5]})) == ("data-shape", None, None, (("Input", 6), ("Target", 5)))


def test_no_examples_is_missing_data():
    assert _fields(_problem({"Input": X[:0], "Target": Y[:0]})) == ("missing-data", None, "one example or more", 0)


def test_an_input_of_another_shape_is_a_data_shape():
    assert _fields(_problem({"Input": torch.randn(6, 5), "Target": Y})) == ("data-shape", "Input", (2,), (6, 5))


def test_float_class_labels_and_complex_inputs_are_a_data_dtype():
    assert _fields(_problem({"Input": X, "Target": Y.float() + 0.5})) == (
        "data-dtype", "Target", "Integer", "torch.float32")
    assert _fields(_problem({"Input": X * 1j, "Target": Y})) == ("data-dtype", "Input", "Real", "torch.complex64")


def test_values_past_the_working_precision_are_a_precision_range():
    d = _problem({"Input": X.double() * 1e300, "Target": Y})
    assert (d.kind, d.port) == ("precision-range", "Input")


def test_nan_is_nonfinite_data_at_its_example():
    x = X.clone()
    x[4, 1] = float("nan")
    d = _problem({"Input": x, "Target": Y})
    assert (d.kind, d.port, d.example) == ("nonfinite-data", "Input", 4)


def test_values_outside_their_range_are_a_data_range():
    assert _fields(_problem({"Input": X, "Target": Y + 1})) == ("data-range", "Target", (0, 2), (1, 3))
    sigmoid = _classifier(ElementwiseLayer("LogisticSigmoid"))
    assert _fields(_problem({"Input": X, "Target": torch.full((6, 3), 2.0)}, sigmoid)) == (
        "data-range", "Target", (0, 1), (2.0, 2.0))
    embedded = NetChain([EmbeddingLayer(4, 5), SequenceLastLayer(), LinearLayer(1)], input=["n"])
    d = _problem({"Input": torch.tensor([[0, 5], [1, 2]]), "Target": torch.zeros(2, 1)}, embedded)
    assert _fields(d) == ("data-range", "Input", (0, 4), (0, 5))


def test_an_example_of_another_shape_in_a_list_is_a_data_shape_at_its_example():
    xs = [torch.ones(2)] * 5 + [torch.ones(3)]
    d = _problem({"Input": xs, "Target": Y}, _classifier())
    assert (*_fields(d), d.example) == ("data-shape", "Input", (2,), (3,), 5)


EXPECT = {"Input": Expect(PortType(("n",), INTEGER), "input port 'Input'"),
          "Target": Expect(PortType(("n",), INTEGER), "target of output port 'Output'")}


def test_keys_sharing_a_length_that_differs_are_a_data_shape():
    (d,) = shared_length_problems({"Input": torch.zeros(4, 8), "Target": torch.zeros(4, 7)}, EXPECT)
    assert _fields(d) == ("data-shape", "Target", 8, 7)
    (d,) = example_length_problems({"Input": [torch.zeros(3), torch.zeros(4)],
                                    "Target": [torch.zeros(3), torch.zeros(5)]}, EXPECT)
    assert (*_fields(d), d.example) == ("data-shape", "Target", 4, 5, 1)
    (d,) = unpadded_problems({"Input": [torch.zeros(3), torch.zeros(4)], "Target": torch.zeros(2, 4)}, EXPECT)
    assert _fields(d) == ("data-shape", "Target", (3, 4), 4)

"""Problems of the inputs a net or its compiled module is given have the kind of their family, the port, and the
expected and found values: a length 0 along a variable dim is "data-shape" (the declared shape expected, the shape
given found), as a wrong shape is (these had the default kind "error" and no expected or found)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,
                      SequenceLastLayer, SoftmaxLayer, net_initialize, net_train)
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

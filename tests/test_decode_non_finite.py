"""An output holding NaN was decoded into a label anyway: argmax takes NaN for the largest value, so [nan, 0.2] was the
first label, and a NaN probability was False (a new user's QA). A decision or a top-k of NaN is a DataError naming the
port and the example; decoder='Probabilities' and decoder=None still show the values."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (BooleanDecoder, ClassDecoder, DataError, LinearLayer, NetChain, NetMapOperator, Padded, SoftmaxLayer,
                      net_initialize)
from netgraph.data import decode, parse_property

_NAN = float("nan")


@pytest.mark.parametrize("prop", ["Decision", "TopDecisions", ("TopProbabilities", 1)])
def test_a_class_decision_of_nan_names_the_port_and_the_example(prop):
    x = torch.tensor([[0.3, 0.7], [_NAN, 0.2]])
    with pytest.raises(DataError) as info:
        decode(ClassDecoder(["a", "b"]), "Output", x, parse_property(prop))
    assert str(info.value).startswith("output port 'Output' (ClassDecoder): example 1: the output holds NaN, so no "
                                      "label can be decided")
    assert info.value.diagnostics[0].port == "Output"


def test_a_boolean_decision_of_nan_names_the_port_and_the_example():
    with pytest.raises(DataError, match=r"output port 'Output' \(BooleanDecoder\): example 2: the output holds NaN"):
        decode(BooleanDecoder(), "Output", torch.tensor([[0.9], [0.1], [_NAN]]), parse_property("Decision"))


def test_probabilities_still_show_nan_as_it_is():
    out = decode(ClassDecoder(["a", "b"]), "Output", torch.tensor([[_NAN, 0.2]]), parse_property("Probabilities"))
    assert math.isnan(out[0]["a"]) and out[0]["b"] == pytest.approx(0.2)
    assert math.isnan(decode(BooleanDecoder(), "Output", torch.tensor([_NAN]), parse_property("Probabilities"))[0])


def test_a_taggers_decision_of_nan_names_the_port_example_and_position():
    x = torch.tensor([[[0.3, 0.7], [0.6, 0.4]], [[0.9, 0.1], [_NAN, _NAN]]])  # a sequence of 2 vectors per example
    with pytest.raises(DataError) as info:
        decode(ClassDecoder(["a", "b"]), "Output", x, parse_property("Decision"))
    assert str(info.value).startswith("output port 'Output' (ClassDecoder): example 1, position 1: the output holds "
                                      "NaN, so no label can be decided")
    assert (info.value.diagnostics[0].port, info.value.diagnostics[0].example) == ("Output", 1)


def test_a_tagger_called_on_padded_data_decodes_each_sequence_to_its_length_only():
    """What lies past a sequence's length (NaN here) is no output: never decoded, so never refused."""
    tagger = net_initialize(NetChain([NetMapOperator(LinearLayer(2)), SoftmaxLayer()], input=["n", 3],
                                     output=ClassDecoder(["a", "b"])), seed=0)
    data = torch.rand(2, 4, 3, generator=torch.Generator().manual_seed(0))
    data[0, 2:] = _NAN
    tags = tagger(Padded(data, [2, 4]))
    assert tags == [tagger(data[0, :2][None])[0], tagger(data[1][None])[0]]
    assert [len(t) for t in tags] == [2, 4]


def test_a_nan_decision_in_a_ragged_batch_names_the_users_example_not_its_length_groups():
    """Sequences of different lengths run in groups of one length each; the error names the example as given."""
    tagger = net_initialize(NetChain([NetMapOperator(LinearLayer(2)), SoftmaxLayer()], input=["n", 3],
                                     output=ClassDecoder(["a", "b"])), seed=0)
    xs = [torch.ones(2, 3), torch.ones(4, 3), torch.ones(2, 3)]
    xs[2][1, 0] = _NAN  # the second example of the group of length 2
    with pytest.raises(DataError) as info:
        tagger(xs)
    assert "output port 'Output' (ClassDecoder): example 2, position 1: the output holds NaN" in str(info.value)
    assert (info.value.diagnostics[0].port, info.value.diagnostics[0].example) == ("Output", 2)

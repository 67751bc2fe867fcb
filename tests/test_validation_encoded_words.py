"""Validation data in the encoded form (labels, texts) that a net cannot read was refused as "training data: ...",
naming the wrong data set; the problems now say validation_set and carry it as data (``Diagnostic.data``)."""

from __future__ import annotations

import pytest
import torch

from netgraph import ClassDecoder, DataError, LinearLayer, NetChain, SoftmaxLayer
from netgraph.train import net_train

GOOD = {"Input": torch.ones(4, 2), "Target": ["a", "b", "c", "a"]}


@pytest.mark.parametrize("validation, said", [
    ({"Input": torch.ones(4, 2), "Target": ["a", "b", "c"]}, "every key must hold the same number of examples"),
    ({"Input": ["x", "y", "z", "w"], "Target": ["a", "b", "c", "a"]}, "input port 'Input' has no encoder"),
])
def test_encoded_validation_problems_name_the_validation_set(validation, said):
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=2, output=ClassDecoder(["a", "b", "c"]))
    with pytest.raises(DataError) as info:
        net_train(net, GOOD, validation_set=validation, max_training_rounds=1, progress=False)
    assert str(info.value).startswith(f"validation_set: {said}") and "training data" not in str(info.value)
    assert info.value.diagnostics[0].data.name == "validation"


# -- a validation fraction holds out the same examples whether the data is encoded or not --------------------------

def _labelled(n):
    return {"Input": torch.arange(2.0 * n).reshape(n, 2), "Target": (["a", "b", "c"] * n)[:n]}


@pytest.mark.parametrize("n, fraction", [(10, 0.25), (7, 0.5), (3, 0.1)])
def test_encoded_data_holds_out_the_examples_the_in_memory_split_does(n, fraction):
    from netgraph.train.data_split import split_fraction
    from netgraph.train.encoded import encoded_data
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=2, output=ClassDecoder(["a", "b", "c"]))
    data = _labelled(n)
    train, held_out = encoded_data(net, data, fraction, 4, 0, 3)
    plain_train, plain_held_out = split_fraction({"Input": data["Input"]}, fraction, 3)
    assert torch.equal(train["Input"], plain_train["Input"]) and torch.equal(held_out["Input"], plain_held_out["Input"])
    assert len(train["Input"]) + len(held_out["Input"]) == n and len(held_out["Input"]) >= 1


@pytest.mark.parametrize("encoded", [True, False])
def test_a_fraction_that_leaves_no_training_example_is_refused_alike(encoded):
    from netgraph import OptionError
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=2, output=ClassDecoder(["a", "b", "c"]))
    data = _labelled(1) if encoded else {"Input": torch.ones(1, 2), "Target": torch.tensor([0])}
    with pytest.raises(OptionError, match=r"validation_set=0.5 leaves 0 training examples and 1 validation example "
                                          r"out of 1; both need at least one") as info:
        net_train(net, data, validation_set=0.5, max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].kind == "validation-split"

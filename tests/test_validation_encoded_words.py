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

"""A Python list of ints at a class coder's port whose labels are texts of no number is class indices, as a numpy or
torch integer array is; where a label is an integer's text ('1'), an int stays a label (refused with the text hint)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, ClassEncoder, DataError, LinearLayer, NetChain, SoftmaxLayer, net_train
from netgraph import net_initialize


def _classifier(labels):
    torch.manual_seed(0)
    return NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(labels))


def _train(net, y):
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    return net_train(net, {"Input": x, "Target": y}, max_training_rounds=2, progress=False, random_seed=2, all=True)


def test_a_list_of_ints_trains_as_the_integer_array_of_class_indices():
    y = [0, 1, 0, 1, 1, 0, 0, 1]
    listed = _train(_classifier(["neg", "pos"]), y)
    assert listed.batch_losses == _train(_classifier(["neg", "pos"]), np.array(y)).batch_losses


def test_an_int_outside_the_labels_is_one_error_naming_it():
    with pytest.raises(DataError, match=r"example 7: class index 3 is outside 0..1") as caught:
        _train(_classifier(["neg", "pos"]), [0, 1, 0, 1, 1, 0, 0, 3])
    assert len(caught.value.diagnostics) == 1


def test_where_a_label_is_an_integer_s_text_an_int_is_no_class_index():
    with pytest.raises(DataError, match=r"label 1 is not one of the 2 labels \['1', '2'\]"):
        _train(_classifier(["1", "2"]), [1, 2, 1, 2, 1, 2, 1, 2])


def test_an_int_at_a_class_encoder_input_is_a_class_index():
    net = net_initialize(NetChain([LinearLayer(2)], input=ClassEncoder(["a", "b", "c"], output="UnitVector")), seed=0)
    assert torch.equal(net([2, 0]), net(np.array([2, 0])))

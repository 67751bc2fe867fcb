"""A torch bool tensor at a class port whose labels are booleans holds labels, as a list or numpy array of bools
does: it was passed through as class indices, True = 1 = the second label (False for ClassEncoder([True, False])),
so net(x) swapped the rows and net_train inverted a classifier (a QA tester's finding). Where no label is a boolean
a bool tensor is no index tensor either: a DataError naming the port."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, DataError, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer,
                      net_initialize, net_train)

FLAGS = [True, False, False, True]


def _embedding(labels):
    return net_initialize(NetChain([EmbeddingLayer(3)], input=ClassEncoder(labels)), seed=0)


def test_a_bool_tensor_at_boolean_labels_gives_the_rows_of_those_labels_as_a_list_or_numpy_array_does():
    net = _embedding([True, False])
    expected = net(FLAGS)
    torch.testing.assert_close(net(np.array(FLAGS)), expected)
    torch.testing.assert_close(net(torch.tensor(FLAGS)), expected)
    torch.testing.assert_close(net(torch.tensor(True)), net(True))
    torch.testing.assert_close(net(torch.tensor(True)), expected[0])


def _classifier(output_labels=(True, False)):
    return net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(list(output_labels))),
                          seed=0)


def _trained(net, data):
    return net_train(net, data, max_training_rounds=30, random_seed=0, learning_rate=0.1, batch_size=16)


def test_net_train_reads_a_bool_tensor_target_as_its_labels_training_as_the_list_of_them_does():
    x = torch.tensor(np.random.RandomState(0).randn(64, 3), dtype=torch.float32)
    y = x[:, 0] > 0
    from_list = _trained(_classifier(), {"Input": x, "Output": y.tolist()})
    from_tensor = _trained(_classifier(), {"Input": x, "Output": y})
    assert from_tensor(x) == from_list(x)
    assert np.mean(np.array(from_tensor(x)) == y.numpy()) > 0.9  # was 0.016: every label inverted


def test_net_train_reads_a_bool_tensor_input_as_its_labels():
    layers = [EmbeddingLayer(3), LinearLayer(2), SoftmaxLayer()]
    net = net_initialize(NetChain(layers, input=ClassEncoder([True, False]), output=ClassDecoder(["yes", "no"])),
                         seed=0)
    flags = torch.tensor(FLAGS * 8)
    targets = ["yes" if flag else "no" for flag in flags.tolist()]
    trained = _trained(net, {"Input": flags, "Output": targets})
    assert trained([True, False]) == ["yes", "no"]
    assert trained(torch.tensor([True, False])) == ["yes", "no"]


def test_a_bool_tensor_at_a_class_port_without_boolean_labels_is_a_data_error_naming_the_port():
    with pytest.raises(DataError) as info:
        _embedding(["a", "b"])(torch.tensor(FLAGS))
    assert str(info.value).startswith("input port 'Input' (ClassEncoder): a bool tensor holds no class indices")
    assert info.value.diagnostics[0].port == "Input"
    torch.testing.assert_close(_embedding(["a", "b"])(torch.tensor([1, 0])), _embedding(["a", "b"])(["b", "a"]))


@pytest.mark.parametrize("pairs", [False, True])
def test_net_train_refuses_a_bool_tensor_target_where_no_label_is_a_boolean(pairs):
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(0))
    y = x[:, 0] > 0
    data = [(x[i], y[i]) for i in range(8)] if pairs else {"Input": x, "Output": y}
    with pytest.raises(DataError) as info:
        net_train(_classifier(["a", "b"]), data, max_training_rounds=1)
    assert ("target 'Target' of output port 'Output'" if pairs else "target 'Output'") + " (ClassDecoder): " in str(
        info.value)  # (pairs give their targets under 'Target', as the pair (x, y) does)
    assert "a bool tensor holds no class indices" in str(info.value)
    assert info.value.kind == "encoded-form"

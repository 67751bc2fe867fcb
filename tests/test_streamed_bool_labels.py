"""Streamed data (a Dataset whose items are all tensors, a DataLoader, a generator of batch dicts) reads a bool tensor
at a class port as in-memory data does: labels where a label is a boolean, else a DataError. It was used as class
indices (True = 1 = the second label), so a classifier with ClassDecoder([True, False]) trained inverted (a
reviewer's finding: accuracy 0.03 from a DataLoader)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, DataError, LinearLayer, NetChain, SoftmaxLayer, net_initialize, net_train

X = torch.tensor(np.random.RandomState(0).randn(64, 3), dtype=torch.float32)
FLAGS = X[:, 0] > 0
INDICES = (~FLAGS).long()  # the class indices of FLAGS at ClassDecoder([True, False])


class _Items(torch.utils.data.Dataset):
    def __init__(self, targets):
        self.targets = targets

    def __len__(self):
        return len(X)

    def __getitem__(self, i):
        return {"Input": X[i], "Output": self.targets[i]}


def _classifier(labels=(True, False)):
    return net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(list(labels))),
                          seed=0)


def _streamed(form, targets):
    if form == "Dataset":
        return _Items(targets)
    if form == "DataLoader":
        return torch.utils.data.DataLoader(_Items(targets), batch_size=16)
    return iter([{"Input": X[i:i + 16], "Output": targets[i:i + 16]} for _ in range(30) for i in range(0, 64, 16)])


def _trained(net, data, form):
    rounds = 1 if form == "generator" else 30  # a generator gives its batches once: 30 rounds' in one
    return net_train(net, data, max_training_rounds=rounds, random_seed=0, learning_rate=0.1, batch_size=16)


@pytest.mark.parametrize("form", ["Dataset", "DataLoader", "generator"])
def test_a_streamed_bool_tensor_target_trains_as_its_class_indices_do(form):
    from_flags = _trained(_classifier(), _streamed(form, FLAGS), form)
    from_indices = _trained(_classifier(), _streamed(form, INDICES), form)
    torch.testing.assert_close(from_flags(X, "Probabilities"), from_indices(X, "Probabilities"))
    assert np.mean(np.array(from_flags(X)) == FLAGS.numpy()) > 0.9  # was 0.03 from a DataLoader: inverted


@pytest.mark.parametrize("form", ["Dataset", "DataLoader", "generator"])
def test_a_streamed_bool_tensor_target_where_no_label_is_a_boolean_is_a_data_error(form):
    with pytest.raises(DataError) as info:
        _trained(_classifier(["a", "b"]), _streamed(form, FLAGS), form)
    assert "target 'Output' (ClassDecoder): a bool tensor holds no class indices" in str(info.value)
    assert info.value.kind == "encoded-form"
    assert info.value.diagnostics[0].port == "Output"

"""torch's batch norms inside a TorchLayer refuse to train on one value per channel: a last batch of one example
(65 examples, batch_size=64) stopped net_train with torch's raw ValueError from inside its forward, naming no layer
(netgraph's BatchNormalizationLayer trains on it). It is a TrainingError naming the layer, the round and batch."""

from __future__ import annotations

import pytest
import torch

from netgraph import BatchNormalizationLayer, DataError, LinearLayer, NetChain, TorchLayer, net_train
from netgraph.train import TrainingError


def data(n: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return {"Input": torch.randn(n, 3, generator=g), "Target": torch.randn(n, 1, generator=g)}


def with_torch_norm(norm: torch.nn.Module) -> NetChain:
    return NetChain([LinearLayer(8), TorchLayer(norm), "Ramp", LinearLayer(1)], input=3)


def test_a_last_batch_of_one_example_names_the_layer_and_the_remedies():
    with pytest.raises(TrainingError) as info:
        net_train(with_torch_norm(torch.nn.BatchNorm1d(8)), data(65), max_training_rounds=1, progress=False,
                  random_seed=0)
    message = str(info.value)
    assert message.startswith("training stopped at round 1, batch 2: layer 2 (TorchLayer) port 'Input': torch's "
                              "BatchNorm1d cannot train on one value per channel, and this batch holds one example "
                              "of shape (8)")
    assert "batch_size" in message and "BatchNormalizationLayer" in message
    assert info.value.diagnostics[0].layer == ("2",)
    assert type(info.value.__cause__) is DataError  # netgraph's own check, before torch's ValueError


def test_a_norm_inside_a_module_is_named_by_its_place_there():
    norm = torch.nn.Sequential(torch.nn.Identity(), torch.nn.BatchNorm1d(8))
    with pytest.raises(TrainingError, match=r"layer 2 \(TorchLayer\) port 'Input': torch's BatchNorm1d \(its module "
                                            r"'1'\) cannot train on one value per channel"):
        net_train(with_torch_norm(norm), data(1), max_training_rounds=1, progress=False)


def test_batches_of_several_examples_and_one_image_train_and_leave_no_check_behind():
    trained = net_train(with_torch_norm(torch.nn.BatchNorm1d(8)), data(64), max_training_rounds=2, progress=False,
                        batch_size=32, random_seed=0)
    assert not trained.layers["2"].module._forward_pre_hooks  # the trained net's module is torch's as given
    images = NetChain([TorchLayer(torch.nn.BatchNorm2d(2)), LinearLayer(1)], input=(2, 4, 4))
    x = torch.randn(1, 2, 4, 4)
    net_train(images, {"Input": x, "Target": torch.ones(1, 1)}, max_training_rounds=1, progress=False)  # 16 values


def test_netgraphs_own_batch_norm_still_trains_on_one_example():
    net = NetChain([LinearLayer(8), BatchNormalizationLayer(), "Ramp", LinearLayer(1)], input=3)
    r = net_train(net, data(65), max_training_rounds=1, progress=False, all=True, random_seed=0)
    assert r.total_batches == 2


def test_training_data_of_one_example_suggests_only_the_layer_not_a_batch_size():
    """No batch_size leaves more than one example in a batch of data of one: the message offered one all the same."""
    with pytest.raises(TrainingError) as info:
        net_train(with_torch_norm(torch.nn.BatchNorm1d(8)), data(1), max_training_rounds=1, progress=False)
    message = str(info.value)
    assert "the training data is this one example" in message and "BatchNormalizationLayer" in message
    assert "batch_size" not in message
    with pytest.raises(TrainingError, match="give a batch_size that leaves no last batch of one example"):
        net_train(with_torch_norm(torch.nn.BatchNorm1d(8)), data(65), max_training_rounds=1, progress=False)

"""attach_losses in a custom training loop: called as documented, loss(outputs, batch), it gives the loss net_train
uses, without set-up steps."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, LinearLayer, MeanAbsoluteLossLayer, NetChain, SoftmaxLayer, net_initialize,
                      net_train)
from netgraph.train.loss import attach_losses


def _classifier():
    return net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], Input=2), seed=0)


def _batch(n=8):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, 2, generator=g)
    return {"Input": x, "Target": (x[:, 0] > 0).long()}


def test_the_documented_call_gives_the_cross_entropy():
    net, batch = _classifier(), _batch()
    probabilities = net.compile()(Input=batch["Input"])
    per_example, mean = attach_losses(net, None)({"Output": probabilities}, batch)
    expected = -probabilities.gather(1, batch["Target"][:, None]).log().squeeze(1)
    assert torch.allclose(per_example, expected) and torch.allclose(mean, expected.mean())


def test_it_is_the_loss_net_train_reports():
    net, batch = _classifier(), _batch(16)
    results = net_train(net, batch, max_training_rounds=1, batch_size=16, learning_rate=1e-9, progress=False,
                        all=True, random_seed=0)
    _, mean = attach_losses(net, None)({"Output": net.compile()(Input=batch["Input"])}, batch)
    assert mean.item() == pytest.approx(results.round_losses[0], rel=1e-4)


def test_a_loss_layer_with_the_outputs_own_key_and_an_explicit_count():
    net = net_initialize(NetChain([LinearLayer(1)], Input=2), seed=0)
    x, y = torch.randn(5, 2), torch.randn(5, 1)
    out = net.compile()(Input=x)
    per_example, mean = attach_losses(net, MeanAbsoluteLossLayer())({"Output": out}, {"Input": x, "Output": y}, 5)
    assert torch.allclose(per_example, (out - y).abs().squeeze(1)) and mean.shape == ()


def test_a_missing_target_is_a_data_error_naming_the_key():
    net, batch = _classifier(), _batch()
    with pytest.raises(DataError, match=r"needs the target under key 'Target' \(did you mean 'Targets'\?\)"):
        attach_losses(net, None)({"Output": net.compile()(Input=batch["Input"])}, {"Targets": batch["Target"]})


@pytest.mark.parametrize("call", ["tensor", "misnamed", "pair"])
def test_outputs_or_a_batch_not_given_as_dicts_are_a_data_error_showing_the_call(call):
    """A single-output module returns a tensor, which a user passes as it is: that was torch's "values expected
    sparse tensor layout but got Strided"; a misnamed output a KeyError, a batch as a pair an AttributeError."""
    net, batch = _classifier(), _batch()
    out = net.compile()(Input=batch["Input"])
    outputs, data = {"tensor": (out, batch), "misnamed": ({"Probabilities": out}, batch),
                     "pair": ({"Output": out}, (batch["Input"], batch["Target"]))}[call]
    with pytest.raises(DataError, match=r"the loss takes the net's outputs as a dict by port \(it reads \['Output'\]\) "
                                        r"and the batch as a dict by data key, found outputs .*: loss\(\{'Output': "):
        attach_losses(net, None)(outputs, data)

"""What a loss_function of one's own may return: a real floating-point tensor (a scalar or one value per example);
anything else is one OptionError naming the function and what it returned, before any step."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, OptionError, SoftmaxLayer, net_measurements, net_train


def classifier() -> NetChain:
    return NetChain([LinearLayer(3), SoftmaxLayer()], input=2)


def data() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(12, 2, generator=g)
    return {"Input": x, "Target": (x[:, 0] > 0).long()}


def count_of_errors(outputs: dict, batch: dict) -> torch.Tensor:
    return (outputs["Output"].argmax(-1) != batch["Target"]).sum()  # int64: a count has no gradient


def complex_loss(outputs: dict, batch: dict) -> torch.Tensor:
    return outputs["Output"].sum(-1) * (1 + 1j)


@pytest.mark.parametrize("fn, dtype", [(count_of_errors, "torch.int64"),
                                       (lambda o, b: o["Output"][:, 0] > 0.5, "torch.bool"),
                                       (complex_loss, "torch.complex64")])
def test_a_loss_of_integers_booleans_or_complex_numbers_is_an_option_error(fn, dtype):
    with pytest.raises(OptionError, match=rf"loss_function .*\(outputs, batch\) must return a tensor of real "
                                          rf"floating-point values .*, returned one of dtype {dtype}") as info:
        net_train(classifier(), data(), loss_function=fn, max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].option == "loss_function"
    assert info.value.diagnostics[0].found == dtype


def test_net_measurements_refuses_such_a_loss_alike():
    with pytest.raises(OptionError, match="must return a tensor of real floating-point values"):
        net_measurements(net_train(classifier(), data(), max_training_rounds=1, progress=False), data(),
                         loss_function=count_of_errors)


def test_a_float64_loss_still_trains():
    r = net_train(classifier(), data(), loss_function=lambda o, b: o["Output"].double().sum(-1) - 1.0,
                  max_training_rounds=1, progress=False, all=True)
    assert r.total_batches == 1

"""The training loop's own refusals have kinds and fields a program reads: a loss that no trainable array reaches, a
loss that went non-finite (the layer whose output went first), and a one-shot iterable asked for several rounds."""

from __future__ import annotations

import math

import torch

from netgraph import DataError, ElementwiseLayer, LinearLayer, NetGraph, OptionError, TrainingError, net_train
from netgraph.backend.initialize import net_initialize
from tests.diagnostic_helpers import sole_diagnostic


def _net():
    return NetGraph({"lin": LinearLayer(1)}, [], Input=2)


def _data(n=16):
    return {"Input": torch.randn(n, 2, generator=torch.Generator().manual_seed(0)), "Target": torch.zeros(n, 1)}


def test_a_loss_no_trainable_array_reaches_is_an_untrainable_loss():
    loss = lambda outputs, batch: batch["Input"].sum()  # noqa: E731 - the loss as a user writes it
    d = sole_diagnostic(lambda: net_train(_net(), _data(), loss_function=loss, progress=False), OptionError)
    assert (d.kind, d.option, d.found) == ("untrainable-loss", "loss_function", "<lambda>(outputs, batch)")
    assert d.expected == "a loss that depends on a trainable array"


def test_a_non_finite_loss_names_the_first_layer_whose_output_went_non_finite():
    net = NetGraph({"lin": LinearLayer(3), "log": ElementwiseLayer("Log"), "out": LinearLayer(1)},
                   [("lin", "log", "out")], Input=2)
    data = {"Input": torch.randn(64, 2, generator=torch.Generator().manual_seed(0)), "Target": torch.zeros(64, 1)}
    d = sole_diagnostic(lambda: net_train(net_initialize(net, seed=0), data, progress=False, random_seed=0),
                        TrainingError)
    assert (d.kind, d.layer, d.port) == ("nonfinite-loss", ("log",), "Output")
    assert math.isnan(d.found) and d.expected == "a finite loss"
    assert d.detail.startswith("the first layer whose output went non-finite is ") and "max_gradient_norm" in d.hint


def test_a_non_finite_loss_of_finite_layers_names_no_layer():
    bad = lambda outputs, batch: outputs["Output"].sum() * float("inf")  # noqa: E731
    d = sole_diagnostic(lambda: net_train(_net(), _data(), loss_function=bad, progress=False), TrainingError)
    assert (d.kind, d.layer, d.port, d.found) == ("nonfinite-loss", None, None, math.inf)
    assert d.detail.startswith("every layer output was finite, so the loss itself")


def test_a_one_shot_iterable_for_several_rounds_is_one_shot_data():
    data = _data(40)

    def batches():
        for i in range(0, 40, 10):
            yield {k: v[i:i + 10] for k, v in data.items()}
    d = sole_diagnostic(lambda: net_train(_net(), batches(), max_training_rounds=3, progress=False), DataError)
    assert (d.kind, d.option, d.expected, d.found, d.data.name) == (
        "one-shot-data", "max_training_rounds", 1, 3, "training")
    d = sole_diagnostic(lambda: net_train(_net(), data, validation_set=batches(), max_training_rounds=2,
                                          progress=False), DataError)
    assert (d.kind, d.option, d.expected, d.found, d.data.name) == (
        "one-shot-data", "max_training_rounds", 1, 2, "validation")


def test_a_used_up_generator_is_said_to_have_given_nothing_and_a_re_iterable_is_suggested():
    batches = (b for b in [_data()])
    list(batches)
    d = sole_diagnostic(lambda: net_train(_net(), batches, max_training_rounds=1, progress=False), DataError)
    assert (d.kind, d.found) == ("missing-data", 0)
    assert "the generator gave nothing" in d.message and "used up already" in d.message
    assert "a re-iterable" in d.message and "a function returning one" in d.message


def test_an_empty_data_loader_still_says_it_yields_no_batches():
    loader = torch.utils.data.DataLoader([], batch_size=4)
    d = sole_diagnostic(lambda: net_train(_net(), loader, max_training_rounds=1, progress=False), DataError)
    assert d.kind == "missing-data" and "yields no batches" in d.message and "used up" not in d.message

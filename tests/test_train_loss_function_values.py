"""What a loss_function of one's own may return: a real floating-point tensor (a scalar or one value per example);
anything else is one OptionError naming the function and what it returned, before any step; a key its outputs or
batch dict lacks, a KeyError (and OptionError) naming the keys there are."""

from __future__ import annotations

import functools

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetPort, OptionError, SoftmaxLayer, net_measurements,
                      net_train)


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


def two_outputs() -> NetGraph:
    return NetGraph({"m": LinearLayer(1), "c": LinearLayer(3), "s": SoftmaxLayer()},
                    [("m", NetPort("Mean")), ("c", "s", NetPort("Class"))], Input=2)


def test_an_output_the_net_does_not_have_is_a_key_error_naming_its_outputs():
    """A loss written for a one-output net (outputs["Output"]) on a net whose outputs are Mean and Class was a bare
    "KeyError: 'Output'" from inside the training step."""
    x = data()["Input"]
    with pytest.raises(KeyError) as info:  # still a KeyError for code that catches one, and an OptionError
        net_train(two_outputs(), {"Input": x, "y": x[:, :1]}, loss_function=lambda o, b: (o["Output"] - b["y"]) ** 2,
                  max_training_rounds=1, progress=False)
    assert isinstance(info.value, OptionError)
    assert str(info.value) == ("loss_function <lambda>(outputs, batch): outputs has no key 'Output'; its keys are the "
                               "net's output ports, ['Mean', 'Class']")
    assert info.value.diagnostics[0].option == "loss_function"


def test_a_key_of_the_other_dict_says_where_it_is():
    x = data()["Input"]
    with pytest.raises(OptionError, match=r"outputs has no key 'y' \(a key of batch: batch\['y'\]\); its keys are the "
                                          r"net's output ports, \['Mean', 'Class'\]"):
        net_train(two_outputs(), {"Input": x, "y": x[:, :1]}, loss_function=lambda o, b: (o["Mean"] - o["y"]) ** 2,
                  max_training_rounds=1, progress=False)
    with pytest.raises(OptionError, match=r"batch has no key 'Mean' \(an output port: outputs\['Mean'\]\); its keys "
                                          r"are the batch's data keys, \['Input', 'y'\]"):
        net_train(two_outputs(), {"Input": x, "y": x[:, :1]}, loss_function=lambda o, b: (b["Mean"] - b["y"]) ** 2,
                  max_training_rounds=1, progress=False)
    with pytest.raises(OptionError, match=r"batch has no key 'Y' \(did you mean 'y'\?\)"):
        net_train(two_outputs(), {"Input": x, "y": x[:, :1]}, loss_function=lambda o, b: (o["Mean"] - b["Y"]) ** 2,
                  max_training_rounds=1, progress=False)


class _OneArgument:
    def __call__(self, outputs):
        return outputs["Output"].sum(-1)


def _three(outputs, batch, extra):
    return outputs["Output"].sum(-1)


@pytest.mark.parametrize("fn, found", [
    (lambda o: o["Output"].sum(-1), 1),
    (_three, 3),
    (_OneArgument(), 1),
    (functools.partial(_three, {}, {}), 1),  # the partial leaves one argument, extra
    (lambda: 0.0, 0),
    (lambda outputs, batch, *, scale: scale, 2),  # scale has no default: the call gives it none
])
def test_a_loss_function_taking_other_than_two_arguments_is_refused_before_training(fn, found):
    """It raised Python's TypeError from the call inside the first step."""
    with pytest.raises(OptionError, match=r"loss_function .* is called as f\(outputs, batch\)") as info:
        net_train(classifier(), data(), loss_function=fn, max_training_rounds=1, progress=False)
    d = info.value.diagnostics[0]
    assert (d.option, d.expected, d.found) == ("loss_function", 2, found)
    with pytest.raises(OptionError, match=r"is called as f\(outputs, batch\)"):
        net_train(classifier(), data(), loss_function={"Output": "Automatic", "extra": fn}, max_training_rounds=1,
                  progress=False)


@pytest.mark.parametrize("fn", [
    lambda outputs, batch, scale=1.0: scale * outputs["Output"].sum(-1),
    lambda *args: args[0]["Output"].sum(-1),
    functools.partial(lambda scale, outputs, batch: scale * outputs["Output"].sum(-1), 2.0),
    functools.partial(_three, extra=1.0),
])
def test_a_loss_function_that_can_take_outputs_and_batch_trains(fn):
    r = net_train(classifier(), data(), loss_function=fn, max_training_rounds=1, progress=False, all=True)
    assert len(r.round_losses) == 1

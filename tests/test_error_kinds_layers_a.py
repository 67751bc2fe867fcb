"""The refusals of conv, resize, torch_layer, random, kl_divergence, losses, attention and deconv have kinds: none
of their constructions of an error is left to the default kind "error", and their checks of options together
name the values they compared (``expected``, ``found``)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import netgraph
from netgraph import (CrossEntropyLossLayer, DeconvolutionLayer, KLDivergenceLayer, NormalDistribution,
                      OptionError, PoolingLayer, ResizeLayer, TorchLayer)
from tests.test_error_kinds_calls import _unkinded

FILES = {f"layers/{name}.py" for name in ("conv", "resize", "torch_layer", "_torch_ports", "random", "kl_divergence",
                                         "losses", "_loss_modules", "attention", "deconv")}


def test_every_error_of_these_layers_names_a_kind():
    assert {path: lines for path, lines in _unkinded("layers").items() if path in FILES} == {}


def _fields(error: OptionError) -> tuple:
    return error.kind, error.option, error.expected, error.found


@pytest.mark.parametrize("make, fields", [
    (lambda: DeconvolutionLayer(4, 2, biases=torch.zeros(3)), ("option-combination", "biases", (4,), (3,))),
    (lambda: PoolingLayer(2, padding_size=2),
     ("option-combination", "padding_size", "at most half the kernel 2", 2)),
    (lambda: PoolingLayer(2, function="Total", ceil_mode=True),
     ("option-combination", "ceil_mode", "function 'Max' or 'Mean'", "Total")),
    (lambda: CrossEntropyLossLayer("Index", input=()), ("option-combination", "input", "a class dimension", ())),
    (lambda: KLDivergenceLayer(NormalDistribution(0, 1), NormalDistribution(0, 2), samples=3),
     ("option-combination", "samples", 1, 3)),
    (lambda: ResizeLayer([4, 4], resampling="Nearest", scheme="Point"),
     ("option-combination", "scheme", "resampling='Linear' or 'Cubic'", "Nearest")),
])
def test_options_refused_together_name_what_was_compared(make, fields):
    with pytest.raises(OptionError) as caught:
        make()
    assert _fields(caught.value) == fields


def test_a_torch_layers_ports_name_the_bad_value():
    with pytest.raises(OptionError) as not_names:
        TorchLayer(nn.Identity(), inputs=5)
    with pytest.raises(OptionError) as not_identifier:
        TorchLayer(nn.Identity(), inputs=["a b"])
    assert _fields(not_names.value)[::3] == ("option-value", 5)
    assert _fields(not_identifier.value) == ("option-value", "inputs", "a Python identifier", "a b")


def test_register_module_refusals_have_kinds():
    with pytest.raises(OptionError) as not_a_module:
        netgraph.register_module(5)
    with pytest.raises(OptionError) as bad_name:
        netgraph.register_module(nn.Linear, "no name")
    assert _fields(not_a_module.value) == ("option-value", "module_class", "an nn.Module subclass", 5)
    assert _fields(bad_name.value) == ("option-value", "name", "a Python identifier", "no name")


def test_a_registered_modules_failing_constructor_is_an_option_value():
    class Picky(nn.Module):
        def __init__(self, size: int = 1):
            super().__init__()
            if size > 3:
                raise ValueError("too big")

    layer_type = netgraph.register_module(Picky)  # forgotten after the test (conftest's registry scope)
    with pytest.raises(OptionError, match="too big") as caught:
        layer_type(size=5)
    assert (caught.value.kind, caught.value.found) == ("option-value", (("size", 5),))

"""A TorchLayer holds a copy of the module given, so it stays the value it was made as (QA: the caller's module
changed in place changed the net's equality and ``compile()``, while ``net(x)`` ran its cached module), and a
registered module's layer equals itself with NaN in an array (``torch.equal`` said NaN != NaN)."""

import copy
import weakref

import pytest
import torch
from torch import nn

from netgraph import NetChain, TorchLayer, register_module
from netgraph.core.errors import OptionError
from netgraph.core.wrapped_modules import GIVEN_MODULES


def _changed_in_place(module: nn.Linear) -> None:
    with torch.no_grad():
        module.weight.fill_(1.0)
        module.bias.zero_()


def test_changing_the_given_module_changes_no_net():
    torch.manual_seed(0)
    module = nn.Linear(2, 3)
    net = NetChain({"t": TorchLayer(module)}, input=2)
    before, x = copy.deepcopy(net), torch.tensor([[1.0, 1.0]])
    expected = module(x).detach()
    net(x)
    _changed_in_place(module)
    assert net == before
    assert torch.allclose(net(x), expected) and torch.allclose(net.compile()(x), expected)
    assert net["t"].module is not module


def test_a_layers_own_module_is_copied_once_by_with_arrays_and_not_by_replace(monkeypatch):
    layer = TorchLayer(nn.Linear(2, 3))
    copies = []
    real = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda value, *rest: copies.append(type(value)) or real(value, *rest))
    new = layer.with_arrays(bias=torch.ones(3))
    assert copies.count(nn.Linear) == 1
    assert torch.equal(new.arrays["bias"], torch.ones(3)) and torch.equal(layer.arrays["bias"], layer.module.bias)
    assert new.replace(inputs=["Input"]).module is new.module and copies.count(nn.Linear) == 1


def test_one_module_given_twice_is_still_an_error_and_a_copied_layer_is_not():
    module = nn.Linear(2, 2)
    with pytest.raises(OptionError) as caught:
        NetChain({"a": TorchLayer(module), "b": TorchLayer(module)}, input=2)
    assert caught.value.kind == "shared-module"
    layer = TorchLayer(nn.Linear(2, 2))
    net = NetChain({"a": layer, "b": copy.deepcopy(layer)}, input=2)
    assert net["a"] == net["b"]


def test_a_module_that_cannot_be_copied_is_an_option_error():
    module = nn.Linear(2, 2)
    module.held = torch.ones(2, requires_grad=True) * 2  # a non-leaf tensor: torch refuses to deep-copy it
    with pytest.raises(OptionError) as caught:
        TorchLayer(module)
    assert (caught.value.option, caught.value.kind) == ("module", "option-value")
    assert "Linear" in str(caught.value)


class _Scaled(nn.Module):
    def __init__(self, n: int = 2):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(n))

    def forward(self, x):
        return x * self.scale


def test_a_registered_module_with_nan_equals_itself():
    cls = register_module(_Scaled, name="NanScaledE44", replace=True)
    layer = cls(n=2).with_arrays(scale=torch.tensor([float("nan"), 1.0]))
    assert layer == copy.deepcopy(layer) and hash(layer) == hash(copy.deepcopy(layer))
    assert layer != cls(n=2).with_arrays(scale=torch.tensor([float("nan"), 2.0]))


class _OtherRef(weakref.ref):
    """A weak reference of its own (CPython hands out one plain reference per object: ids of those agree)."""


def test_two_layers_of_one_module_are_told_by_the_module_not_by_its_reference():
    # keyed by the reference's id, two layers whose references differ were taken for two modules
    module = nn.Linear(2, 2)
    one, two = TorchLayer(module), TorchLayer(module)
    GIVEN_MODULES[two.module] = _OtherRef(module)
    with pytest.raises(OptionError) as caught:
        NetChain([one, two], input=2)
    assert caught.value.kind == "shared-module"

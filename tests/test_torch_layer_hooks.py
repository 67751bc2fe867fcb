"""A TorchLayer's module's own hooks fire on the net's real calls only: the meta-tensor runs that infer its shapes
(and check the built layers) run it without them, so a hook that reads values (a logger) neither breaks the layer
nor sees calls the user never made."""

from __future__ import annotations

import threading

import pytest
import torch
from torch import nn

from netgraph import NetGraph, TorchLayer
from netgraph.core.errors import OptionError


def _logged(module: nn.Module, log: list) -> nn.Module:
    module.register_forward_hook(lambda mod, args, out: log.append(round(out.detach().sum().item(), 4)))
    return module


def test_a_hook_that_reads_values_fires_only_on_real_calls():
    log: list = []
    lin = _logged(nn.Linear(3, 2), log)
    net = NetGraph({"t": TorchLayer(lin, inputs={"Input": 3})}, [])
    assert net.output_shapes == {"Output": (2,)} and log == []
    x = torch.ones(4, 3)
    out = net(x)
    assert log == [round(out.sum().item(), 4)]  # one call, on the real data
    assert len(lin._forward_hooks) == 1  # the user's module keeps its hook


def test_hooks_on_submodules_and_pre_hooks_too():
    log: list = []
    seq = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
    _logged(seq[0], log)
    seq[1].register_forward_pre_hook(lambda mod, args: log.append(tuple(args[0].tolist()[0][:1])))
    net = NetGraph({"t": TorchLayer(seq, inputs={"Input": 3})}, [])
    assert net.output_shapes == {"Output": (5,)} and log == []
    net(torch.ones(1, 3))
    assert len(log) == 2


class _Locked(nn.Linear):
    """A module deepcopy refuses (it holds a lock)."""

    def __init__(self):
        super().__init__(3, 2)
        self.lock = threading.Lock()


def test_a_module_that_cannot_be_copied_is_refused_and_keeps_its_hooks():
    """A TorchLayer holds a copy of its module (a frozen value): one that cannot be copied is an OptionError when
    the layer is made (it once ran the meta probe and failed with torch's TypeError at the first call)."""
    log: list = []
    locked = _logged(_Locked(), log)
    with pytest.raises(OptionError) as caught:
        TorchLayer(locked, inputs={"Input": 3})
    assert caught.value.option == "module" and "_Locked" in str(caught.value)
    assert log == [] and len(locked._forward_hooks) == 1
    locked(torch.ones(1, 3))
    assert len(log) == 1

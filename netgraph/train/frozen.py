"""Frozen statistics: a submodule whose buffers are all frozen (learning-rate multiplier 0, as a BatchNorm's
moving mean and variance, native or in a TorchLayer) runs in eval mode while the net trains, so that its arrays
stay bit-identical as README's ``learning_rate_multipliers`` promises (torch updates running statistics in train
mode whatever the gradients), and it normalises with its stored statistics, as it does once trained. A frozen
buffer beside others that train (a moving variance frozen, the moving mean not) lends a copy to each forward,
which moves the copy (an in-place write back into the buffer would break autograd, which saved it).
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any

import torch

from netgraph.layers._constant_buffers import array_buffers

__all__ = ["hold_frozen_buffers", "release", "Held"]


@dataclasses.dataclass
class Held:
    """The submodules held in eval mode, and the hooks that lend partly frozen modules' frozen buffers' copies."""

    modules: list[torch.nn.Module] = dataclasses.field(default_factory=list)
    hooks: list[Any] = dataclasses.field(default_factory=list)


def hold_frozen_buffers(module: torch.nn.Module, rates: dict[str, float]) -> Held:
    """Put each submodule of ``module`` whose own buffers are all frozen (``rates``: each array's learning-rate
    multiplier, its buffers' included) in eval mode, and keep it there when ``module.train()`` runs (between
    validation passes); the other submodules' frozen buffers are lent to each forward as copies. Returns what it
    did, for ``release`` after training."""
    held = Held()
    loose = []
    for prefix, sub in module.named_modules():
        own = [(f"{prefix}.{name}" if prefix else name, b) for name, b in array_buffers(sub, recurse=False)]
        if own and all(rates[name] == 0 for name, _ in own):
            sub.train = types.MethodType(_evaluating, sub)  # the compiled forward reads sub.training, calls no hook
            held.modules.append(sub.train(False))
        else:
            loose += [(sub, name.rsplit(".", 1)[-1]) for name, _ in own if rates[name] == 0]
    if loose:
        held.hooks = _kept_as_they_were(module, loose)
    return held


def _kept_as_they_were(module: torch.nn.Module, buffers: list[tuple[torch.nn.Module, str]]) -> list[Any]:
    """Hooks on ``module`` that give each (submodule, name) buffer's copy to the forward, and the buffer back after."""
    kept: list[torch.Tensor] = []

    def lend(*_: Any) -> None:
        kept[:] = [sub._buffers[name] for sub, name in buffers]
        for (sub, name), b in zip(buffers, kept):
            sub._buffers[name] = b.detach().clone()

    def give_back(*_: Any) -> None:
        for (sub, name), b in zip(buffers, kept):
            sub._buffers[name] = b

    return [module.register_forward_pre_hook(lend), module.register_forward_hook(give_back, always_call=True)]


def release(held: Held) -> None:
    """Give the held submodules their own ``train`` back, and remove the hooks."""
    for sub in held.modules:
        del sub.train
    for hook in held.hooks:
        hook.remove()


def _evaluating(sub: torch.nn.Module, mode: bool = True) -> torch.nn.Module:
    """This module only, in eval mode: a Dropout beside it in the same TorchLayer still drops in training."""
    return torch.nn.Module.train(sub, False)

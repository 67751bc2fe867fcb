"""Frozen statistics: a submodule whose buffers are all frozen (learning-rate multiplier 0, as a BatchNorm's
moving mean and variance, native or in a TorchLayer) runs in eval mode while the net trains, so that its arrays
stay bit-identical as README's ``learning_rate_multipliers`` promises (torch updates running statistics in train
mode whatever the gradients), and it normalises with its stored statistics, as it does once trained.
"""

from __future__ import annotations

import types
from typing import Any

import torch

from netgraph.train.options import resolve_multipliers

__all__ = ["hold_frozen_buffers", "release"]


def hold_frozen_buffers(net: Any, module: torch.nn.Module, spec: Any) -> list[torch.nn.Module]:
    """Put each submodule of ``module`` whose own buffers are all frozen in eval mode, and keep it there when
    ``module.train()`` runs (between validation passes); returns them, for ``release`` after training."""
    buffers = [name for name, _ in module.named_buffers()]
    if not buffers:
        return []
    rates = resolve_multipliers(net, [name for name, _ in module.named_parameters()] + buffers, spec)
    held = []
    for prefix, sub in module.named_modules():
        own = [f"{prefix}.{name}" if prefix else name for name, _ in sub.named_buffers(recurse=False)]
        if own and all(rates[name] == 0 for name in own):
            sub.train = types.MethodType(_evaluating, sub)  # the compiled forward reads sub.training, calls no hook
            held.append(sub.train(False))
    return held


def release(held: list[torch.nn.Module]) -> None:
    """Give the held submodules their own ``train`` back."""
    for sub in held:
        del sub.train


def _evaluating(sub: torch.nn.Module, mode: bool = True) -> torch.nn.Module:
    """This module only, in eval mode: a Dropout beside it in the same TorchLayer still drops in training."""
    return torch.nn.Module.train(sub, False)

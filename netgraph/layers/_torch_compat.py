"""Asking torch things whose signature changed across the versions pyproject allows (torch >= 2.3)."""

from __future__ import annotations

import contextlib
from typing import Any

import torch

try:  # torch.func's own code steps outside its transforms so (no public name)
    from torch._functorch.pyfunctorch import temporarily_clear_interpreter_stack as outside_torch_func
except ImportError:  # a torch without it: building a module inside a transform stays torch's error there
    outside_torch_func = contextlib.nullcontext

__all__ = ["autocast_enabled", "compiler_disable", "outside_torch_func"]


def autocast_enabled(device_type: str) -> bool:
    """Whether autocast is on for ``device_type`` (torch 2.3's ``is_autocast_enabled()`` takes none: CUDA's).

    >>> autocast_enabled("cpu")
    False
    >>> with torch.autocast("cpu", dtype=torch.bfloat16):
    ...     autocast_enabled("cpu")
    True
    """
    try:
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch 2.3: the CPU's is asked apart
        return torch.is_autocast_cpu_enabled() if device_type == "cpu" else torch.is_autocast_enabled()


def compiler_disable(reason: str) -> Any:
    """``torch.compiler.disable`` as a decorator, with the ``reason`` its graph break shows where torch takes one
    (torch 2.3's takes none)."""
    try:
        return torch.compiler.disable(reason=reason)
    except TypeError:  # torch before the reason: the break names the function alone
        return torch.compiler.disable

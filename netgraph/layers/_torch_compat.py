"""Asking torch things whose signature changed across the versions pyproject allows (torch >= 2.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.core.torch_internals import outside_torch_func

__all__ = ["autocast_enabled", "compiler_disable", "disabled_at_first_need", "outside_torch_func"]


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


def disabled_at_first_need(function: Callable, reason: str) -> Callable[[], Callable]:
    """A builder of ``function`` behind ``compiler_disable(reason)``, wrapped at its first call and kept: the
    decorator imports torch._dynamo (about 1 s), which a net that torch never compiles does not need. A list keeps
    it, not functools.cache: the builder runs while dynamo traces, which warns of any lru_cache it meets."""
    made: list[Callable] = []

    def disabled() -> Callable:
        if not made:
            made.append(compiler_disable(reason)(function))
        return made[0]
    return disabled

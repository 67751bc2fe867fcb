"""The modules built for a compiled net's layers, by path, and the arrays its layers share tied into one tensor."""

from __future__ import annotations

from typing import Any

from torch import nn

from netgraph.core.shared import shared_users

__all__ = ["submodule", "tie_shared"]


def submodule(root: nn.Module, path: tuple[str, ...]) -> nn.Module:
    """The module built for the layer at ``path`` (by name, whatever attribute the name would shadow)."""
    for part in path:
        root = root._modules[part]
    return root


def tie_shared(net: Any, module: nn.Module) -> None:
    """Make every user of a shared array hold its first user's parameter (or buffer): one tensor, trained once."""
    for users in shared_users(net).values():
        owner, name = _array_owner(module, *users[0])
        store = "_parameters" if name in owner._parameters else "_buffers"
        tensor = getattr(owner, store)[name]
        for path, array in users[1:]:
            other, other_name = _array_owner(module, path, array)
            getattr(other, store)[other_name] = tensor


def _array_owner(module: nn.Module, path: tuple, array: str) -> tuple[nn.Module, str]:
    """The module holding a layer's array and the array's name in it (``array`` may be dotted: an operator's)."""
    *inner, name = array.split(".")
    return submodule(module, (*path, *inner)), name

"""Compiled modules pickled before netgraph's own attributes took the ``_netgraph_`` prefix (a layer may be named
``route`` or ``computed_inline``): their attributes get it on loading, the root's and every submodule's."""

from __future__ import annotations

from typing import Any

from torch import nn

from netgraph.core.layer_table import NETGRAPH_PREFIX
from netgraph.core.own_classes import is_netgraph_class

__all__ = ["old_state", "prefixed_state", "prefix_submodules"]

#: Names netgraph's own attributes of a compiled module had before they took the prefix.
_UNPREFIXED = frozenset({"_net", "_depth", "working_dtype", "inner_net", "own_output_dtypes", "route",
                         "lengths_arguments"})
#: The same for the attributes compile set on the layers' modules inside it (hooks warn; draws scored per example).
_SUBMODULE_UNPREFIXED = ("computed_inline", "_folded_draws")


def old_state(state: dict) -> bool:
    """Whether a compiled module's pickled ``state`` was written before the prefix."""
    return not _UNPREFIXED.isdisjoint(state)


def prefixed_state(state: dict) -> dict:
    """A compiled module's pickled ``state`` with its old attribute names prefixed (``_net`` -> ``_netgraph_net``)."""
    return {f"{NETGRAPH_PREFIX}{k.lstrip('_')}" if k in _UNPREFIXED else k: v for k, v in state.items()}


def prefix_submodules(root: nn.Module, compiled: type) -> None:
    """Prefix the old attributes of ``root`` and of netgraph's modules inside it, in one pass (not into a ``compiled``
    module below it: its own loading did it). A user's module (a TorchLayer's) keeps its attributes as they are."""
    stack = [root]
    while stack:
        module = stack.pop()
        if module is None or (isinstance(module, compiled) and module is not root):
            continue
        stack.extend(module._modules.values())
        if is_netgraph_class(type(module)):
            _prefix(vars(module))


def _prefix(attributes: dict[str, Any]) -> None:
    for name in _SUBMODULE_UNPREFIXED:
        if name in attributes:
            attributes[f"{NETGRAPH_PREFIX}{name.lstrip('_')}"] = attributes.pop(name)

"""Forward hooks on a layer's module that the compiled forward never calls: a warning when one is added.

The generated forward computes most built-in layers inline from their arrays (``F.linear(Input, self.fc1.Weights,
self.fc1.Biases)``) and never calls ``self.fc1``, so a forward hook or pre-hook on it would never fire, and tools
built on such hooks (``torch.nn.utils.prune``) would silently do nothing. The hook tables of those modules warn when a
hook is added, naming the layer; the hook is still kept (it fires if the module is called directly).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from torch import nn

__all__ = ["InlineLayerWarning", "guard_inline_hooks"]


class InlineLayerWarning(UserWarning):
    """A forward hook was added to a layer's module that the compiled forward computes inline (it never fires)."""


class _InlineHooks(OrderedDict):
    """A module's forward (pre-)hook table that warns when a hook is added."""

    def __init__(self, label: Any, items: Iterable[tuple[Any, Any]] = ()):
        super().__init__()
        self.label = label  # (path, type name), written out when it warns
        for key, value in items:  # a copy's items, restored without the warning
            OrderedDict.__setitem__(self, key, value)

    def __setitem__(self, key: Any, value: Any) -> None:
        path, kind = self.label
        warnings.warn(f"a forward hook on layer {'/'.join(path)!r} ({kind}) never fires: the compiled forward "
                      f"computes this layer inline from its arrays (see module.code) and never calls its module; hook "
                      f"the compiled module, use a parametrization (torch.nn.utils.parametrize) to change an array, or read the layer's output "
                      f"with net(x, outputs=NetPort(...))", InlineLayerWarning, stacklevel=3)
        super().__setitem__(key, value)

    def __reduce__(self) -> tuple:
        return _InlineHooks, (self.label, list(self.items()))


def guard_inline_hooks(root: nn.Module, inline: Iterable[tuple[tuple[str, ...], str]]) -> None:
    """Give the module of each layer ``(path, type name)`` in ``inline`` (whose module the forward never calls, just
    built: its tables are empty) hook tables that warn."""
    new = _InlineHooks.__new__
    for label in inline:
        module = root
        for part in label[0]:
            module = module._modules[part]
        attributes = module.__dict__
        forward, pre = new(_InlineHooks), new(_InlineHooks)
        forward.label = pre.label = label
        attributes["_forward_hooks"], attributes["_forward_pre_hooks"] = forward, pre

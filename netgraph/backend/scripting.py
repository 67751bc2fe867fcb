"""``torch.jit.script`` of a compiled module: refused at once with a netgraph error, before TorchScript's compiler
fails on the Python it cannot read (the forward's layer modules, their annotations, the checks of the data)."""

from __future__ import annotations

from typing import NoReturn

from netgraph.core.errors import OptionError

__all__ = ["NotScriptable"]

#: What records or compiles the module instead: each gives its values (tested).
SCRIPT_ALTERNATIVES = ("torch.compile(module)", "torch.export.export(module, args)", "torch.jit.trace(module, args)")


class NotScriptable:
    """A mixin whose ``__prepare_scriptable__`` (which ``torch.jit.script`` calls on a module and on each submodule
    first) raises an OptionError of kind ``"not-scriptable"`` naming what works instead.

    >>> import torch
    >>> from torch import nn
    >>> class Net(NotScriptable, nn.Module):
    ...     def forward(self, x): return x
    >>> torch.jit.script(Net())
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: torch.jit.script cannot compile a netgraph module: ...
    """

    def __prepare_scriptable__(self) -> NoReturn:
        raise OptionError("torch.jit.script cannot compile a netgraph module: TorchScript reads only a subset of Python, "
                          "which its generated forward and layer modules are not written in; use "
                          f"{', '.join(SCRIPT_ALTERNATIVES)}", kind="not-scriptable", found="torch.jit.script",
                          expected=SCRIPT_ALTERNATIVES)

"""Making many small torch modules quickly: ``init_module`` is ``nn.Module.__init__`` in one step.

``nn.Module.__init__`` makes a dozen empty hook tables with one checked assignment each (about 10 µs); a
100,000-layer net builds 100,000 modules when it compiles. The recipe below is read from a module torch
itself made, so it follows torch's version; anything it cannot copy makes ``init_module`` call torch's own.

>>> from torch import nn
>>> class Scale(nn.Module):
...     def __init__(self, factor):
...         init_module(self)
...         self.__dict__["factor"] = factor
>>> module = Scale(2.0)
>>> sorted(module.__dict__) == sorted([*nn.Module().__dict__, "factor"]), module.training
(True, True)
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from torch import nn

__all__ = ["init_module"]


def _recipe() -> tuple[tuple[str, Any, bool], ...] | None:
    """(attribute, empty container type to call or value to share, whether to call) for each attribute that
    ``nn.Module.__init__`` sets; None when one holds something else (then torch's own __init__ is used)."""
    recipe = []
    for name, value in nn.Module().__dict__.items():
        if type(value) in (dict, OrderedDict, set) and not value:
            recipe.append((name, type(value), True))
        elif value is None or type(value) is bool:
            recipe.append((name, value, False))
        else:
            return None
    return tuple(recipe)


_RECIPE = _recipe()


def init_module(module: nn.Module) -> None:
    """What ``nn.Module.__init__(module)`` does (for a module class of ours that calls no other base __init__)."""
    if _RECIPE is None or module.call_super_init:
        nn.Module.__init__(module)
        return
    module.__dict__.update({name: make() if call else make for name, make, call in _RECIPE})

"""Torch modules as values: two are the same when they are of one class with the same parameters and buffers
(by value, NaN equal to NaN) and the same other attributes (config such as a Conv's stride or a Dropout's p, the
training flag, submodules alike), so a TorchLayer equals its copy (``net.compile().to_net() == net``).

An attribute that cannot be compared by value (an object without ``==``, a function) must be the same object:
equality errs on the side of "different", never calling two modules that may compute differently the same.

>>> from torch import nn
>>> a = nn.Linear(2, 3)
>>> import copy
>>> same_module(a, copy.deepcopy(a)), same_module(a, nn.Linear(2, 3)), same_module(nn.Dropout(0.1), nn.Dropout(0.5))
(True, False, False)
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from netgraph.core.errors import OptionError
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.shared import same_values

__all__ = ["same_module", "kept_array", "private_copy"]


def same_module(a: nn.Module, b: nn.Module, seen: set | None = None) -> bool:
    """Same class, arrays by value and other attributes alike, submodules too (a cycle of references is no loop)."""
    seen = set() if seen is None else seen
    if a is b or (id(a), id(b)) in seen:
        return True
    seen.add((id(a), id(b)))
    if type(a) is not type(b) or a.__dict__.keys() != b.__dict__.keys():
        return False
    return all(_same_attr(a.__dict__[k], b.__dict__[k], seen) for k in a.__dict__)


def _same_attr(a: Any, b: Any, seen: set) -> bool:
    if a is b:
        return True
    if isinstance(a, nn.Module) or isinstance(b, nn.Module):
        return isinstance(a, nn.Module) and isinstance(b, nn.Module) and same_module(a, b, seen)
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and type(a) is type(b)
                and a.shape == b.shape and a.dtype == b.dtype and a.requires_grad == b.requires_grad
                and same_values(a.detach(), b.detach()))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_attr(a[k], b[k], seen) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_attr(x, y, seen) for x, y in zip(a, b))
    if isinstance(a, (set, frozenset)):  # names (non-persistent buffers)
        return all(isinstance(x, str) for x in a) and a == b
    if isinstance(a, (bool, int, float, complex, str, bytes, type(None), torch.dtype, torch.device, torch.Size)):
        return a == b or (a != a and b != b)  # NaN equals NaN
    return False  # anything else (functions, handles, objects of unknown equality) is the same object or different


def kept_array(value: torch.Tensor, current: torch.Tensor | None) -> torch.Tensor:
    """A copy of ``value`` for the module's array ``current``: in its own dtype when both are floating."""
    same = current is None or (value.is_floating_point() and current.is_floating_point())
    return value.detach().clone() if same else value.detach().to(current.dtype)


def private_copy(module: nn.Module) -> nn.Module:
    """A TorchLayer's own copy of the module given; OptionError where it cannot be copied."""
    try:
        return copy.deepcopy(module)
    except Exception as exc:  # user code: a module holding something copy cannot copy
        raise OptionError(f"TorchLayer keeps a copy of its module, and copy.deepcopy of this {type(module).__name__} "
                          f"failed: {type(exc).__name__}: {str(exc)[:200]}", option="module", kind=VALUE_KIND,
                          expected="a module copy.deepcopy can copy", found=type(module).__name__) from None

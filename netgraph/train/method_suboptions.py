"""The checks on net_train's torch suboptions of ``method=`` (``netgraph.train.options.parse_method``): each value in
torch's range, a numpy number or 0-d tensor as its number (a numpy bool as a bool), and the combinations torch
refuses, or fails on at the first step, refused before training.

>>> import numpy as np
>>> options = {"momentum": torch.tensor(0.5), "nesterov": np.bool_(True)}
>>> check_suboptions("SGD", options, {}); options
{'momentum': 0.5, 'nesterov': True}
>>> check_suboptions("Adam", {"differentiable": True}, {})  # doctest: +ELLIPSIS
Traceback (most recent call last):
netgraph.core.errors.OptionError: method 'Adam' suboption differentiable must be False, found True: net_train ...
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.core.plain_numbers import plain_value

__all__ = ["check_suboptions"]

_NON_NEGATIVE = ("weight_decay",)
#: why eps (Adam's, AdamW's, RMSProp's: each divides by sqrt(v) + eps) must be > 0, not >= 0 as torch allows
_EPS_ZERO = (" (with 0, an array element whose gradient is still 0, a unit that never fired or a weight on an input "
             "that is always 0, steps by 0/0 and turns NaN)")
#: suboptions with a range: (low, high, high included); momentum >= 1 and RMSProp's alpha >= 1 never decay
_RANGES = {"momentum": (0.0, 1.0, False), "alpha": (0.0, 1.0, False), "dampening": (0.0, 1.0, True)}
_FLAGS = ("nesterov", "amsgrad", "maximize", "centered", "capturable", "differentiable", "decoupled_weight_decay")
#: why differentiable=True is refused: torch's step then works on the arrays in place inside autograd, which fails
_DIFFERENTIABLE = (": net_train steps its optimizer outside autograd (differentiable=True is for differentiating "
                   "through a step; torch fails on it, in place on the net's arrays, at the first step)")


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _plain(name: str, value: Any) -> Any:
    """``value`` with numpy and 0-d tensor numbers as Python's (``plain_value``); betas also as a numpy array or a
    tensor of two numbers, as torch takes them."""
    if name == "betas" and isinstance(value, torch.Tensor) and value.dim() == 1:
        value = list(value)
    return plain_value(value, arrays=name == "betas")


def check_suboptions(method: str, options: dict[str, Any], spelled: dict[str, str]) -> None:
    """OptionError naming the first torch suboption of ``method`` whose value torch would refuse (or fail on at the
    first step), ``spelled`` the user's spelling of each; ``options`` is left with plain numbers and bools."""
    def check(name: str, ok: bool, wanted: str, why: str = "") -> None:
        if not ok:
            detail = f"must be {wanted}, found {options[name]!r}{why}"
            raise OptionError(f"method {method!r} suboption {spelled.get(name, name) if name != 'betas' else name} "
                              f"{detail}", kind="method-suboption", option=name, found=options[name], detail=detail)
    for name, value in list(options.items()):
        options[name] = value = _plain(name, value)
        if name in _NON_NEGATIVE:
            check(name, _number(value) and value >= 0, "a number >= 0")
        elif name == "eps":
            zero = _number(value) and value == 0
            check(name, _number(value) and value > 0, "a number > 0", _EPS_ZERO if zero else "")
        elif name in _RANGES:
            low, high, closed = _RANGES[name]
            check(name, _number(value) and low <= value and (value <= high if closed else value < high),
                  f"a number in [{low:g}, {high:g}{']' if closed else ')'}")
        elif name in _FLAGS:
            check(name, isinstance(value, bool), "True or False")
            check(name, not (name == "differentiable" and value), "False", _DIFFERENTIABLE)
        elif name in ("foreach", "fused"):
            check(name, value is None or isinstance(value, bool), "True, False or None")
        elif name == "betas":
            check(name, isinstance(value, (tuple, list)) and len(value) == 2 and all(
                _number(b) and 0 <= b < 1 for b in value), "two numbers in [0, 1) (beta1, beta2)")
            options[name] = tuple(float(b) for b in value)
    _check_combinations(method, options)


def _check_combinations(method: str, options: dict[str, Any]) -> None:
    """OptionError for suboptions torch refuses together."""
    if options.get("nesterov") and (not options.get("momentum") or options.get("dampening", 0)):
        raise OptionError(f"method {method!r}: nesterov=True needs momentum > 0 and dampening 0, found momentum="
                          f"{options.get('momentum', 0)!r}, dampening={options.get('dampening', 0)!r}",
                          option="method", kind="option-combination", found=("nesterov", "momentum", "dampening"))
    if options.get("fused") and options.get("foreach"):
        raise OptionError(f"method {method!r}: give fused=True or foreach=True, not both (each picks torch's kernel "
                          f"for the step)", option="method", kind="option-combination", found=("fused", "foreach"))

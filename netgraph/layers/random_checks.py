"""The run-time checks of RandomArrayLayer's slot parameter values: the global setting (``compile(checks=...)`` sets
one compiled module's instead)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from netgraph.core.errors import DataError, OptionError
from netgraph.core.types import REAL
from netgraph.layers.dist_params import slot_name

__all__ = ["set_distribution_checks", "distribution_checks", "refuse_complex"]

_CHECKS: dict[str, Any] = {"enabled": "auto"}


def set_distribution_checks(enabled: bool | str) -> bool | str:
    """Choose the run-time checks of slot parameter values (scale > 0, p in [0, 1], no NaN, ...).

    * ``"auto"`` (default): every draw that goes through the layer's module (discrete, implicit
      and other draws) is checked, so a bad value is a DataError naming the layer and parameter,
      never an error from inside torch. Pathwise Normal and Uniform draws are written inline into
      the compiled forward (``mu + sigma * torch.randn_like(mu)``) and, like handwritten torch,
      are not checked: a negative sigma draws as |sigma| would; a NaN one gives NaN, which
      ``net_train`` reports naming the layer.
    * ``True``: check every draw (set it *before* ``compile()``, or use ``compile(checks=True)``;
      nothing is inlined). ``net(...)`` follows a changed setting at its next call.
    * ``False``: check nothing (a value torch refuses is still a DataError naming the layer).

    A check is one min/max pass and one host sync per call. Constant parameters are always checked
    when the distribution is built. Returns the previous setting.

    >>> previous = set_distribution_checks(True); set_distribution_checks(previous)
    True
    """
    if enabled not in (True, False, "auto"):
        raise OptionError(f"set_distribution_checks takes True, False or 'auto', found {enabled!r}",
                          kind="option-value", option="enabled", expected=[True, False, "auto"], found=enabled)
    previous, _CHECKS["enabled"] = _CHECKS["enabled"], enabled
    return previous


def distribution_checks() -> bool | str:
    """The current default of the distribution checks (see ``set_distribution_checks``)."""
    return _CHECKS["enabled"]


def refuse_complex(distribution: Any, inputs: Sequence[Any], where: Callable[[], str],
                   path: tuple[str, ...] | None) -> None:
    """DataError ("data-dtype") for the first complex slot input (``inputs`` in ``distribution.slots`` order): a real
    parameter would drop its imaginary part, torch only warning. A dtype check, made whatever the checks' setting."""
    for slot, x in zip(distribution.slots, inputs):
        if isinstance(x, torch.Tensor) and x.is_complex():
            name = next(n for n, v in zip(distribution.PARAMS, distribution.params)
                        if isinstance(v, str) and slot_name(v) == slot)
            raise DataError(f"{where()}: port {slot!r} feeds {type(distribution).__name__} parameter "
                            f"{distribution.role(name)}, which takes real numbers, but was given a complex tensor of "
                            f"dtype {x.dtype} (its imaginary part would be dropped); give real values, e.g. x.real or "
                            "x.abs()", kind="data-dtype", layer=path, port=slot, option=name, expected=REAL,
                            found=x.dtype)

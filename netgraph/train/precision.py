"""net_train's ``working_precision`` (Wolfram's WorkingPrecision): float32, float64, or mixed.

``"float32"`` / ``"float64"`` (Wolfram's ``"Real32"``, ``"Real64"``) train with that default dtype: arrays,
data and the compiled module are in it, and the trained net's arrays come back in it. ``"mixed"``
(``"Mixed"``) keeps the arrays and the optimizer in float32 and runs the forward under ``torch.autocast``
in bfloat16, on the CPU as on a GPU (bfloat16 has float32's range, so no loss scaling is needed); the
outputs are widened to float32 before the loss. None (the default) trains in ``torch.get_default_dtype()``.

>>> parse_working_precision("Real64"), parse_working_precision("Mixed")
(WorkingPrecision(dtype=torch.float64, mixed=False), WorkingPrecision(dtype=None, mixed=True))
>>> parse_working_precision("half")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: net_train option working_precision= is 'float32', 'float64' or 'mixed' (Wolfram's
    'Real32', 'Real64', 'Mixed'), found 'half'
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import torch

from netgraph.backend.eval_options import PRECISIONS, working_precision
from netgraph.core.errors import OptionError, did_you_mean

__all__ = ["WorkingPrecision", "parse_working_precision", "mixed_forward", "widened", "MIXED_DTYPE", "NAMES",
           "CHOICES"]

MIXED_DTYPE = torch.bfloat16  # the forward's dtype under "mixed"
#: working_precision's names as listed -> dtype, or "mixed"; evaluation's precision names and Wolfram's too
NAMES: dict[str, Any] = {**PRECISIONS, "mixed": "mixed", "Mixed": "mixed"}
CHOICES = ("float32", "float64", "mixed")  # the names messages offer


@dataclasses.dataclass(frozen=True)
class WorkingPrecision:
    """``dtype``: the default dtype to train in (None: as it is); ``mixed``: bfloat16 autocast forwards."""

    dtype: torch.dtype | None = None
    mixed: bool = False

    @contextlib.contextmanager
    def training(self) -> Iterator[None]:
        """The whole training call: ``torch.get_default_dtype()`` is ``dtype`` inside, restored after."""
        if self.dtype is None:
            yield
            return
        with working_precision(self.dtype, exclusive=False):
            yield

    def check_device(self, device: torch.device) -> None:
        """OptionError when ``mixed`` is asked for on a GPU without bfloat16."""
        if self.mixed and device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise OptionError(f"working_precision='mixed' runs the forward in bfloat16, which this GPU "
                              f"({torch.cuda.get_device_name(device)}) does not support; train in 'float32'",
                              option="working_precision", kind="option-combination", expected="a GPU with bfloat16",
                              found=torch.cuda.get_device_name(device))


def parse_working_precision(value: Any) -> WorkingPrecision:
    """None, 'float32'/'Real32', 'float64'/'Real64', 'mixed'/'Mixed', or torch.float32/torch.float64."""
    if value is None:
        return WorkingPrecision()
    if value in (torch.float32, torch.float64):
        return WorkingPrecision(value)
    found = NAMES.get(value) if isinstance(value, str) else None
    if found is None:
        hint = did_you_mean(value, NAMES) if isinstance(value, str) else ""
        raise OptionError(f"net_train option working_precision= is 'float32', 'float64' or 'mixed' (Wolfram's "
                          f"'Real32', 'Real64', 'Mixed'), found {value!r}{hint}", option="working_precision",
                          kind="option-value", expected=CHOICES, found=value)
    return WorkingPrecision(mixed=True) if found == "mixed" else WorkingPrecision(found)


def mixed_forward(device: torch.device) -> Any:
    """The context a mixed forward runs in: autocast to bfloat16 on ``device``'s type."""
    return torch.autocast(device.type, dtype=MIXED_DTYPE)


def widened(outputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A mixed forward's outputs with bfloat16 ones in float32 (the loss and metrics read float32)."""
    return {k: v.float() if isinstance(v, torch.Tensor) and v.dtype == MIXED_DTYPE else v for k, v in outputs.items()}

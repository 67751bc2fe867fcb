"""One forward of a batch and one measuring pass over data (no steps): what net_train's training steps and
validation and net_measurements share, so a loss or metric on the same data is computed the same way."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch

from netgraph.train.loader_random import pass_ended_on_error
from netgraph.train.precision import mixed_forward, widened
from netgraph.train.walk import run_model

__all__ = ["forward_batch", "measuring_pass"]


def forward_batch(model: torch.nn.Module, net: Any, keys: tuple[str, ...], batch: dict, n: int,
                  examples: list[int] | None, where: Callable[[], tuple[str, bool]] | None,
                  mixed: torch.device | None = None,
                  given: Callable[[str, int], Any] | None = None) -> dict[str, torch.Tensor]:
    """``model``'s outputs by port on ``batch`` (its ``keys``: the inputs and the lengths of padded ones); ``where``:
    as ``run_model`` takes it; ``mixed``: the device whose bfloat16 autocast the forward runs under (outputs widened
    to float32), None: none; ``given``: the data's examples as given, as ``run_model`` takes them."""
    inputs = {p: batch[p] for p in keys if p in batch}
    if mixed is not None:
        with mixed_forward(mixed):
            out = run_model(model, inputs, n, where, examples, net, given)
        return widened(out if isinstance(out, dict) else {net.output_ports[0]: out})
    out = run_model(model, inputs, n, where, examples, net, given)
    return out if isinstance(out, dict) else {net.output_ports[0]: out}


def measuring_pass(batches: Iterable, forward: Callable[[dict, int, list[int] | None], dict], loss: Any,
                   meter: Any, split: str, nonfinite: list | None = None,
                   where: Callable[[], str] | None = None) -> tuple[float, int]:
    """(the sum of the loss over ``batches``' examples, their count), each batch's mean loss weighted by its
    examples, and ``meter`` (None: none) updated on ``split``; batches as ``InMemory.batches`` gives them, a
    stand-in (counting 0) skipped; the first batch whose loss is not finite, as (batch, n, examples), appended to
    ``nonfinite`` where given; ``where``: as the loss takes it. The caller sets eval mode and ``torch.no_grad``."""
    total, count, batches = 0.0, 0, iter(batches)
    with pass_ended_on_error(None, batches):  # a forward's or loss's error ends a loader's workers as it leaves
        for batch, weight, _, examples in batches:
            if not weight:  # a stand-in example: this process has none of a small last batch
                continue
            n = next(iter(batch.values())).shape[0]
            outputs = forward(batch, n, examples)
            value = float(loss(outputs, batch, n, where)[1])  # one read of the loss (a host sync on a GPU)
            total, count = total + value * n, count + n
            if nonfinite == [] and not math.isfinite(value):
                nonfinite.append((batch, n, examples))
            if meter is not None:
                meter.update(split, outputs, batch)
    return total, count

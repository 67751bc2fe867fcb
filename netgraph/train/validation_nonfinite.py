"""A validation loss that goes NaN or infinite: training goes on (a validation pass changes no weight, and a NaN
round is never the best: no loss improves on NaN), with one ``NonfiniteValidationLoss`` warning a run (not one a
process of a distributed run) naming the first layer whose output went non-finite and the example, as the
``TrainingError`` of a non-finite training loss does (``nonfinite_cause``)."""

from __future__ import annotations

import warnings
from typing import Any

from netgraph.core.user_frame import user_stacklevel

__all__ = ["NonfiniteValidationLoss", "nonfinite_flags", "warn_nonfinite_validation"]


class NonfiniteValidationLoss(UserWarning):
    """The validation loss went non-finite: ``layer`` and ``port`` of the first layer output that did (None where
    none did: the data or the loss itself), ``example`` the first such example (its index in the data given)."""

    def __init__(self, message: str, layer: tuple | None = None, port: str | None = None,
                 example: int | None = None) -> None:
        super().__init__(message)
        self.layer, self.port, self.example = layer, port, example


def nonfinite_flags(loop: Any, nonfinite: list) -> list[float]:
    """This process's part of the sums that say which processes' validation pass had a non-finite batch: one entry
    a process, 1.0 at its own rank where ``nonfinite`` has a batch and the run has not warned yet. Every process
    adds as many (to the validation pass's sums: no collective of its own)."""
    flags = [0.0] * loop.ctx.world
    if nonfinite and not getattr(loop, "warned_nonfinite_validation", False):
        flags[loop.ctx.rank] = 1.0
    return flags


def warn_nonfinite_validation(loop: Any, nonfinite: list, flags: list[float]) -> None:
    """Warn of the first validation batch in ``nonfinite`` (``measuring_pass``'s: (batch, n, examples)), once a
    run: in a distributed run, by the first process whose share had one (each warned of its own); every process
    calls it after each validation pass with ``flags``, the sums over all processes of ``nonfinite_flags`` (the
    same on each; all 0 once the run has warned). The loop's module is in eval mode, as the pass ran it."""
    if not any(flags):
        return
    loop.warned_nonfinite_validation = True  # on every process: none warns again
    if next(rank for rank, flag in enumerate(flags) if flag) != loop.ctx.rank:
        return
    batch, n, examples = nonfinite[0]
    msg, _, place, example, _ = loop.nonfinite_cause(batch, n, examples)  # as the pass ran it: mixed precision or not
    warnings.warn(NonfiniteValidationLoss(
        f"the validation loss after round {loop.state.rounds + 1} is not finite; {msg}. Training goes on (rounds whose "
        f"validation loss is NaN are never the best); this is said once a run",
        layer=place and tuple(place[0]), port=place and place[1], example=example), stacklevel=user_stacklevel())

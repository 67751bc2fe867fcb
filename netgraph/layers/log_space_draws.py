"""Draws computed in log space.

A distribution whose float32 draws underflow to 0 (a Dirichlet's at small α: at α = 0.01 most coordinates) draws
their logarithm (``rsample_log``) and scores that (``log_prob_log``). Its draw is the exponential raised to the dtype's
smallest normal number (as torch clamps its Dirichlet draws), never 0; a log-density taken together with the draw (a
RandomArrayLayer's LogProbability, a Monte Carlo KL) comes from the log, exact in value and gradient where the
clamped draw's would not be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from netgraph.layers.dist_base import Distribution
from netgraph.layers.dist_tensors import tiny_of

__all__ = ["LogSpaceDraws", "from_log", "scored_draw", "drawn_with_log", "log_prob_of_draw", "detached_draw",
           "own_log_prob"]


class LogSpaceDraws(Distribution, register=False):
    """A distribution that draws in log space (subclasses implement ``rsample_log`` and ``_log_prob_log``)."""

    def rsample_log(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        """The log of a draw of ``shape``, with ``rsample``'s gradients."""
        raise NotImplementedError

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        return from_log(self.rsample_log(params, shape))

    def log_prob_log(self, log_x: torch.Tensor, params: Sequence[Any] = ()) -> torch.Tensor:
        """``log_prob`` of the draw whose log is ``log_x``, under ``params`` as ``log_prob`` takes them."""
        return self._log_prob_log(log_x, self._values("log_prob", tuple(params)))

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        return self._log_prob_log(x.clamp(min=tiny_of(x)).log(), params)  # a coordinate at 0: finite

    def _log_prob_log(self, log_x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """``_log_prob`` of the draw whose log is ``log_x``, with every parameter's value (subclasses)."""
        raise NotImplementedError


def from_log(log_x: torch.Tensor) -> torch.Tensor:
    """The draw whose log is ``log_x``: its exponential, at least the dtype's smallest normal number."""
    return log_x.exp().clamp(min=tiny_of(log_x))


def scored_draw(dist: Distribution, params: Sequence[Any], shape: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    """A draw of ``shape`` and its log-density (``draw_log_prob``), a log-space draw's taken from its log."""
    x, log_x = drawn_with_log(dist, params, shape)
    return x, own_log_prob(dist, x, params, log_x)


def drawn_with_log(dist: Distribution, params: Sequence[Any],
                   shape: tuple) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A draw of ``shape`` and, where ``dist`` draws in log space, its log (else None)."""
    if isinstance(dist, LogSpaceDraws):
        log_x = dist.rsample_log(params, shape)
        return from_log(log_x), log_x
    return dist.rsample(params, shape), None


def log_prob_of_draw(dist: Distribution, x: torch.Tensor, params: Sequence[Any],
                     log_x: torch.Tensor | None) -> torch.Tensor:
    """``dist.log_prob(x, params)``, taken from ``log_x`` (the log of x, or None) where ``dist`` draws in log space."""
    if log_x is not None and isinstance(dist, LogSpaceDraws):
        return dist.log_prob_log(log_x, params)
    return dist.log_prob(x, params)


def detached_draw(dist: Distribution, params: Sequence[Any], shape: tuple) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A draw of ``shape`` without gradient and, where ``dist`` draws in log space, its log (else None): what a
    score-function draw is scored by (``own_log_prob``), the clamped draw's log-density being biased at small α."""
    with torch.no_grad():
        return drawn_with_log(dist, params, shape)


def own_log_prob(dist: Distribution, x: torch.Tensor, params: Sequence[Any],
                 log_x: torch.Tensor | None) -> torch.Tensor:
    """``dist.draw_log_prob(x, params)`` of its own draw ``x``, taken from ``log_x`` (``detached_draw``) where given."""
    return dist.draw_log_prob(x, params) if log_x is None else dist.log_prob_log(log_x, params)

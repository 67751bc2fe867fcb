"""Draws computed in log space.

A distribution whose float32 draws underflow to 0 (a Dirichlet's at small α: at α = 0.01 most coordinates) draws
their logarithm (``rsample_log``) and scores that (``log_prob_log``). Its draw is the exponential raised to the dtype's
smallest normal number (as torch clamps its Dirichlet draws), never 0; a log-density taken together with the draw (a
RandomArrayLayer's LogProbability, a Monte Carlo KL) comes from the log, exact in value and gradient where the
clamped draw's would not be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from netgraph.core.tracing import no_values
from netgraph.layers.dist_base import Distribution
from netgraph.layers.dist_special import SADDLE_FROM, below_saddle
from netgraph.layers.dist_tensors import full, is_tensor, log_standard_gamma, safe_exp, tensors, tiny_of

__all__ = ["LogSpaceDraws", "GammaTransformDraws", "from_log", "scored_draw", "drawn_with_log", "log_prob_of_draw",
           "detached_draw", "own_log_prob"]


class LogSpaceDraws(Distribution, register=False):
    """A distribution that draws in log space (subclasses implement ``rsample_log`` and ``_log_prob_log``)."""

    def rsample_log(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        """The log of a draw of ``shape``, with ``rsample``'s gradients."""
        raise NotImplementedError

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        return self.draw_of_log(self.rsample_log(params, shape))

    def draw_of_log(self, log_x: torch.Tensor) -> torch.Tensor:
        """The draw whose log is ``log_x`` (``from_log``)."""
        return from_log(log_x)

    def log_prob_log(self, log_x: torch.Tensor, params: Sequence[Any] = ()) -> torch.Tensor:
        """``log_prob`` of the draw whose log is ``log_x``, under ``params`` as ``log_prob`` takes them."""
        return self._log_prob_log(log_x, self._values("log_prob", tuple(params)))

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        return self._log_prob_log(x.clamp(min=tiny_of(x)).log(), params)  # a coordinate at 0: finite

    def _log_prob_log(self, log_x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """``_log_prob`` of the draw whose log is ``log_x``, with every parameter's value (subclasses)."""
        raise NotImplementedError


class GammaTransformDraws(LogSpaceDraws, register=False):
    """x = c·G^(1/k), G ~ Gamma(α, 1), at location 0, drawn and scored in log space (``_gamma_transform`` gives
    α, k, log c): log x = log c + (log G)/k, and log p(x) = log k + α log G − G − lgamma(α) − log x, from log x
    alone (a draw below the smallest normal number too: float32 at α = 0.02, the clamped draw's density was biased);
    where a shape reaches the saddle point's (``below_saddle``), ``_log_prob`` where x is normal."""

    POWER = True  # x = c·G^(1/k) everywhere (LogGamma's x = e^(cG) − 1 is it only where x is tiny)

    def _gamma_transform(self, params: Sequence[Any]) -> tuple[Any, Any, Any]:
        raise NotImplementedError

    def rsample_log(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        alpha, k, log_c = self._gamma_transform(params)
        return log_c + log_standard_gamma(full(alpha, shape, params)) / k

    def draw_of_log(self, log_x: torch.Tensor) -> torch.Tensor:
        return safe_exp(log_x)  # as ``rsample`` draws: a shade above the smallest normal, never 0 or inf

    def _log_prob_log(self, log_x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """From log x alone where the shape is below the saddle point's and x is a power of G; else ``_log_prob``
        (Loader's form above the saddle point) where x is a normal number. Eager calls skip the rest where every
        shape is below it (``below_saddle``) or, x not a power of G, every draw is a normal number; traced ones
        select, the same values."""
        values = tensors(params, log_x)
        alpha, k, log_c = self._gamma_transform(values)
        direct = self._from_log_g(alpha, k, (log_x - log_c) * k, log_x) if self.POWER else None
        if direct is not None and below_saddle(alpha):
            return direct
        normal = (x := log_x.exp()) >= tiny_of(log_x)
        if direct is None and not no_values(log_x) and bool(normal.all()):  # eager, no tiny draw: the exact form
            return self._log_prob(x, values)
        exact = self._log_prob(torch.where(normal, log_x, 0.0).exp(), values)  # stand-ins: finite where unused
        log_g = (torch.where(normal, 0.0, log_x) - log_c) * k
        combined = torch.where(normal, exact, self._from_log_g(alpha, k, log_g, log_x))
        return combined if direct is None else torch.where(alpha - 1 >= SADDLE_FROM, combined, direct)

    @staticmethod
    def _from_log_g(alpha: torch.Tensor, k: Any, log_g: torch.Tensor, log_x: torch.Tensor) -> torch.Tensor:
        """log p(x) = log k + α log G − G − lgamma(α) − log x."""
        log_k = k.log() if is_tensor(k) else math.log(k)
        return log_k + alpha * log_g - log_g.exp() - torch.lgamma(alpha) - log_x


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
        return dist.draw_of_log(log_x), log_x
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

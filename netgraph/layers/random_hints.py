"""What a wiring error says to do with a RandomArrayLayer's draws wired into a port of the other dtype: class indices
(Integer) into a Real port, one-hot vectors or whole numbers (Real) into an Integer port."""

from __future__ import annotations

from netgraph.core.types import REAL
from netgraph.layers.distributions import Distribution
from netgraph.layers.dist_vector import VectorDistribution

__all__ = ["draw_dtype_hint"]


def draw_dtype_hint(dist: Distribution, estimator: str | None, dtype: str | None) -> str | None:
    """How to convert the draws of ``dist`` (of ``dtype``, by ``estimator``) for a port of the other dtype; None for
    continuous draws (Real values: no index to make of them)."""
    name = type(dist).__name__
    if not dist.discrete:
        return None
    if not isinstance(dist, VectorDistribution):
        return (f"{name} draws whole numbers as Real values (counts, not class indices); for an Integer port convert "
                "them, e.g. with a TorchLayer whose module returns x.long(), outputs={'Output': PortType(shape, "
                "'Integer')}")
    if dtype == REAL:
        return (f"{name} with estimator={estimator!r} draws one-hot vectors (Real); estimator='score_function' draws "
                "class indices (Integer) for an Integer port")
    k = dist.event_size(dist.params) if not dist.slots else "k"
    return (f"{name} draws class indices (Integer); for a Real port draw one-hot vectors, output (..., {k}), with "
            f"estimator='straight_through' or 'relaxed' (gradients then reach p), or embed the indices with "
            f"EmbeddingLayer(size, {k})")

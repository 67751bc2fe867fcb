"""How a random layer's draw appears in a graph traced by ``torch.fx.symbolic_trace``.

Most draws trace op by op. A draw whose output depends on whether a parameter requires grad when it runs (fx's
proxies do not know) is one call in fx's graph instead, made on the layer's module (which the graph keeps as a
submodule) when the graph runs.
"""

from __future__ import annotations

from typing import Any

import torch

from netgraph.layers.dist_limits import range_dtype

__all__ = ["DETACHED", "traced_draw"]

#: Estimators whose draw is detached and whose output depends on whether a parameter requires grad: the score function
#: records log p for ``surrogate_loss`` (a Python side effect, which no node of fx's graph holds), straight-through
#: adds the mean's gradient.
DETACHED = ("score_function", "straight_through")


def traced_draw(module: torch.nn.Module, params: list[Any], shape: tuple) -> Any:
    """``module.drawn(params, shape)`` as one call in the graph fx records (called while fx traces)."""
    return _drawn(module, params, shape)  # through this module's globals, which fx patches


@torch.fx.wrap
def _drawn(module: torch.nn.Module, params: list[Any], shape: tuple) -> Any:
    return module.drawn(params, shape)


def traced_refusal(module: torch.nn.Module, dtype: Any, label: str | None = None,
                   path: tuple[str, ...] | None = None) -> None:
    """``module.refuse_unfit`` as one call in the graph fx records, made when the graph runs (its dtype is known
    only then); ``dtype`` a traced dtype or the draw's parameters (their ``range_dtype``)."""
    _refuse_unfit(module, dtype, label, path)


@torch.fx.wrap
def _refuse_unfit(module: torch.nn.Module, dtype: Any, label: str | None, path: tuple[str, ...] | None) -> None:
    module.refuse_unfit(range_dtype(dtype) if isinstance(dtype, (list, tuple)) else dtype, label, path)

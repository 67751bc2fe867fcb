"""How a random layer's draw appears in a graph traced by ``torch.fx.symbolic_trace``.

Most draws trace op by op. A draw whose output depends on whether a parameter requires grad when it runs (fx's
proxies do not know) is one call in fx's graph instead, made on the layer's module (which the graph keeps as a
submodule) when the graph runs.
"""

from __future__ import annotations

from typing import Any

import torch

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

"""The batch of a net without inputs under ``torch.fx.symbolic_trace``.

Such a forward takes ``batch_size=None`` (one unbatched draw) and sizes its draws by a number. fx computes a step
that reads no traced value once, while tracing, and keeps its result as a constant: a draw sized by the number 1
would return one sample on every call of the graph. So under fx the size is a value of the graph (1 when it runs),
and every draw sized by it is a step of the graph, drawn anew at each call. Given a concrete batch size
(``concrete_args``), fx gives the forward no such value: a net that draws is refused then, naming the layer.
"""

from __future__ import annotations

from typing import Any

import torch

from netgraph.backend.batch_sizes import checked_batch_size
from netgraph.core.errors import OptionError
from netgraph.layers.kl_divergence import KLDivergenceLayer
from netgraph.layers.normalization import DropoutLayer
from netgraph.layers.random import RandomArrayLayer

__all__ = ["drawing_layers", "traced_batch_size"]

#: a drawing layer as the forward's code names it: (description, path, whether it draws in eval mode too)
Drawing = tuple[str, tuple[str, ...], bool]


def drawing_layers(net: Any) -> tuple[Drawing, ...]:
    """The layers of ``net`` (a net without inputs, so without operators) that draw."""
    return tuple((net.describe((node.path, None)), node.path, in_eval) for node in net.ir.nodes
                 if (in_eval := _draws_in_eval(node.layer)) is not None)


def _draws_in_eval(layer: Any) -> bool | None:
    """Whether ``layer`` draws in eval mode too (it draws in training mode), or None where it never draws."""
    if isinstance(layer, RandomArrayLayer):
        return layer.eval_mode != "mean"
    if isinstance(layer, KLDivergenceLayer):
        return None if layer.resolved_method == "closed_form" else True
    return False if isinstance(layer, DropoutLayer) else None


def traced_batch_size(value: Any, bound: int, module: Any, drawing: tuple[Drawing, ...] = ()) -> tuple[Any, Any]:
    """``(batch_size, size)`` under fx. Its proxy (none given in ``concrete_args``) becomes None, one unbatched draw
    of a size read when the graph runs (which checks then that it is given no batch size); a concrete value stays,
    its size checked as in an eager call (``bound``: ``largest_batch``), unless one of ``drawing`` draws."""
    if isinstance(value, torch.fx.Proxy):
        return None, _unbatched_size(value)
    if drawn := [(text, path) for text, path, in_eval in drawing if in_eval or module.training]:
        text, path = drawn[0]
        raise OptionError(f"{text} draws, and a net without inputs traced by torch.fx with a concrete batch_size "
                          f"({value!r}, from concrete_args) would draw once, while tracing, and return that sample "
                          "on every call: trace it without concrete_args (one unbatched draw, drawn anew at each "
                          "call), or draw batches with torch.export.export(module, (), {'batch_size': n})",
                          option="concrete_args", layer=path, found=value, kind="option-combination")
    return value, 1 if value is None else checked_batch_size(value, bound, module)


@torch.fx.wrap  # a call in fx's graph: the batch size is read when the graph runs, the size is a value of the graph
def _unbatched_size(value: Any) -> int:
    if value is not None:
        raise OptionError(f"batch_size: a net without inputs traced by torch.fx without concrete_args draws one "
                          f"unbatched example and takes no batch_size, found {value!r}", option="batch_size",
                          kind="option-combination", found=value)
    return 1

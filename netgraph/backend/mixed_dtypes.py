"""The layer a compiled module whose arrays are of more than one dtype (``module._modules["3"].double()``) fails at:
the first whose real input reaches it in another dtype than its arrays'. Read once the forward failed (no cost on a
good call), by walking the layers' dtypes, not their values: nothing runs again.

>>> import torch
>>> from netgraph import LinearLayer, NetChain, net_initialize
>>> m = net_initialize(NetChain([LinearLayer(4), "Tanh", LinearLayer(2)], input=3), seed=0).compile()
>>> m._modules["3"].double() and mixed_dtype_problem(m.net, m, {"Input": torch.float32}).layer
('3',)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import torch

from netgraph.backend.tied_arrays import submodule
from netgraph.core.errors import Diagnostic
from netgraph.core.ir import Node
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.types import INTEGER
from netgraph.core.walk import GraphWalker

__all__ = ["mixed_dtype_problem", "floating_dtypes"]


def floating_dtypes(module: torch.nn.Module) -> set[torch.dtype]:
    """The dtypes of ``module``'s floating parameters and buffers."""
    return {t.dtype for t in chain(module.parameters(), module.buffers()) if t.is_floating_point()}


def mixed_dtype_problem(net: Any, module: torch.nn.Module, given: Mapping[str, Any]) -> Diagnostic | None:
    """The "data-dtype" Diagnostic naming the first layer of compiled ``module`` whose real input's dtype differs from
    its arrays' one dtype, its port, the arrays' dtype expected and the input's found; None unless the module's arrays
    are of several dtypes or where none differs. ``given``: the net's inputs by port, tensors or dtypes."""
    if len(floating_dtypes(module)) < 2:
        return None
    walker = _DtypeWalker(net, module)
    try:
        walker.run({p: x.dtype if isinstance(x, torch.Tensor) else x for p, x in given.items()})
    except _Found as found:
        return found.problem
    return None


class _Found(Exception):
    def __init__(self, problem: Diagnostic):
        super().__init__(problem.message)
        self.problem = problem


class _DtypeWalker(GraphWalker):
    """Walks the dtype of each real value (None: an integer, or not known): a layer with arrays of one dtype gives it,
    another its first real input's."""

    def __init__(self, net: Any, module: torch.nn.Module):
        super().__init__(net)
        self.module = module

    def visit_node(self, node: Node, inputs: Sequence[Any]) -> Sequence[Any]:
        own = floating_dtypes(submodule(self.module, node.path))
        real = [(p, d) for p, d in zip(node.input_ports, inputs) if isinstance(d, torch.dtype) and d.is_floating_point]
        if len(own) == 1 and (wrong := next(((p, d) for p, d in real if d not in own), None)):
            raise _Found(_problem(node.path, *wrong, next(iter(own))))
        out = next(iter(own)) if len(own) == 1 else real[0][1] if real else None
        return tuple(None if getattr(node.types.get(p), "dtype", None) == INTEGER else out for p in node.output_ports)


def _problem(path: tuple[str, ...], port: str, found: torch.dtype, expected: torch.dtype) -> Diagnostic:
    return Diagnostic(f"layer {quoted(shown_path(path))}: input port {quoted(port)} gets dtype {found}, but the "
                      f"layer's arrays are {expected} (the compiled module's arrays differ in dtype); cast the module "
                      f"to one dtype: module.to({expected}) or module.to({found})", "data-dtype", layer=path,
                      port=port, expected=expected, found=found)

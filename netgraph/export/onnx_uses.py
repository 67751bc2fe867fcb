"""Which nodes read a tensor: the walks a pattern takes to check that the nodes it replaces are read by nothing
else."""

from __future__ import annotations

from typing import Any

from netgraph.export.onnx_ops import Context

__all__ = ["single_use_producer", "sole_use", "sole_use_as_input_0", "uses_besides"]


def uses_besides(tensor: str, ctx: Context, ignoring: tuple[str, ...] = ()) -> list[tuple[Any, int]] | None:
    """(the node, its input index) of each use of ``tensor``, ops in ``ignoring`` aside; None where ``tensor`` is a
    graph output (something outside the graph reads it too)."""
    if tensor in ctx.graph_outputs:
        return None
    return [(c, i) for c, i in ctx.consumers.get(tensor, ()) if c.op_type not in ignoring]


def sole_use(tensor: str, ctx: Context, ignoring: tuple[str, ...] = ()) -> tuple[Any, int] | None:
    """(the node, its input index) of ``tensor``'s one use, ops in ``ignoring`` aside; else (or an output) None."""
    uses = uses_besides(tensor, ctx, ignoring)
    return uses[0] if uses is not None and len(uses) == 1 else None


def sole_use_as_input_0(tensor: str, ctx: Context, op: str, ignoring: tuple[str, ...] = ()) -> Any:
    """The one node using ``tensor`` (``sole_use``) where it is an ``op`` and ``tensor`` its input 0; else None."""
    use = sole_use(tensor, ctx, ignoring)
    return use[0] if use is not None and use[0].op_type == op and use[1] == 0 else None


def single_use_producer(tensor: str, ctx: Context, op: str) -> Any:
    """The node computing ``tensor`` where it is an ``op`` and ``tensor`` has no other use; else None."""
    node = ctx.producers.get(tensor)
    return node if node is not None and node.op_type == op and sole_use(tensor, ctx) else None

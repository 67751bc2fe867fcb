"""Chains of ONNX nodes that one of our layers replaces (GroupNorm's, LRN's window, positions), matched before the
nodes are converted one by one.

>>> class Node:
...     def __init__(self, op_type): self.op_type, self.name = op_type, ""
>>> a, b = Node("Range"), Node("Add")
>>> found, claimed = chain_patterns([a, b], None, "Range", lambda node, ctx: ([b, node], "layer", "x"))
>>> found[id(a)].layer, claimed == {id(b)}
('layer', True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from netgraph.export.onnx_ops import Context, Converted

__all__ = ["chain_name", "chain_patterns", "Matched", "NOT_THE_PATTERN"]

#: What a matcher raises on a node that is malformed or not the pattern (its own conversion then says why)
NOT_THE_PATTERN = (ValueError, TypeError, KeyError, IndexError)


@dataclasses.dataclass
class Matched(Converted):
    """A chain's layer; ``scope``: the module scope all its nodes' names share (torch's ``/norm/Reshape``: "norm"),
    or None. In ``export_onnx``'s file it names the imported layer (the exported layer's name); elsewhere the
    chain's last node does, or, where the nodes share no scope (written inline, as a compiled forward writes a
    norm) and it has a bare TorchScript name, ``kind``, where the finder gives one ("normalization")."""
    scope: str | None = None
    kind: str | None = None


def chain_name(converted: Converted, netgraph_file: bool, own: str) -> str:
    """The name of a ``Matched`` chain's imported layer (see there), ``own`` (its last node's, ``layer_name``) for
    another layer, or where nothing better is known; ``kind`` only replaces a bare TorchScript name (``/Add_1``).

    >>> chain_name(Matched("layer", ("x",), kind="normalization"), True, "/Add_1")
    'normalization'
    """
    if not isinstance(converted, Matched):
        return own
    if converted.scope is not None:
        return converted.scope if netgraph_file else own
    return converted.kind if converted.kind and own.startswith("/") and own.count("/") == 1 else own


def shared_scope(nodes: list) -> str | None:
    """The module scope all ``nodes``' names share, its levels joined by "_" (``/norm/Add``: "norm"; a nested one,
    ``/a/b/Op``, "a_b", though export_onnx flattens nested chains to ``/norm``, ``/norm_1``); None where they share
    none or a name is no such path."""
    scopes = {node.name.rpartition("/")[0] for node in nodes}
    scope = scopes.pop() if len(scopes) == 1 and all(n.name.startswith("/") for n in nodes) else ""
    return "_".join(filter(None, scope.split("/"))) or None


def chain_patterns(nodes: Any, ctx: Context | None, op_type: str,
                   match: Callable[[Any, Any], tuple[list, Any, str] | None],
                   not_matched: tuple[type[Exception], ...] = NOT_THE_PATTERN,
                   kind: str | None = None) -> tuple[dict[int, Converted], set[int]]:
    """The last node of each chain ``match`` finds from a node of ``op_type`` (by ``id``) -> its layer fed by x,
    and the ids of the nodes it takes the place of. ``match(node, ctx)`` gives (the chain's nodes, the layer, x)
    or None (x a tuple of tensors for a layer of several inputs); a chain that does not match (or raises one of
    ``not_matched``) is left to the nodes' own conversions.
    ``kind``: the layer's name where the chain's nodes share no scope (``Matched``)."""
    found: dict[int, Converted] = {}
    claimed: set[int] = set()
    for node in nodes:
        if node.op_type != op_type:
            continue
        try:
            matched = match(node, ctx)
        except not_matched:
            continue
        if matched is not None:
            taken, layer, x = matched
            inputs = x if isinstance(x, tuple) else (x,)
            found[id(taken[-1])] = Matched(layer, inputs, scope=shared_scope(taken), kind=kind)
            claimed.update(id(n) for n in taken[:-1])
    return found, claimed

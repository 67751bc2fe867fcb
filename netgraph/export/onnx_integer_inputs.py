"""The refusal of an integer graph input that a comparison reads but that must stay an Integer port. Our comparisons
are FunctionLayers on reals, so an integer input that is only compared becomes a Real port where float32 gives the
same answers (``onnx_names.port_dtype``). One that stays Integer, because it is also used as integers (an index:
``emb(idx) * (idx > 0)``) or compared with an integer float32 would round (``x == 16777217``), cannot feed them: a
port is Integer or Real, not both. Nor can it feed a layer through a Cast to float (a no-op on our real data:
``idx.float() > 0``, ``emb(idx) * idx.float().unsqueeze(-1)``), nor feed arithmetic (our layers on reals:
``emb(idx) * (idx + 1 > 1)``, ``(idx + 1).float()``). That is one SpecError naming the input and the nodes,
not a ShapeError between our layers; except where the comparison or Cast is a lookup in a table of the index's
values (``onnx_lookups``: the input indexes a constant table, so its values are known), which reads no reals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from typing import Any

from netgraph.core.errors import Diagnostic, SpecError, raise_all
from netgraph.layers import NetMapOperator
from netgraph.core.ports import NetPort
from netgraph.core.types import INTEGER, PortType
from netgraph.export.onnx_casts import moves_values
from netgraph.export.onnx_names import ARITHMETIC, COMPARISONS, FLOAT_CASTS

__all__ = ["kept_integer", "refuse_compared_integers"]

_HINT = ("give the comparison's result or the float values to the model as an input of its own (a mask, e.g. "
         "(idx > 0).float(), or idx.float(), computed before the call)")
_INDEX_HINT = ("give the computed indices to the model as its integer input instead (e.g. 9 - idx, computed before "
               "the call, for emb(9 - idx))")
#: ops reading indices, with the input slot they read them from: integer arithmetic feeding one computes an index
_INDEXED = {"Gather": 1, "GatherElements": 1, "GatherND": 1, "OneHot": 0}


def kept_integer(port: str, edges: list[tuple], layers: Mapping[str, Any], integer: bool) -> str | None:
    """INTEGER where the ``integer`` graph input ``port`` feeds a layer's Integer port itself (a folded
    ``ContrastiveLossLayer``'s Target: the comparison that made it Real is in that layer; mapped over the dims torch
    merged with the batch too); else None."""
    source = NetPort(port)
    fed = [_declared_dtype(layers[edge[1].layer], edge[1].port) for edge in edges if edge[0] == source]
    return INTEGER if integer and INTEGER in fed else None


def _declared_dtype(layer: Any, port: str) -> str | None:
    """The dtype ``layer`` declares for ``port``; of a NetMapOperator (which declares none), its inner net's."""
    while isinstance(layer, NetMapOperator):
        layer = layer.net
    return layer.declared_types()[port].dtype


def refuse_compared_integers(ports: Mapping[str, str], types: Mapping[str, PortType], consumers: Mapping[str, list],
                             computed: Callable[[Any], bool], where: str, looked_up: Set[str] = frozenset()) -> None:
    """SpecError (kind ``"integer-input-compared"``) naming each graph input (``ports``: ONNX name -> port, of
    ``types``) that is an Integer port whose values a comparison or arithmetic reads, or a layer reads after a Cast
    to float (``idx.float() > 0``, ``idx.float().unsqueeze(-1)``), directly or after ops moving them, where that reader became
    a layer (``computed(node)``; a pattern's comparison, a cross-entropy's ignored index, is none); a comparison or
    Cast whose output is ``looked_up`` (``onnx_lookups``: a table of the index's values) is no such use."""
    problems = []
    for onnx_name, port in ports.items():
        if port not in types or types[port].dtype != INTEGER:
            continue
        real, other = _uses(onnx_name, consumers, computed, looked_up)
        if real:
            direct = [(node, cast) for node, cast in real if cast is None]
            node, cast = (real if other else direct or real)[0]
            hint = _INDEX_HINT if cast is None and _feeds_an_index(node.output[0], consumers) else _HINT
            problems.append(_problem(port, onnx_name, node, cast, other[0] if other else None, hint))
    raise_all(problems, SpecError, f"{where}: cannot import an integer input that is compared or read as reals")


def _uses(tensor: str, consumers: Mapping[str, list], computed: Callable[[Any], bool], looked_up: Set[str],
          cast: Any = None, depth: int = 0) -> tuple[list, list]:
    """The nodes reading ``tensor``'s values as reals, each with the Cast to float before it (None: a comparison),
    and its other uses (a Shape, reading sizes only, left out), after ops moving them (``moves_values``: an integer
    Cast only before a float one) and float Casts."""
    real, other = [], []
    for node, slot in consumers.get(tensor, []):
        if node.op_type == "Shape" or node.output[0] in looked_up:
            continue
        if cast is not None and computed(node):  # a layer given the values cast to float: a real use
            real.append((node, cast))
        elif (moves_values(node, slot, cast is None) or _float_cast(node)) and depth < 16:
            inner = _uses(node.output[0], consumers, computed, looked_up, node if _float_cast(node) else cast,
                          depth + 1)
            real, other = real + inner[0], other + inner[1]
        elif node.op_type in COMPARISONS or node.op_type in ARITHMETIC:
            real += [(node, cast)] if computed(node) else []
        elif cast is None:
            other.append(node)
    return real, other


def _feeds_an_index(tensor: str, consumers: Mapping[str, list], depth: int = 0) -> bool:
    """Whether ``tensor`` (integer arithmetic's result: ``9 - idx``) reaches the indices of a Gather (``_INDEXED``),
    directly or after more arithmetic and ops moving it (``moves_values``): an index computed in the model."""
    for node, slot in consumers.get(tensor, []):
        if _INDEXED.get(node.op_type) == slot:
            return True
        if (node.op_type in ARITHMETIC or moves_values(node, slot)) and depth < 16 \
                and _feeds_an_index(node.output[0], consumers, depth + 1):
            return True
    return False


def _float_cast(node: Any) -> bool:
    """Whether ``node`` casts to a float type (float, float16, double, bfloat16)."""
    return node.op_type == "Cast" and next((a.i for a in node.attribute if a.name == "to"), 0) in FLOAT_CASTS


def _problem(port: str, onnx_name: str, real: Any, cast: Any, other: Any, hint: str) -> Diagnostic:
    named = f"graph input {port!r}" + (f" (ONNX {onnx_name!r})" if onnx_name != port else "")
    compares = real.op_type in COMPARISONS
    reads = (f"node {_name(cast)!r} (Cast) makes float for node {_name(real)!r} ({real.op_type})" if cast is not None
             else f"node {_name(real)!r} ({real.op_type}) {'compares' if compares else 'computes on'}")
    why = (f" and node {_name(other)!r} ({other.op_type}) uses as integers" if other is not None
           else " with an integer operand float32 may round (a constant of 2**24 or more, or a computed integer)"
           if compares and cast is None else "")
    return Diagnostic(f"{named} is an integer tensor that {reads}{why}: netgraph compares and computes on reals "
                      f"and a port is Integer or Real, not both (expected dtype Real, found Integer); {hint}",
                      "integer-input-compared", layer=(), port=port, expected="Real", found="Integer", hint=hint)


def _name(node: Any) -> str:
    return node.name or node.output[0]

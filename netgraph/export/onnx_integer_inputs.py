"""The refusal of an integer graph input that a comparison reads but that must stay an Integer port. Our comparisons
are FunctionLayers on reals, so an integer input that is only compared becomes a Real port where float32 gives the
same answers (``onnx_names.port_dtype``). One that stays Integer, because it is also used as integers (an index:
``emb(idx) * (idx > 0)``) or compared with an integer float32 would round (``x == 16777217``), cannot feed them: a
port is Integer or Real, not both. That is one SpecError naming the input and the nodes, not a ShapeError between
our layers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.errors import Diagnostic, SpecError, raise_all
from netgraph.core.types import INTEGER, PortType
from netgraph.export.onnx_names import COMPARISONS, VALUE_MOVES

__all__ = ["refuse_compared_integers"]

_HINT = ("give the comparison's result to the model as an input of its own (a mask, e.g. (idx > 0).float() computed "
         "before the call)")


def refuse_compared_integers(ports: Mapping[str, str], types: Mapping[str, PortType], consumers: Mapping[str, list],
                             computed: Callable[[Any], bool], where: str) -> None:
    """SpecError (kind ``"integer-input-compared"``) naming each graph input (``ports``: ONNX name -> port, of
    ``types``) that is an Integer port whose values a comparison reads (directly or after ops moving them) that
    became a layer (``computed(node)``; a pattern's comparison, a cross-entropy's ignored index, is none)."""
    problems = []
    for onnx_name, port in ports.items():
        if port not in types or types[port].dtype != INTEGER:
            continue
        compared, other = _uses(onnx_name, consumers, computed)
        if compared:
            problems.append(_problem(port, onnx_name, compared[0], other[0] if other else None))
    raise_all(problems, SpecError, f"{where}: cannot import an integer input that is compared")


def _uses(tensor: str, consumers: Mapping[str, list], computed: Callable[[Any], bool],
          depth: int = 0) -> tuple[list, list]:
    """The comparison nodes reading ``tensor``'s values, and its other uses (a Shape, reading sizes only, left out),
    after ops of ``VALUE_MOVES``."""
    compared, other = [], []
    for node, slot in consumers.get(tensor, []):
        if node.op_type in VALUE_MOVES and slot == 0 and depth < 16:
            inner = _uses(node.output[0], consumers, computed, depth + 1)
            compared, other = compared + inner[0], other + inner[1]
        elif node.op_type in COMPARISONS:
            compared += [node] if computed(node) else []
        elif node.op_type != "Shape":
            other.append(node)
    return compared, other


def _problem(port: str, onnx_name: str, compared: Any, other: Any) -> Diagnostic:
    named = f"graph input {port!r}" + (f" (ONNX {onnx_name!r})" if onnx_name != port else "")
    why = (f" and node {_name(other)!r} ({other.op_type}) uses as integers" if other is not None
           else " with an integer operand float32 may round (a constant of 2**24 or more, or a computed integer)")
    return Diagnostic(f"{named} is an integer tensor that node {_name(compared)!r} ({compared.op_type}) compares{why}: "
                      f"netgraph compares on reals and a port is Integer or Real, not both (expected dtype Real, found "
                      f"Integer); {_HINT}", "integer-input-compared", layer=(), port=port, expected="Real",
                      found="Integer", hint=_HINT)


def _name(node: Any) -> str:
    return node.name or node.output[0]

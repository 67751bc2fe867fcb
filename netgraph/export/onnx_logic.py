"""Comparisons, logic ops and Where on real tensors: FunctionLayer expressions, ONNX's booleans as 0 and 1.

torch exports ``torch.where(x > t, a, b)``, ``nn.Hardshrink``/``nn.Softshrink`` (Greater, Less, Or, Where) and our
FunctionLayer's ``If[test, a, b]`` (a comparison, a float Cast, Equal to 0, Not, Where) so. A comparison gives 1
where it holds, else 0 (a float Cast of it passes through, as of any real, and a bool Cast of a real is 1 where it
is not 0); Not, And, Or and Xor compute on those;
Where picks by a test other than 0. A constant operand of one value is written into the expression (an infinity as
Infinity, a NaN as Indeterminate: our ArcTan[x, y]'s value at the origin), also one value repeated over dims the
computed operands have; one of several values is refused (a ConstantArrayLayer operand would do, but none of these exports writes one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.core.plain_numbers import written_float
from netgraph.core.wording import counted
from netgraph.export.onnx_names import ARITHMETIC
from netgraph.export.onnx_ops import CONVERTERS, Context, Converted, Unsupported
from netgraph.layers import FunctionLayer
from netgraph.layers.expression_errors import wolfram_number

__all__ = ["LOGIC_CONVERTERS"]

#: Each op's expression over its inputs #1, #2, #3.
_EXPRESSIONS = {"Greater": "If[#1 > #2, 1, 0]", "Less": "If[#1 < #2, 1, 0]", "GreaterOrEqual": "If[#1 >= #2, 1, 0]",
                "LessOrEqual": "If[#1 <= #2, 1, 0]", "Equal": "If[#1 == #2, 1, 0]", "Not": "1 - #1",
                "And": "#1 * #2", "Or": "#1 + #2 - #1 * #2", "Xor": "Abs[#1 - #2]", "Where": "If[#1 != 0, #2, #3]"}
_BOOL = 9  # ONNX's TensorProto.BOOL
_INTEGERS = frozenset({2, 3, 4, 5, 6, 7, 12, 13})  # ONNX's TensorProto.UINT8 ... INT64, UINT32, UINT64
_WIDE_INTEGERS = frozenset({6, 7, 12, 13})  # INT32, INT64, UINT32, UINT64: a count's Cast to one keeps its value
#: ops whose value on integers is the one on reals (a count, a sum): a test cast to integers may reach only these
#: (Div, Mod, Pow, Mean and ReduceMean truncate on integers in ONNX); what they give must be cast to a real type
#: before any graph output (no layer gives an Integer port from reals)
_TRUNCATING = frozenset({"Div", "Pow", "Mean", "Mod", "ReduceMean"})
_EXACT = frozenset({"ReduceSum", "ReduceMax", "ReduceMin", *(ARITHMETIC - _TRUNCATING)})
#: those a refusal names as readers: ONNX's Sum, exact too, takes no integers
_EXACT_READERS = sorted(_EXACT - {"Sum"})


def _function(node: Any, ctx: Context) -> Converted:
    """A FunctionLayer of the op's expression; a constant input of one value is written in."""
    text = _EXPRESSIONS[node.op_type]
    if len(node.input) != len(set(re.findall(r"#\d", text))):
        raise Unsupported(f"{node.op_type} with {counted(len(node.input), 'input')}",
                          expected=len(set(re.findall(r"#\d", text))), found=len(node.input))
    kept = []  # the computed operands' slots, renumbered 1.. below: ``#3`` alone has 3 ports
    for k, name in enumerate(node.input, 1):
        value = ctx.constants.get(name)
        if value is None:
            kept.append(k)
            continue
        if value.size != 1 and not _one_number(value, node, ctx):
            raise Unsupported(f"its constant operand of shape {list(value.shape)} (only one number is written "
                              f"into its FunctionLayer)", expected="one number", found=tuple(value.shape))
        text = text.replace(f"#{k}", f"({wolfram_number(written_float(np.ravel(value)[0]))})")
    if not kept:
        raise Unsupported("all its operands are constants",
                          expected="a computed operand", found="constant operands only")
    for slot, k in enumerate(kept, 1):
        text = text.replace(f"#{k}", f"#{slot}")
    return Converted(FunctionLayer(text), tuple(node.input[k - 1] for k in kept))  # its ports: Input1.. in that order


def _one_number(value: np.ndarray, node: Any, ctx: Context) -> bool:
    """Whether a constant of several elements is one number repeated (``torch.zeros_like(x) + c``, which torch's
    dynamo exporter folds) that widens no dim of the computed operands, so that writing in the number changes nothing."""
    if not np.array_equal(value, np.full_like(value, np.ravel(value)[0]), equal_nan=True):
        return False
    computed = [ctx.shapes.get(name) for name in node.input if name not in ctx.constants]
    if not computed or None in computed or value.ndim > max(map(len, computed)):
        return False
    return all(size == 1 or any(len(s) >= k and s[-k] == size for s in computed)
               for k, size in enumerate(reversed(value.shape), 1))


def _cast(node: Any, ctx: Context) -> Converted:
    """A Cast to bool: of a test (0 or 1) nothing, of another real 1 where it is not 0; a Cast of a test to an integer
    type (``(idx != 0).sum(1)``'s count) nothing too, where only exact ops read it and it becomes a real again before
    any graph output: 0 and 1 are exact as reals, but no layer gives an Integer port from reals; other Casts as
    onnx_ops's."""
    to = int(ctx.attributes(node).get("to", 0))
    producer = ctx.producers.get(node.input[0])
    test = producer is not None and producer.op_type in _EXPRESSIONS and producer.op_type != "Where"
    if to in _INTEGERS and test:  # not indices: a real port
        _refuse_integer_end(node.output[0], ctx)
        return Converted(alias=node.input[0])
    if to != _BOOL:
        return CONVERTERS["Cast"](node, ctx)
    if test:
        return Converted(alias=node.input[0])
    return Converted(FunctionLayer("If[# != 0, 1, 0]"), (node.input[0],))


def _refuse_integer_end(name: str, ctx: Context) -> None:
    """Unsupported where integer value ``name`` (a count of a test) reaches a node that computes otherwise on integers
    than on reals, or a graph output while still an integer."""
    end = _integer_end(name, ctx)
    if isinstance(end, str):
        raise Unsupported(f"its integer value (a count of a test) is graph output {end!r} of an integer type, and no "
                          f"layer gives an Integer port from reals (ours compute on reals; importing it as a Real "
                          f"output would change its type): cast it to float in the model (.float()) to import it",
                          expected="a count cast to a real type before the graph output",
                          found=f"integer graph output {end!r}")
    if end is not None:
        why = "truncates on integers in ONNX" if end.op_type in _TRUNCATING else "reads it as integers"
        named = f"node {end.name!r}" if end.name else f"the node computing {end.output[0]!r}"
        raise Unsupported(f"its integer value (a count of a test) reaches {named} ({end.op_type}), which {why}; "
                          f"only {', '.join(_EXACT_READERS)} give what our layers compute on reals",
                          expected=f"only readers among {_EXACT_READERS}", found=f"{end.op_type} {named}")


def _integer_end(name: str, ctx: Context) -> Any:
    """The first node reading integer value ``name``, or anything computed from it (up to a Cast to a real type), that
    is no ``_EXACT`` op (``Cast -> ReduceSum -> Div`` truncates in ONNX: 0 in onnxruntime, 0.5 here), or the first
    graph output among those integer tensors (its name); None if none."""
    todo, seen = [name], set()
    while todo:
        tensor = todo.pop()
        if tensor in ctx.graph_outputs:
            return tensor
        for reader, _ in ctx.consumers.get(tensor, []):
            to = int(ctx.attributes(reader).get("to", 0)) if reader.op_type == "Cast" else None
            if to is not None and to not in _INTEGERS:
                continue  # a real again from here
            if reader.op_type not in _EXACT and to not in _WIDE_INTEGERS:
                return reader
            if id(reader) not in seen:
                seen.add(id(reader))
                todo.extend(reader.output)
    return None


LOGIC_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {**{op: _function for op in _EXPRESSIONS},
                                                                    "Cast": _cast}

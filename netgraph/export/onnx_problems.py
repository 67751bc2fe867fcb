"""Why ``import_onnx`` refuses a model, as ``Diagnostic``s a tool reads without parsing messages: one per refused
ONNX node, whose ``layer`` is ``(node name,)`` (an unnamed node's: ``(f"{op_type}_{index}",)``, as its layer would
be named), ``found`` its op type and ``detail`` the reason; one per graph output no layer computes (``layer=()``,
``port`` its port). ``kind`` is one of:

- ``"unsupported-op"``: no layer for the op (``expected``: the ops that have one, which ``hint`` lists; ``detail``
  says why for the ops of ``NO_LAYER_REASONS``);
- ``"random-op"``: a random draw, which no layer repeats;
- ``"custom-op"``: an op of a domain other than ONNX's;
- ``"unsupported-node"``: the op has a layer, but not for this node's attributes or inputs (``detail`` says why);
  where the refusal is about one ONNX attribute's value, ``option`` names that attribute (``"auto_pad"``), ``found``
  is its value (in place of the op type; a list as a tuple) and ``expected`` what maps, where one can say, also
  where the value is refused for the input's shape (Gather's ``axis`` with computed indices or along the batch,
  Softmax's before opset 13 over dims of unknown size: ``expected`` the last axis, Pad's ``pads`` input, a cubic
  Resize's ``mode`` over other than 2 spatial dims: ``expected`` the modes that map); where our layer refused the
  node's arrays or options, ``option``, ``expected`` and ``found`` are that layer's (its option's keyword name);
- ``"malformed-node"``: the node cannot be read (an attribute missing, a Constant without a readable value, an
  Expand of a constant to a shape it cannot take);
- ``"dynamic-size-as-data"``: a Shape node's dynamic size used as data (``hint``: what may use one);
- ``"constant-too-large"``: a node computing a constant past the ``port_elements`` limit (``found`` its shape, a
  Range's its count; ``expected`` the limit; ``file`` the model);
- ``"undefined-input"``: a node reading a tensor nothing defines; and, for the graph as a whole (no ``layer``),
  ``"cycle"`` (nodes reading each other), ``"defined-twice"`` (a tensor), ``"negative-dim"`` (a graph input's,
  in ``found``), ``"invalid-model"`` (onnx's shape inference refused it: ``found`` its error's class, ``detail`` its
  message), ``"unreadable-initializer"`` (its data does not fill its shape: ``port`` the initializer's name, ``found``
  its shape) and ``"no-computation"`` (no node computes anything);
- ``"constant-output"``, ``"uncomputed-output"``, ``"merged-batch-output"``: a graph output without a layer's value.

A model file that cannot be read (``onnx_files.read_model``; ``file`` its path) is ``"unreadable-file"``, ``"limit"``
(over protobuf's 2 GiB), ``"invalid-model"`` (protobuf or onnx refused it: ``found`` the error's class) or
``"external-data"`` (a tensor's data kept out of the model's folder: ``port`` the tensor).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from typing import Any

from netgraph.core.errors import Diagnostic, NetGraphError, SpecError, listed
from netgraph.export.onnx_ops import SHAPE_INPUTS, Unsupported

__all__ = ["OnnxImportWarning", "RANDOM_OPS", "RANDOM_REASON", "node_path", "node_problem", "no_layer",
           "output_problems", "raise_refused", "refusal_fields", "shape_use"]

#: ONNX's random ops: refused, with why (netgraph's own export writes RandomArrayLayer's Normal and Uniform draws so).
RANDOM_OPS = ("RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike")
RANDOM_REASON = ("a random draw: a RandomArrayLayer would draw from the same distribution, but never the same draws, "
                 "so the imported net could not compute what the model computes")
#: Why some ops have no layer, added to their refusal.
NO_LAYER_REASONS = {
    "TopK": "nothing sorts or selects the k largest entries (at a classifier's end: end the model before TopK, at "
            "its scores, and call the imported net with a ClassDecoder on that port and decoder=('TopDecisions', k))",
    **dict.fromkeys(("Loop", "Scan"), "a loop in the graph (torch.jit.script's Python loop) runs its body as many "
                    "times as the data says, which no layer does; export the traced module instead (torch.onnx.export "
                    "of the module itself unrolls the loop, one node per step: a recurrence called per item imports "
                    "as layers sharing its arrays)"),
}
_SIZES_HINT = "sizes are computed at import, so only a Reshape, Expand or Resize target may depend on a dynamic dim"


class OnnxImportWarning(UserWarning):
    """What ``import_onnx`` leaves out of a model it imports (class labels that do not fit, graph inputs no output
    needs, dims taken as equal): pointing at the user's call, and a ``note:`` line in the command line's output."""



def node_path(node: Any, index: int) -> tuple[str]:
    """A Diagnostic's ``layer`` for node ``index`` of the graph: its name, else the name its layer would take."""
    return (node.name or f"{node.op_type}_{index}",)


def node_problem(kind: str, node: Any, index: int, detail: str, **fields: Any) -> Diagnostic:
    """Node ``index`` of the graph refused: "node 'name' (Op): ``detail``"; ``found`` the op unless given."""
    return Diagnostic(f"node {node.name or index!r} ({node.op_type}): {detail}", kind, layer=node_path(node, index),
                      detail=detail, **{"found": node.op_type, **fields})


def refusal_fields(error: Unsupported | NetGraphError) -> dict[str, Any]:
    """The ``option``, ``expected`` and ``found`` a converter's refusal (an ``Unsupported``'s ONNX attribute) or our
    layer's (a NetGraphError's one Diagnostic: its option) gives, those it sets."""
    if isinstance(error, Unsupported):
        fields = {"option": error.attribute, "expected": error.expected, "found": error.found}
    else:
        one = error.diagnostics[0] if len(error.diagnostics) == 1 else None
        fields = {} if one is None else {"option": one.option, "expected": one.expected, "found": one.found}
    return {key: value for key, value in fields.items() if value is not None}


def no_layer(node: Any, index: int, known: tuple[str, ...]) -> Diagnostic:
    """A node whose op has no layer; ``known`` those that have one, sorted (once: a model may have thousands of nodes
    refused so)."""
    why = NO_LAYER_REASONS.get(node.op_type)
    return node_problem("unsupported-op", node, index, "no layer for this op" + (f": {why}" if why else ""),
                        expected=known, hint=_ops_hint(known))


@functools.lru_cache(maxsize=2)
def _ops_hint(known: tuple[str, ...]) -> str:
    return f"ops with a netgraph layer: {', '.join(known)}"


def shape_use(node: Any, index: int, consumers: dict, symbols: dict, shapes: dict) -> Diagnostic:
    """A Shape node left: its value, a dynamic size, is used as data (the nodes using it so named; not those taking
    it as a shape, a Reshape's target, which every import takes)."""
    users, stack, seen = [], list(node.output), set()
    while stack:
        for consumer, index in consumers.get(stack.pop(), []):
            if id(consumer) not in seen and index not in SHAPE_INPUTS.get(consumer.op_type, ()):
                seen.add(id(consumer))
                if consumer.output and consumer.output[0] in symbols:  # still a shape value
                    stack.extend(consumer.output)
                else:
                    users.append(f"node {consumer.name or consumer.op_type!r} ({consumer.op_type})")
    what = "has a dynamic dim" if shapes.get(node.input[0]) is not None else "is not known at import"
    return node_problem("dynamic-size-as-data", node, index,
                        f"the shape of {node.input[0]!r} {what}, and {', '.join(users) or 'a node'} uses a size "
                        f"computed from it as data or an index; {_SIZES_HINT}", hint=_SIZES_HINT)


def output_problems(outputs: Iterable[tuple[Any, str]], computed: Any, producers: dict, constants: dict
                    ) -> list[Diagnostic]:
    """Graph outputs (``(ONNX value, port)`` pairs) that no imported layer computes: a constant, an undefined tensor;
    ``computed`` holds the tensors with a source."""
    problems = []
    for output, port in outputs:
        producer = producers.get(output.name)
        constant = output.name in constants or (producer is not None and producer.op_type == "Constant")
        if output.name in computed or (producer is not None and not constant):
            continue  # computed (or its node is refused: reported there)
        what, kind = ("a constant", "constant-output") if constant else ("computed by no node", "uncomputed-output")
        detail = f"it is {what}, not computed from the graph inputs"
        problems.append(Diagnostic(f"graph output {output.name!r}: {detail}", kind, layer=(), port=port,
                                   detail=detail))
    return problems


def raise_refused(where: str, problems: list[Diagnostic], known: tuple[str, ...]) -> None:
    """One SpecError listing ``problems`` (nothing when there are none); the ops with a layer (``known``, sorted) after
    them, when a node's op has none."""
    if not problems:
        return
    problems = [_unknown_dims_named(p) for p in problems]
    lines = _grouped_lines(problems)
    body = f"{len(problems)} problems:\n{listed(lines)}" if len(problems) > 1 else problems[0].message
    no_layer = any(p.kind == "unsupported-op" for p in problems)
    tail = f"\n(ops with a netgraph layer: {', '.join(known)})" if no_layer else ""
    raise SpecError(f"{where}: cannot import {body}{tail}", problems)


_GROUPED = ("unsupported-op", "random-op", "custom-op")  # kinds whose reason is the same for every node of an op
_NAMED = 3  # nodes a line of several names


def _grouped_lines(problems: list[Diagnostic]) -> list[str]:
    """A line per problem, those nodes of one op refused for one reason (``_GROUPED``) as one line, with their count
    and first names (a big model may have thousands of nodes of an op netgraph has no layer for)."""
    groups: dict[object, list[Diagnostic]] = {}
    for i, p in enumerate(problems):
        groups.setdefault((p.kind, p.found, p.detail) if p.kind in _GROUPED and p.layer else i, []).append(p)
    return [_group_line(group) for group in groups.values()]


def _group_line(group: list[Diagnostic]) -> str:
    if len(group) == 1:
        return group[0].message
    names = ", ".join(repr(p.layer[0]) for p in group[:_NAMED])  # type: ignore[index]
    more = f", ... and {len(group) - _NAMED} more" if len(group) > _NAMED else ""
    return f"{len(group)} nodes ({group[0].found}): {group[0].detail}: {names}{more}"


def _unknown_dims_named(problem: Diagnostic) -> Diagnostic:
    """``problem`` with the sizes onnx's shape inference could not tell ('unk__N') written '?'."""
    def named(text: str | None) -> str | None:
        if text is None or "'unk__" not in text:
            return text
        return re.sub(r"'unk__\d+'", "?", text) + " (?: a dynamic dim)"
    return dataclasses.replace(problem, message=named(problem.message), detail=named(problem.detail))

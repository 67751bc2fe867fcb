"""Padded sequences with lengths: one batch padded to its longest sequence, the lengths beside it.

A net whose variable-length (``"n"``) inputs are given as a list of sequences (or as ``Padded(data, lengths)``)
runs on one padded batch when every layer that a padded value reaches honours the lengths: a layer's
``masking(types)`` says "pointwise" (each element alone: the padding stays padding, the lengths pass on),
"masked" (its module takes ``lengths=``, one lengths tensor or None per input port, and never reads padding;
``padded_outputs`` says which outputs are padded and how their lengths change) or "unaware". A net where a
padded value reaches an unaware layer (or a pointwise layer joins sequences of different lengths) runs by length
groups instead (``netgraph.backend.ragged``). ``plan`` decides; ``compile_padded`` writes the padded forward
(``forward(self, Input, Input_lengths)``) and ``interpret_padded`` runs the same layer by layer.

>>> import torch
>>> from netgraph import NetChain, AggregationLayer
>>> mean = NetChain([AggregationLayer("Mean", levels=[1])], input=["n", 2])
>>> x, lengths = pad([torch.ones(1, 2), torch.zeros(3, 2)])
>>> x.shape, lengths.tolist(), compile_padded(mean, ("Input",))(x, lengths).tolist()
(torch.Size([2, 3, 2]), [1, 3], [[1.0, 1.0], [0.0, 0.0]])
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import torch

from netgraph.backend.compile import CompiledNet, _CodeWriter, _compile, _returned, submodule
from netgraph.backend.interpreter import ModuleRunner
from netgraph.backend.releases import released_body
from netgraph.core.errors import DataError
from netgraph.core.ir import Node
from netgraph.core.naming_scope import quoted
from netgraph.core.tensors import as_tensor
from netgraph.core.torch_state import own_precision
from netgraph.core.types import INTEGER
from netgraph.core.walk import GraphWalker
from netgraph.layers._masks import valid

__all__ = ["Padded", "Plan", "Fallback", "plan", "compile_padded", "interpret_padded", "pad", "filled", "unpad",
           "check_padded", "output_lengths", "is_padded", "as_lists"]

Symbol = tuple[str, int]  # lengths of a padded value: (the input port they come from, their change)


class Padded(NamedTuple):
    """A batch of sequences padded to one length: ``data`` (batch, longest, ...) and each example's ``lengths``.

    ``net(Padded(x, lengths))`` and ``net_train(net, {"Input": Padded(x, lengths), ...})`` take it where a list
    of sequences goes; what lies past each length is never read.

    >>> import torch
    >>> from netgraph import NetChain, SequenceLastLayer
    >>> x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])  # the second sequence has one element
    >>> NetChain([SequenceLastLayer()], input=("n",))(Padded(x, torch.tensor([3, 1])))
    tensor([3., 4.])
    """

    data: Any
    lengths: Any


class Plan(NamedTuple):
    """Where lengths travel: each "masked" node's input lengths by path, each graph output's lengths."""

    calls: dict[tuple, tuple[Symbol | None, ...]]
    outputs: dict[str, Symbol | None]


class Fallback(Exception):
    """A padded value would reach a layer that does not honour lengths (the message says which)."""


class _Planner(GraphWalker):
    """Walks lengths symbols: a value's symbol, or None when it is no padded sequence."""

    def __init__(self, net: Any):
        super().__init__(net)
        self.calls: dict[tuple, tuple] = {}

    def visit_node(self, node: Node, inputs: Sequence[Symbol | None]) -> list[Symbol | None]:
        if all(s is None for s in inputs):
            return [None] * len(node.output_ports)
        mode = node.layer.masking(node.types)
        if mode == "pointwise":
            given = {s for s in inputs if s is not None}
            if len(given) > 1:
                raise Fallback(f"layer {quoted(node.name)} ({node.layer.type_name}) joins sequences of different "
                               "lengths")
            symbol = given.pop()
            return [symbol if _variable(node.types[p].shape) else None for p in node.output_ports]
        if mode != "masked":
            raise Fallback(f"layer {quoted(node.name)} ({node.layer.type_name}) does not honour sequence lengths")
        self.calls[node.path] = tuple(inputs)
        by_port, rules = dict(zip(node.input_ports, inputs)), node.layer.padded_outputs(node.types)
        out = []
        for port in node.output_ports:
            source = by_port.get(rules[port][0]) if port in rules else None
            out.append(None if source is None else (source[0], source[1] + rules[port][1]))
        return out


def _variable(shape: tuple | None) -> bool:
    return bool(shape) and isinstance(shape[0], str)


def plan(net: Any, ports: Sequence[str]) -> Plan:
    """How lengths given at input ``ports`` travel through ``net``; Fallback when a layer cannot take them."""
    planner = _Planner(net)
    outputs = planner.run({p: (p, 0) for p in ports})
    return Plan(planner.calls, outputs)


class _PaddedWriter(_CodeWriter):
    """The forward's body with each "masked" node called with its inputs' lengths variables."""

    CHECK_LENGTHS = False  # its callers check the lengths (per example) before padding

    def __init__(self, net: Any, checks: bool | str | None, ports: Sequence[str], route: Plan):
        super().__init__(net, checks)
        self.route = route
        self.arguments = {p: self.names.new(f"{p}_lengths") for p in ports}
        self.variables: dict[Symbol, str] = {(p, 0): v for p, v in self.arguments.items()}

    def lengths(self, symbol: Symbol | None) -> str:
        if symbol is None:
            return "None"
        if symbol not in self.variables:
            name = self.variables[symbol] = self.names.new(f"{symbol[0]}_lengths")
            base = self.variables[(symbol[0], 0)]
            self.lines.append(f"{name} = None if {base} is None else {base} + {symbol[1]}")
        return self.variables[symbol]

    def _block(self, node: Node, module: str, inputs: Sequence[str], outs: tuple[str, ...]) -> list[str]:
        symbols = self.route.calls.get(node.path)
        if symbols is None:
            return super()._block(node, module, inputs, outs)
        lengths = tuple(self.lengths(s) for s in symbols)
        ctx = self._context(node, module, inputs)
        return [f"{', '.join(outs)} = {node.layer.emit_masked(ctx, lengths)}"]


def compile_padded(net: Any, ports: Sequence[str], checks: bool | str | None = None) -> CompiledNet:
    """A module ``forward(self, *inputs, *lengths)`` (one lengths tensor per port of ``ports``, in order; None, the
    default, for sequences of one length) that runs ``net`` on sequences padded at those ports; ``module._netgraph_route`` is its Plan, ``module._netgraph_lengths_arguments``
    the forward's lengths argument by port. Fallback as ``plan``."""
    ports = tuple(ports)
    route, arguments = plan(net, ports), {}

    def generate(graph: Any, checked: bool | str | None, firsts: list) -> str:
        writer = _PaddedWriter(graph, checked, ports, route)
        arguments.update(writer.arguments)
        results = writer.run(writer.entry)
        firsts += writer.firsts
        tail = [_returned(results, "")]
        body = released_body(writer.lines, writer.steps, tail) + tail
        signature = ", ".join(["self", *graph.input_ports, *(f"{a}=None" for a in writer.arguments.values())])
        return f"def forward({signature}):\n" + "".join(f"    {line}\n" for line in body)

    with own_precision():  # as compile_net: this thread's working precision, torch's default dtype, while it builds
        module = _compile(net, checks, generate)
    object.__setattr__(module, "_netgraph_route", route)
    object.__setattr__(module, "_netgraph_lengths_arguments", arguments)
    return module


class _PaddedRunner(ModuleRunner):
    def __init__(self, net: Any, module: torch.nn.Module, batch: int, lengths: dict[str, torch.Tensor], route: Plan):
        super().__init__(net, module, batch)
        self.given, self.route = lengths, route

    def visit_node(self, node: Node, inputs: Sequence[torch.Tensor]) -> Sequence[torch.Tensor]:
        symbols = self.route.calls.get(node.path)
        if symbols is None:
            return super().visit_node(node, inputs)
        lengths = tuple(None if s is None else self.given[s[0]] + s[1] for s in symbols)
        result = submodule(self.module, node.path)(*inputs, lengths=lengths)
        return result if len(node.output_ports) > 1 else (result,)


def interpret_padded(net: Any, module: CompiledNet, inputs: dict[str, torch.Tensor],
                     lengths: dict[str, torch.Tensor]) -> Any:
    """The padded run layer by layer with ``module``'s submodules (a ``compile_padded`` module of ``net``)."""
    batch = next(iter(inputs.values())).shape[0]
    outputs = _PaddedRunner(net, module, batch, lengths, module._netgraph_route).run(inputs)
    return next(iter(outputs.values())) if len(outputs) == 1 else outputs


def pad(examples: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """The examples (each (length, ...)) padded to the longest with their first elements (``filled``), in the dtype
    they all promote to (as torch.stack's; pad_sequence alone casts to the first's, so an int example first turned
    0.75 into 0), and their lengths."""
    lengths = torch.tensor(list(map(len, examples)), dtype=torch.int64)
    dtypes = {x.dtype for x in examples}  # one, but for mixed data: each example cast only then
    dtype = functools.reduce(torch.promote_types, dtypes)
    same = examples if len(dtypes) == 1 else [x.to(dtype) for x in examples]
    return filled(torch.nn.utils.rnn.pad_sequence(same, batch_first=True), lengths), lengths


def filled(data: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``data`` with each sequence's padding set to its first element: the layers before a masked one compute on the
    padding, and a real element keeps them finite where zeros may not (Log(0) = -inf, whose 0 * inf in the backward
    made a recurrent layer's weight gradients NaN); a pad token of -1 or a NaN reaches no layer either."""
    return torch.where(valid(data, lengths), data, data[:, :1])


def unpad(x: torch.Tensor, lengths: torch.Tensor) -> list[torch.Tensor]:
    """Each example of the padded ``x`` cut to its length."""
    return [x[i, :n] for i, n in enumerate(lengths.tolist())]


def output_lengths(route: Plan, lengths: dict[str, torch.Tensor]) -> dict[str, torch.Tensor | None]:
    """The lengths of each graph output (None for an output that is no padded sequence)."""
    return {p: None if s is None else lengths[s[0]] + s[1] for p, s in route.outputs.items()}


_MASK_HINT = ("lengths = (~mask).sum(1) from torch's key padding mask (True at padding), mask.sum(1) from an "
              "attention mask (1 at each example's elements)")


def check_padded(port: str, value: Padded, what: str = "input port") -> tuple[torch.Tensor, torch.Tensor]:
    """``value``'s data, its padding set to each sequence's first element (``filled``), and lengths
    (int64); one DataError ("padded-data") naming the port, of the graph (``layer=()``), unless each length is an
    integer from 1 to the padded length, one per example."""
    try:
        data = value.data if isinstance(value.data, torch.Tensor) else as_tensor(value.data)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise _refused(what, port, f"Padded data must be an array (batch, longest, ...): {exc}",
                       expected="an array (batch, longest, ...)", found=type(value.data).__name__,
                       detail=str(exc)) from None
    try:
        lengths = as_tensor(value.lengths)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise _refused(what, port, f"Padded lengths must be integers, one per example: {exc}",
                       expected="integers, one per example", found=type(value.lengths).__name__,
                       detail=str(exc)) from None
    if data.dim() < 2:
        raise _refused(what, port, f"Padded data needs a batch dim and a sequence dim, found shape "
                       f"{tuple(data.shape)}", expected="rank >= 2", found=tuple(data.shape))
    if lengths.dim() != 1 or lengths.shape[0] != data.shape[0]:
        hint = _MASK_HINT if tuple(lengths.shape) == tuple(data.shape[:2]) else None  # (batch, longest): a mask
        raise _refused(what, port, f"expected {data.shape[0]} lengths (one per example of data "
                       f"{tuple(data.shape)}), found shape {tuple(lengths.shape)}"
                       + (f"; a mask of each example's padding? Padded takes the lengths: {hint}" if hint else ""),
                       expected=(data.shape[0],), found=tuple(lengths.shape), hint=hint)
    problem = None  # (message, expected, found: the first bad length or the dtype)
    if lengths.is_complex() or lengths.dtype == torch.bool:
        problem = f"lengths must be integers, found dtype {lengths.dtype}", INTEGER, lengths.dtype
    elif lengths.is_floating_point() and not bool((lengths == lengths.round()).all()):
        bad = lengths != lengths.round()
        problem = f"lengths must be integers, found {_first_bad(bad, lengths, True)}", INTEGER, _first(bad, lengths)
    elif lengths.numel() and (int(lengths.min()) < 1 or int(lengths.max()) > data.shape[1]):
        bad = (lengths < 1) | (lengths > data.shape[1])
        problem = (f"each length must be from 1 to the padded length {data.shape[1]}, found {_first_bad(bad, lengths)}",
                   (1, data.shape[1]), _first(bad, lengths))
    if problem:
        raise _refused(what, port, problem[0], expected=problem[1], found=problem[2])
    lengths = lengths.long()
    return filled(data, lengths), lengths


def _refused(what: str, port: str, text: str, **fields: object) -> DataError:
    """The "padded-data" DataError saying ``text`` about the Padded value given at ``port``, a port of the graph
    (``layer=()``, as every problem of the data given to a graph port)."""
    return DataError(f"{what} {quoted(port)}: {text}", kind="padded-data", layer=(), port=port, **fields)


def _first(bad: torch.Tensor, lengths: torch.Tensor) -> int | float:
    """The first of the ``bad`` lengths, as a Python number."""
    return lengths[bad.nonzero().flatten()[0]].item()


def _first_bad(bad: torch.Tensor, lengths: torch.Tensor, dtype: bool = False) -> str:
    """'9 at example 17 (2 of 5000 lengths)': the first of the ``bad`` lengths and how many there are (a batch can
    hold thousands: never all of them), and the dtype with ``dtype``."""
    where = bad.nonzero().flatten()
    notes = [f"{len(where)} of {len(lengths)} lengths"] if len(where) > 1 else []
    notes += [f"dtype {lengths.dtype}"] if dtype else []
    value, more = lengths[where[0]].item(), " (" + "; ".join(notes) + ")" if notes else ""
    return f"{f'{value:g}' if isinstance(value, float) else value} at example {int(where[0])}{more}"


def is_padded(value: Any) -> bool:
    return isinstance(value, Padded)


def as_lists(value: Padded, port: str, what: str = "input port") -> list[torch.Tensor]:
    """A checked Padded value as the list of its sequences (for the length-group path)."""
    data, lengths = check_padded(port, value, what)
    return unpad(data, lengths)

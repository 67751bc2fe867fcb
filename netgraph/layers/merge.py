"""Layers that combine several inputs: ThreadingLayer, TotalLayer, CatenateLayer (DotLayer: netgraph.layers.dot).

Threading, Total and Catenate are *variadic*: their inputs are ``Input1`` … ``Inputn`` and n is
the number of edges that feed them (``([a, b, c], "cat")``), or ``inputs=n`` (Wolfram's
``InputPorts``); unwired they have two. ``inputs`` may also list port names.

>>> ThreadingLayer("Plus").with_input_count(3).input_ports
('Input1', 'Input2', 'Input3')
>>> ThreadingLayer("#a * #b + 1").input_ports
('a', 'b')
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Annotated, Any

import torch
from torch import nn

from netgraph.layers._shapes import fill, joined_range, level_dim, level_option, pass_dtype
from netgraph.layers.joined_places import catenated_places
from netgraph.layers.torch_functions import torch_function_hint
from netgraph.core.layer import EmitContext
from netgraph.core.options import Level, OptionKind
from netgraph.core.option_words import EXPRESSION_PATTERN, named_or_slots
from netgraph.layers.expression import Expression, apply, is_expression, parse, to_code
from netgraph.layers.expression_elementwise import per_element
from netgraph.layers.expression_forms import LONG_CHAIN
from netgraph.layers._broadcast import BroadcastModule, BroadcastSpec, broadcast_infer, broadcast_option, insert_at, insert_code, spec_of
from netgraph.layers.expression_shapes import is_structural
from netgraph.layers.function_table import NOT_THREADED_BY_NAME
from netgraph.layers.function import _elementwise_infer, align
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import COMBINATION_KIND, option_problem
from netgraph.core.option_rules import Among, CountsNotOf, Matching, Excludes, Not, refuses
from netgraph.layers.variadic import PortNames, _port_names, _Variadic
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape, unify
from netgraph.core.length_names import lengths_apart
from netgraph.core.naming_scope import quoted
from netgraph.core.wording import counted
from netgraph.layers._modules import LayerModule

__all__ = ["ThreadingLayer", "TotalLayer", "CatenateLayer", "THREADING"]

#: ThreadingLayer function names -> exact number of inputs (None: any). What each computes is its entry in
#: the named-function table (netgraph.layers.function_table), folded over the inputs: Plus[Plus[#1, #2], #3].
THREADING: dict[str, int | None] = {"Plus": None, "Times": None, "Subtract": 2, "Divide": 2, "Power": 2, "Mod": 2,
                                    "Max": None, "Min": None, "Surd": 2, "ArcTan": 2, "Erf": 2}
#: ThreadingLayer's function: one of those names, or an expression in slots (the schema says so too).
ThreadedFunction = Annotated[Any, OptionKind("function", None, named_or_slots(THREADING))]

def _threaded(name: str, ports: tuple[str, ...]) -> Expression:
    """The expression folding binary ``name`` over ``ports``: ``Max[Max[#a, #b], #c]``.

    >>> _threaded("Max", ("a", "b", "c")).tree[0:2]
    ('call', 'Max')
    """
    slots = [("slot", p) for p in ports]
    if len(ports) > LONG_CHAIN:  # a balanced tree: a left fold of 250 ports nested the forward's code too deep
        return Expression(f"{name} over {', '.join(ports)}", ports, _balanced(name, slots))
    tree = functools.reduce(lambda a, b: apply(name, [a, b]), slots)
    return Expression(f"{name} over {', '.join(ports)}", ports, tree)


def _balanced(name: str, trees: list[tuple]) -> tuple:
    half = len(trees) // 2
    return trees[0] if len(trees) == 1 else apply(name, [_balanced(name, trees[:half]), _balanced(name, trees[half:])])


SUM_TERMS = 64  # more inputs than this: TotalLayer emits sum(...) rather than a + b + ...


class ThreadModule(LayerModule):
    """Folds a binary torch function over rank-aligned inputs (the reference path)."""

    def __init__(self, fn: Any, ranks: tuple[int, ...], out_rank: int):
        super().__init__()
        self.fn, self.ranks, self.out_rank = fn, ranks, out_rank

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        aligned = [align(x, r, self.out_rank) for x, r in zip(inputs, self.ranks)]
        return functools.reduce(self.fn, aligned)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ThreadingLayer(_Variadic):
    """Applies an n-ary function elementwise, broadcasting: ``ThreadingLayer("Plus")``, ``ThreadingLayer("Times", -1)``.

    ``function`` is a name in ``THREADING`` (Plus, Times, Subtract, Divide, Power, Mod, Max, Min)
    or a slot expression: ``"#1 * #2 + #3"`` (ports Input1..3) or ``"#a / #b"`` (ports a, b).
    ``broadcast`` is Wolfram's second argument: "Automatic" (numpy's rules, the default), "None" (no
    replication), a level n where a lower-rank input's missing dims are inserted (-1: at the end), or a
    list of these per input (see ``netgraph.layers._broadcast``).

    >>> import torch
    >>> layer = ThreadingLayer("#a / #b")
    >>> layer.input_ports
    ('a', 'b')
    >>> layer(a=torch.tensor([1.0, 2.0, 3.0]), b=torch.tensor([2.0, 4.0, 4.0]))
    tensor([0.5000, 0.5000, 0.7500])
    >>> ThreadingLayer("Times")(Input1=torch.tensor([1.0, 2.0, 3.0]), Input2=torch.tensor(2.0))  # broadcasts
    tensor([2., 4., 6.])
    """

    function: ThreadedFunction
    broadcast: BroadcastSpec = "Automatic"
    inputs: PortNames = None
    RULES = (Excludes("inputs", Not(Among(None)), "function", Matching(EXPRESSION_PATTERN)),  # names its own ports
             *(Excludes("inputs", CountsNotOf(n), "function", Among(*(f for f, k in THREADING.items() if k == n)))
               for n in sorted({k for k in THREADING.values() if k is not None})))  # a function of n inputs
    POSITIONAL = "function"
    POSITIONALS = ("function", "broadcast")

    def normalize(self) -> dict[str, Any]:
        f = self.function
        if not isinstance(f, str):
            option_problem(OptionError(f"ThreadingLayer needs a function name such as 'Plus' or an expression such as "
                                       f"'#1 * #2', found {quoted(f)}"
                                       f"{torch_function_hint(f, THREADING, 'ThreadingLayer')}",
                                       option="function", expected="a function name or an expression", found=f), None)
        spec = broadcast_option(self.broadcast, "ThreadingLayer")
        if not isinstance(f, str):
            return {}
        if f in THREADING:
            ports = self._ports()
            if self.inputs is None and isinstance(spec, list):  # one spec per input: as many inputs as specs
                ports["input_ports"] = _port_names(len(spec), "ThreadingLayer")
            arity = THREADING[f]
            if refuses(self, "inputs"):  # of as many inputs as the function takes (arity)
                raise OptionError(f"ThreadingLayer({f!r}) takes exactly {counted(arity, 'input')}, found "
                                  f"{len(ports['input_ports'])} ({list(ports['input_ports'])})", option="inputs",
                                  kind=COMBINATION_KIND, expected=arity, found=len(ports["input_ports"]))
            return {**ports, "_expr": None, "broadcast": self._checked(spec, ports["input_ports"])}
        if f in NOT_THREADED_BY_NAME:
            return option_problem(OptionError(f"ThreadingLayer({f!r}): {NOT_THREADED_BY_NAME[f]}", option="function",
                                              expected=list(THREADING), found=f), {})
        if not is_expression(f):
            hint = torch_function_hint(f, THREADING, "ThreadingLayer") or did_you_mean(f, THREADING)
            return option_problem(OptionError(f"ThreadingLayer: unknown function {quoted(f)}{hint}; known: "
                                              f"{', '.join(THREADING)}, or an expression in slots such as '#1 * #2'",
                                              option="function", expected=list(THREADING), found=f), {})
        if refuses(self, "inputs"):
            raise OptionError("ThreadingLayer: an expression names its own ports (its #slots, or Function[...]'s "
                              "variables); drop inputs=", option="inputs", kind=COMBINATION_KIND)
        # f is applied to corresponding elements: Max[#1, #2] is elementwise
        expr = per_element(parse(f, type(self).__name__, "function"))
        if is_structural(expr.tree):
            raise OptionError(f"ThreadingLayer expression {quoted(f)} must be elementwise (one output, no Total, Mean, "
                              f"Dot or Part): use FunctionLayer", option="function",
                              kind="option-value", expected="an elementwise expression", found=f)
        return {"_expr": expr, "input_ports": expr.slots, "broadcast": self._checked(spec, expr.slots)}

    def _checked(self, spec: Any, ports: tuple[str, ...]) -> Any:
        if isinstance(spec, list) and len(spec) != len(ports):
            raise OptionError(f"ThreadingLayer option broadcast= gives {counted(len(spec), 'spec')} for {counted(len(ports), 'input')} "
                              f"{list(ports)}", option="broadcast", kind=COMBINATION_KIND, expected=len(ports),
                              found=len(spec))
        return spec

    @property
    def variadic(self) -> bool:  # type: ignore[override]
        return self._expr is None

    def _expression(self) -> Expression:
        """The expression this layer computes (a name is folded over the ports in order)."""
        return self._expr if self._expr is not None else _threaded(self.function, self.input_ports)

    def declared_types(self) -> dict[str, PortType]:
        return {p: PortType(None, REAL) for p in (*self.input_ports, "Output")}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        if self.broadcast == "Automatic":
            return _elementwise_infer(self.input_ports, types)
        return broadcast_infer(self.input_ports, self.broadcast, types)

    def _inserts(self, types: Mapping[str, PortType]) -> tuple[tuple[int, int], ...]:
        """Per input: where its missing dims go and how many there are."""
        out_rank = len(types["Output"].shape)
        ranks = [len(types[p].shape) for p in self.input_ports]
        return tuple((insert_at(r, out_rank, spec_of(self.broadcast, i), p), out_rank - r)
                     for i, (p, r) in enumerate(zip(self.input_ports, ranks)))

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "pointwise"  # each sequence element alone (padded sequences keep their lengths)

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return BroadcastModule(self._expression(), self._inserts(types))

    def emit(self, ctx: EmitContext) -> str:
        args = [insert_code(a, *where) for a, where in zip(ctx.args, self._inserts(ctx.types))]
        return to_code(self._expression().tree, dict(zip(self.input_ports, args)), ctx.local)  # a repeated part once


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TotalLayer(_Variadic):
    """The elementwise sum of its inputs, which all have one shape: ``([a, b, c], TotalLayer())``.

    >>> import torch
    >>> from netgraph import NetGraph, NetPort
    >>> net = NetGraph({"sum": TotalLayer()}, [([NetPort("a"), NetPort("b"), NetPort("c")], "sum")], a=2, b=2, c=2)
    >>> net({"a": torch.ones(1, 2), "b": torch.ones(1, 2), "c": torch.tensor([[1.0, 2.0]])})
    tensor([[3., 4.]])
    """

    inputs: PortNames = None

    def normalize(self) -> dict[str, Any]:
        return self._ports()

    def declared_types(self) -> dict[str, PortType]:
        return {p: PortType(None, REAL) for p in (*self.input_ports, "Output")}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        merged = types[self.input_ports[0]] if self.input_ports else types["Output"]  # inputs first, Output last
        known = [(p, types[p].shape) for p in self.input_ports if types[p].shape is not None]
        for d in range(min((len(s) for _, s in known), default=0)):
            if len(names := sorted({s[d] for _, s in known if isinstance(s[d], str)})) > 1:
                shown = ", ".join(f"{p!r} {format_shape(s)}" for p, s in known)
                raise Conflict(f"all inputs must have one shape ({shown}), but lengths {' and '.join(names)} "
                               f"{lengths_apart(names)}", expected=names[0], found=names[1])
        for p in (*self.input_ports[1:], "Output"):  # a declared Output at odds with agreeing inputs: blamed
            try:
                merged = unify(merged, types[p])
            except Conflict as exc:
                raise exc.reworded(f"all inputs and the output must have one shape; port {p!r}: {exc}", p) from None
        return {p: merged for p in types}

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "pointwise"  # each sequence element alone (padded sequences keep their lengths)

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        n = len(self.input_ports)
        return ThreadModule(torch.add, (0,) * n, 0)

    def emit(self, ctx: EmitContext) -> str:
        if len(ctx.args) > SUM_TERMS:  # a + b + ... nests one level per term: Python's compiler recurses too deep
            return f"sum(({', '.join(ctx.args[1:])},), {ctx.args[0]})"  # the same left fold
        return f"({' + '.join(ctx.args)})"


class CatModule(LayerModule):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.cat(inputs, self.dim)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CatenateLayer(_Variadic):
    """Joins its inputs along ``level`` (1 = first dim after the batch, the default; -1 = last). All inputs have one
    rank and agree on every other dimension; where each has an index range, the output has the widest.

    >>> CatenateLayer(level=-1).level
    -1
    """

    POSITIONALS = ("level",)
    level: Level = 1
    inputs: PortNames = None
    moved_inputs = property(lambda self: self.input_ports)  # its output's values are its inputs'
    moved_places = catenated_places  # side by side along level

    def normalize(self) -> dict[str, Any]:
        return {"level": level_option(self.level, "CatenateLayer"), **self._ports()}

    def declared_types(self) -> dict[str, PortType]:
        return {p: PortType(None, None) for p in (*self.input_ports, "Output")}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        ports = (*self.input_ports, "Output")
        dtype = pass_dtype(types, ports)
        fill(types, "Output", None, dtype, joined_range(types, self.input_ports))
        ranks = {p: len(types[p].shape) for p in ports if types[p].shape is not None}
        if len(set(ranks.values())) > 1:
            first = next(iter(ranks))
            odd = next(p for p in ranks if ranks[p] != ranks[first])
            raise Conflict("inputs and output must have one rank: " + ", ".join(
                f"{p!r} {format_shape(types[p].shape)}" for p in ranks),
                           port=odd, expected=types[first].shape, found=types[odd].shape)
        if not ranks:
            return {p: PortType(types[p].shape, dtype, types[p].range) for p in ports}
        rank = next(iter(ranks.values()))
        axis = level_dim(self.level, rank, "CatenateLayer")
        shapes = {p: list(types[p].shape or (None,) * rank) for p in ports}
        for d in range(rank):
            if d != axis:
                _unify_column(shapes, ports, d)
        _catenated_dim(shapes, self.input_ports, axis)
        for p in ports:
            fill(types, p, tuple(shapes[p]), dtype)
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return CatModule(level_dim(self.level, len(types["Output"].shape), "CatenateLayer") + 1)

    def emit(self, ctx: EmitContext) -> str:
        dim = level_dim(self.level, len(ctx.types["Output"].shape), "CatenateLayer") + 1
        return f"torch.cat(({', '.join(ctx.args)},), {dim})"


def _unify_column(shapes: dict[str, list], ports: tuple[str, ...], d: int) -> None:
    if len(names := sorted({shapes[p][d] for p in ports if isinstance(shapes[p][d], str)})) > 1:
        shown = ", ".join(f"{q!r} {format_shape(tuple(shapes[q]))}" for q in ports)
        raise Conflict(f"dimension {d + 1} must agree across inputs and output ({shown}), but lengths "
                       f"{' and '.join(names)} {lengths_apart(names)}", expected=names[0], found=names[1])
    value = None
    for p in ports:
        dim = shapes[p][d]
        try:
            value = unify(PortType((value,)), PortType((dim,))).shape[0]
        except Conflict:
            shown = ", ".join(f"{q!r} {format_shape(tuple(shapes[q]))}" for q in ports)
            raise Conflict(f"dimension {d + 1} must agree across inputs and output (only the catenated "
                           f"dimension may differ): {shown}", port=p, expected=value, found=dim) from None
    for p in ports:
        shapes[p][d] = value


def _catenated_dim(shapes: dict[str, list], inputs: tuple[str, ...], axis: int) -> None:
    sizes = [shapes[p][axis] for p in inputs]
    out = shapes["Output"][axis]
    if any(isinstance(s, str) for s in sizes):  # the output's length would be a sum the shapes cannot name
        shown = ", ".join(f"{p!r} {format_shape(tuple(shapes[p]))}" for p in inputs)
        raise Conflict(f"cannot join along level {axis + 1}, a variable length, not a fixed size ({shown}): the "
                       f"output's length would be their sum, which no shape names; catenate along another level (or "
                       f"use AppendLayer/PrependLayer for one element)",
                       expected="a fixed size", found=next(s for s in sizes if isinstance(s, str)))
    if all(isinstance(s, int) for s in sizes):
        total = sum(sizes)
        if isinstance(out, int) and out != total:
            raise Conflict(f"the output's catenated dimension must be {' + '.join(map(str, sizes))} = {total}, "
                           f"found {out}", port="Output", expected=total, found=out)
        shapes["Output"][axis] = total
    elif isinstance(out, int) and sizes.count(None) == 1 and all(s is None or isinstance(s, int) for s in sizes):
        rest = out - sum(s for s in sizes if s is not None)
        if rest < 1:
            raise Conflict(f"the output's catenated dimension {out} is too small for inputs of sizes {sizes}: it "
                           f"needs at least {out - rest + 1}",
                           port="Output", expected=f"at least {out - rest + 1}", found=out)
        shapes[inputs[sizes.index(None)]][axis] = rest


from netgraph.layers.dot import DotLayer, DotModule  # noqa: E402,F401  (pickles from before the move name them here)

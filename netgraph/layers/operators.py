"""Higher-order operators: NetMapOperator, NetFoldOperator, NetNestOperator (Wolfram's, holding whole nets).

A sequence port has shape ``(n, ...)``: its first dim is the sequence (a fixed length or a variable ``"n"``).

* ``NetMapOperator(net)`` applies ``net`` to every element of its sequence ports; the compiled forward folds
  the sequence into the batch (one call of ``net`` on ``(b*n, ...)``), no loop.
* ``NetFoldOperator(net)`` runs a recurrence: ``net`` has input ``State`` and the element inputs (e.g.
  ``Input``), and output ``Output`` (the next state, fed back into ``State``, as Wolfram's default
  ``"Output" -> "State"``); it consumes one element per step. Outputs ``Output`` (every state, a
  sequence) and ``State`` (the final one). The initial state is zeros, or the ``InitialState`` input
  with ``state_input=True``.
* ``NetNestOperator(net, n)`` applies ``net`` (ports ``Input`` -> ``Output`` of one type) n times.

Fold and Nest compile to a ``for`` loop in the generated forward. Each module's own ``forward`` (which the
reference interpreter runs) computes the same thing the plain way: a loop over the elements.

>>> from netgraph import NetGraph, LinearLayer
>>> op = NetMapOperator(NetGraph({"lin": LinearLayer(2)}, [], Input=3))
>>> NetGraph({"map": op}, []).port_types["Output"]
PortType(shape=('n', 2), dtype='Real')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from torch import nn

from netgraph.core.errors import OptionError
from netgraph.core.graph import NetGraph
from netgraph.core.option_problems import VALUE_KIND, option_problem
from netgraph.core.option_ranges import Within
from netgraph.core.layer import EmitContext
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.naming_scope import quoted
from netgraph.core.operator import NetOperator, settled_types
from netgraph.core.options import Net
from netgraph.core.port_paths import expose, resolve
from netgraph.core.ports import NetPort
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, PortType, unify
from netgraph.core.walk import nested_nodes
from netgraph.layers.bad_index import checks_values
from netgraph.layers.sequence_types import check_ranks, common_length, element_type, sequence_of
from netgraph.layers.operator_modules import _FoldModule, _MapModule, _NestModule
from netgraph.layers.estimators import mark_folded_draws
from netgraph.layers.normalization import BatchNormalizationLayer
from netgraph.layers.random_module import RandomModule

__all__ = ["NetMapOperator", "NetFoldOperator", "NetNestOperator"]


def batch_statistics(net: Any) -> bool:
    """Whether ``net`` holds a layer normalising by its batch's statistics in training (a batch norm, nested too)."""
    return any(isinstance(node.layer, BatchNormalizationLayer) for _, node in nested_nodes(net))


def _ranged_as(t: PortType, inner_output: PortType) -> PortType:
    """``t`` with the range of the inner net's output, none where it computes (unify kept the input's too)."""
    return dataclasses.replace(t, range=inner_output.range)


def _unranged_where_they_differ(a: PortType, b: PortType) -> tuple[PortType, PortType]:
    """``a`` and ``b`` without their ranges where both have one and they differ: a state fed back takes values from
    both (the initial state's, each step's output), so neither range holds for it.

    >>> _unranged_where_they_differ(PortType((), "Integer", (0, 2)), PortType((), "Integer", (0, 8)))[0].range is None
    True
    """
    if a.range is None or b.range is None or a.range == b.range:
        return a, b
    return dataclasses.replace(a, range=None), dataclasses.replace(b, range=None)


def _fed_back(inner_types: Mapping[str, PortType], port: str) -> PortType:
    """The inner net's ``port`` type unified with its 'Output' type, which is fed back into ``port`` (a range only
    where the two agree); a Conflict names the inner net's 'Output'.

    >>> _fed_back({"State": PortType((3, None), None), "Output": PortType((None, 4), None)}, "State")
    PortType(shape=(3, 4), dtype=None)
    """
    try:
        return unify(*_unranged_where_they_differ(inner_types[port], inner_types["Output"]))
    except Conflict as exc:
        raise exc.reworded(f"its inner net's 'Output' is fed back into {quoted(port)}, so they must agree: {exc}",
                           "Output", ("net",)) from None  # the inner net's own port


def _zeros(like: str, state: PortType, dtype: str | None, module: str) -> str:
    """Code for a zero ``state`` per example, on ``like``'s device: integers for an Integer one, else in ``like``'s
    dtype when it is real, else in the dtype the fold ``module`` computes in."""
    dims = ", ".join([f"{like}.shape[0]", *map(str, state.shape)])
    if state.dtype == INTEGER:
        return f"{like}.new_zeros({dims}, dtype=torch.long)"
    if dtype == INTEGER:
        return f"{module}.integer_zeros({like})"  # fx traces through it, following the module's dtype
    return f"{like}.new_zeros({dims})"


class NetMapOperator(NetOperator):
    """Apply ``net`` to each element of a sequence: every port of ``net`` becomes a sequence port (n, ...)."""

    net: Net = None
    NEEDS_ONE_OF = (("net",),)
    MAPS_ELEMENTS = True

    def validate(self) -> None:
        if not self.net.input_ports:
            raise OptionError("NetMapOperator needs an inner net with at least one input port (the elements it "
                              "maps over); found none", option="net", kind=VALUE_KIND)

    @property
    def input_ports(self) -> tuple[str, ...]:
        return self.net.input_ports

    @property
    def output_ports(self) -> tuple[str, ...]:
        return self.net.output_ports

    def with_inner_output(self, path: tuple[str, ...], port: str, at: tuple[str, ...]) -> tuple[NetMapOperator, str]:
        """The map with the inner port an output of its inner net, so of its own: its value for each element."""
        if len(path) == 1:
            return self, port  # the inner net's own output is the map's
        names, port = resolve(self.net.layers, NetPort((*path[1:], port)))  # at the map's path: an operator inside
        net, name = expose(self.net, names, port, NetGraph, (*at, path[0]))  # names its inner nets from the net asked
        return dataclasses.replace(self, net=net), name

    def passed_through(self, port: str) -> tuple[tuple[str, str], ...]:
        return (("net", port),) if port in self.net.input_ports else ()

    def passed_out(self, option: str, inner_output: str) -> tuple[str, ...]:
        return (inner_output,) if inner_output in self.net.output_ports else ()  # each element's, stacked

    def inner_types(self, types: Mapping[str, PortType]) -> dict[str, dict[str, PortType]]:
        check_ranks(types, self.net, tuple(types))
        return {"net": {p: element_type(t, p, "sequence NetMapOperator maps over", True) for p, t in types.items()}}

    def outer_types(self, types: Mapping[str, PortType], inner: Mapping[str, Any]) -> dict[str, PortType]:
        length = common_length(types, tuple(types))
        inner_types = inner["net"].port_types
        return {p: sequence_of(length, inner_types[p]) for p in types}

    def masking(self, types: Mapping[str, PortType]) -> str:
        """Each sequence element alone ("pointwise": padded sequences keep their lengths), but an inner net with
        batch statistics runs on the real elements only ("masked", ``_MapModule.real_elements``)."""
        return "masked" if batch_statistics(self.net) else "pointwise"

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        return {p: (self.input_ports[0], 0) for p in self.output_ports}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        net = self.compiled_nets(types)["net"]
        # its random layers draw B*n, example by example: scored per example
        mark_folded_draws(module for module in net.modules() if isinstance(module, RandomModule))
        length = types[self.input_ports[0]].shape[0]  # a fixed length, as emit_block views back with it
        return _MapModule(net, self.output_ports, length if isinstance(length, int) else None)

    def emit_block(self, ctx: EmitContext, outputs: tuple[str, ...]) -> list[str]:
        first = ctx.args[0]
        call = f"{ctx.module}.net({', '.join(f'{x}.flatten(0, 1)' for x in ctx.args)})"
        folded = ctx.local("folded")

        length = ctx.types[self.input_ports[0]].shape[0]  # a fixed length as a number: another fails the view
        length = length if isinstance(length, int) else f"{first}.shape[1]"

        def unfold(y: str, port: str) -> str:  # view, not unflatten(0, x.shape[:2]): ONNX export keeps these sizes
            # dynamic; each size its own argument (torch.fx.symbolic_trace cannot unpack a proxy), an element's fixed
            # size as a number: reading y.shape[1:] took twice the time of the view itself
            sizes = (f"{y}.shape[{i}]" if not isinstance(n, int) else str(n)
                     for i, n in enumerate(ctx.types[port].shape[1:], 1))
            return f"{y}.view({', '.join((f'{first}.shape[0]', str(length), *sizes))})"
        lines = [f"{folded} = {call}"]
        if checks_values(self.net):  # a bad parameter value is named by example and element, not at b*n + i
            error = ctx.local("error")
            lines = ["try:", f"    {lines[0]}", f"except Exception as {error}:",
                     f"    {ctx.module}.unfold_error({error}, {first}.shape[1])", "    raise"]
        if len(outputs) == 1:  # the sequence folded into the batch: one call, no loop
            return [*lines, f"{outputs[0]} = {unfold(folded, self.output_ports[0])}"]
        return [*lines, *(f"{out} = {unfold(f'{folded}[{port!r}]', port)}"
                          for out, port in zip(outputs, self.output_ports))]


class NetFoldOperator(NetOperator):
    """A recurrence: ``net`` maps ``State`` and one element of each sequence input to ``Output``, the next state.

    Outputs ``Output`` (the state after every step, a sequence) and ``State`` (the final state). The
    initial state is zeros; ``state_input=True`` adds an input port ``InitialState`` that gives it.
    """

    net: Net = None
    NEEDS_ONE_OF = (("net",),)
    state_input: bool = False
    POSITIONALS = ("net", "state_input")
    RUNS = ("runs its inner net once per sequence element (its output fed back as the state): the port has a value "
            "per step, none of which it gives out")

    def validate(self) -> None:
        net = self.net
        elements = [p for p in net.input_ports if p != "State"]
        if "State" not in net.input_ports or not elements or tuple(net.output_ports) != ("Output",):
            self.check_ports(net, ("State", "Input"), ("Output",), "input ports 'State' (the previous state) and "
                             "'Input' (or other element inputs), and the single output port 'Output' (the next "
                             "state, fed back into 'State')")

    @property
    def elements(self) -> tuple[str, ...]:
        return tuple(p for p in self.net.input_ports if p != "State")

    @property
    def input_ports(self) -> tuple[str, ...]:
        return (*self.elements, *(("InitialState",) if self.state_input else ()))

    output_ports = ("Output", "State")
    CHAIN_OUTPUT = "Output"  # inside a chain its State is Wolfram's state port, not a chain output

    def passed_through(self, port: str) -> tuple[tuple[str, str], ...]:
        return (("net", port),) if port in self.elements else ()  # the state is the inner net's own output

    # the encoder range walk (core.port_coders): InitialState is the first step's State, each Output the next's
    first_step = property(lambda self: {"InitialState": ("net", "State")} if self.state_input else {})
    fed_back = MappingProxyType({"Output": "State"})

    def passed_out(self, option: str, inner_output: str) -> tuple[str, ...]:
        """Each step's state, and the last (after no step: the initial one, an input's that no net takes)."""
        return ("Output", "State") if inner_output == "Output" else ()

    def inner_types(self, types: Mapping[str, PortType]) -> dict[str, dict[str, PortType]]:
        state, port = types["State"], "Output"
        try:
            state = unify(*_unranged_where_they_differ(state, element_type(types["Output"], "Output", "step")))
            port = "InitialState"
            state = unify(*_unranged_where_they_differ(state, types.get("InitialState", state)))
        except Conflict as exc:
            pair = ("port 'InitialState' disagrees with 'Output' and 'State'" if port == "InitialState"
                    else "ports 'Output' and 'State' disagree")
            raise exc.reworded(f"{pair} on the state: {exc}", port, inner_ports=("State",)) from None
        check_ranks(types, self.net, self.elements)
        inner = {p: element_type(types[p], p, "sequence NetFoldOperator folds over", True) for p in self.elements}
        return {"net": {**inner, "State": state, "Output": state}}

    def _inner_nets(self, types: Mapping[str, PortType] | None, wanted: dict | None = None) -> dict[str, Any]:
        try:
            return super()._inner_nets(types, wanted)
        except Conflict as exc:
            if types is None or not {"State", "Output"} & set(exc.inner_ports):
                raise  # (the inner net's 'Output' is the state too: each step's, fed back)
            given = [f"{p!r} {types[p]}" for p in ("InitialState", "State") if p in types and types[p].shape]
            initial = ", input 'InitialState'" if self.state_input else ""
            note = (f" (the inner net's 'State' is the fold's state: its output 'State'{initial} and each step's "
                    f"'Output'{'; here ' + ', '.join(given) if given else ''})")
            raise (exc.noted(note) if exc.inner  # an inner layer refusing the state: it and its port named as they were
                   else exc.reworded(f"{exc}{note}", exc.port or _state_port(types, exc.found))) from None

    def outer_types(self, types: Mapping[str, PortType], inner: Mapping[str, Any]) -> dict[str, PortType]:
        inner_types = inner["net"].port_types
        state = _fed_back(inner_types, "State")
        length = common_length(types, (*self.elements, "Output"))
        out = {p: sequence_of(length, inner_types[p]) for p in self.elements}
        last = _ranged_as(state, inner_types["Output"])
        out.update(Output=sequence_of(length, last), State=last)
        if self.state_input:
            out["InitialState"] = state
        return out

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"  # padded: each example's state stops at its length

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        return {"Output": (self.elements[0], 0)}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        module = _FoldModule(self.compiled_nets(types)["net"], self.net.input_ports, self.elements,
                             tuple(types["State"].shape), self.state_input, types["State"].dtype == INTEGER)
        module.steps_running_only = batch_statistics(self.net)  # padded: each step's running examples alone
        length = types[self.elements[0]].shape[0]
        module.length = length if isinstance(length, int) else None
        return module

    def emit_block(self, ctx: EmitContext, outputs: tuple[str, ...]) -> list[str]:
        given = dict(zip(self.input_ports, ctx.args))
        first = given[self.elements[0]]
        state, states, step = ctx.local("state"), ctx.local("states"), ctx.local("t")
        start = given["InitialState"] if self.state_input else _zeros(first, ctx.types["State"],
                                                                ctx.types[self.elements[0]].dtype, ctx.module)
        args = ", ".join(state if p == "State" else f"{given[p]}[:, {step}]" for p in self.net.input_ports)
        length = ctx.types[self.elements[0]].shape[0]
        fixed = isinstance(length, int)
        differs = " or ".join(f"{given[p]}.shape[1] != {length}" for p in self.elements)
        check = [] if not fixed else [  # one comparison per element input, in eager calls (fx's shapes are proxies)
            f"if not symbolic_tracing() and ({differs}):",
            f"    {ctx.module}.length_error({', '.join(given[p] for p in self.elements)})"]
        call = [f"    {state} = {ctx.module}.net({args})"]
        if checks_values(self.net):  # a bad parameter value is named by example and step
            error = ctx.local("error")
            call = ["    try:", f"    {call[0]}", f"    except Exception as {error}:",
                    f"        {ctx.module}.step_error({error}, {step})", "        raise"]
        return [*check, f"{state} = {start}",
                f"{states} = []",
                f"for {step} in range({length if fixed else f'{first}.shape[1]'}):",  # a fixed one: fx can trace it
                *call,
                f"    {states}.append({state})",
                f"{outputs[0]}, {outputs[1]} = {_stacked(states, state)}, {state}"]


def _stacked(states: str, state: str) -> str:
    """Code for the states after every step; a batch of 0 may have sequences of length 0 (no step: none)."""
    return f"torch.stack({states}, 1) if {states} else {state}.unsqueeze(1)[:, :0]"


def _state_port(types: Mapping[str, PortType], state: Any) -> str | None:
    """The fold's port that gives the state the shape ``state`` (a Conflict's found value): ``InitialState``,
    ``State``, or each step's ``Output``; None where none does."""
    shapes = {p: types[p].shape for p in ("InitialState", "State") if p in types}
    if "Output" in types and types["Output"].shape:
        shapes["Output"] = types["Output"].shape[1:]
    return next((p for p, shape in shapes.items() if shape is not None and shape == state), None)


class NetNestOperator(NetOperator):
    """Apply ``net`` (ports ``Input`` -> ``Output`` of the same type) ``n`` times, each output fed back as input."""

    net: Net = None
    NEEDS_ONE_OF = (("net",),)
    n: int = 1
    RANGES = {"n": Within(0)}  # how many times the net is applied
    POSITIONALS = ("net", "n")
    RUNS = ("runs its inner net n times per example (each output fed back in): the port has a value each time, none "
            "of which it gives out")

    def normalize(self) -> Mapping[str, Any]:
        changes = super().normalize()
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n < self.RANGES["n"].low:
            return option_problem(OptionError(f"NetNestOperator option n= takes a count >= 0, found {quoted(self.n)}",
                                              option="n", expected="a count >= 0", found=self.n), changes)
        if not changes:
            return changes  # its net is none (reported)
        inner, limit = changes["_applications"], current_limits().nest_applications
        if self.n * inner > limit:
            nested = f" ({self.n:,} x {inner:,} by the NetNestOperators inside it)" if inner > 1 else ""
            raise OptionError(f"NetNestOperator option n= {self.n:,}: one call would apply its net "
                              f"{self.n * inner:,} times{nested}, more than the nest_applications limit ({limit:,}; "
                              f"{raise_hint('nest_applications')})", option="n",
                              kind="limit", expected=limit, found=self.n * inner)
        return {**changes, "_applications": self.n * inner}

    def validate(self) -> None:
        self.check_ports(self.net, ("Input",), ("Output",), "one input port 'Input' and one output port 'Output' "
                         "(of the same shape: the output is fed back)")

    input_ports = ("Input",)
    output_ports = ("Output",)

    @property
    def moved_inputs(self) -> tuple[str, ...]:
        return ("Input",) if self.n == 0 else ()  # applied no time: the output is the input

    def passed_through(self, port: str) -> tuple[tuple[str, str], ...]:
        """Applied once, its net gets the input's values; applied more often, its own earlier outputs too (the
        encoder range walk follows them: ``first_step``, ``fed_back``; no inner layer takes an n from them)."""
        return (("net", "Input"),) if port == "Input" and self.n == 1 else ()

    first_step = property(lambda self: {"Input": ("net", "Input")} if self.n > 1 else {})  # the first application's
    fed_back = property(lambda self: {"Output": "Input"} if self.n > 1 else {})  # each output into the next one

    def passed_out(self, option: str, inner_output: str) -> tuple[str, ...]:
        return ("Output",) if inner_output == "Output" else ()  # the last application's output

    def inner_types(self, types: Mapping[str, PortType]) -> dict[str, dict[str, PortType]]:
        try:
            same = unify(types["Input"], types["Output"])
        except Conflict as exc:
            raise exc.reworded(f"its input and output must agree (the output is fed back): {exc}", "Output") \
                from None
        _fed_back({"Input": same, "Output": settled_types(self.net)["Output"]}, "Input")  # fed: named inside too
        return {"net": {"Input": same, "Output": same}}

    def outer_types(self, types: Mapping[str, PortType], inner: Mapping[str, Any]) -> dict[str, PortType]:
        same = _fed_back(inner["net"].port_types, "Input")
        return {"Input": same, "Output": _ranged_as(same, inner["net"].port_types["Output"])}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return _NestModule(self.compiled_nets(types)["net"], self.n)

    def emit_block(self, ctx: EmitContext, outputs: tuple[str, ...]) -> list[str]:
        value = ctx.local("value")
        return [f"{value} = {ctx.args[0]}",
                f"for _ in range({self.n}):",
                f"    {value} = {ctx.module}.net({value})",
                f"{outputs[0]} = {value}"]

"""FunctionLayer and ElementwiseLayer: elementwise functions given by name, slot expression or callable."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from typing import Annotated, Any

import torch
from torch import nn

from netgraph.core.guessed_lengths import is_guessed
from netgraph.core.naming_scope import function_name, quoted
from netgraph.core.layer import PROBABILITY_OUTPUT, EmitContext, Layer, shape_option
from netgraph.core.shape_dims import port_shape_options
from netgraph.core.option_words import named_or_slots
from netgraph.core.options import Function, OptionKind, PortShapes, Ports
from netgraph.layers.function_output import ElementwiseInputShape, ElementwiseOutputShape, OutputShape
from netgraph.layers._callable_ports import callable_ports
from netgraph.layers._broadcast import unknown_dims_taken
from netgraph.layers._shapes import fill
from netgraph.layers.expression import is_expression, parse, parse_quietly, to_code
from netgraph.layers.expression_run import input_code, to_codes
from netgraph.layers.expression_elementwise import per_element, unit_range
from netgraph.layers.expression_shapes import extremum_hint, is_structural, least_lengths, lower_outputs
from netgraph.layers.function_lengths import UnnamedLength
from netgraph.layers.function_table import NAMED_FUNCTIONS, NamedFunction
from netgraph.layers.torch_functions import torch_function_hint
from netgraph.layers.function_modules import (CallableModule, ExpressionModule, LoweredModule, ProbeFacts, align,
                                              align_code, fill_results, probed_once, ran_facts)
from netgraph.layers.given_outputs import checked_call, recast_call
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.other_layer_names import elementwise_name_hint
from netgraph.core.option_problems import COMBINATION_KIND, option_problem
from netgraph.core.option_rules import Among, Excludes, Not, PythonOnly, refuses
from netgraph.core.conflicts import Conflict
from netgraph.core.types import (INTEGER, REAL, PortType, broadcast, format_shape, is_known, length_reason, real_type,
                                 unify)

__all__ = ["FunctionLayer", "ElementwiseLayer", "ELEMENTWISE", "align_code", "align"]

#: ElementwiseLayer names: the one-argument entries of the named-function table (FunctionLayer uses it too).
ELEMENTWISE: dict[str, NamedFunction] = {name: f for name, f in NAMED_FUNCTIONS.items() if f.arity == 1}
#: ElementwiseLayer's function: one of those names, or an expression in # (the schema says so too).
ElementwiseFunction = Annotated[Any, OptionKind("function", None, named_or_slots(ELEMENTWISE))]


def _elementwise_infer(inputs: tuple[str, ...], types: Mapping[str, PortType]) -> dict[str, PortType]:
    """Output = broadcast of inputs; an input of unknown shape takes the output's (elementwise rule): the full output
    shape where others are known (a NetArrayLayer scale or bias gets the shape of what it multiplies or shifts)."""
    all_inputs = inputs
    types = dict(types)
    shapes = [types[p].shape for p in inputs]
    if types["Output"].shape is None and None in shapes and shapes.count(None) < len(shapes):  # some input's known
        shapes = [s for s in shapes if s is not None]  # an input of unknown shape is taken as full-size
        inputs = tuple(p for p in inputs if types[p].shape is not None)
    if None not in shapes:
        _unify_broadcast(types, inputs, shapes)
    out = types["Output"].shape
    filled = [p for p in all_inputs if (s := types[p].shape) is None or None in s  # (a guess: as an unknown dim)
              or s != out and any(map(is_guessed, s))] if out is not None else []
    for p in filled:  # (an unknown dim takes the output's: unknown_dims_taken)
        shape = types[p].shape
        types[p] = PortType(out if shape is None else unknown_dims_taken(shape, out[len(out) - len(shape):]),
                            types[p].dtype)
    if filled:  # the inputs known before must broadcast with those just given the output's shape, as they will
        _unify_broadcast(types, all_inputs, [types[p].shape for p in all_inputs])  # when inferred again (settled)
    return types


def _unify_broadcast(types: dict[str, PortType], inputs: tuple[str, ...], shapes: list) -> None:
    """Unify ``types["Output"]`` with the broadcast of ``shapes`` (of ``inputs``); Conflict when they do not."""
    try:
        joint = broadcast(*shapes)
    except Conflict as exc:
        shown = ", ".join(f"{p!r} {format_shape(s)}" for p, s in zip(inputs, shapes))
        port = next((p for p, s in zip(inputs, shapes) if s == exc.found), None)
        raise Conflict(f"input ports {shown} do not broadcast together (numpy rules over the non-batch dims)"
                       f"{length_reason(exc)}", port=port, expected=exc.expected, found=exc.found) from None
    types["Output"] = unify(types["Output"], real_type(joint))  # one PortType per shape (a wide net has many)


def _output_names(outputs: Any, output: Any) -> tuple[str, ...]:
    """The output ports of a Python function: ``outputs=`` names (a list), else one port ``Output``."""
    if outputs is None:
        return ("Output",)
    if not (isinstance(outputs, (list, tuple)) and outputs
            and all(isinstance(p, str) and p.isidentifier() for p in outputs) and len(set(outputs)) == len(outputs)):
        raise OptionError(f"FunctionLayer option outputs= must be a list of distinct port names, found {outputs!r}",
                          option="outputs",
                          kind="option-value", expected="a list of distinct port names", found=outputs)
    if len(outputs) > 1 and output is not None:
        raise OptionError(f"FunctionLayer has several outputs {list(outputs)}: output= cannot give one shape for them",
                          option="output", kind=COMBINATION_KIND)
    return tuple(outputs)


def _input_option(value: Any, ports: tuple[str, ...], layer: str) -> dict[str, tuple | None]:
    if value is None:  # no input= (most layers): no Mapping test, no shape to read
        return dict.fromkeys(ports)
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in ports]
        if unknown:
            raise OptionError(f"{layer} input=: no port {unknown[0]!r}{did_you_mean(unknown[0], ports)}; ports are "
                              f"{list(ports)}", option="input",
                              kind="unknown-port", port=unknown[0], expected=list(ports), found=unknown[0])
        return port_shape_options({p: value.get(p) for p in ports}, layer, "input")
    return dict.fromkeys(ports, shape_option(value, layer, "input"))


def _is_function(value: Any) -> bool:
    """A Python function (any callable but a layer, which ``layer(x)`` makes callable too)."""
    return callable(value) and not isinstance(value, Layer)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class FunctionLayer(Layer):
    """An elementwise function of named inputs: ``FunctionLayer("#Means + #Stds * #Random", output=2)``.

    ``function`` is a Wolfram slot expression (ports in order of first appearance; bare ``#`` is ``Input``) or a
    Python callable whose parameter names are the ports. Inputs broadcast against each other by numpy's rules over
    the non-batch dims. ``input=`` gives a shape for every input, or a dict of shapes by port.

    >>> FunctionLayer("#Means + #Stds * #Random").input_ports
    ('Means', 'Stds', 'Random')
    """

    function: Function
    output: OutputShape = None
    input: PortShapes = None
    outputs: Ports = None
    mixes_examples: bool = False  # a Python function's outputs depend on other examples (score_baselines)
    RULES = (Excludes("outputs", Not(Among(None)), "function", Not(PythonOnly(_is_function))),  # a function's names
             Excludes("mixes_examples", Among(True), "function", Not(PythonOnly(_is_function))))
    POSITIONAL = "function"

    def normalize(self) -> dict[str, Any]:
        outputs: tuple[str, ...] = ("Output",)
        if refuses(self, "outputs"):
            raise OptionError("FunctionLayer option outputs= names the outputs of a Python function; an expression "
                              "names its own ({e1, e2} or <|\"a\" -> e1|>)", option="outputs", kind=COMBINATION_KIND)
        if refuses(self, "mixes_examples"):
            raise OptionError("FunctionLayer option mixes_examples= declares that a Python function's outputs "
                              "depend on other examples; an expression's never do", option="mixes_examples",
                              kind=COMBINATION_KIND)
        if isinstance(self.function, str):
            expr = parse(self.function, type(self).__name__, "function")
            ports = expr.slots
            outputs = expr.tree[1] if expr.tree[0] == "outputs" else outputs
            if len(outputs) > 1 and self.output is not None:
                raise OptionError(f"FunctionLayer {self.function!r} has several outputs {list(outputs)}: output= "
                                  f"cannot give one shape for them (their shapes are inferred)", option="output",
                                  kind=COMBINATION_KIND)
        elif isinstance(self.function, type):  # its constructor's parameters would be taken for ports
            name = self.function.__name__
            torch_module = issubclass(self.function, nn.Module)
            module = f"; a torch module goes in TorchLayer({name}(...)), an instance" if torch_module else ""
            return _bad_function(f"FunctionLayer needs a slot expression string or a Python function, found the class "
                                 f"{name}{module}", self.function, "a slot expression or a function")
        elif _is_function(self.function):
            expr = None
            ports = callable_ports(self.function)
            outputs = _output_names(self.outputs, self.output)
        else:
            return _bad_function(f"FunctionLayer needs a slot expression string or a Python function, found "
                                 f"{type(self.function).__name__}", self.function, "a slot expression or a function")
        if not ports:
            shown = repr(self.function) if isinstance(self.function, str) else \
                f"of the function {function_name(self.function)}"
            return _bad_function(f"FunctionLayer {shown} uses no input (write #Name for an input port)",
                                 self.function, "an expression with an input")
        return {"_expr": expr, "input_ports": ports, "_inputs": _input_option(self.input, ports, "FunctionLayer"),
                "output_ports": outputs, "_structural": expr is not None and _structural_text(self.function)}

    @property
    def infer_settles(self) -> bool:  # the elementwise rule, given its own result, returns it again
        return self._expr is not None and not self._structural

    def declared_types(self) -> dict[str, PortType]:
        types = {p: real_type(s) for p, s in self._inputs.items()}
        out = real_type(self.output) if self._expr is not None else PortType(self.output, None)  # a function.s: open
        for p in self.output_ports:
            types[p] = out
        return types

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        if self._structural:
            return self._structural_infer(types)
        if self._expr is not None:
            return _elementwise_infer(self.input_ports, types)
        types = dict(types)
        shapes = [types[p].shape for p in self.input_ports]
        if all(s is not None and None not in s for s in shapes):
            given = all(is_known(types[p].shape) for p in self.output_ports)
            outputs = self._example_output_shapes(shapes, given=given)
            dtypes = self.probe_facts(types).dtypes or (torch.float32,) * len(outputs)
            fill_results(types, self.output_ports, outputs, dtypes)  # an integer or boolean result's dtype: open
        return types

    def default_dtypes(self, types: Mapping[str, PortType]) -> dict[str, str]:
        """Integer for a Python function's integer or boolean results no layer they feed takes as Real (cast there)."""
        dtypes = self.probe_facts(types).dtypes if all(is_known(types[p].shape) for p in self.input_ports) else ()
        return {p: INTEGER for p, d in zip(self.output_ports, dtypes) if not (d.is_floating_point or d.is_complex)}

    def masking(self, types: Mapping[str, PortType]) -> str:
        """An elementwise expression is pointwise when no input's sequence dim moves (a lower-rank input would be
        aligned in front of it); whole-array functions (Max, Length, Total, Part...) and Python functions are not."""
        if self._expr is None or self._structural:
            return "unaware"
        out = len(types["Output"].shape)
        shapes = [types[p].shape for p in self.input_ports]
        return "pointwise" if all(len(s) == out for s in shapes if s and isinstance(s[0], str)) else "unaware"

    def _structural_infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        """With Total/Dot/Part or several outputs: each output's shape once every input's shape is known."""
        types = dict(types)
        shapes = {p: types[p].shape for p in self.input_ports}
        if all(s is not None for s in shapes.values()):
            for port, _, shape in lower_outputs(self._expr.tree, shapes):
                try:
                    fill(types, port, shape, REAL)
                except Conflict as exc:
                    raise exc.reworded(f"{exc}{extremum_hint(self._expr.tree)}", exc.port) from None
        return types

    def least_lengths(self, types: Mapping[str, PortType]) -> dict[str, tuple[int, str]]:
        """The variable lengths that need more than 1 element (Variance, StandardDeviation over one): checked per
        call (``netgraph.backend.derived_lengths``)."""
        shapes = {p: types[p].shape for p in self.input_ports}
        return least_lengths(self._expr.tree, shapes) if self._structural and None not in shapes.values() else {}

    def _lowered(self, types: Mapping[str, PortType]) -> list[tuple]:
        return [tree for _, tree, _ in lower_outputs(self._expr.tree, {p: types[p].shape for p in self.input_ports})]

    def _example_output_shapes(self, shapes: list[tuple], given: bool) -> list[tuple]:
        """The output shapes of the Python function run on meta tensors (no data), each variable length probed at
        several sizes (``named_output_shapes``; a given output shape stands where no length name says it); when those
        cannot run it (data-dependent control flow: ``if x.sum() > 0``, ``.item()``) but zeros can, the shapes it
        gives on zeros, if the output shapes are ``given`` (they are then checked against them), else a Conflict
        asking for output=."""
        unnamed = [None] * len(self.output_ports)  # a given shape stands where no length name says the output's
        try:
            return self._probed(shapes, "meta")
        except UnnamedLength:
            if given:
                return unnamed
            raise
        except Conflict as on_meta:
            try:
                found = self._probed(shapes, "cpu")
            except UnnamedLength:
                found = unnamed
            except Conflict:
                raise on_meta from None  # a real failure, not one of meta tensors
            if given:
                return found
            raise on_meta.reworded(f"{on_meta} (output shapes are found by running the function on meta tensors, "
                                   f"which hold no data, and it needs data, as data-dependent control flow does: give "
                                   f"its output shape, output=...)", on_meta.port) from None

    def _probed(self, shapes: list[tuple], device: str) -> list[tuple]:
        """``probed_once`` of the Python function, its runs' memo kept on the layer (``_probes``)."""
        return probed_once(self.__dict__.setdefault("_probes", {}), self.function, shapes, device, self.output_ports)

    def probe_facts(self, types: Mapping[str, PortType]) -> ProbeFacts:
        """What running the Python function on meta tensors (else on zeros) for these input types showed: the inputs
        it changes in place, its outputs' dtypes (none when it did not run, or for an expression)."""
        if self._expr is not None:
            return ProbeFacts()
        shapes = [types[p].shape for p in self.input_ports]  # (run now where inference has not: a copy's)
        return ran_facts(lambda device: self._probed(shapes, device), self.__dict__, tuple(shapes))

    def mutated_inputs(self, types: Mapping[str, PortType]) -> frozenset[int]:
        """The inputs the Python function changes in place (``x.add_(1)``): copied for it, as for a TorchLayer."""
        return frozenset(self.probe_facts(types).mutated)

    def probed_dtypes(self, types: Mapping[str, PortType]) -> tuple[torch.dtype, ...]:
        return self.probe_facts(types).dtypes  # the Python function's outputs' (cast where their port is Real)

    def probed_largest(self, types: Mapping[str, PortType]) -> tuple[tuple[int, ...], ...]:
        """Each input's largest sizes the Python function ran at (``widest``; none unprobed), as a TorchLayer's."""
        return self.probe_facts(types).largest

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles leave the probed output shapes behind too (remade on first use)."""
        return {name: value for name, value in super().__getstate__().items() if name != "_probes"}

    def _ranks(self, types: Mapping[str, PortType]) -> tuple[tuple[int, ...], int]:
        ranks = tuple(len(types[p].shape) for p in self.input_ports)
        return ranks, max(ranks)

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        if self._structural:
            return LoweredModule(self.input_ports, self._lowered(types))
        ranks, out_rank = self._ranks(types)
        if self._expr is None:
            return CallableModule(self.function, ranks, out_rank, self.output_ports, self.mixes_examples)
        return ExpressionModule(self._expr, ranks, out_rank)

    def emit(self, ctx: EmitContext) -> str:
        if self._expr is None:
            facts = self.probe_facts(ctx.types)  # inputs it changes in place get a copy; its outputs are Real
            args = ", ".join(f"{a}.clone()" if i in facts.mutated else a for i, a in enumerate(ctx.args))
            call = recast_call(f"{ctx.module}({args})", ctx, self.input_ports, facts.dtypes, self.output_ports)
            try:  # meta tensors ran the function on these shapes (its outputs checked), or output= gave them
                self._probed([ctx.types[p].shape for p in self.input_ports], "meta")
            except Conflict:
                return checked_call(call, ctx, self.output_ports, "FunctionLayer", "output")
            return call
        if self._structural:
            return ", ".join(to_codes(self._lowered(ctx.types), dict(zip(self.input_ports, ctx.args)), ctx.local))
        ranks, out_rank = self._ranks(ctx.types)
        names = {s: align_code(a, r, out_rank) for s, a, r in zip(self.input_ports, ctx.args, ranks)}
        return to_code(self._expr.tree, names, ctx.local)  # every expression has a slot, so this is a tensor


@functools.lru_cache(maxsize=4096)
def _structural_text(text: str) -> bool:
    """``is_structural`` of the expression ``text``, found once per text (``parse`` has given its warnings)."""
    return is_structural(parse_quietly(text).tree)


def _bad_function(message: str, found: Any, expected: str = "an elementwise function or expression in #") -> dict:
    """Report a bad ``function=`` (``option_problem``): no expression, while the other options are checked."""
    return option_problem(OptionError(message, option="function", expected=expected, found=found), {})


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ElementwiseLayer(Layer):
    """Applies a unary function to every element: ``ElementwiseLayer("Ramp")``, or an expression in ``#``.

    Ports: ``Input`` and ``Output``, of the same shape. Names: see ``ELEMENTWISE`` (the one-argument
    entries of ``netgraph.layers.function_table``, which FunctionLayer expressions also use).

    >>> ElementwiseLayer("Tanh").input_ports
    ('Input',)
    """

    function: ElementwiseFunction
    input: ElementwiseInputShape = None
    output: ElementwiseOutputShape = None
    POSITIONAL = "function"
    input_ports = ("Input",)
    infer_settles = True

    def normalize(self) -> dict[str, Any]:
        f = self.function
        if not isinstance(f, str):
            return _bad_function(f"ElementwiseLayer needs a function name such as 'Ramp', found {quoted(f)}"
                                 f"{torch_function_hint(f, ELEMENTWISE, 'ElementwiseLayer')}", f)
        if f in ELEMENTWISE:
            expr = parse(f"{f}[#]")  # a name is the expression that applies it: one definition for both paths
        elif not is_expression(f):
            hint = (elementwise_name_hint(f) or torch_function_hint(f, ELEMENTWISE, "ElementwiseLayer")
                    or did_you_mean(f, ELEMENTWISE))
            return _bad_function(f"ElementwiseLayer: unknown function {quoted(f)}{hint}; known: "
                                 f"{', '.join(sorted(ELEMENTWISE))}, or an expression in # such as '#^2'", f)
        else:
            expr = per_element(parse(f, type(self).__name__, "function"))  # Max[#, 0]: the elementwise maximum
            if expr.slots == ("Input1",):  # Wolfram's #1 is #, the one input
                expr = per_element(parse_quietly(re.sub(r"#0*1(?![0-9])(?=(\w)?)", lambda m: "# " if m[1] else "#", f)))
            if is_structural(expr.tree):
                return _bad_function(f"ElementwiseLayer expression {quoted(f)} must be elementwise (one output, no "
                                     f"Total, Mean, Dot or Part): use FunctionLayer", f)
            if expr.slots != ("Input",):
                return _bad_function(f"ElementwiseLayer expression {quoted(f)} must use only # (its one input), found "
                                     f"{list(expr.slots)}", f)
        return {"_expr": expr}

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": real_type(self.input), "Output": real_type(self.output)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        return dict.fromkeys(("Input", "Output"), unify(types["Input"], types["Output"]))

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "pointwise"  # each sequence element alone (padded sequences keep their lengths)

    def probability_outputs(self) -> frozenset[str]:  # a sigmoid of anything: a cross-entropy leaves its check out
        return PROBABILITY_OUTPUT if unit_range(self._expr.tree) else frozenset()

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return ExpressionModule(self._expr, (0,), 0)

    def emit(self, ctx: EmitContext) -> str:
        return input_code(self._expr.tree, ctx.args[0], ctx.local)

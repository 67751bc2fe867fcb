"""The shared base of TorchLayer and register_module's classes (``_ModuleWrapper``): ports and arrays from a
module, output types found by running it on meta tensors (each variable length probed at sizes of its own), its
arrays replaced, built as a copy."""

from __future__ import annotations

import copy
import functools
import math
import traceback
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import torch
from torch import nn

from netgraph.core.layer import EmitContext, Layer
from netgraph.layers._module_values import kept_array
from netgraph.layers._modules import meta_call, meta_inputs
from netgraph.layers._shapes import probe_batch
from netgraph.layers._torch_ports import port_types, positional_problem
from netgraph.layers.function_lengths import (LONGER_STARTS, MAX_STRIDE, UnnamedLength, first_probe_shapes,
                                              named_output_shapes, retried_output_shapes, run_once)
from netgraph.layers.probe_runs import contradicted_words, contradicting_run, widest
from netgraph.layers.given_outputs import checked_call, recast_call
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.shared import NetSharedArray
from netgraph.core.option_checks import normalized
from netgraph.core.option_problems import ARGUMENT_KIND, COMBINATION_KIND, VALUE_KIND, option_problem
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, REAL, PortType, format_shape, is_known, unify

__all__ = ["_ModuleWrapper"]


class _ModuleWrapper(Layer):
    """Shared behaviour of TorchLayer and registered module classes (``self._module`` is the module)."""

    MODULE_OPTION: ClassVar[str | None] = None  # the option that holds the module, whose arrays are the layer's
    WRAPS_MODULE: ClassVar[bool] = True  # one module object per layer of a net (core.wrapped_modules)
    OUTPUTS_OPTION: ClassVar[bool] = False  # whether ``outputs=`` gives the output shapes (TorchLayer's)

    def _setup(self, module: nn.Module, inputs: Any, outputs: Any) -> dict[str, Any]:
        """The attributes a wrapper derives from its module and port options."""
        name = self.type_name
        if not isinstance(module, nn.Module):
            module = option_problem(OptionError(f"{name} needs a torch.nn.Module, found {type(module).__name__}",
                                                option="module", expected="a torch.nn.Module",
                                                found=type(module).__name__), None)
        ins = normalized(port_types, inputs, name, "inputs")
        outs = normalized(functools.partial(port_types, default="Output"), outputs, name, "outputs")
        if module is None or ins is None or outs is None:  # a bad one reported: the checks of them together are moot
            return {}
        clash = set(ins) & set(outs)
        if clash:
            raise OptionError(f"{name}: {sorted(clash)} named as both input and output ports", option="outputs",
                              kind=COMBINATION_KIND)
        if problem := positional_problem(module, tuple(ins)):
            raise OptionError(f"{name}: {problem}", option="inputs", kind=COMBINATION_KIND)
        return {"_module": module, "_in": ins, "_out": outs, "input_ports": tuple(ins), "output_ports": tuple(outs),
                "ARRAYS": {k: k for k in module.state_dict()}, "_cache": {},
                "BUFFERS": frozenset(name for name, _ in module.named_buffers())}

    def declared_types(self) -> dict[str, PortType]:
        ins = {p: PortType(t.shape, t.dtype or REAL) for p, t in self._in.items()}
        return {**ins, **self._out}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        ins = tuple(types[p] for p in self.input_ports)
        if not all(is_known(t.shape) and t.dtype is not None for t in ins):
            return types
        result = self._probed(ins)
        if isinstance(result, Conflict):
            if isinstance(result, _MetaFailure) and all(is_known(types[p].shape) for p in self.output_ports):
                return types  # it cannot run on meta tensors (data-dependent shapes): the shapes given by the user
            raise result.reworded(str(result)) from result.__cause__  # (a new one: the cached one keeps no traceback)
        for port, t in zip(self.output_ports, result):
            try:
                types[port] = unify(types[port], t)
            except Conflict as exc:
                raise exc.reworded(f"port {quoted(port)}: the module returns {t}, but {exc}", port) from None
        return types

    def _probed(self, ins: tuple[PortType, ...]) -> tuple[PortType, ...] | Conflict:
        """``_probe``'s result for these input types, cached."""
        if ins not in self._cache:
            self._cache[ins] = self._probe(ins)
        return self._cache[ins]

    def mutated_inputs(self, types: Mapping[str, PortType]) -> frozenset[int]:
        """The inputs (positions) the meta probe saw changed in place (``nn.ReLU(inplace=True)``), all where it cannot
        run: each gets a copy, so a tensor that feeds other layers too (or the caller's input) stays as it was."""
        ins = tuple(types[p] for p in self.input_ports)
        if not all(is_known(t.shape) and t.dtype is not None for t in ins):
            return frozenset()
        unprobed = isinstance(self._probed(ins), _MetaFailure)
        return frozenset(range(len(ins))) if unprobed else self._cache.get(("mutated", ins), frozenset())

    def emit(self, ctx: EmitContext) -> str:
        ins = tuple(ctx.types[p] for p in self.input_ports)
        if all(is_known(t.shape) and t.dtype is not None for t in ins) and isinstance(self._probed(ins), _MetaFailure):
            call = f"copied_if_changed({', '.join([ctx.module, *ctx.args])})" if ins else f"{ctx.module}({ctx.batch})"
            return checked_call(call, ctx, self.output_ports, self.type_name, "outputs", self.input_ports)  # checked
        mutated = self.mutated_inputs(ctx.types)
        args = [f"{a}.clone()" if i in mutated else a for i, a in enumerate(ctx.args)]
        call = f"{ctx.module}({', '.join(args) if self.input_ports else ctx.batch})"
        return recast_call(call, ctx, self.input_ports, self.probed_dtypes(ctx.types), self.output_ports)  # x.double()

    def probed_dtypes(self, types: Mapping[str, PortType]) -> tuple[torch.dtype, ...]:
        """The dtypes of the module's outputs as the meta probe found them for these input types (none unprobed)."""
        return self._cache.get(("dtypes", tuple(types[p] for p in self.input_ports)), ())

    def probed_largest(self, types: Mapping[str, PortType]) -> tuple[tuple[int, ...], ...]:
        """Each input's largest sizes the module ran at on meta tensors (``widest``; none unprobed)."""
        return self._cache.get(("largest", tuple(types[p] for p in self.input_ports)), ())

    def _probe(self, ins: tuple[PortType, ...]) -> tuple[PortType, ...] | Conflict:
        """Output types from running the module on meta tensors, each variable length probed at sizes of its own
        (``named_output_shapes``, as for a Python function), or the Conflict saying why it failed."""
        failures: list[_MetaFailure] = []
        taken: list[list[tuple[int, ...]]] = []

        def run(shapes: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
            result = self._meta_call(ins, shapes)
            if isinstance(result, Conflict):
                failures.extend([result] if isinstance(result, _MetaFailure) else [])
                raise result
            taken.append(shapes)
            self._cache[("largest", ins)] = widest(self._cache.get(("largest", ins), ()), shapes)
            self._cache.setdefault(("mutated", ins), result[0])
            self._cache.setdefault(("dtypes", ins), tuple(dtype for _, dtype in result[1]))  # recast a float one
            return [shape for shape, _ in result[1]]

        shapes, run = [t.shape for t in ins], run_once(run)
        try:
            found = named_output_shapes(shapes, run, self.output_ports, max_stride=MAX_STRIDE)
        except Conflict as exc:
            first = self._probe_failure(exc, shapes, bool(failures))
            if not failures:
                return first
            first.__cause__ = failures[0].__cause__  # the module's own error
            if not taken and _refused_alike_beside(shapes, run, failures):  # no data, or a fixed size: not 16 runs
                return self._failed_alike(failures, shapes, same=True)
            found = retried_output_shapes(shapes, run, self.output_ports)
            if isinstance(found, UnnamedLength):
                return self._probe_failure(found, shapes, True)
            if found is None and _one_kind(failures) and not taken:  # it took no length, retried too
                return self._failed_alike(failures, shapes, same=_alike(failures))
            if found is None:
                return (_took_some_lengths(first, taken, failures, self._outputs_hint()) if taken
                        else _refused_every_length(first, failures, self._outputs_hint()))
        if wrong := contradicting_run(shapes, found, run):  # a fit of some sizes only
            return self._contradicted(shapes, found, *wrong)
        dtypes = self._cache[("dtypes", ins)]
        return tuple(PortType(shape, INTEGER if dtype in _INTEGER_DTYPES else REAL)
                     for shape, dtype in zip(found, dtypes))

    def _probe_failure(self, exc: Conflict, shapes: list[tuple], raised: bool) -> Conflict:
        """The Conflict for a failed probe: a _MetaFailure (the output shapes given stand in) where the module raised
        or no length name says an output's shape."""
        if isinstance(exc, UnnamedLength):
            return _MetaFailure(f"the module's output {quoted(exc.port)} on inputs {self._shown(shapes)} has no shape "
                                f"netgraph can name: {exc.found}{self._outputs_hint()}",
                                expected=exc.expected, found=exc.found)
        return _MetaFailure(str(exc), expected=exc.expected, found=exc.found) if raised else exc

    def _contradicted(self, shapes: list[tuple], found: list[tuple], ins: list[tuple], outs: list[tuple]
                      ) -> _MetaFailure:
        """The _MetaFailure where a run past the sizes the output shapes were read off (``found``) returned others."""
        return _MetaFailure(contradicted_words("the module's", self._shown(shapes), found, self._shown(ins), outs,
                                               self._outputs_hint()), expected=tuple(found), found=tuple(outs))

    def _failed_alike(self, failures: list[_MetaFailure], shapes: list[tuple], same: bool) -> _MetaFailure:
        """The one error the module raised at every length tried, quoted at the longest: ``same`` (the very same
        error), likely a fixed size; one kind of error (one exception class raised at one place), a fixed size or
        longer inputs alike (else real data needed: how to give its output shapes too)."""
        port = self.input_ports[0] if len(self.input_ports) == 1 else None
        tried = f"{len({f.expected for f in failures})} sizes{_lengths_tried(shapes, failures)}"
        hint = f"; if it needs longer inputs or real data to run, {self._outputs_hint()[2:]}" * self.OUTPUTS_OPTION
        check = "check the fixed sizes of its inputs (what feeds it, or the graph's port shapes)"
        last = _longest(failures)
        said = (f"the same error at every length tried ({tried}, on meta tensors, batch dim first): "
                f"{last.found}; likely a fixed size: {check}{hint}" if same else
                f"one kind of error ({type(last.__cause__).__name__}) at every length tried ({tried}, on meta "
                f"tensors, batch dim first), at {self._shown(last.expected)}: "
                f"{last.found}; a fixed size or a length it needs: {check}, or whether it needs longer inputs"
                + (f" ({self._outputs_hint()[2:]})" if self.OUTPUTS_OPTION else ""))
        return _caused(f"the module failed alike on inputs {self._shown(shapes)}, {said}",
                       last.__cause__, port=port, expected=tuple(shapes), found=last.found)

    def _shown(self, shapes: list[tuple]) -> str:
        return ", ".join(f"{p!r} {format_shape(s)}" for p, s in zip(self.input_ports, shapes))

    def _outputs_hint(self) -> str:
        """How to give the output shapes (a TorchLayer's ``outputs=``; a registered module's are fixed)."""
        if not self.OUTPUTS_OPTION:
            return ""
        return f"; give the output shapes with outputs={{{', '.join(repr(p) + ': shape' for p in self.output_ports)}}}"

    def _meta_call(self, ins: tuple[PortType, ...], shapes: list[tuple[int, ...]]) -> tuple | Conflict:
        """The module run on meta tensors of ``shapes`` (batch first): (the inputs it changed in place, each
        output's shape and dtype), or a Conflict."""
        batch = probe_batch(shapes, 3)  # no input's size: a module that mixes the examples shows it
        args = meta_inputs(shapes, [t.dtype == INTEGER for t in ins], batch)
        shown = self._shown(shapes)
        hint = "; check that the module takes inputs of these shapes (what feeds it, or the graph's port shapes)"
        try:
            out = meta_call(self._module, args)
        except Exception as exc:  # any failure of user code on these shapes is a shape problem
            failure = f"{type(exc).__name__}: {str(exc)[:300]}"  # the whole of it: the __cause__
            return _caused(f"running the module on meta tensors with inputs {shown} (batch dim first) failed: "
                           f"{failure}{hint}", exc, expected=tuple(shapes), found=failure)
        outs = list(out) if isinstance(out, (tuple, list)) and len(self.output_ports) > 1 else [out]
        if not all(isinstance(o, torch.Tensor) for o in outs) or len(outs) != len(self.output_ports):
            kinds = type(out).__name__ if not isinstance(out, (tuple, list)) else \
                f"({', '.join(type(o).__name__ for o in out)})"
            return Conflict(f"the module must return one tensor per output port {list(self.output_ports)}, "
                            f"returned {kinds}", expected=list(self.output_ports), found=kinds)
        bad = [o for o in outs if o.dim() == 0 or o.shape[0] != batch]
        if bad:
            found = [tuple(o.shape) for o in outs]
            return Conflict(f"the module must keep the batch dim first: on inputs {shown} with batch {batch} it "
                            f"returned shapes {found}", expected=f"batch {batch}", found=found)
        mutated = frozenset(i for i, a in enumerate(args) if a._version)
        return mutated, [(tuple(o.shape[1:]), o.dtype) for o in outs]

    # -- arrays: the module's state -----------------------------------------------------------------
    @property
    def arrays(self) -> dict[str, torch.Tensor | None]:
        return {k: v.detach() for k, v in self._module.state_dict().items()}

    @property
    def frozen_arrays(self) -> tuple[str, ...]:
        """The module's parameters with ``requires_grad=False``: training leaves them (their rate is 0)."""
        return tuple(name for name, p in self._module.named_parameters() if not p.requires_grad)

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        return {k: tuple(v.shape) for k, v in self.arrays.items()}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        """A wrapped module keeps its own initialisation."""
        return self.arrays[name].clone()

    def _loaded(self, arrays: Mapping[str, Any]) -> nn.Module:
        if unknown := [n for n in arrays if n not in self.ARRAYS]:
            raise OptionError(f"{self.type_name} has no array {unknown[0]!r}{did_you_mean(unknown[0], self.ARRAYS)}",
                              option=self.MODULE_OPTION, kind=ARGUMENT_KIND)
        module = copy.deepcopy(self._module)
        state, tensors = module.state_dict(), {name: self._array_value(name, value) for name, value in arrays.items()}
        for name, given in tensors.items():  # load_state_dict would drop an imaginary part (only torch warns)
            current = state.get(name)
            if current is not None and given.is_complex() != current.is_complex():
                raise OptionError(f"{self.type_name}: array {quoted(name)} is "
                                  f"{str(given.dtype).removeprefix('torch.')}, where the module's is "
                                  f"{str(current.dtype).removeprefix('torch.')}",
                                  option=self.MODULE_OPTION,
                                  kind="option-value", expected=str(current.dtype), found=str(given.dtype))
            self._check_shape(name, given, current)
        # a floating array keeps its dtype (a float64 one stays float64, as a built-in layer's); others take the module's
        try:
            module.load_state_dict({k: kept_array(v, state.get(k)) for k, v in tensors.items()}, strict=False,
                                   assign=True)
        except RuntimeError as exc:
            raise OptionError(f"{self.type_name}: arrays do not fit the module: {exc}", option=self.MODULE_OPTION,
                              kind="array-shape") from None
        return module

    def _array_value(self, name: str, value: Any) -> torch.Tensor:
        """``value`` for array ``name`` as a tensor; OptionError for a shared array (a module's arrays are its own)
        and for a value that is no array (torch's own error was raw)."""
        if isinstance(value, NetSharedArray):
            raise OptionError(f"{self.type_name} array {quoted(name)} cannot be shared ({value!r}): its arrays are its "
                              f"module's own (its state_dict); share an array between netgraph layers instead "
                              f"(LinearLayer(n, weights={value!r}) in each user)", option=self.MODULE_OPTION,
                              kind=VALUE_KIND, expected="an array's values", found=repr(value))
        try:
            return torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError):
            raise OptionError(f"{self.type_name} array {quoted(name)} needs a tensor (or an array, a number, nested "
                              f"lists of numbers); found {type(value).__name__}", option=self.MODULE_OPTION,
                              kind=VALUE_KIND, expected="an array's values", found=type(value).__name__) from None

    def _check_shape(self, name: str, given: torch.Tensor, current: torch.Tensor | None) -> None:
        """OptionError naming array ``name`` when ``given`` is not the module's shape (load_state_dict says it in
        torch's words: "size mismatch ... from checkpoint"). A lazy module's array not yet made has no shape to check."""
        if current is None or isinstance(current, nn.parameter.UninitializedTensorMixin):
            return
        expected, found = tuple(current.shape), tuple(given.shape)
        if expected != found:
            raise OptionError(f"{self.type_name}: array {quoted(name)} has shape {found}, where the module's is "
                              f"{expected}",
                              option=self.MODULE_OPTION, kind="array-shape", expected=expected, found=found)

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return copy.deepcopy(self._module)


def _refused_every_length(first: Conflict, failures: list[_MetaFailure], hint: str) -> Conflict:
    """``first`` (the module's failure at the first lengths) saying a few of the lengths tried where it took none,
    the error at the longest where raised otherwise (the most telling), and how to give its output shapes (``hint``:
    none for a registered module) if it may need real data, or takes longer inputs."""
    tried = sorted({shape for f in failures for shape in [f.expected] if isinstance(shape, tuple)})
    if not isinstance(first, _MetaFailure) or not hint and len(tried) < 2:
        return first
    last = _longest(failures)
    other = (f"; at {_some_shapes([last.expected])} it raised another error: {str(last.found).rstrip('.')}"
             if _raised_where(last.__cause__) != _raised_where(first.__cause__) else "")
    said = (f"{first}; only if it needs real data to run (data-dependent shapes){hint}" if len(tried) < 2 else
            f"{first}; it refused every input shape tried ({_some_shapes(tried)}){other}"
            + (f"; if it takes longer inputs still, {hint[2:]}" if hint else ""))
    return _caused(said, first.__cause__, expected=first.expected, found=first.found)


def _refused_alike_beside(shapes: list[tuple], run: Callable, failures: list[_MetaFailure]) -> bool:
    """Whether ``run`` (the module on meta tensors) fails at its lengths' second probe sizes and at the longest start
    (``LONGER_STARTS``) as it did at the first sizes: the same error, so likely not for want of a length it takes (a
    module needing data, or a fixed size wrong); the retries would fail alike too."""
    for tried in (first_probe_shapes(shapes, nth=1), first_probe_shapes(shapes, start=LONGER_STARTS[-1])):
        try:
            run(tried)
        except Conflict:
            continue
        return False
    return _alike(failures)


def _alike(failures: list[_MetaFailure]) -> bool:
    """Whether the module raised one error, the very same at every input shape tried (several): nothing in it
    follows the sizes."""
    return _one_kind(failures) and len({str(f.__cause__) for f in failures}) == 1


def _one_kind(failures: list[_MetaFailure]) -> bool:
    """Whether the module raised one kind of error at every input shape tried (several): one exception class raised
    at one place (torch's shape errors are nearly all RuntimeErrors, a conv's at short lengths, a linear's after)."""
    return len({f.expected for f in failures}) > 1 and len({_raised_where(f.__cause__) for f in failures}) == 1


def _raised_where(error: BaseException | None) -> tuple:
    """``error``'s class and the code it was raised through (each frame's file and line)."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    return type(error), tuple((frame.filename, frame.lineno) for frame in frames)


def _longest(failures: list[_MetaFailure]) -> _MetaFailure:
    """The failure at the largest inputs tried (the most telling: past what a short length alone refuses)."""
    return max(failures, key=lambda f: sum(math.prod(shape) for shape in f.expected))


def _lengths_tried(shapes: list[tuple], failures: list[_MetaFailure]) -> str:
    """Each input length's range over the ``failures``' input sizes: ", n = 5 ... 1024"."""
    ranges = {}
    for k, shape in enumerate(shapes):
        for a, d in enumerate(shape):
            sizes = [f.expected[k][a] for f in failures if isinstance(f.expected, tuple)]
            if isinstance(d, str) and d not in ranges and sizes:
                ranges[d] = f"{d} = {min(sizes)} ... {max(sizes)}"
    return "".join(f", {r}" for r in ranges.values())


def _took_some_lengths(first: Conflict, taken: list[list[tuple]], failures: list[_MetaFailure], hint: str) -> Conflict:
    """``first`` saying which input shapes the module took and which it refused, where no length name fits those it
    took (a module taking only a window of lengths), and how to give its output shapes (``hint``)."""
    refused = sorted({f.expected for f in failures if isinstance(f.expected, tuple)})
    took = sorted({tuple(shapes) for shapes in taken})
    return _caused(f"{first}; it took {_some_shapes(took)} and refused {_some_shapes(refused)}, and no length name "
                   f"says its output at those it took{hint}", first.__cause__,
                   expected=first.expected, found=first.found)


def _some_shapes(tried: list[tuple], most: int = 4) -> str:
    """The input shapes ``tried``: where more than ``most``, the first few, the last and how many in all."""
    def shown(some: list[tuple]) -> str:
        return ", ".join(" and ".join(format_shape(s) for s in shapes) for shapes in some)
    if len(tried) <= most:
        return shown(tried)
    return f"{shown(tried[:most - 1])}, ..., {shown(tried[-1:])} ({len(tried)} in all)"


class _MetaFailure(Conflict):
    """The module raised on meta tensors (user-given output shapes stand in); a wrong return is a plain Conflict."""


def _caused(said: str, cause: BaseException | None, **fields: Any) -> _MetaFailure:
    """A _MetaFailure saying ``said`` (``fields``: its port, expected, found) whose ``__cause__`` is ``cause``, the
    module's own error."""
    failure = _MetaFailure(said, **fields)
    failure.__cause__ = cause
    return failure


_INTEGER_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool)

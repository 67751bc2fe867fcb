"""The layer base class and the registry from Wolfram type name to class.

A layer is a frozen value (a dataclass) that declares its ports, relates their types in ``infer``, makes its torch
module in ``build``, and holds no mutable torch state: ``build`` copies its arrays, ``with_arrays`` makes a new layer.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import torch
from torch import nn

from netgraph.core.attribute_hints import frozen_layer_error, missing_layer_attribute
from netgraph.core.emit_context import EmitContext
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.frozen import frozen_init
from netgraph.core.options import as_array, copy_plan, removable_fields, shape_options
from netgraph.core.layer_checks import (SHAPES_CHECKED, check_class, leave_out_removed, removed_note, same_shapes,
                                       shapes_checked_elsewhere)
from netgraph.core.layer_arguments import with_argument_errors
from netgraph.core.layer_making import drop_dataclass_frozen, make_layer, making_plan
from netgraph.core.option_problems import ARGUMENT_KIND, checked_together
from netgraph.core.option_ranges import Within
from netgraph.core.option_rules import ChosenBy, Excludes
from netgraph.core.plugins import stage
from netgraph.core.registry import Registry, registry_scope
from netgraph.core.layer_values import hashed_option as _hashed, same_option as _same, short_option as _short
from netgraph.core.stage_doors import SpecText, notebook_svg
from netgraph.core.shared import NetSharedArray, SharedNames, check_shared_held, replaced_markers
from netgraph.core.torch_array_names import array_name_hint, array_name_note
from netgraph.core.shape_dims import shape_option
from netgraph.core.types import ANY_REAL, PortType

__all__ = ["Layer", "REGISTRY", "layer_class", "register", "registry_scope", "as_array", "shape_option",
           "EmitContext", "frozen_init", "PROBABILITY_OUTPUT"]

REGISTRY: Registry = Registry("layer type")
PROBABILITY_OUTPUT = frozenset({"Output"})  # probability_outputs where Output is in [0, 1] (softmax, sigmoid)
_DATACLASS = {"frozen": True, "eq": False, "repr": False}


def register(cls: type[Layer], name: str | None = None, replace: bool = False) -> type[Layer]:
    """Make ``cls`` known by ``name`` (default: its class name) to YAML specs and ``layer_class``; a name taken by
    another class raises OptionError naming both, unless ``replace=True``."""
    return REGISTRY.add(cls, name, replace)


def _as_dataclass(cls: type) -> None:
    """Make ``cls`` a frozen dataclass in place, so that an explicit ``@dataclass`` on top still works."""
    declared = {n: v for n, v in cls.__dict__.items() if isinstance(v, dataclasses.Field)}
    try:
        dataclasses.dataclass(cls, **_DATACLASS)
    except ValueError as exc:  # a mutable default (a list, dict, set): dataclasses' words, naming the layer class
        raise OptionError(f"layer type {cls.__name__}: {exc}, or give a tuple", kind="layer-contract") from None
    drop_dataclass_frozen(cls, Layer)  # Layer's own make it frozen (an explicit @dataclass adds them back: making_plan)
    for name, spec in declared.items():  # a second @dataclass must see the same field specs
        setattr(cls, name, spec)
    with_argument_errors(cls)  # LinearLayer(3, activation="relu"): an OptionError naming the option


def _writes_own_init(cls: type) -> bool:
    """Whether ``cls`` (or a base below Layer) constructs itself (NetGraph): it is then no dataclass."""
    return any("__init__" in c.__dict__ and "__dataclass_fields__" not in c.__dict__
               for c in cls.__mro__ if issubclass(c, Layer) and c is not Layer)


def _option_names(layer: Layer) -> list[str]:
    return [f.name for f in dataclasses.fields(layer)] if dataclasses.is_dataclass(layer) else []


def layer_class(name: str) -> type[Layer]:
    """The layer class registered as ``name``; OptionError with a suggestion when unknown."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise OptionError(f"{REGISTRY.unknown(name)}{did_you_mean(name, REGISTRY)}",
                          kind="unknown-layer-type", found=name) from None


class Layer(SpecText):
    """Base of every layer spec. A subclass is made a frozen dataclass of its annotated fields (its options).

    ``class X(Layer, register=False)`` keeps it out of the registry (by default it is registered under
    its class name unless that starts with '_'). Options are normalised when a layer is made: first by
    their annotation (``Shape``, ``Array``, ... from ``netgraph.core.options``), then by ``normalize()``,
    which returns the changed values (and derived private attributes) for the base to set, and are
    finally checked together by ``validate()``.

    Subclasses define:
      * ``input_ports`` / ``output_ports``: port names, in order.
      * ``declared_types()``: port types fixed by options (``output=3`` …).
      * ``infer(types)``: given the current partial types of all its ports, return refined ones
        (both directions), raising ``Conflict`` when they cannot agree.
      * ``array_shapes(types)`` and ``init_array(name, shape, generator)`` when it has arrays.
      * ``build(types)``: the torch module; ``forward(*inputs)`` (or ``forward(batch_size)`` for a
        layer without inputs) returns a tensor, or a tuple in ``output_ports`` order.
      * optionally ``emit(ctx)``: an inline Python expression for the compiled ``forward``.

    Calling a layer evaluates it as the one-layer net ``NetGraph(layer)``: ``layer(x)`` (see ``__call__``).
    """

    ARRAYS: ClassVar[Mapping[str, str]] = {}  # Wolfram array name -> dataclass field
    BUFFERS: ClassVar[frozenset[str]] = frozenset()  # arrays that are state, not trained (a BatchNorm's moving mean)
    OPTIONAL_ARRAYS: ClassVar[Mapping[str, str]] = {}  # arrays a layer holds only when given (with_arrays adds one)
    _depth: ClassVar[int] = 0  # graphs nested in it: none (graphs and operators set their own; read per layer)
    _layer_count: ClassVar[int] = 1  # layers it is, nested ones included (a graph sets its own: net_layers)
    POSITIONAL: ClassVar[str | None] = None  # the option given positionally (YAML uses its name)
    POSITIONALS: ClassVar[tuple[str, ...] | None] = None  # all it takes by position (default: POSITIONAL alone)
    RANGES: ClassVar[Mapping[str, Within]] = {}  # number options' ranges (checks and the spec schema read them)
    NEEDS_ONE_OF: ClassVar[tuple[tuple[str, ...], ...]] = ()  # option groups, one of each given (checks, schema)
    moved_inputs: ClassVar[tuple[str, ...]] = ()  # inputs whose values its outputs only move or pick (never compute on)
    ENCODER_KEEPS_TYPES: ClassVar[bool] = False  # with_encoder changes no port type: a graph need not infer again
    RULES: ClassVar[tuple[Excludes | ChosenBy, ...]] = ()  # rules between two options (checks and the schema read them)
    variadic: ClassVar[bool] = False  # takes any number of inputs Input1..Inputn (see with_input_count)
    infer_settles: ClassVar[bool] = False  # infer, given its own result, returns it again (and raises nothing)

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _writes_own_init(cls):
            _as_dataclass(cls)
            check_class(cls)
        if register and not cls.__name__.startswith("_"):
            REGISTRY.add(cls)

    _shared = MappingProxyType({})  # array name -> shared name, from NetSharedArray options (no annotation: no field)

    def __post_init__(self) -> None:
        plan = making_plan(type(self), Layer.__post_init__)
        for field in plan.array_fields:
            if isinstance(getattr(self, field, None), NetSharedArray):
                _take_shared(self)
                break
        make_layer(self, plan, Layer.with_arrays)  # options normalised and checked (netgraph.core.layer_making)
        if self._shared:
            check_shared_held(self)

    def normalize(self) -> Mapping[str, Any]:
        """Check the options; return the values to replace (normalised options, derived attributes)."""
        return {}

    def validate(self) -> None:
        """Check the normalised options together (raise OptionError naming the option)."""

    __getattr__ = missing_layer_attribute  # layer.weight (torch's name): where the array is (misses only)

    def __setattr__(self, name: str, value: Any) -> None:
        raise frozen_layer_error(self, name, _option_names(self))

    def __delattr__(self, name: str) -> None:
        raise frozen_layer_error(self, name, _option_names(self), deleting=True)

    # -- ports and types ------------------------------------------------------------------
    input_ports: tuple[str, ...] = ()
    output_ports: tuple[str, ...] = ("Output",)
    #: The output a NetChain feeds to the next layer where the layer has others (Wolfram's state ports, left out
    #: of the chain's outputs); None: it needs exactly one output there
    CHAIN_OUTPUT: ClassVar[str | None] = None

    @property
    def type_name(self) -> str:
        return type(self).__name__

    def declared_types(self) -> dict[str, PortType]:
        """Port types fixed by the layer's options; by default each port is Real of unknown shape."""
        return dict.fromkeys((*self.input_ports, *self.output_ports), ANY_REAL)

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        """Refine the partial types of this layer's ports (default: no relation between ports)."""
        return dict(types)

    def dtype_hint(self, port: str) -> str | None:
        """How to turn the values of output ``port`` into those of the other dtype a port it feeds takes (Integer
        indices into Real values, or Real ones into Integer; a wiring error ends with it), or for input ``port``, how
        to make it take the dtype it was fed; None: the generic advice."""
        return None

    def shape_hint(self, port: str) -> str | None:
        """How to give ``port`` a shape when nothing fixes it (an error saying the net is not fully specified ends
        with it); None: no advice beyond naming the port."""
        return None

    def with_encoder(self, port: str, encoder: Any) -> Layer:
        """This layer fed at ``port`` by a graph input with ``encoder``: itself, or with an option taken from it (n)."""
        return self

    def moved_places(self, port: str, places: torch.Tensor, types: Mapping[str, PortType]) -> torch.Tensor | None:
        """Where the elements of input ``port`` marked in ``places`` land in the output; None: not known (anywhere)."""

    def probability_outputs(self) -> frozenset[str]:
        """Output ports whose values are in [0, 1] (or NaN) whatever its inputs: a loss taking probabilities from one
        leaves its check out of the compiled forward (``EmitContext.known_probabilities``). Read for netgraph's own
        layers only: a user's layer overriding it is ignored (its claim could leave out a check its values need)."""
        return frozenset()

    def with_input_count(self, n: int) -> Layer:
        """For a variadic layer: the same layer with ``n`` inputs (ports Input1..Inputn)."""
        return self

    # -- arrays ---------------------------------------------------------------------------
    @property
    def shared(self) -> dict[str, str]:
        """Which arrays are shared (``NetSharedArray``), by array name -> shared name."""
        return dict(self._shared)

    @property
    def arrays(self) -> dict[str, torch.Tensor | None]:
        """Learnable arrays by Wolfram name; None means uninitialised."""
        return {name: getattr(self, field) for name, field in self.ARRAYS.items()}

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        """The shape of each array, given fully known port types."""
        return {}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        """A fresh value for array ``name`` (Kaiming-uniform weights, zero biases by default)."""
        if name.lower().startswith("bias") or len(shape) < 2:
            return torch.zeros(shape)
        fan_in = max(1, math.prod(shape[1:]))
        bound = (3.0 / fan_in) ** 0.5
        return torch.rand(shape, generator=generator).mul_(2).sub_(1).mul_(bound)  # in place: the same values

    @property
    def settable_arrays(self) -> dict[str, str]:
        """Every array this layer can be given, Wolfram name -> field: ``ARRAYS`` and the optional ones it lacks."""
        return {**self.ARRAYS, **self.OPTIONAL_ARRAYS}

    def with_arrays(self, arrays: Mapping[str, Any] | None = None, /, **named: Any) -> Layer:
        """A copy with the given arrays replaced (an optional one added), by a dict or by keyword
        (``with_arrays(Weights=w)``); OptionError for a shape its options rule out (check_array_shapes)."""
        arrays = {**(arrays or {}), **named}
        fields = self.settable_arrays
        if unknown := [n for n in arrays if n not in fields]:
            note = removed_note(self, unknown[0]) or array_name_note(unknown[0], fields)
            raise OptionError(f"{self.type_name} has no array {unknown[0]!r}{note}", kind=ARGUMENT_KIND,
                              hint=array_name_hint(unknown[0], fields, "with_arrays({}=...)"))
        with shapes_checked_elsewhere(SHAPES_CHECKED.get() or same_shapes(self.arrays, arrays)):  # as it had: checked
            return self.replace(**{fields[n]: v for n, v in arrays.items()})

    def _with_drawn_arrays(self, arrays: Mapping[str, torch.Tensor]) -> Layer:
        """``with_arrays`` for arrays just drawn for this layer alone (``net_initialize``), taken as they are; other
        arrays copied by their normaliser (as ``replace``), other options kept (normalised when it was made);
        ``normalize()`` and ``validate()`` run. Only for layers whose ``with_arrays`` is Layer's."""
        cls = type(self)
        names, array_normalizers = copy_plan(cls)
        values = {n: getattr(self, n) for n in names}  # not __dict__, which Python would build for each layer
        for name, field in self.ARRAYS.items():
            if name in arrays:
                values[field] = arrays[name]
            elif field in array_normalizers:
                values[field] = array_normalizers[field](values[field], self.type_name, field)
        if self._shared:
            values["_shared"] = self._shared
        new = object.__new__(cls)
        frozen_init(new, **values)
        frozen_init(new, **new.normalize())
        if removable := removable_fields(cls):
            leave_out_removed(new, removable)
        checked_together(new.validate)
        return new

    # -- execution ------------------------------------------------------------------------
    def __call__(self, *args: Any, **inputs: Any) -> Any:
        """Evaluate as the one-layer net ``NetGraph(layer)`` does (Wolfram's ``layer[x]``): the same ports, keywords,
        evaluation options and errors (``netgraph.core.layer_call``).

        >>> from netgraph import ElementwiseLayer
        >>> ElementwiseLayer("Ramp", input=3)(torch.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
        """
        return stage("layer_call")(self, args, inputs)

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles leave behind the net a call made (``_as_net``, no field): it is remade on first use."""
        return {name: value for name, value in self.__dict__.items() if name != "_as_net"}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        raise NotImplementedError(f"{self.type_name} must implement build(types)")

    def emit(self, ctx: EmitContext) -> str:
        """Python expression computing the outputs in the generated forward (default: call the module)."""
        return f"{ctx.module}({', '.join(ctx.args) if self.input_ports else ctx.batch})"

    def emit_block(self, ctx: EmitContext, outputs: tuple[str, ...]) -> list[str]:
        """Statements of the generated forward that assign ``outputs`` (default: one line with ``emit``).
        An operator writes several (a loop); fresh local names come from ``ctx.local``."""
        if type(code := self.emit(ctx)) is not str:
            raise OptionError(f"{self.type_name}.emit() must return a Python expression as text, returned "
                              f"{type(code).__name__} {code!r}"[:300],
                              kind="layer-contract", expected="str", found=type(code).__name__)
        return [f"{', '.join(outputs)} = {code}"]

    # -- padded sequences (netgraph.backend.masks) ------------------------------------------
    def masking(self, types: Mapping[str, PortType]) -> str:
        """How the layer treats sequences padded to one length, their lengths beside them: "pointwise" (each
        element alone, so padding never reaches a real element; outputs keep the lengths), "masked" (the module
        takes ``lengths=``, one lengths tensor or None per input port, and ignores padding; ``padded_outputs``
        says which outputs are padded), or "unaware" (a net feeding it padded sequences runs by length groups)."""
        return "unaware"

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        """A "masked" layer's padded outputs: port -> (the input port whose lengths it keeps, their change)."""
        return {}

    def emit_masked(self, ctx: EmitContext, lengths: tuple[str, ...]) -> str:
        """The compiled call of a "masked" layer given the lengths variables (or "None") of its inputs."""
        return f"{ctx.module}({', '.join(ctx.args)}, lengths=({', '.join(lengths)},))"

    def inner_nets(self, types: Mapping[str, PortType] | None = None) -> dict[str, Any]:
        """The nets this layer holds by option name (an operator's; none for other layers), specialised to
        the port types ``types`` when given. A nested NetGraph holds none: its layers are the outer graph's."""
        return {}

    # -- values ---------------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """The options that differ from their defaults, by keyword name (arrays included), and the positional
        one unless it is None (left to inference or its default)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
            if (f.name == self.POSITIONAL and value is not None) or not _same(value, default):
                out[f.name] = value
        return {**out, **self._shared_markers()}

    def information(self, prop: str | list[str] | tuple[str, ...] | None = None) -> Any:
        """Wolfram's Information[layer, prop]: ports, arrays and sizes (``netgraph.core.layer_information``)."""
        return stage("layer_information")(self, prop)

    def _shared_markers(self) -> dict[str, NetSharedArray]:
        """The shared arrays' fields as the ``NetSharedArray`` they were given as (with the current value)."""
        return {self.ARRAYS[a]: NetSharedArray(n, getattr(self, self.ARRAYS[a])) for a, n in self._shared.items()}

    def replace(self, **changes: Any) -> Layer:
        """A copy with some options changed (layers are frozen values); a shared array given a value stays shared
        (the value is the shared array's), one given None (or False, left out) is no longer shared."""
        names = _option_names(self)
        if unknown := [k for k in changes if k not in names]:
            raise OptionError(f"{self.type_name}.replace: no option {unknown[0]!r}{did_you_mean(unknown[0], names)}; "
                              f"its options are {names}", option=unknown[0], kind=ARGUMENT_KIND)
        if not self._shared:
            return dataclasses.replace(self, **changes)
        markers = replaced_markers(self._shared_markers(), changes, removable_fields(type(self)))
        return dataclasses.replace(self, **{**changes, **markers})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return dict(self._shared) == dict(other._shared) and all(_same(getattr(self, f.name), getattr(other, f.name))
                                                     for f in dataclasses.fields(self))

    def __hash__(self) -> int:
        if not dataclasses.is_dataclass(self):
            return hash(type(self).__name__)
        return hash((type(self), tuple(_hashed(getattr(self, f.name)) for f in dataclasses.fields(self))))

    def _repr_svg_(self) -> str | None:
        """What a notebook shows: the diagram of the layer alone (a net's, for a net; ``stage_doors.notebook_svg``)."""
        return notebook_svg(self)

    def __repr__(self) -> str:
        opts, shapes, parts = self.options(), shape_options(type(self)), []
        if self.POSITIONAL in opts:
            parts.append(_short(opts.pop(self.POSITIONAL), self.POSITIONAL in shapes))
        parts += [f"{k}={_short(v, k in shapes)}" for k, v in opts.items()]
        return f"{self.type_name}({', '.join(parts)})"


def _take_shared(layer: Layer) -> None:
    """Record the array options given as ``NetSharedArray`` and keep their values (None or a tensor) in place."""
    fields = {field: name for name, field in layer.ARRAYS.items()}
    markers = {f: v for f in fields if isinstance(v := getattr(layer, f, None), NetSharedArray)}
    if markers:
        frozen_init(layer, _shared=SharedNames({fields[f]: m.name for f, m in markers.items()}),
                    **{f: m.array for f, m in markers.items()})

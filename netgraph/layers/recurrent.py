"""Recurrent layers over sequences: LongShortTermMemoryLayer, GatedRecurrentLayer, BasicRecurrentLayer,
and SequenceLastLayer.

A sequence port has shape ``(n, d)``: the first dim is the sequence length, by default a variable
length ``"n"`` (any length per batch; a fixed length is also accepted), the last the features.
Each recurrent layer maps ``Input`` (n, d) to ``Output`` (n, size), the state after every step,
starting from zero states. Arrays use Wolfram's names (``InputGateInputWeights``, … see ``ARRAYS``);
the forward runs torch's fused kernels (``torch.lstm``/``torch.gru``/``torch.rnn_tanh``).

State ports (Wolfram's ``State`` and, for the LSTM, ``CellState``) are optional, as in Wolfram, where an
unconnected state input starts from zeros: ``state_input=True`` adds the inputs ``InitialState`` (and
``InitialCellState``), ``state_output=True`` the outputs ``State`` (and ``CellState``), the final states,
each a vector of the state size. A layer's input and output ports need distinct names here, so the inputs
carry NetFoldOperator's ``Initial`` prefix.

>>> LongShortTermMemoryLayer(8, input=3).declared_types()["Output"]  # the length: the Input's, else "n"
PortType(shape=(None, 8), dtype='Real')
>>> LongShortTermMemoryLayer(8, state_input=True, state_output=True).output_ports
('Output', 'State', 'CellState')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Optional

import torch
from torch import nn

from netgraph.layers._masks import MaskedFnModule, last
from netgraph.layers._shapes import fill, is_int, positive_int, ranged_int
from netgraph.core.option_ranges import Within
from netgraph.core.layer import Layer, shape_option
from netgraph.core.options import Array, Literal, SequenceShape
from netgraph.layers._shapes import _ShapeLayer
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import COMBINATION_KIND, missing_option, none_given, option_problem
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape
from netgraph.core.guessed_lengths import GUESSED
from netgraph.core.naming_scope import quoted
from netgraph.layers.recurrent_module import _KINDS, _STATE_BIASES, RecurrentModule

__all__ = ["LongShortTermMemoryLayer", "GatedRecurrentLayer", "BasicRecurrentLayer", "SequenceLastLayer"]

SEQUENCE = "n"  # the default (variable) sequence length dim


def _arrays(gates: tuple[str, ...]) -> dict[str, str]:
    """Wolfram array names -> snake_case fields, e.g. 'ForgetGateBiases' -> 'forget_gate_biases'."""
    def snake(name: str) -> str:
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return {f"{g}{k}": snake(f"{g}{k}") for g in gates for k in _KINDS}


class _Recurrent(Layer):
    GATES: ClassVar[tuple[str, ...]] = ()
    STATES: ClassVar[tuple[str, ...]] = ()
    CHAIN_OUTPUT = "Output"  # with state_output=True, inside a chain its states are Wolfram's state ports
    RANGES = {"output": Within(1)}

    @property
    def input_ports(self) -> tuple[str, ...]:
        return ("Input", *(f"Initial{s}" for s in self.STATES if self.state_input))

    @property
    def output_ports(self) -> tuple[str, ...]:
        return ("Output", *(self.STATES if self.state_output else ()))

    def normalize(self) -> dict[str, Any]:
        name = self.type_name
        arrays = self._ranked_arrays()
        sizes = {a: int(v.shape[0]) for a, v in arrays.items()}
        if self.output is not None:
            ranged_int(self, "output")
        given_input = self._input_option(self.input)  # checked before the arrays are compared, which may raise
        output = self.output if is_int(self.output) and self.output >= 1 else None  # a bad one fits no array
        first = "output=" if output is not None else f"array {next(iter(sizes), '')!r}"
        size = output if output is not None else next(iter(sizes.values()), None)
        if wrong := next((a for a, n in sizes.items() if n != size), None):
            raise OptionError(f"{name}: array {wrong!r}: expected state size {size} (from {first}), found shape "
                              f"{format_shape(tuple(arrays[wrong].shape))}", option=self.ARRAYS[wrong],
                              kind=COMBINATION_KIND, expected=size, found=sizes[wrong])
        sizes = set(sizes.values()) | ({output} if output is not None else set())
        if none_given(self, self.NEEDS_ONE_OF[0]):
            missing_option(f"{name} needs its state size: {name}(n)", "output")
        return {"_size": sizes.pop() if sizes else None, "_in": self._input_width(arrays, given_input),
                "input": given_input}

    def _input_width(self, arrays: dict[str, torch.Tensor], given_input: tuple | None) -> int | None:
        """The input width the arrays' InputWeights give (None: none given); an OptionError naming an array whose
        width is not input='s (where it gives one), else not the first array's."""
        widths = {a: int(v.shape[1]) for a, v in arrays.items() if a.endswith("InputWeights")}
        first = next(iter(widths), None)
        given = given_input[1] if given_input is not None and is_int(given_input[1]) else None
        width, source = (given, "input=") if given is not None else (widths.get(first), f"array {quoted(first)}")
        if wrong := next((a for a, w in widths.items() if w != width), None):
            raise OptionError(f"{self.type_name}: array {wrong!r}: expected input width {width} (from {source}), "
                              f"found shape {format_shape(tuple(arrays[wrong].shape))}", option=self.ARRAYS[wrong],
                              kind=COMBINATION_KIND, expected=width, found=widths[wrong])
        return widths.get(first)

    def _ranked_arrays(self) -> dict[str, torch.Tensor]:
        """The arrays given, each of the rank it must have (a vector of biases, a matrix of weights); one of
        another rank is reported (``option_problem``) and left out."""
        ranked = {}
        for array, value in self.arrays.items():
            want = 1 if array.endswith("Biases") else 2
            if value is not None and value.dim() != want:
                field = self.ARRAYS[array]
                option_problem(OptionError(f"{self.type_name} {field}= must have rank {want}, found "
                                           f"{format_shape(tuple(value.shape))}", option=field,
                                           expected=f"rank {want}", found=tuple(value.shape)), None)
            elif value is not None:
                ranked[array] = value
        return ranked

    def _input_option(self, value: Any) -> tuple | None:
        if is_int(value):
            return (SEQUENCE, positive_int(value, self.type_name, "input"))
        shape = shape_option(value, self.type_name, "input")
        if shape is not None and len(shape) != 2:
            return option_problem(OptionError(f"{self.type_name} input= must be the feature size or a (length, "
                                              f"features) shape, found {quoted(value)}", option="input",
                                              expected="the feature size or a (length, features) shape",
                                              found=value), None)
        return shape

    def declared_types(self) -> dict[str, PortType]:
        x = self.input or (SEQUENCE, self._in)
        x = (None if x[0] == SEQUENCE else x[0], x[1])  # the default "n" only where nothing names the length (infer)
        state = PortType((self._size,), REAL)
        return {"Input": PortType(x, REAL), "Output": PortType((x[0], self._size), REAL),
                **{p: state for p in (*self.input_ports[1:], *self.output_ports[1:])}}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        for port in ("Input", "Output"):
            shape = types[port].shape
            if shape is not None and len(shape) != 2:
                raise Conflict(f"port {quoted(port)} must be a sequence of vectors (length, features), found "
                               f"{format_shape(shape)}", port=port, expected="(length, features)", found=shape)
            if shape is not None and port == "Input" and isinstance(shape[1], str):
                raise Conflict(f"port 'Input' {format_shape(shape)}: its features (dimension 2) size the learned "
                               f"InputWeights, so they cannot have a variable length, only a fixed size",
                               port="Input", expected="a fixed size", found=shape[1])
        x, y = types["Input"].shape, types["Output"].shape
        seq = next((s[0] for s in (x, y) if s is not None and s[0] is not None), None if x is None else GUESSED)
        fill(types, "Output", (seq, self._size))
        fill(types, "Input", (types["Output"].shape[0], None))
        for port in (*self.input_ports[1:], *self.output_ports[1:]):
            fill(types, port, (self._size,), REAL)
        return types

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        n, d = self._size, types["Input"].shape[1]
        return {a: (n,) if a.endswith("Biases") else (n, d if a.endswith("InputWeights") else n) for a in self.ARRAYS}

    def _kind(self) -> str:
        raise NotImplementedError

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        module = RecurrentModule(self._kind(), self.GATES, self.arrays, self.state_output)
        module.layer_label = self.type_name
        return module

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"

    def port_hint(self, port: str, want: str) -> str:
        """Why an edge's state ``port`` (``want``: "input" or "output") is missing: the option that adds it, or
        the initial state's input name where Wolfram's ``State`` names it (``netgraph.core.wiring``)."""
        state = port.removeprefix("Initial")
        if state not in self.STATES:
            return ""
        if want == "output":
            return " (state_output=True adds it)" if port == state and not self.state_output else ""
        named = [] if port != state else [f"the initial state is the input {'Initial' + state!r}"]
        added = [] if self.state_input else ["state_input=True adds it"]
        return f" ({', '.join(named + added)})" if named + added else ""

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        return {"Output": ("Input", 0)}


class _OptionalArray:
    """``ARRAYS`` of a layer with one optional array: on the class every name (what a saved spec may hold),
    on a layer the optional one only when it is given (a value, or a shared array: ``NetSharedArray``, drawn by
    ``net_initialize`` when no user gives it a value), so that initialising never creates it otherwise."""

    def __init__(self, arrays: Mapping[str, str], optional: str):
        self.all, self.field, self.name = dict(arrays), arrays[optional], optional
        self.without = {name: field for name, field in arrays.items() if name != optional}

    def __get__(self, layer: Any, owner: type) -> Mapping[str, str]:
        given = layer is None or getattr(layer, self.field) is not None or self.name in layer._shared
        return self.all if given else self.without


_LSTM_GATES = ("InputGate", "ForgetGate", "MemoryGate", "OutputGate")  # torch's order i, f, g, o
_GRU_GATES = ("ResetGate", "UpdateGate", "MemoryGate")  # torch's order r, z, n


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LongShortTermMemoryLayer(_Recurrent):
    """LSTM with state size ``output``: Wolfram's gates input, forget, memory and output.

    ``c_t = f ⊙ c_{t-1} + i ⊙ m``, ``s_t = o ⊙ tanh(c_t)``; each gate has arrays
    ``<Gate>InputWeights`` (n, d), ``<Gate>StateWeights`` (n, n) and ``<Gate>Biases`` (n).

    >>> from netgraph import NetChain, SequenceLastLayer
    >>> NetChain([LongShortTermMemoryLayer(8), SequenceLastLayer()], input=("n", 3)).output_shapes  # the last state
    {'Output': (8,)}
    """

    output: Optional[int] = None
    input: SequenceShape = None
    state_input: bool = False
    state_output: bool = False
    input_gate_input_weights: Array = None
    input_gate_state_weights: Array = None
    input_gate_biases: Array = None
    forget_gate_input_weights: Array = None
    forget_gate_state_weights: Array = None
    forget_gate_biases: Array = None
    memory_gate_input_weights: Array = None
    memory_gate_state_weights: Array = None
    memory_gate_biases: Array = None
    output_gate_input_weights: Array = None
    output_gate_state_weights: Array = None
    output_gate_biases: Array = None
    ARRAYS = _arrays(_LSTM_GATES)
    NEEDS_ONE_OF = (("output", *ARRAYS.values()),)  # the state size, given or from any array
    STATES = ("State", "CellState")  # recurrent states (Information's RecurrentStatesCount)
    GATES = _LSTM_GATES
    POSITIONAL = "output"

    def _kind(self) -> str:
        return "lstm"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class GatedRecurrentLayer(_Recurrent):
    """GRU with state size ``output``: reset gate r, update gate z, memory m = tanh(W x + r ⊙ (U s) + b),
    ``s_t = (1 - z) ⊙ m + z ⊙ s_{t-1}`` (Wolfram's and torch's formulation).

    The optional array ``MemoryGateStateBiases`` (n), absent unless given, adds a bias inside the reset
    product, m = tanh(W x + b + r ⊙ (U s + c)): torch's ``b_hn``, which ``import_onnx`` keeps.

    >>> from netgraph import NetChain, net_initialize
    >>> net = net_initialize(NetChain([GatedRecurrentLayer(8)], input=(5, 3)), seed=0)
    >>> net.output_shapes, tuple(net.layers["1"].arrays["UpdateGateStateWeights"].shape)
    ({'Output': (5, 8)}, (8, 8))
    """

    output: Optional[int] = None
    input: SequenceShape = None
    state_input: bool = False
    state_output: bool = False
    reset_gate_input_weights: Array = None
    reset_gate_state_weights: Array = None
    reset_gate_biases: Array = None
    update_gate_input_weights: Array = None
    update_gate_state_weights: Array = None
    update_gate_biases: Array = None
    memory_gate_input_weights: Array = None
    memory_gate_state_weights: Array = None
    memory_gate_biases: Array = None
    memory_gate_state_biases: Array = None
    ARRAYS = _OptionalArray({**_arrays(_GRU_GATES), _STATE_BIASES: "memory_gate_state_biases"}, _STATE_BIASES)
    OPTIONAL_ARRAYS = {_STATE_BIASES: "memory_gate_state_biases"}
    NEEDS_ONE_OF = (("output", *ARRAYS.all.values()),)  # the state size, given or from any array
    STATES = ("State",)  # recurrent states (Information's RecurrentStatesCount)
    GATES = _GRU_GATES
    POSITIONAL = "output"

    def _kind(self) -> str:
        return "gru"


_ACTIVATIONS = {"Tanh": "rnn_tanh", "Ramp": "rnn_relu"}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class BasicRecurrentLayer(_Recurrent):
    """``s_t = activation(InputWeights x_t + StateWeights s_{t-1} + Biases)``; activation "Tanh" or "Ramp".

    >>> from netgraph import NetChain
    >>> NetChain([BasicRecurrentLayer(8)], input=("n", 3)).output_shapes  # a state per step of a sequence of any length
    {'Output': ('n', 8)}
    """

    output: Optional[int] = None
    activation: Literal["Tanh", "Ramp"] = "Tanh"
    input: SequenceShape = None
    state_input: bool = False
    state_output: bool = False
    input_weights: Array = None
    state_weights: Array = None
    biases: Array = None
    ARRAYS = _arrays(("",))
    NEEDS_ONE_OF = (("output", *ARRAYS.values()),)  # the state size, given or from any array
    STATES = ("State",)  # recurrent states (Information's RecurrentStatesCount)
    GATES = ("",)
    POSITIONAL = "output"
    POSITIONALS = ("output", "activation")

    def normalize(self) -> dict[str, Any]:
        if self.activation not in _ACTIVATIONS:
            option_problem(OptionError(f"BasicRecurrentLayer: activation {self.activation!r} is not supported"
                                       f"{did_you_mean(self.activation, _ACTIVATIONS)}; use 'Tanh' or 'Ramp'",
                                       option="activation", expected=list(_ACTIVATIONS), found=self.activation), None)
        return super().normalize()

    def _kind(self) -> str:
        return _ACTIVATIONS[self.activation]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SequenceLastLayer(_ShapeLayer):
    """The last element of a sequence: ``Input`` (n, ...) -> ``Output`` (...).

    >>> import torch
    >>> from netgraph import NetChain
    >>> NetChain([SequenceLastLayer()], input=("n", 2))(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    tensor([5., 6.])
    """

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is not None and len(shape) == 0:
            raise Conflict("port 'Input' must be a sequence (rank >= 1), found a scalar ()",
                           port="Input", expected="rank >= 1", found=())
        return None if shape is None else tuple(shape[1:])

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        return None if out is None else (GUESSED, *out)  # a length of its own unless wiring names it

    def function(self, types: Mapping[str, PortType]) -> Any:
        return _last

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        return f"{x}[:, -1]"

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"  # padded: each sequence's element at its length - 1

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return MaskedFnModule(_last, last)


def _last(x: torch.Tensor) -> torch.Tensor:
    return x[:, -1]

"""Encoders and decoders on graph ports (Wolfram's NetEncoder/NetDecoder), as frozen descriptions.

An encoder on an input port turns user values (labels, image files, text, booleans, numbers) into
the port's tensor, and fixes the port's type; a decoder on an output port turns the port's tensor
back into user values (labels, booleans), and checks the port's type. They are attached as port
options: ``NetGraph(..., Input=ImageEncoder(size=(28, 28)), Output=ClassDecoder(["cat", "dog"]))``.
This module only describes them; ``netgraph.data`` does the encoding (pillow reads images there).

>>> ClassEncoder(["cat", "dog"]).port_type()
PortType(shape=(), dtype='Integer')
>>> ImageEncoder(size=(28, 28), color_space="Grayscale").port_type().shape
(1, 28, 28)
>>> ClassDecoder(["cat", "dog"]).check(PortType((3,)))
'ClassDecoder with 2 labels takes a (2) probability vector (Real), a sequence of them (n, 2) or a scalar class index, \
found (3)'
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from typing import Any, ClassVar

import numpy as np

from netgraph.core.coder_base import (CODERS, Coder, Decoder, Encoder, Labels, coder_option, labels_option,
                                     raise_options)
from netgraph.core.plain_numbers import plain_numbers
from netgraph.core.errors import Diagnostic, OptionError, did_you_mean
from netgraph.core.integers import INT64_BOUND, is_int
from netgraph.core.layer_arguments import with_argument_errors
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.text_coders import CharactersEncoder, TokensEncoder
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, REAL, PortType, as_shape, format_shape

__all__ = ["Coder", "Encoder", "Decoder", "ClassEncoder", "ClassDecoder", "BooleanEncoder", "BooleanDecoder",
           "ScalarEncoder", "ImageEncoder", "TokensEncoder", "CharactersEncoder", "Restricted", "CODERS",
           "Labelled", "coder_from_data"]


class Labelled:
    """What a class coder's labels are, found once per coder (its labels are frozen)."""

    labels: tuple

    @functools.cached_property
    def numeric_labels(self) -> bool:
        """Whether a label is a number (then numpy integers at the port are labels, not class indices)."""
        return any(isinstance(label, (numbers.Number, np.number)) for label in self.labels)

    @functools.cached_property
    def int_indices(self) -> bool:
        """Whether Python ints at the port are class indices, as numpy's are: no label is a number or its text."""
        return not self.numeric_labels and not any(isinstance(label, str) and label.strip().lstrip("+-").isdigit()
                                                   for label in self.labels)

    def label_index(self, value: Any, flag: bool) -> int | None:
        """The index of the first label equal to ``value`` that is a bool if ``flag`` (True is no label 1, nor 1 the
        label True: Python has True == 1); None for none. Found by hashing, each label hashed once per coder; a value
        that cannot be hashed by comparing it with each label."""
        try:
            return self._label_positions.get((flag, bool(value) if flag else value))
        except TypeError:
            return next((i for i, label in enumerate(self.labels) if label == value and isinstance(label, bool) == flag),
                        None)

    def _options(self) -> tuple:
        """The options compared and hashed (a bool label equals its int: ``_bool_positions`` tells them apart)."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))  # type: ignore[arg-type]

    @functools.cached_property
    def _bool_positions(self) -> tuple[int, ...]:
        """The indices of the labels that are bools (True is not the label 1), found once per coder."""
        return tuple(i for i, label in enumerate(self.labels) if isinstance(label, bool))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._options() == other._options() and self._bool_positions == other._bool_positions

    def __hash__(self) -> int:
        return hash((type(self), self._options(), self._bool_positions))

    @functools.cached_property
    def _label_positions(self) -> dict:
        """(is a bool, label) -> its first index (labels are frozen values: hashable)."""
        positions: dict = {}
        for i, label in enumerate(self.labels):
            positions.setdefault((isinstance(label, bool), label), i)
        return positions


_ClassOutput = coder_option({"enum": ["Index", "UnitVector"]})


@dataclasses.dataclass(frozen=True, eq=False, repr=False)  # Labelled's eq, Coder's repr
class ClassEncoder(Encoder, Labelled):
    """Labels → class indices (``output="Index"``, a scalar Integer) or one-hot vectors (``"UnitVector"``).

    >>> from netgraph.data import encode
    >>> encode(ClassEncoder(["red", "green", "blue"]), "Input", ["blue", "red"])
    tensor([2, 0])
    """

    labels: Labels = ()
    output: _ClassOutput = "Index"

    def __post_init__(self) -> None:
        plain_numbers(self, arrays=True)
        problems: list[Diagnostic] = []
        object.__setattr__(self, "labels", labels_option(self, self.labels, problems))
        if not (isinstance(self.output, str) and self.output in ("Index", "UnitVector")):  # an array: no ==
            near = did_you_mean(self.output, ("Index", "UnitVector")) if isinstance(self.output, str) else ""
            self._problem(problems, f"'Index' or 'UnitVector', found {self.output!r}{near}", "output")
        self._raise(problems)

    def port_type(self) -> PortType:
        return PortType((), INTEGER) if self.output == "Index" else PortType((len(self.labels),), REAL)

    @property
    def index_count(self) -> int | None:
        return len(self.labels) if self.output == "Index" else None


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ClassDecoder(Decoder, Labelled):
    """Probability vectors (or scalar class indices) → labels; ``net(x, decoder="Probabilities")`` and
    ``decoder=("TopProbabilities", k)`` ask for more (see ``netgraph.data.decoding``). A sequence of probability
    vectors, (n, k), decodes at each position (a tagger's labels), as Wolfram's class decoder of a rank-2 input.

    >>> import torch
    >>> from netgraph import NetChain, SoftmaxLayer
    >>> net = NetChain([SoftmaxLayer()], input=2, output=ClassDecoder(["cat", "dog"]))
    >>> net(torch.tensor([[0.0, 1.0], [3.0, 1.0]]))
    ['dog', 'cat']
    >>> {label: round(p, 3) for label, p in net(torch.tensor([0.0, 1.0]), decoder="Probabilities").items()}
    {'cat': 0.269, 'dog': 0.731}
    """

    labels: Labels = ()

    def __post_init__(self) -> None:
        plain_numbers(self, arrays=True)
        problems: list[Diagnostic] = []
        object.__setattr__(self, "labels", labels_option(self, self.labels, problems))
        self._raise(problems)

    @property
    def accepts(self) -> tuple[PortType, ...]:  # type: ignore[override]
        return PortType((len(self.labels),)), PortType((None, len(self.labels))), PortType((), None)  # an index: any

    def _sized(self, size: int) -> str:
        return f"{size} labels need"

    def _mismatch(self, t: PortType) -> str:
        k = len(self.labels)
        return (f"ClassDecoder with {k} labels takes a ({k}) probability vector (Real), a sequence of them (n, {k}) "
                f"or a scalar class index, found {PortType(t.shape, t.dtype)}")


@dataclasses.dataclass(frozen=True, repr=False)
class BooleanEncoder(Encoder):
    """True/False → 1.0/0.0 (a scalar).

    >>> from netgraph import NetChain, ElementwiseLayer
    >>> NetChain([ElementwiseLayer("#")], input=BooleanEncoder())([True, False])
    tensor([1., 0.])
    """

    def port_type(self) -> PortType:
        return PortType((), REAL)


@dataclasses.dataclass(frozen=True, repr=False)
class BooleanDecoder(Decoder):
    """A probability (a scalar, or a (1) vector) → True when above 0.5.

    >>> import torch
    >>> from netgraph import NetChain
    >>> NetChain(["LogisticSigmoid"], input=(), output=BooleanDecoder())(torch.tensor([2.0, -1.0]))
    [True, False]
    """

    accepts: ClassVar[tuple[PortType, ...]] = (PortType(()), PortType((1,)))


_Bound = coder_option({"type": ["number", "null"]})  # ScalarEncoder's min and max


@dataclasses.dataclass(frozen=True, repr=False)
class ScalarEncoder(Encoder):
    """Numbers → a scalar Real port (``min``/``max`` given: rescaled to [0, 1], as Wolfram's {"Scalar", {min, max}}).

    >>> from netgraph import NetChain, ElementwiseLayer
    >>> NetChain([ElementwiseLayer("#")], input=ScalarEncoder(0, 10))([5, 10])  # rescaled from [0, 10] to [0, 1]
    tensor([0.5000, 1.0000])
    """

    min: _Bound = None
    max: _Bound = None

    def __post_init__(self) -> None:
        plain_numbers(self, arrays=True)
        problems: list[Diagnostic] = []
        for name in ("min", "max"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
                self._problem(problems, f"a number or None, found {v!r}", name)
        if not problems and ((self.min is None) != (self.max is None) or
                             (self.min is not None and self.min >= self.max)):
            self._problem(problems, f"give both min= and max= with min < max, found min={self.min!r}, "
                          f"max={self.max!r}", "min")
        self._raise(problems)

    def port_type(self) -> PortType:
        return PortType((), REAL)


_INT64 = {"type": "integer", "minimum": -INT64_BOUND, "maximum": INT64_BOUND - 1}
_IndexDtype = coder_option({"const": INTEGER})  # Restricted's dtype, range and shape
_IndexRange = coder_option({"anyOf": [{**_INT64, "minimum": 1}, {"type": "array", "items": _INT64, "minItems": 2,
                                                                   "maxItems": 2}],
                            "description": "a count n (indices 0 to n - 1) or [lo, hi], lo <= hi"})
_IndexShape = coder_option({"$ref": "#/$defs/shape"})


@dataclasses.dataclass(frozen=True, repr=False)
class Restricted(Encoder):
    """An index port that knows its range (Wolfram's ``Restricted["Integer", n]``, counted from 0 here as an
    EmbeddingLayer's indices): ``Restricted("Integer", n)`` takes 0 to n - 1, ``Restricted("Integer", (lo, hi))`` lo
    to hi (both included; within 64 bits), in arrays of ``shape`` (``()``: one index). Values outside are a DataError
    at the call; a range a layer it feeds does not take (an ExtractLayer's 1-based Position) a ShapeError.

    >>> Restricted("Integer", 10).range, Restricted("Integer", (2, 5), shape=("n",)).port_type()
    ((0, 9), PortType(shape=('n',), dtype='Integer', range=(2, 5)))
    """

    dtype: _IndexDtype = INTEGER
    range: _IndexRange = None
    shape: _IndexShape = ()

    def __post_init__(self) -> None:
        plain_numbers(self, arrays=True)
        problems: list[Diagnostic] = []
        if self.dtype != INTEGER:
            self._problem(problems, f"'Integer' (the only type Restricted takes here), found {self.dtype!r}", "dtype")
        bounds = (0, self.range - 1) if is_int(self.range) else tuple(self.range) \
            if isinstance(self.range, (list, tuple)) else None
        if bounds is None or len(bounds) != 2 or not all(map(is_int, bounds)) or bounds[0] > bounds[1]:
            self._problem(problems, f"a count n >= 1 (0 to n - 1) or [lo, hi] with lo <= hi, found {self.range!r}",
                          "range")
        elif not all(-INT64_BOUND <= b < INT64_BOUND for b in bounds):  # indices are int64 tensors: a wider bound overflows
            self._problem(problems, f"bounds that fit in 64 bits (-2**63 to 2**63 - 1), found {self.range!r}",
                          "range")
        else:
            object.__setattr__(self, "range", bounds)
        try:
            object.__setattr__(self, "shape", as_shape(self.shape))
        except Conflict as exc:
            self._problem(problems, str(exc), "shape")
        self._raise(problems)

    def port_type(self) -> PortType:
        return PortType(self.shape, INTEGER, self.range)

    @property
    def index_count(self) -> int | None:
        return self.range[1] + 1 if self.range[0] >= 0 else None

    @property
    def range_text(self) -> str:
        """``0..9``: the values it takes, as Wolfram's port summary says ("index (range: 1..10)")."""
        return f"{self.range[0]}..{self.range[1]}"

    @property
    def index_span(self) -> tuple[int, int]:
        """Its range (lo, hi), negative bounds included."""
        return self.range


_COLOR_CHANNELS = {"RGB": 3, "Grayscale": 1}
_ColorSpace = coder_option({"enum": list(_COLOR_CHANNELS)})
_PerChannel = coder_option({"anyOf": [{"type": ["number", "null"]},  # mean, std: one or per channel
                                      {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "number"}}]})
_Size = coder_option({"anyOf": [{"type": "integer", "minimum": 1},
                                {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2,
                                 "maxItems": 2}]})


@dataclasses.dataclass(frozen=True, repr=False)
class ImageEncoder(Encoder):
    """Image files, PIL images or arrays → a (channels, height, width) float tensor in [0, 1], resized to
    ``size=(width, height)``, in ``color_space`` "RGB" or "Grayscale", then ``(x - mean) / std`` per channel.

    >>> import numpy as np
    >>> from netgraph.data import encode
    >>> image = encode(ImageEncoder(size=(4, 2)), "Input", np.full((8, 8, 3), 255, np.uint8))  # an (h, w, c) array
    >>> image.shape, image.max().item()  # (channels, height, width), values in [0, 1]
    (torch.Size([3, 2, 4]), 1.0)
    """

    size: _Size = (32, 32)
    color_space: _ColorSpace = "RGB"
    mean: _PerChannel = None
    std: _PerChannel = None

    def __post_init__(self) -> None:
        plain_numbers(self, arrays=True)
        problems: list[Diagnostic] = []
        size = (self.size, self.size) if isinstance(self.size, int) and not isinstance(self.size, bool) else self.size
        if not isinstance(size, (list, tuple)) or len(size) != 2 or \
                not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in size):
            self._problem(problems, f"(width, height), two positive ints, found {self.size!r}", "size")
        else:
            object.__setattr__(self, "size", tuple(size))
        channels = _COLOR_CHANNELS.get(self.color_space) if isinstance(self.color_space, str) else None
        if channels is None:
            near = did_you_mean(self.color_space, _COLOR_CHANNELS) if isinstance(self.color_space, str) else ""
            self._problem(problems, f"one of {list(_COLOR_CHANNELS)}, found {self.color_space!r}{near}", "color_space")
        if not problems and (elements := channels * math.prod(self.size)) > (limit := current_limits().port_elements):
            self._problem(problems, f"{self.size!r} gives {elements:,} values per example ({channels} channel"
                          f"{'s' * (channels > 1)} x width x height), more than the port_elements limit of {limit:,} "
                          f"({raise_hint('port_elements')})", "size")
        for name in ("mean", "std"):
            object.__setattr__(self, name, self._per_channel(name, getattr(self, name), channels, problems))
        if self.std is not None and any(s <= 0 for s in self.std):
            self._problem(problems, f"positive numbers, found {list(self.std)}", "std")
        self._raise(problems)

    def _per_channel(self, name: str, value: Any, channels: int | None, problems: list[Diagnostic]) -> tuple | None:
        """``value`` (a number, or one per channel; ``channels`` None: not known, any count) as one per channel."""
        if value is None:
            return None
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        values = [value] * (channels or 1) if number else value
        if not isinstance(values, (list, tuple)) or len(values) != (channels or len(values)) or not values or \
                not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            each = ("a number (one channel: Grayscale)" if channels == 1 else
                    f"a number or {channels or 'one per channel'} numbers{' (one per channel)' if channels else ''}")
            self._problem(problems, f"{each}, found {value!r}", name)
            return None
        return tuple(float(v) for v in values)

    @property
    def channels(self) -> int:
        return _COLOR_CHANNELS[self.color_space]

    def port_type(self) -> PortType:
        width, height = self.size
        return PortType((self.channels, height, width), REAL)

    def fit_hint(self, shape: Any) -> str | None:
        """The color_space and size (width, height) that give a (channels, height, width) ``shape``."""
        if not isinstance(shape, tuple) or len(shape) != 3:
            return None
        channels, height, width = shape
        space = next((s for s, n in _COLOR_CHANNELS.items() if n == channels), None)
        changes = [f"color_space={space!r}"] if space and channels != self.channels else []
        if isinstance(width, int) and isinstance(height, int) and (width, height) != self.size:
            changes.append(f"size=({width}, {height})")
        return (f"For {format_shape(shape)}, give the ImageEncoder {', '.join(changes)} (size is (width, height))"
                if changes else None)


def coder_from_data(data: Any, kind: str, where: str = "") -> Coder:
    """An encoder (``kind`` "encoder") or decoder from its data form ``{type: ClassDecoder, labels: [...]}``;
    each error's message starts with ``where`` (what holds the coder), when given.

    >>> coder_from_data({"type": "ClassDecoder", "labels": ["a", "b"]}, "decoder", "output 'Output'")
    ClassDecoder(labels=('a', 'b'))
    """
    base, lead = Encoder if kind == "encoder" else Decoder, f"{where}: " if where else ""
    names = sorted(n for n, c in CODERS.items() if issubclass(c, base))
    if not isinstance(data, dict) or "type" not in data:
        raise OptionError(f"{lead}{kind}: takes a mapping with a type (one of {names}), found {data!r}",
                          kind="coder-option", option="type", expected=names, found=data)
    cls = CODERS.get(data["type"]) if isinstance(data["type"], str) else None
    if cls is None or not issubclass(cls, base):
        raise OptionError(f"{lead}{kind} type must be one of {names}, found {data['type']!r}"
                          f"{did_you_mean(data['type'], names) if isinstance(data['type'], str) else ''}",
                          option="type", kind="coder-option", expected=names, found=data["type"])
    fields = [f.name for f in dataclasses.fields(cls)]
    problems = [Diagnostic(f"{cls.__name__} has no option {k!r}{did_you_mean(str(k), fields)}; its options are "
                           f"{', '.join(fields)}", "coder-option", option=k)
                for k in data if k != "type" and k not in fields]
    try:
        coder = cls(**{k: v for k, v in data.items() if k in fields})
    except OptionError as exc:  # the given options' problems too (one not given: likely the one misspelt)
        problems += [d for d in exc.diagnostics if d.option in data or not problems]
    raise_options(problems, f"{cls.__name__} options", where)
    return coder


for _coder in (ClassEncoder, ClassDecoder, BooleanEncoder, BooleanDecoder, ScalarEncoder, ImageEncoder, Restricted):
    with_argument_errors(_coder)  # ScalarEncoder(1, 2, 3), ClassEncoder(nope=1): an OptionError, as a layer's

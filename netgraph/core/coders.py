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
'ClassDecoder with 2 labels takes a (2) probability vector, a sequence of them (n, 2) or a scalar class index, found (3)'
"""

from __future__ import annotations

import dataclasses
import functools
import math
import unicodedata
from typing import Any, ClassVar

from netgraph.core.errors import Diagnostic, OptionError, did_you_mean, raise_all
from netgraph.core.layer_arguments import with_argument_errors
from netgraph.core.types import INTEGER, REAL, Conflict, PortType, format_shape, unify

__all__ = ["Coder", "Encoder", "Decoder", "ClassEncoder", "ClassDecoder", "BooleanEncoder", "BooleanDecoder",
           "ScalarEncoder", "ImageEncoder", "TokensEncoder", "CharactersEncoder", "CODERS", "coder_from_data"]

CODERS: dict[str, type] = {}


class Coder:
    """Base of encoders and decoders: frozen dataclasses registered by type name (for YAML)."""

    kind: ClassVar[str] = "coder"

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if not cls.__name__.startswith("_") and cls.__name__ not in ("Encoder", "Decoder"):
            CODERS[cls.__name__] = cls

    @property
    def type_name(self) -> str:
        return type(self).__name__

    def options(self) -> dict[str, Any]:
        """The options as plain data (lists, not tuples): the YAML form, with ``type``."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)  # type: ignore[arg-type]
                if getattr(self, f.name) != f.default}

    def _problem(self, problems: list[Diagnostic], message: str, option: str) -> None:
        """Note that option ``option`` is bad (``message``: what it takes, found what); ``_raise`` says them all."""
        problems.append(Diagnostic(f"{self.type_name} option {option}=: {message}", "coder-option", option=option,
                                   detail=message))

    def _raise(self, problems: list[Diagnostic]) -> None:
        """One OptionError naming every problem noted (none: nothing)."""
        raise_options(problems, f"{self.type_name} options")


def raise_options(problems: list[Diagnostic], header: str, where: str = "") -> None:
    """One OptionError for a coder's bad options: one problem said alone, several listed under ``header``; both
    after ``where`` (what holds the coder: ``"port"``), when given."""
    lead = f"{where}: " if where else ""
    if len(problems) == 1:
        raise OptionError(lead + problems[0].message, [problems[0].prefixed(lead)])
    raise_all(problems, OptionError, lead + header)


class Encoder(Coder):
    kind = "encoder"

    def port_type(self) -> PortType:
        """The type of the port this encoder feeds."""
        raise NotImplementedError

    @property
    def index_count(self) -> int | None:
        """How many distinct indices it gives (0 to count - 1), when it gives indices; else None."""
        return None

    def fit_hint(self, shape: Any) -> str | None:
        """How to set this encoder's options to give ``shape`` (a shape conflict's hint), or None."""
        return None


class Decoder(Coder):
    kind = "decoder"
    accepts: ClassVar[tuple[PortType, ...]] = ()

    def check(self, t: PortType) -> str | None:
        """None when the port's type suits this decoder, else the reason."""
        for ok in self.accepts:
            try:
                unify(ok, PortType(t.shape, None))
                return None
            except Conflict:
                pass
        return self._mismatch(t)

    def _mismatch(self, t: PortType) -> str:
        return (f"{self.type_name} takes {' or '.join(format_shape(a.shape) for a in self.accepts)}, "
                f"found {format_shape(t.shape)}")


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def _labels(coder: Coder, value: Any, problems: list[Diagnostic], option: str = "labels") -> tuple:
    """``value`` as a tuple of labels; a problem noted (and ``()`` given) when it is not one."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or len(value) < 1:
        coder._problem(problems, f"a non-empty list of labels, found {value!r}", option)
        return ()
    labels = tuple(value)
    if not all(isinstance(v, (str, int, bool)) for v in labels):
        coder._problem(problems, f"labels must be strings, ints or booleans, found {list(labels)}", option)
    elif len(set(labels)) != len(labels):
        coder._problem(problems, f"labels must be distinct, found {list(labels)}", option)
    else:
        return labels
    return ()


@dataclasses.dataclass(frozen=True)
class ClassEncoder(Encoder):
    """Labels → class indices (``output="Index"``, a scalar Integer) or one-hot vectors (``"UnitVector"``)."""

    labels: tuple = ()
    output: str = "Index"

    def __post_init__(self) -> None:
        problems: list[Diagnostic] = []
        object.__setattr__(self, "labels", _labels(self, self.labels, problems))
        if not (isinstance(self.output, str) and self.output in ("Index", "UnitVector")):  # an array: no ==
            self._problem(problems, f"'Index' or 'UnitVector', found {self.output!r}", "output")
        self._raise(problems)

    def port_type(self) -> PortType:
        return PortType((), INTEGER) if self.output == "Index" else PortType((len(self.labels),), REAL)

    @property
    def index_count(self) -> int | None:
        return len(self.labels) if self.output == "Index" else None


@dataclasses.dataclass(frozen=True)
class ClassDecoder(Decoder):
    """Probability vectors (or scalar class indices) → labels; ``net(x, decoder="Probabilities")`` and
    ``decoder=("TopProbabilities", k)`` ask for more (see ``netgraph.data.decoding``). A sequence of probability
    vectors, (n, k), decodes at each position (a tagger's labels), as Wolfram's class decoder of a rank-2 input."""

    labels: tuple = ()

    def __post_init__(self) -> None:
        problems: list[Diagnostic] = []
        object.__setattr__(self, "labels", _labels(self, self.labels, problems))
        self._raise(problems)

    @property
    def accepts(self) -> tuple[PortType, ...]:  # type: ignore[override]
        return PortType((len(self.labels),)), PortType((None, len(self.labels))), PortType(())

    def _mismatch(self, t: PortType) -> str:
        k = len(self.labels)
        return (f"ClassDecoder with {k} labels takes a ({k}) probability vector, a sequence of them (n, {k}) or a "
                f"scalar class index, found {format_shape(t.shape)}")


@dataclasses.dataclass(frozen=True)
class BooleanEncoder(Encoder):
    """True/False → 1.0/0.0 (a scalar)."""

    def port_type(self) -> PortType:
        return PortType((), REAL)


@dataclasses.dataclass(frozen=True)
class BooleanDecoder(Decoder):
    """A probability (a scalar, or a (1) vector) → True when above 0.5."""

    accepts: ClassVar[tuple[PortType, ...]] = (PortType(()), PortType((1,)))


@dataclasses.dataclass(frozen=True)
class ScalarEncoder(Encoder):
    """Numbers → a scalar Real port (``min``/``max`` given: rescaled to [0, 1], as Wolfram's {"Scalar", {min, max}})."""

    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
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


_COLOR_CHANNELS = {"RGB": 3, "Grayscale": 1}
_UNICODE_FORMS = ("NFC", "NFD", "NFKC", "NFKD")


@dataclasses.dataclass(frozen=True)
class ImageEncoder(Encoder):
    """Image files, PIL images or arrays → a (channels, height, width) float tensor in [0, 1], resized to
    ``size=(width, height)``, in ``color_space`` "RGB" or "Grayscale", then ``(x - mean) / std`` per channel."""

    size: tuple = (32, 32)
    color_space: str = "RGB"
    mean: Any = None
    std: Any = None

    def __post_init__(self) -> None:
        problems: list[Diagnostic] = []
        size = (self.size, self.size) if isinstance(self.size, int) and not isinstance(self.size, bool) else self.size
        if not isinstance(size, (list, tuple)) or len(size) != 2 or \
                not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in size):
            self._problem(problems, f"(width, height), two positive ints, found {self.size!r}", "size")
        else:
            object.__setattr__(self, "size", tuple(size))
        channels = _COLOR_CHANNELS.get(self.color_space) if isinstance(self.color_space, str) else None
        if channels is None:
            self._problem(problems, f"one of {list(_COLOR_CHANNELS)}, found {self.color_space!r}", "color_space")
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


@dataclasses.dataclass(frozen=True)
class TokensEncoder(Encoder):
    """Text → a sequence of token indices (``"n"``, Integer): words split on whitespace (a text only: a list of
    strings is a batch of texts), looked up in ``vocabulary``; index 0 is ``padding``, 1 is ``unknown`` (any token not in the vocabulary),
    then the vocabulary in order. ``max_length`` refuses longer sequences; batches pad to the longest.
    ``normalization`` ("NFC", "NFD", "NFKC", "NFKD"; None: off) puts the text in that Unicode form (after
    ``lowercase``) before it is split, so "café" typed as e + a combining accent finds the vocabulary's "café"."""

    vocabulary: tuple = ()
    unknown: str = "<unk>"
    padding: str = "<pad>"
    max_length: int | None = None
    lowercase: bool = False
    normalization: str | None = None

    def __post_init__(self) -> None:
        problems: list[Diagnostic] = []
        object.__setattr__(self, "vocabulary", _labels(self, self.vocabulary, problems, "vocabulary"))
        if self.max_length is not None and (isinstance(self.max_length, bool) or not isinstance(self.max_length, int)
                                            or self.max_length < 1):
            self._problem(problems, f"a positive int or None, found {self.max_length!r}", "max_length")
        for name in ("unknown", "padding"):
            if not isinstance(getattr(self, name), str):
                self._problem(problems, f"a string, found {getattr(self, name)!r}", name)
        if not isinstance(self.lowercase, bool):
            self._problem(problems, f"True or False, found {self.lowercase!r}", "lowercase")
        self._check_normalization(problems)
        if never := [t for t in self.vocabulary if not self._can_occur(t)]:
            self._problem(problems, f"the vocabulary entry {never[0]!r:.60} could never match: {self._split_rule}",
                          "vocabulary")
        if capitals := [t for t in self.vocabulary if self.lowercase is True and isinstance(t, str) and t != t.lower()]:
            self._problem(problems, f"lowercase=True lowercases the text before looking it up, so the vocabulary "
                          f"entry {capitals[0]!r} could never match; write the vocabulary in lowercase", "lowercase")
        if isinstance(self.unknown, str) and isinstance(self.padding, str) and \
                (self.unknown == self.padding or {self.unknown, self.padding} & set(self.vocabulary)):
            self._problem(problems, "unknown= and padding= must differ from each other and from every vocabulary "
                          "entry", "unknown")
        self._raise(problems)

    _split_rule: ClassVar[str] = "a text is split on whitespace into words, strings without spaces"

    def _check_normalization(self, problems: list[Diagnostic]) -> None:
        """A known Unicode form or None, and every vocabulary entry already in it (else it could never match)."""
        if self.normalization is not None and self.normalization not in _UNICODE_FORMS:
            self._problem(problems, f"one of None, {', '.join(map(repr, _UNICODE_FORMS))}, found "
                          f"{self.normalization!r}", "normalization")
        elif self.normalization is not None and (changed := [t for t in self.vocabulary if isinstance(t, str) and
                                                             unicodedata.normalize(self.normalization, t) != t]):
            self._problem(problems, f"the text is put in Unicode form {self.normalization} before it is looked up, so "
                          f"the vocabulary entry {ascii(changed[0])} could never match; write the vocabulary in that "
                          f"form: unicodedata.normalize({self.normalization!r}, entry)", "normalization")

    def normalized(self, text: str) -> str:
        """``text`` as it is looked up: lowercased (``lowercase``), then in Unicode form ``normalization``."""
        text = text.lower() if self.lowercase else text
        return unicodedata.normalize(self.normalization, text) if self.normalization else text

    @staticmethod
    def _can_occur(token: Any) -> bool:
        """Whether splitting some text can give ``token``."""
        return isinstance(token, str) and token.split() == [token]

    @property
    def tokens(self) -> tuple:
        """Every token by index: padding, unknown, then the vocabulary."""
        return (self.padding, self.unknown, *self.vocabulary)

    @functools.cached_property
    def token_index(self) -> dict:
        """Each token's index (made once per encoder: a text is looked up token by token)."""
        return {t: i for i, t in enumerate(self.tokens)}

    def port_type(self) -> PortType:
        return PortType(("n",), INTEGER)

    @property
    def index_count(self) -> int | None:
        return len(self.tokens)


@dataclasses.dataclass(frozen=True)
class CharactersEncoder(TokensEncoder):
    """Text → a sequence of character indices: ``vocabulary`` a string (or list) of characters."""

    _split_rule: ClassVar[str] = "a text is read one character at a time, so entries are single characters"

    @staticmethod
    def _can_occur(token: Any) -> bool:
        return isinstance(token, str) and len(token) == 1

    def __post_init__(self) -> None:
        if isinstance(self.vocabulary, str):
            object.__setattr__(self, "vocabulary", tuple(self.vocabulary))
        super().__post_init__()


def coder_from_data(data: Any, kind: str, where: str = "") -> Coder:
    """An encoder (``kind`` "encoder") or decoder from its data form ``{type: ClassDecoder, labels: [...]}``;
    each error's message starts with ``where`` (what holds the coder), when given.

    >>> coder_from_data({"type": "ClassDecoder", "labels": ["a", "b"]}, "decoder", "output 'Output'")
    ClassDecoder(labels=('a', 'b'))
    """
    base, lead = Encoder if kind == "encoder" else Decoder, f"{where}: " if where else ""
    names = sorted(n for n, c in CODERS.items() if issubclass(c, base))
    if not isinstance(data, dict) or "type" not in data:
        raise OptionError(f"{lead}{kind}: takes a mapping with a type (one of {names}), found {data!r}")
    cls = CODERS.get(data["type"]) if isinstance(data["type"], str) else None
    if cls is None or not issubclass(cls, base):
        raise OptionError(f"{lead}{kind} type must be one of {names}, found {data['type']!r}"
                          f"{did_you_mean(data['type'], names) if isinstance(data['type'], str) else ''}", option="type")
    fields = {f.name for f in dataclasses.fields(cls)}
    problems = [Diagnostic(f"{cls.__name__} has no option {k!r}{did_you_mean(str(k), fields)}; its options are "
                           f"{sorted(fields)}", "coder-option", option=k) for k in data if k != "type" and k not in fields]
    try:
        coder = cls(**{k: v for k, v in data.items() if k in fields})
    except OptionError as exc:  # the given options' problems too (one not given: likely the one misspelt)
        problems += [d for d in exc.diagnostics if d.option in data or not problems]
    raise_options(problems, f"{cls.__name__} options", where)
    return coder


for _coder in CODERS.values():  # ScalarEncoder(1, 2, 3), ClassEncoder(nope=1): an OptionError, as a layer's
    with_argument_errors(_coder)

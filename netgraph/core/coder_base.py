"""The kinds of port coders (Wolfram's NetEncoder/NetDecoder): ``Coder``, ``Encoder`` and ``Decoder``, the registry
of coder types by name (``CODERS``, for YAML), and the option checks the coders share. The coders themselves are in
``netgraph.core.coders`` (and the text encoders in ``netgraph.core.text_coders``)."""

from __future__ import annotations

import dataclasses
import reprlib
from collections import Counter
from typing import Annotated, Any, ClassVar

from netgraph.core.errors import Diagnostic, OptionError, raise_all
from netgraph.core.integers import INT64_BOUND, is_int
from netgraph.core.layer_values import short_sequence
from netgraph.core.naming_scope import quoted
from netgraph.core.options import OptionKind
from netgraph.core.conflicts import Conflict
from netgraph.core.types import PortType, unify
from netgraph.core.wording import first_few

__all__ = ["Coder", "Encoder", "Decoder", "CODERS", "raise_options", "labels_option", "coder_option",
           "Labels"]

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

    def __repr__(self) -> str:
        """As a dataclass's (each coder is made with ``repr=False``), a long list of labels or tokens cut short."""
        shown = (f"{f.name}={short_sequence(getattr(self, f.name))}" for f in dataclasses.fields(self) if f.repr)
        return f"{type(self).__qualname__}({', '.join(shown)})"

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

    @property
    def index_span(self) -> tuple[int, int] | None:
        """The smallest and largest index it gives (0 to ``index_count`` - 1), when it gives indices; else None."""
        return (0, self.index_count - 1) if self.index_count else None

    def fit_hint(self, shape: Any) -> str | None:
        """How to set this encoder's options to give ``shape`` (a shape conflict's hint), or None."""
        return None


class Decoder(Coder):
    kind = "decoder"
    accepts: ClassVar[tuple[PortType, ...]] = ()

    def check(self, t: PortType) -> str | None:
        """None when the port's type suits this decoder (its shape, and its dtype: probabilities are Real), else the
        reason."""
        varies = None
        for ok in self.accepts:
            try:
                unify(ok, PortType(t.shape, t.dtype))
            except Conflict:
                continue
            if not _varies_where_fixed(ok.shape, t.shape):
                return None
            varies = varies or ok.shape
        return self._mismatch(t) + (self._varying(varies, t.shape) if varies else "")

    def _varying(self, accepted: tuple, shape: tuple) -> str:
        """How a length variable of ``shape`` where ``accepted`` has a fixed size is refused, and the remedy."""
        at = next(i for i, (want, dim) in enumerate(zip(accepted, shape)) if isinstance(want, int) and
                  isinstance(dim, str))
        size = accepted[at]
        longer = (*shape, size)
        fixed = longer if any(len(ok.shape) == len(longer) and not _varies_where_fixed(ok.shape, longer) and
                              all(w is None or w == d for w, d in zip(ok.shape, longer)) for ok in self.accepts) \
            else (*shape[:at], size, *shape[at + 1:])
        return (f": its length {shape[at]} may differ per call, where {self._sized(size)} ({size}); give the input a "
                f"fixed size or make the output {PortType(fixed)}")

    def _sized(self, size: int) -> str:
        """What ``size`` values of a fixed-size port are, with its verb: "2 probabilities need"."""
        return "1 probability needs" if size == 1 else f"{size} probabilities need"

    def _mismatch(self, t: PortType) -> str:
        return (f"{self.type_name} takes {' or '.join(str(a) for a in self.accepts)} probabilities (Real), "
                f"found {PortType(t.shape, t.dtype)}")


def _varies_where_fixed(accepted: Any, shape: Any) -> bool:
    """Whether ``shape`` has a length variable (``"n"``) where the decoder's ``accepted`` shape has a fixed size:
    unify lets n match 2, but each call may give another length (4 probabilities cut to 2 labels), so it is refused.

    >>> _varies_where_fixed((2,), ("n",)), _varies_where_fixed((None, 2), ("n", 2))
    (True, False)
    """
    return isinstance(shape, tuple) and any(isinstance(want, int) and isinstance(dim, str)
                                            for want, dim in zip(accepted, shape))


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def coder_option(schema: dict) -> Any:
    """The annotation of an encoder's or decoder's option: what its spec form may hold, for the JSON Schema (the
    coder's own ``__post_init__`` checks the value)."""
    return Annotated[Any, OptionKind("coder-option", None, schema)]


#: true and 1 (false and 0) are one label to the loader, as to Python (``True == 1``: one key of the dict that maps
#: a value to its class) and to the data a YAML file holds; JSON Schema's uniqueItems counts them distinct.
_NO_BOOLEAN_BESIDE_ITS_INT = [{"not": {"allOf": [{"contains": {"const": b}}, {"contains": {"const": int(b)}}]}}
                              for b in (True, False)]
Labels = coder_option({"type": "array", "minItems": 1, "uniqueItems": True, "allOf": _NO_BOOLEAN_BESIDE_ITS_INT,
                       "items": {"type": ["string", "integer", "boolean"]}})
"""A non-empty list of distinct labels: strings, ints or booleans, ``true`` the same as ``1`` (``labels_option``)."""


def labels_option(coder: Coder, value: Any, problems: list[Diagnostic], option: str = "labels") -> tuple:
    """``value`` as a tuple of labels; a problem noted (and ``()`` given) when it is not one."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or len(value) < 1:
        coder._problem(problems, f"a non-empty list of labels, found {quoted(value)}", option)
        return ()
    labels = tuple(value)
    if not all(isinstance(v, (str, int, bool)) for v in labels):
        coder._problem(problems, f"labels must be strings, ints or booleans, found {short_sequence(list(labels))}",
                       option)
    elif wide := [v for v in labels if is_int(v) and not -INT64_BOUND <= v < INT64_BOUND]:
        coder._problem(problems, f"int labels that fit in 64 bits (-2**63 to 2**63 - 1, as a spec file holds them), "
                                 f"found {reprlib.repr(wide[0])}", option)
    elif len(set(labels)) != len(labels):
        twice = [v for v, n in Counter(labels).items() if n > 1]
        coder._problem(problems, f"labels must be distinct, found {first_few(twice, text=quoted)} more than once "
                                 f"(in {len(labels)} labels)", option)
    else:
        return labels
    return ()

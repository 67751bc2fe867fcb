"""Port types: a shape without the batch dimension (dims may be unknown) and a dtype.

A shape is ``None`` (rank unknown) or a tuple of ints, ``None`` (unknown size) or strings naming variable lengths
(``"n"``; netgraph's guesses: ``guessed_lengths``), a layer's new length named after the old (``length_names``): equal
names, equal lengths. ``unify`` merges partial types, a conflict as text; ``broadcast`` follows numpy's rules.

>>> unify(PortType((None, 3)), PortType((2, None)))
PortType(shape=(2, 3), dtype='Real')
>>> format_shape((None, 3))
'(?, 3)'
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Union

from netgraph.core.errors import ShapeError, did_you_mean
from netgraph.core.conflicts import Conflict
from netgraph.core.guessed_lengths import free_dim, without_guesses
from netgraph.core.length_names import lengths_apart
from netgraph.core.naming_scope import quoted
from netgraph.core.shape_values import DTYPES, INTEGER, REAL, Shape, as_shape, shape_dim
from netgraph.core.shape_dims import shape_error

__all__ = ["Dim", "Shape", "PortType", "REAL", "INTEGER", "LengthConflict", "length_reason", "unify",
           "broadcast", "as_shape", "shape_dim", "format_shape", "range_suffix", "ports_text", "is_known", "numel",
           "element_count", "ANY_REAL", "real_type", "MAX_PORT_DIMS"]

Dim = Union[int, str, None]
MAX_PORT_DIMS = 63  # dims of one example at a port: torch's ops take at most 64, the batch dimension one of them


class LengthConflict(Conflict):
    """``broadcast`` of a variable length against a size, or against another length named apart: callers keep
    its ``reason`` (the text after the shapes compared)."""

    def __init__(self, shapes: tuple, reason: str, *, expected: object = None, found: object = None) -> None:
        super().__init__(f"shapes {', '.join(map(format_shape, shapes))} do not broadcast: {reason}",
                         expected=expected, found=found)
        self.reason = reason


def length_reason(exc: Conflict) -> str:
    """``": <why>"`` of a LengthConflict (a caller rewording a broadcast failure keeps its reason), else ``""``."""
    return f": {exc.reason}" if isinstance(exc, LengthConflict) else ""


@dataclass(frozen=True, slots=True)
class PortType:
    """The type of a port: ``shape`` (no batch dim), ``dtype`` ('Real', 'Integer' or None = unknown) and, for an
    index port (Wolfram's ``Restricted["Integer", n]``), the ``range`` (lo, hi) of its values, both included.

    >>> t = PortType((), INTEGER, (0, 9))
    >>> t, str(t), t == PortType((), INTEGER)
    (PortType(shape=(), dtype='Integer', range=(0, 9)), '() Integer 0..9', False)
    """

    shape: Shape = None
    dtype: str | None = REAL
    range: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        """Shape and range as tuples of Python ints (a list, numpy's ints: as the tuple equal to them, hashable); a
        dtype other than 'Real', 'Integer' or None (unknown) refused at once. A tuple of ints passes unchecked."""
        shape, dtype, span = self.shape, self.dtype, self.range
        if not (shape is None or type(shape) is tuple and all(map(_PLAIN_DIMS.__contains__, map(type, shape)))):
            object.__setattr__(self, "shape", _port_type_part(as_shape, shape, "shape"))
        if dtype is not REAL and dtype is not INTEGER and dtype is not None:
            _check_dtype(dtype)
        if span is not None and not (type(span) is tuple and len(span) == 2 and type(span[0]) is type(span[1]) is int):
            object.__setattr__(self, "range", _port_type_part(_index_range, span, "range"))

    def __str__(self) -> str:
        text = format_shape(self.shape)
        return text if self.dtype in (REAL, None) else f"{text} {self.dtype}{range_suffix(self)}"

    def __repr__(self) -> str:  # the range only where there is one (most ports have none)
        span = "" if self.range is None else f", range={self.range!r}"
        return f"PortType(shape={self.shape!r}, dtype={self.dtype!r}{span})"

    @property
    def known(self) -> bool:
        """True when every dim is a known size (variable-length string dims count as known)."""
        return is_known(self.shape) and self.dtype is not None


_PLAIN_DIMS = frozenset({int, str, type(None)})  # a shape's dims as made: sizes, length names, unknown


def _check_dtype(dtype: object) -> None:
    """A ShapeError unless ``dtype`` is 'Real' or 'Integer' (torch.long, 'Int': no port dtype)."""
    if not (isinstance(dtype, str) and dtype in DTYPES):
        raise ShapeError(f"PortType dtype must be {REAL!r} or {INTEGER!r} (or None: unknown), found {dtype!r}"
                         f"{did_you_mean(str(dtype), DTYPES)}", kind="port-shape", expected=DTYPES, found=dtype)


def _index_range(span: object, what: str) -> tuple[int, int]:
    """``span`` as (lo, hi) Python ints; a Conflict unless it is two integers."""
    if isinstance(span, (tuple, list)) or type(span).__module__ == "numpy" and getattr(span, "ndim", 0) == 1:
        parts = list(span)
        if len(parts) == 2 and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in parts):
            return int(parts[0]), int(parts[1])
    raise Conflict(f"{what} must be two ints (lowest, highest), found {quoted(span)}", expected="two ints",
                   found=span)


def _port_type_part(normalised: object, value: object, what: str) -> object:
    """``normalised(value, what)``, its Conflict a ShapeError (kind port-shape) of a PortType being made."""
    try:
        return normalised(value, f"PortType {what}")
    except Conflict as exc:  # a shape's every bad dim, each at its item
        raise shape_error(ShapeError, value, f"PortType {what}", exc, kind="port-shape") from None


def range_suffix(t: PortType) -> str:
    """``" 0..9"``: the range of an index port's values, as its type shows it after the dtype; else ``""``."""
    return "" if t.range is None else f" {t.range[0]}..{t.range[1]}"


def ports_text(types: dict[str, PortType], ports: tuple) -> str:
    """A net repr's ``{port: shape}`` of ``ports``, an index port with a range as its type (Restricted).

    >>> ports_text({"Input": PortType((), INTEGER, (0, 9)), "x": PortType((4,))}, ("Input", "x"))
    "{'Input': () Integer 0..9, 'x': (4,)}"
    """
    shown = (str(types[p]) if types[p].range is not None else repr(types[p].shape) for p in ports)
    return "{" + ", ".join(f"{p!r}: {text}" for p, text in zip(ports, shown)) + "}"


UNKNOWN = PortType(None, None)
ANY_REAL = PortType(None, REAL)  # shared, as a value: a net of 100,000 layers declares most of its ports so


def real_type(shape: Shape) -> PortType:
    """``PortType(shape, REAL)`` (the one ``ANY_REAL`` when the shape is unknown; one per shape for the first
    shapes asked, as a net of 100,000 layers declares many ports of one shape)."""
    if shape is None:
        return ANY_REAL
    if type(shape) is not tuple:
        return PortType(shape, REAL)
    found = _REAL_TYPES.get(shape)
    if found is None:
        found = PortType(shape, REAL)
        if len(_REAL_TYPES) < 4096:  # bounded: shapes a long session makes do not pile up
            _REAL_TYPES[shape] = found
    return found


_REAL_TYPES: dict[Shape, PortType] = {}


def format_shape(shape: Shape) -> str:
    """'(2, 3)', '()' for scalars, '(?, 3)' for an unknown dim, '?' for an unknown rank; past 16 dims its first and
    last 8 around an ellipsis, and its rank (torch allows 64 dims: 10,000 is a user's list given as a shape)."""
    if shape is not None and len(shape) > 16:
        return f"{format_shape(shape[:8])[:-1]}, …, {format_shape(shape[-8:])[1:]} ({len(shape)} dims)"
    return "?" if shape is None else f"({', '.join('?' if d is None else str(d) for d in shape)})"


def is_known(shape: Shape) -> bool:
    return shape is not None and None not in shape  # dims are ints, strings or None


def numel(shape: tuple) -> int:
    """Number of elements of a fully known shape (ints only)."""
    return math.prod(shape)


def element_count(shape: Shape) -> int | None:
    """Number of elements of ``shape`` when every dim is a size, else None (an unknown or variable-length dim).

    >>> element_count((2, 3)), element_count(("n", 3)), element_count((None,)), element_count(None)
    (6, None, None, None)
    """
    return math.prod(shape) if shape is not None and all(isinstance(d, int) for d in shape) else None


def _unify_dim(a: Dim, b: Dim) -> Dim:
    """None is unknown; a str is a length variable of any size (an int wins, as LengthVar; a user's over a guess)."""
    if a is None or (isinstance(a, str) and isinstance(b, int)):
        return b
    if b is None or a == b or isinstance(b, str):
        return free_dim(a, b)
    raise Conflict(f"{a} != {b}", expected=a, found=b)


def unify_shapes(expected: Shape, found: Shape) -> Shape:
    """Merge two partial shapes; Conflict says 'expected ..., found ...'."""
    if expected is None:
        return found
    if found is None or found == expected:  # (equal: as below, without a generator)
        return expected
    if len(expected) != len(found):
        raise Conflict(f"expected rank {len(expected)} {format_shape(expected)}, "
                       f"found rank {len(found)} {format_shape(found)}", expected=expected, found=found)
    try:
        return tuple(_unify_dim(a, b) for a, b in zip(expected, found))
    except Conflict:
        raise Conflict(f"expected shape {format_shape(expected)}, found {format_shape(found)}", expected=expected,
                       found=found) from None


def unify(expected: PortType, found: PortType) -> PortType:
    """Merge two partial port types, or raise Conflict (``expected`` itself when ``found`` adds nothing to it)."""
    shape = unify_shapes(expected.shape, found.shape)
    if expected.dtype is None or found.dtype is None or expected.dtype == found.dtype:
        dtype = expected.dtype or found.dtype
        span = expected.range or found.range  # an index range is kept (Real ones have none)
        if expected.range and found.range and expected.range != found.range:  # values one lets by, the other refuses
            raise Conflict(f"expected range {range_suffix(expected)[1:]}, found {range_suffix(found)[1:]}: an index "
                           f"port's range is checked where it is declared, so ranges that meet must be equal",
                           expected=expected.range, found=found.range)
        if dtype == expected.dtype and span is expected.range and (shape is expected.shape or shape == expected.shape):
            return expected  # the same value: callers compare by identity first
        if dtype == found.dtype and span is found.range and (shape is found.shape or shape == found.shape):
            return found  # found's value: no new object (a port of each layer of a large net would hold one)
        return PortType(shape, dtype, span)
    raise Conflict(f"expected dtype {expected.dtype}, found {found.dtype}", expected=expected.dtype, found=found.dtype)


def broadcast(*shapes: Shape) -> Shape:
    """Numpy broadcasting of partial shapes (right-aligned); None when any rank is unknown.

    >>> broadcast((2, 3), (3,), ())
    (2, 3)
    """
    if None in shapes:
        return None
    if shapes and shapes.count(shapes[0]) == len(shapes):  # equal shapes broadcast to themselves (as below, sooner)
        return tuple(shapes[0])
    rank = max((len(s) for s in shapes), default=0)
    out: list[Dim] = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        sizes = without_guesses({d for d in dims if d != 1})
        if any(isinstance(d, str) for d in sizes):
            fixed = {d for d in sizes if not isinstance(d, str)}
            names = sorted(d for d in sizes if isinstance(d, str))
            if len(names) > 1:  # lengths named apart are independent: equal in each example only by chance
                expected, found = _clashing(shapes, rank, i)
                raise LengthConflict(shapes, f"lengths {' and '.join(names)} {lengths_apart(names)}",
                                     expected=expected, found=found)
            if fixed - {None}:  # a length known only at run time would match a size above 1 only by chance
                var = next(d for d in sizes if isinstance(d, str))
                expected, found = _clashing(shapes, rank, i)
                raise LengthConflict(shapes, f"length {var} (any length, known at run time) against size "
                                     f"{min(fixed - {None})}", expected=expected, found=found)
            sizes = {names[0]}  # an unknown dim takes the length, as a size 1 would (any other size raised above)
        if None in sizes:
            known = sizes - {None}
            out.append(known.pop() if len(known) == 1 else None)
            if len(known) > 1:
                expected, found = _clashing(shapes, rank, i)
                raise Conflict(f"shapes {', '.join(map(format_shape, shapes))} do not broadcast",
                               expected=expected, found=found)
        elif len(sizes) > 1:
            expected, found = _clashing(shapes, rank, i)
            raise Conflict(f"shapes {', '.join(map(format_shape, shapes))} do not broadcast",
                           expected=expected, found=found)
        else:
            out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _clashing(shapes: tuple[Shape, ...], rank: int, i: int) -> tuple[Shape, Shape]:
    """A broadcast failure's ``expected`` and ``found`` values: the first shape that sets dim ``i`` (of ``rank``,
    right-aligned) and the first after it whose dim there differs."""
    sized = [s for s in shapes if s is not None and len(s) - rank + i >= 0 and s[len(s) - rank + i] not in (1, None)]
    first = sized[0][len(sized[0]) - rank + i]
    other = next(s for s in sized if s[len(s) - rank + i] != first)
    return sized[0], other

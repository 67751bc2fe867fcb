"""A shape as given (an int, a list of dims, None, Wolfram's "Automatic" and "Varying") made a Shape, each dim checked:
``as_shape`` and ``shape_dim``, below ``types`` (its PortType) and ``shape_dims`` (a shape's every bad dim told).

>>> as_shape(3), as_shape([2, "n", None])
((3,), (2, 'n', None))
"""

from __future__ import annotations

import difflib
import functools
import numbers
from typing import Union

from netgraph.core.errors import nearest_name
from netgraph.core.conflicts import Conflict
from netgraph.core.length_names import impossible_step
from netgraph.core.naming_scope import SHOWN_CHARACTERS, quoted

__all__ = ["Shape", "REAL", "INTEGER", "DTYPES", "vector_shape", "as_shape", "shape_dim"]

Shape = Union[tuple, None]
REAL = "Real"
INTEGER = "Integer"
DTYPES = (REAL, INTEGER)
_SHAPE_WORDS = "an int or a list of ints"  # what a shape option takes (a Conflict's expected value)


@functools.lru_cache(maxsize=4096)  # bounded: the sizes a long session makes do not pile up
def vector_shape(size: int) -> tuple:
    """``(size,)``: one tuple a size (for the sizes asked most recently), as ``real_type`` keeps one type a shape, so
    that 100,000 ``LinearLayer(8)`` hold one ``(8,)``, not a tuple each for the collector to track.

    >>> vector_shape(8) is vector_shape(8)
    True
    """
    return (size,)


def _scalar_hint(value: object) -> str:
    """The hint on a shape given as one word: a dtype's name miscased or misspelt ('integer', 'Rael': the same letters,
    or a ratio of 0.8), a length's name inside a list ('n'), or both where the word is only somewhat near a dtype
    ('Interval', 'Deal': likely lengths).

    >>> _scalar_hint("Rael"), _scalar_hint("Deal")[-48:]
    (" (did you mean 'Real', the dtype of a scalar port?)", "(or did you mean 'Real', a scalar port's dtype?)")
    """
    named = isinstance(value, str) and value.isidentifier() and len(value) <= SHOWN_CHARACTERS  # a longer one: no name
    length = f"; a variable length is a name inside the list: [{value!r}] is a sequence of length {value}, " \
        f"[{value!r}, 3] one of vectors of 3" if named else ""
    dtype = nearest_name(value, DTYPES) if isinstance(value, str) else None
    if dtype is None:
        return length
    word, name = value.lower(), dtype.lower()
    if sorted(word) == sorted(name) or difflib.SequenceMatcher(None, word, name).ratio() >= 0.8 or not length:
        return f" (did you mean {dtype!r}, the dtype of a scalar port?)"
    return f"{length} (or did you mean {dtype!r}, a scalar port's dtype?)"


def as_shape(value: object, what: str = "shape") -> Shape:
    """Normalise ``3``, ``[2, 3]``, ``(2, None)``, ``None`` into a Shape (``"Automatic"`` is None and ``"Varying"``
    ``("Varying",)``, as in Wolfram); raise Conflict on junk.

    >>> as_shape(3), as_shape([2, 3]), as_shape(()), as_shape(None)
    ((3,), (2, 3), (), None)
    >>> import numpy
    >>> as_shape(numpy.array([2, 3]))
    (2, 3)
    """
    if type(value).__module__ == "numpy" and getattr(value, "ndim", 0) > 0:  # an array of dims, as a layer's option
        value = value.tolist()  # (its == "Automatic" below would be elementwise: numpy's "truth value ... ambiguous")
    if value is None or value == "Automatic":  # Wolfram's Automatic: left to inference
        return None
    if isinstance(value, str) and value == "Varying":  # Wolfram's "Varying": a sequence of numbers, of any length
        return ("Varying",)
    if type(value) is int and 1 <= value < 2**63:  # the common vector size, as below in one step
        return vector_shape(value)
    if isinstance(value, bool):
        raise Conflict(f"{what} must be an int or a list of ints, found {value!r}", expected=_SHAPE_WORDS, found=value)
    listed = not isinstance(value, numbers.Integral)  # a single dim (numpy's ints too) is a scalar's shape
    if not listed:
        value = (value,)
    if not isinstance(value, (tuple, list)):
        raise Conflict(f"{what} must be an int or a list of ints, found {quoted(value)}{_scalar_hint(value)}",
                       expected=_SHAPE_WORDS, found=value)
    return tuple(d if type(d) is int and 1 <= d < 2**63 else shape_dim(d, what, index if listed else None)
                 for index, d in enumerate(value))  # item: a Diagnostic's, the dim's place in a list given


def shape_dim(d: object, what: str, item: int | None = None) -> object:
    """One dim of a shape as ``as_shape`` keeps it (a size, a length name, None: unknown), else a Conflict at
    ``item`` naming ``what``."""
    if isinstance(d, str) and d in DTYPES:  # (4, "Integer"): a dtype written into the shape
        raise Conflict(f"{what} has {d!r} as a dim, which is a dtype, not a length: give a port's dtype as "
                       f"PortType(shape, {d!r}) (in a spec {{shape: [...], dtype: {d}}})", expected="a length",
                       found=d, item=item)
    if isinstance(d, str) and d == "None":  # YAML's None is text, a length named "None" here
        raise Conflict(f"{what} has 'None' as a dim, which YAML reads as text (a variable length named 'None'): "
                       f"write null for an unknown dim, or a length name such as \"n\" for a variable length",
                       expected="a length, null or a length name", found=d, item=item)
    if isinstance(d, str) and d.isidentifier() and (why := impossible_step(d)):
        raise Conflict(f"{what} has the length name {d!r}: {why}",
                       expected="a length name whose steps are sizes from 1 (\"n_over_2\")", found=d, item=item)
    if d is None or (isinstance(d, str) and d.isidentifier()):
        return None if d == "Automatic" else d  # Wolfram's {Automatic, 3}: an unknown dim, not a length
    if isinstance(d, numbers.Integral) and not isinstance(d, bool) and 1 <= d < 2**63:
        return int(d)
    if isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 2**63:
        raise Conflict(f"{what} dims must be below 2**63 (torch's largest size), found {quoted(d)}",
                       expected="below 2**63", found=d, item=item)
    raise Conflict(f"{what} dims must be positive ints (or None for unknown), found {quoted(d)}",
                   expected="positive ints", found=d, item=item)

"""Which net a message's layers are named from: a net built inside another (a spec's nested net, built before the
net holding it) names its layers by their path from the top net, so its messages need no rewriting afterwards.

Outside ``naming_under`` (a net built in Python) messages name a layer by its index and name, as always
("layer 2 'b' (ReshapeLayer)"), a nested one by the layers holding it ("layer 1 'o' (NetGraph) > layer 2 (T)");
inside it, by its path from the top ("layer 'inner/b' (ReshapeLayer)"). ``naming_under(())`` (a spec's top net) is
path mode with an empty prefix, not no scope: its own layers keep their index and name, nested ones their path.

>>> scoped_layer(("b",), "ReshapeLayer") is None
True
>>> with naming_under(()):
...     scoped_layer(("b",), "ReshapeLayer"), scoped_layer(("o", "b"), "ReshapeLayer")
(None, "layer 'o/b' (ReshapeLayer)")
>>> with naming_under(("inner",)):
...     scoped_layer(("b",), "ReshapeLayer"), scoped_name("enc/l1")
("layer 'inner/b' (ReshapeLayer)", 'inner/enc/l1')
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from functools import cache
from typing import Any

from netgraph.core.scoped_values import scoped

__all__ = ["naming_under", "naming_prefix", "scoped_layer", "shown_layer", "scoped_name", "scoped_path", "shown_path",
           "elided", "SHOWN_LEVELS", "shortened", "quoted", "head_and_tail", "SHOWN_CHARACTERS", "SHOWN_EDGE",
           "numbers_as_written", "function_name", "exception_text"]

SHOWN_LEVELS = 3  # a layer path in a message shows this many levels at each end when it is longer than twice that + 2
SHOWN_CHARACTERS = 80  # a name in a message shows half this at each end when it is longer
SHOWN_EDGE = 400  # as long an edge's text (a chain's may name many layers) is shown whole

_PREFIX: ContextVar[tuple[str, ...] | None] = ContextVar("netgraph_naming_prefix", default=None)
_WRITTEN: ContextVar[Callable[[], dict[str, str] | None] | None] = ContextVar("netgraph_written_numbers", default=None)


def numbers_as_written(texts: Callable[[], dict[str, str]]) -> AbstractContextManager:
    """Messages made inside write each float whose repr is a key of the dict ``texts()`` gives as its text there, as a
    spec file wrote it (``quoted``: 1.0e39, where its repr is 1e+39; by repr, so that -0.0 is not 0.0); ``texts`` is
    called at the first float a message quotes (never where none does), once; where it gives none, the enclosing
    block's texts hold.

    >>> with numbers_as_written(lambda: {"1e+39": "1.0e39"}):
    ...     quoted(1e39), quoted(2.5)
    ('1.0e39', '2.5')
    >>> with numbers_as_written(lambda: {"1e+39": "1.0e39"}), numbers_as_written(dict):
    ...     quoted(1e39)
    '1.0e39'
    """
    enclosing = _WRITTEN.get()
    return scoped(_WRITTEN, cache(lambda: texts() or (enclosing() if enclosing else None)))


def naming_under(prefix: tuple[str, ...]) -> AbstractContextManager:
    """Messages made inside name each layer by its path from the top net, the net being built being at ``prefix``
    (``()``: the top net itself, whose own layers are named as a net built in Python names them)."""
    return scoped(_PREFIX, tuple(prefix))


def naming_prefix() -> tuple[str, ...] | None:
    """The path of the net being built from the top net, inside ``naming_under`` (``()``: the top net); None outside
    (names as always)."""
    return _PREFIX.get()


def scoped_layer(path: tuple[str, ...], type_name: str) -> str | None:
    """"layer 'inner/b' (T)": the layer at ``path`` (in the net being built) by its path from the top net, inside
    ``naming_under``; None outside it, and for the top net's own layers (the caller names the layer its own way)."""
    prefix = _PREFIX.get()
    if prefix is None or (not prefix and len(path) == 1):
        return None
    return shown_layer((*prefix, *path), type_name)


def shown_layer(path: tuple[str, ...], type_name: str) -> str:
    """"layer 'inner/b' (T)": the layer at ``path`` with its type, as messages name it."""
    return f"layer {shown_path(path)!r} ({type_name})"


def scoped_name(shown: str) -> str:
    """A layer's path as a message shows it (``"enc/l1"``, in the net being built), from the top net inside
    ``naming_under`` (``"inner/enc/l1"``); as given outside it."""
    prefix = _PREFIX.get()
    return shown if prefix is None else shown_path((*prefix, *shown.split("/")))


def scoped_path(path: tuple) -> str:
    """``path`` (in the net being built) joined by ``/`` for a message, from the top net inside ``naming_under``;
    past 8 levels in all, its first and last 3 (``elided``).

    >>> scoped_path(("enc", "l1")), scoped_path(tuple("abcdefghij"))
    ('enc/l1', 'a/b/c/... 4 levels .../h/i/j')
    """
    return shown_path((*(_PREFIX.get() or ()), *path))


def elided(parts: list[str]) -> list[str]:
    """A path's parts for a message: past 8 levels, its first and last 3 and how many are left out."""
    if len(parts) > 2 * SHOWN_LEVELS + 2:
        return [*parts[:SHOWN_LEVELS], f"... {len(parts) - 2 * SHOWN_LEVELS} levels ...", *parts[-SHOWN_LEVELS:]]
    return parts


def shown_path(path: tuple) -> str:
    """``path`` joined by ``/`` for a message (``elided``, each name ``shortened``).

    >>> shown_path(("enc", "l1")), shown_path(tuple("abcdefghij"))
    ('enc/l1', 'a/b/c/... 4 levels .../h/i/j')
    """
    return "/".join(elided([shortened(str(p)) for p in path]))


def shortened(text: str, width: int = SHOWN_CHARACTERS) -> str:
    """``text`` for a message: past ``width`` characters, its head and tail around an ellipsis, and its length (a
    10,000-character name quoted whole, several times, made a message of 40,000).

    >>> shortened("a" * 50 + "b" * 50)
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb (100 characters)'
    """
    return text if len(text) <= width else f"{head_and_tail(text, width)} ({len(text)} characters)"


def quoted(name: Any, width: int = SHOWN_CHARACTERS) -> str:
    """``repr(name)``, or past ``width`` characters that of its head and tail around an ellipsis, and its length; a
    name that is no string (an index, a path's tuple) as its ``repr``, ``shortened``.

    >>> quoted("a b"), quoted("x" * 41 + "y" * 41)
    ("'a b'", "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' (82 characters)")
    >>> quoted(3), quoted(("a", 1)), quoted(10**200)
    ('3', "('a', 1)", 'an integer of 665 bits')
    """
    if not isinstance(name, str):
        return shortened(_written(name), width)
    if len(name) <= width:
        return repr(name)
    return f"{head_and_tail(name, width)!r} ({len(name)} characters)"


def _written(value: Any) -> str:
    """``repr(value)``, a float as a spec wrote it where ``numbers_as_written``; an integer past 10**100 (past 4300
    digits Python cannot write one) by its size in bits, and a container whose repr fails by its type."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _LARGEST_WRITTEN_BITS:
        return f"an integer of {value.bit_length()} bits"
    if type(value) is float and (made := _WRITTEN.get()) and (texts := made()) and (shown := repr(value)) in texts:
        return texts[shown]
    try:
        return repr(value)
    except ValueError:  # a container holding such an integer
        return f"a {type(value).__name__} holding an integer too long to write"
    except RecursionError:  # a container nested past the recursion limit ([[[...]]] 5,000 deep)
        return f"a {type(value).__name__} nested too deep to write"


_LARGEST_WRITTEN_BITS = (10**100).bit_length()


def head_and_tail(text: str, width: int) -> str:
    """``text``'s head and tail, ``width // 2`` characters each, around an ellipsis."""
    return f"{text[:width // 2]}…{text[-(width // 2):]}"


def function_name(fn: Any) -> str:
    """How a message names ``fn``: its ``__name__``, or its class's (a loss ``nn.Module``, a callable object)."""
    return getattr(fn, "__name__", type(fn).__name__)


def exception_text(exc: BaseException) -> str:
    """``": " + str(exc)`` for a message, past ``SHOWN_EDGE`` characters shortened (a user's error text may run to
    megabytes; torch's own are shorter); "" where it has no text or its ``__str__`` fails.

    >>> exception_text(ValueError("bad")), exception_text(StopIteration()), len(exception_text(ValueError("x" * 10**6)))
    (': bad', '', 424)
    """
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a failing __str__ must not replace the user's error
        return ""
    return f": {shortened(text, SHOWN_EDGE)}" if text else ""

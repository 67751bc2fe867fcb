"""One object for equal layers made alike: ``LinearLayer(8)`` made twice is the same frozen value, made once.

A layer is a frozen value and a net treats each of its positions apart (``NetChain([l, l])`` gets two sets of
weights), so layers made by the same call need not be two objects. A user's loop making 100,000 ``LinearLayer(8)``
otherwise allocates 100,000 objects that the garbage collector's full passes walk and that a net's construction
reads back from memory that has left the cache. ``one_per_value(cls)`` makes ``cls(...)`` return the live layer made
by an earlier call with the same arguments, when each argument is a plain ``int`` or ``str`` (never an array, a
``NetSharedArray``, a float, a bool or numpy's numbers) and ``cls`` is exactly the class (a subclass's layers are
its own). Equal layers made otherwise (``replace``, arrays, copies, pickles) stay separate objects. Only classes
whose making reads nothing but the arguments and whose layers hold no state of their own use it; a layer is kept
only while something else holds it (weak references).

>>> from netgraph import LinearLayer
>>> LinearLayer(8) is LinearLayer(8), LinearLayer(8) is LinearLayer(8, input=3), LinearLayer(8) is LinearLayer([8])
(True, False, False)
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["one_per_value", "MADE_ONCE"]

MADE_ONCE = "_made_once"  # the mark of a layer handed out again: the attribute (Layer's default False) it holds True


def one_per_value(cls: type) -> type:
    """Make ``cls(...)`` with plain int and str arguments return one layer per distinct call (module docstring).
    Python then calls ``__init__`` on the layer returned: the argument-checking wrapper every layer class has
    (``layer_arguments.with_argument_errors``) returns at once for a layer marked ``MADE_ONCE``."""
    made: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
    init = cls.__init__

    def __new__(kind: type, *args: Any, **kwargs: Any) -> Any:
        if kind is not cls:
            return object.__new__(kind)
        if kwargs or len(args) != 1 or (type(args[0]) is not int and type(args[0]) is not str):
            if (key := _key(args, kwargs)) is None:
                return object.__new__(kind)
        else:  # the common call: one option by position (LinearLayer(8), ElementwiseLayer("Tanh"))
            key = args
        layer = made.get(key)
        if layer is None:
            layer = object.__new__(kind)
            init(layer, *args, **kwargs)  # a bad option raises here, every time (nothing kept)
            object.__setattr__(layer, MADE_ONCE, True)
            made[key] = layer
        return layer

    __new__.__wrapped__ = init  # inspect.signature(cls) reads the options from __init__, as before
    cls.__new__ = staticmethod(__new__)
    return cls


def _key(args: tuple, kwargs: dict) -> tuple | None:
    """The arguments as a key (values and names, in order), or None when any is not a plain int or str, or there are
    none: copies and pickles make a layer as ``cls.__new__(cls)`` and then set its fields (a fresh object each)."""
    if not args and not kwargs:
        return None
    for value in args:
        if type(value) is not int and type(value) is not str:
            return None
    if not kwargs:
        return args
    for value in kwargs.values():
        if type(value) is not int and type(value) is not str:
            return None
    return (args, tuple(kwargs.items()))

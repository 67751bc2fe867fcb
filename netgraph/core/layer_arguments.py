"""A layer called with arguments its options do not take: an OptionError naming the layer type and the option, not
Python's TypeError from the dataclass ``__init__`` (Keras's ``activation=``, a typo'd ``ouput=``).

``with_argument_errors(cls)`` wraps ``cls.__init__`` once, when the class is made; the wrapper adds one call and
a ``try`` to making a layer, and reads the signature only after a TypeError. When the only problems are unknown
names, the call is made again without them, so that the bad values of the other options are named in the same error.

>>> from netgraph import LinearLayer
>>> LinearLayer(3, activation="relu")
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: LinearLayer has no option 'activation' (activations are layers of their own: NetChain([LinearLayer(3), "Ramp"])); its options are output, input, weights, biases
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Sequence
from typing import Any

from netgraph.core.errors import Diagnostic, OptionError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import ARGUMENT_KIND, options_error
from netgraph.core.options import option_fields
from netgraph.core.torch_option_names import torch_option_hint, torch_order_hint

__all__ = ["with_argument_errors"]

def with_argument_errors(cls: type) -> None:
    """Make ``cls(...)`` with arguments its ``__init__`` cannot take an OptionError (see the module docstring)."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if args and (names := positional_options(type(self))) is not None and len(args) > len(names):
            raise OptionError(_too_many(type(self).__name__, names, len(args)), kind=ARGUMENT_KIND)
        try:
            init(self, *args, **kwargs)
        except TypeError as exc:
            problems = _argument_problems(type(self), init, args, kwargs)
            if not problems:  # the arguments bind: a TypeError from checking the options, as it was
                raise
            values = _value_problems(self, init, args, kwargs, problems)
            raise _option_error(type(self).__name__, problems, values) from exc

    cls.__init__ = __init__


def positional_options(cls: type) -> tuple[str, ...] | None:
    """The options ``cls`` takes by position (its ``POSITIONALS``, else its ``POSITIONAL``); None: any, in order.

    Only a layer's Wolfram arguments go by position, so that torch's order (``LinearLayer(3, 4)`` for
    ``Linear(3, 4)``) is refused rather than read as other options (``input=4``)."""
    names = getattr(cls, "POSITIONALS", None)
    if names is None and (one := getattr(cls, "POSITIONAL", None)) is not None:
        names = (one,)
    return names


def _too_many(name: str, positional: Any, found: int) -> str:
    count = f"{len(positional)} option{'' if len(positional) == 1 else 's'}" if positional else "no options"
    listed = f" ({', '.join(positional)})" if positional else ""
    return f"{name} takes {count} by position{listed}, found {found}; give the others by name{torch_order_hint(name)}"


def _option_error(name: str, problems: list[tuple[str, str | None]],
                  values: Sequence[Diagnostic] = ()) -> OptionError:
    """One OptionError for every problem with a call's arguments, then the bad ``values``: one said alone, several
    listed under ``name``."""
    arguments = [Diagnostic(message, ARGUMENT_KIND, option=option) for message, option in problems]
    return options_error(name, [*arguments, *values])


def _value_problems(layer: Any, init: Any, args: tuple, kwargs: dict,
                    problems: list[tuple[str, str | None]]) -> list[Diagnostic]:
    """The Diagnostic of each bad value among the options given by their right names, when the only problems are
    unknown names: the call again without those, for the options' own checks (``option_problems``) to run. Only
    problems naming an option the user gave are kept (not one about an option left at its default)."""
    fields = option_fields(type(layer))
    unknown = {option for _, option in problems}
    if not all(option in kwargs and option not in fields for option in unknown):  # missing, twice, too many
        return []
    known = {k: v for k, v in kwargs.items() if k not in unknown}
    try:
        init(layer, *args, **known)
    except OptionError as error:
        parameters = list(inspect.signature(init).parameters)[1:]  # after self
        given = {*parameters[:len(args)], *known}
        return [d for d in error.diagnostics if d.option in given]
    except Exception:  # noqa: BLE001 - another failure is not about a value the user named: the names are the news
        return []
    return []


def _argument_problems(cls: type, init: Any, args: tuple, kwargs: dict) -> list[tuple[str, str | None]]:
    """(message, option) for each problem with arguments ``init`` cannot bind (every unknown option and every
    missing one, as a spec reports them); empty when they bind."""
    signature = inspect.signature(init)
    try:
        signature.bind(None, *args, **kwargs)
        return []
    except TypeError:
        pass
    fields = list(option_fields(cls))
    name, listed = cls.__name__, ", ".join(fields) or "none"
    problems: list[tuple[str, str | None]] = []
    for key in (k for k in kwargs if k not in fields):
        hint = torch_option_hint(name, key) or _slot_hint(key, fields, args, kwargs) or _port_shape_hint(key, fields) \
            or did_you_mean(key, fields)
        problems.append((f"{name} has no option {quoted(key)}{hint}; its options are {listed}", key))
    params = [p for p in signature.parameters.values() if p.name in fields]
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(args) > len(positional):
        return [*problems, (_too_many(name, positional, len(args)), None)]
    if twice := [k for k in positional[:len(args)] if k in kwargs]:
        return [*problems, (f"{name} was given option {twice[0]!r} twice, by position and by name", twice[0])]
    given = {*positional[:len(args)], *kwargs}
    problems += [(f"{name} needs option {p.name!r}", p.name) for p in params
                 if p.default is p.empty and p.name not in given]
    return problems or [(f"{name}: arguments it cannot take", None)]


def _slot_hint(key: str, fields: list[str], args: tuple, kwargs: dict) -> str:
    """' (#x is a port: ...)' for ``x=`` given to a layer whose function text has the slot ``#x`` and whose
    ``input=`` takes port shapes by name (Wolfram's FunctionLayer[#x + #y &, "x" -> 3]); '' otherwise."""
    text = kwargs.get("function", args[0] if args else None)
    if "input" not in fields or not isinstance(text, str) or not re.search(rf"#{re.escape(key)}\b", text):
        return ""
    return f" (#{key} is a port: give its shape as input={{{quoted(key)}: ...}})"


def _port_shape_hint(key: str, fields: list[str]) -> str:
    """' (port shapes are declared on a net ...)' for ``input=``, ``output=`` or a port name (Wolfram's
    ``"Input" -> shape``) given to a layer without such an option; '' for other keys."""
    if key.lower() in fields or not (key.lower() in ("input", "output") or key[:1].isupper()):
        return ""  # Weights=: a miscased option, said by did_you_mean
    counts = "; inputs= is how many inputs it takes (or their names), not their shape" if "inputs" in fields else ""
    return (f" (port shapes are not options here: declare a port's shape on a net of it, NetGraph(layer, "
            f"<port>=shape), or on the net it sits in{counts})")

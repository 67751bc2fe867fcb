"""The ports of a user's Python function given to a layer: its positional parameters' names, in order.

>>> callable_ports(lambda mu, sigma: mu)
('mu', 'sigma')
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from netgraph.core.errors import OptionError

__all__ = ["callable_ports"]


def callable_ports(fn: Callable, layer: str = "FunctionLayer", option: str = "function") -> tuple[str, ...]:
    """The parameter names of a user's function: the ports of the ``layer`` it is given to (as its ``option``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        raise OptionError(f"{layer} cannot read the parameter names of this callable", option=option,
                          kind="option-value", found=type(fn).__name__) from None
    ports = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise OptionError(f"{layer}: parameter {p.name!r} must be a plain positional parameter (it names a port)",
                              option=option, kind="option-value", expected="a positional parameter", found=p.name)
        ports.append(p.name)
    return tuple(ports)

"""The ports of a module wrapped as a layer (TorchLayer, register_module's classes): the ``inputs=`` and
``outputs=`` options read as port types, and whether the module's ``forward`` takes one argument per input port."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from torch import nn

from netgraph.core.errors import OptionError
from netgraph.core.shape_dims import port_shape_options
from netgraph.core.naming_scope import quoted
from netgraph.core.types import INTEGER, REAL, PortType

__all__ = ["port_types", "positional_problem"]


def port_types(value: Any, layer: str, option: str, default: str = "Input") -> dict[str, PortType]:
    """``None`` -> {default: ?}; a list of names; or a dict of name -> shape | PortType | dtype name."""
    if value is None:
        return {default: PortType(None, None)}
    value = [value] if isinstance(value, str) else value
    items = value.items() if isinstance(value, Mapping) else ((v, None) for v in value) \
        if isinstance(value, (list, tuple)) else None
    if items is None:
        raise OptionError(f"{layer} {option}= must be a list of port names or a dict of name -> shape, found "
                          f"{quoted(value)}",
                          option=option,
                          kind="option-value", expected="a list of port names or a dict of name -> shape",
                          found=value)
    out = {}
    for name, spec in items:
        if not isinstance(name, str) or not name.isidentifier():
            raise OptionError(f"{layer} {option}=: port names must be identifiers, found {quoted(name)}", option=option,
                              kind="option-value", expected="a Python identifier", found=name)
        if name in out:
            raise OptionError(f"{layer} {option}=: port names must be distinct, found {quoted(name)} "
                              f"twice", option=option,
                              kind="option-value", found=name)
        out[name] = spec if isinstance(spec, PortType) else PortType((), spec) if spec in (REAL, INTEGER) else spec
    shapes = port_shape_options({n: s for n, s in out.items() if not isinstance(s, PortType)}, layer, option)
    out = {n: PortType(shapes[n], None) if n in shapes else t for n, t in out.items()}  # every port's bad dims told
    if not out:
        raise OptionError(f"{layer} {option}= names no port", option=option,
                          kind="option-value", expected="at least one port", found=value)
    return out


def positional_problem(module: nn.Module, ports: tuple[str, ...]) -> str | None:
    """Why ``module.forward`` cannot take one argument per input port by position, as the layer passes them; None
    when it can (or its signature cannot be read)."""
    try:
        signature = inspect.signature(module.forward)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*ports)
    except TypeError as exc:
        keyword = [p.name for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY and p.default is p.empty]
        words = f" ({', '.join(map(repr, keyword))} keyword-only)" if keyword else ""
        return (f"inputs {list(ports)} are passed to {type(module).__name__}.forward{signature} by position, one per "
                f"port, and it cannot take them so: {exc}{words}; name the ports it takes by position, or wrap it in a "
                f"module whose forward does")
    return None

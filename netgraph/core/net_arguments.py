"""What a function that takes a net says of a compiled module given instead (``net.compile()``, which a torch user
holds after ``load_state_dict``): its net is one call away, ``module.to_net()``."""

from __future__ import annotations

from typing import Any

__all__ = ["compiled_module_note", "compiled_module_hint", "is_compiled_module"]

_NOTE = "; a compiled module: module.to_net() gives its net, with the module's arrays"


def is_compiled_module(value: Any) -> bool:
    """Whether ``value`` is a compiled netgraph module (``net.compile()``)."""
    return callable(getattr(type(value), "to_net", None))  # the compiled module's class (backend: not imported here)


def compiled_module_note(value: Any) -> str:
    """The message's ending for a compiled module given where a net goes, else ''."""
    return _NOTE if is_compiled_module(value) else ""


def compiled_module_hint(value: Any) -> str | None:
    """The Diagnostic's hint for a compiled module given where a net goes, else None."""
    return "module.to_net()" if is_compiled_module(value) else None

"""A package's ``dir()``: the names it makes public and the subpackages loaded so far, not its own imports
(``Any``, ``annotations``, ``importlib`` ...)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import ModuleType

__all__ = ["public_dir"]


def public_dir(module: str, public: Iterable[str]) -> list[str]:
    """``dir()`` of the package ``module``: ``public`` and its loaded subpackages (``import netgraph.layers``)."""
    loaded = [name for name, value in vars(sys.modules[module]).items()
              if isinstance(value, ModuleType) and value.__name__.startswith(f"{module}.")]
    return sorted({*public, *loaded})

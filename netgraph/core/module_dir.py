"""A package's ``dir()``: the names it makes public, the public subpackages loaded so far and the module's dunders
(``__file__``, ``__path__`` ...), not its own imports (``Any``, ``annotations``, ``importlib`` ...) nor private
names."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import ModuleType

__all__ = ["public_dir"]


def public_dir(module: str, public: Iterable[str]) -> list[str]:
    """``dir()`` of the package ``module``: ``public``, its loaded public subpackages (``import netgraph.layers``)
    and its dunders."""
    names = vars(sys.modules[module])
    loaded = [name for name, value in names.items() if not name.startswith("_")
              and isinstance(value, ModuleType) and value.__name__.startswith(f"{module}.")]
    dunders = [name for name in names if name.startswith("__") and name.endswith("__")]
    return sorted({*public, *loaded, *dunders})

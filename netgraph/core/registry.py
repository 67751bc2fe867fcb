"""Name -> class tables (layer types, distributions) that refuse a silent overwrite, and a scope for tests.

>>> table = Registry("layer type")
>>> class A: pass
>>> class B: pass
>>> _ = table.add(A, "X")
>>> table.add(B, "X")
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: layer type name 'X' is taken by netgraph.core.registry.A; netgraph.core.registry.B cannot take it too (register it under another name, or pass replace=True to replace it on purpose)
>>> table.add(B, "X", replace=True) is B and table["X"] is B
True
"""

from __future__ import annotations

import contextlib
import importlib
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted

__all__ = ["Registry", "registry_scope"]

_ALL: "weakref.WeakSet[Registry]" = weakref.WeakSet()


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class Registry(dict):
    """A dict of name -> class whose ``add`` raises OptionError on a name clash (naming both classes).

    Defining a class again under the same module and qualified name (re-running a notebook cell or
    a module) replaces the old definition: that is the same class, not a clash.

    Names may be *deferred* to the module that registers them (``defer``): looking such a name up
    imports that module, and anything that lists the table (iteration, ``len``, ``keys``, ``items``,
    ``values``) imports every deferred module first, so no caller sees a partial catalogue.
    """

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self._deferred: dict[str, str] = {}  # name -> module that registers it when imported
        _ALL.add(self)

    __hash__ = object.__hash__  # a WeakSet member (dicts are unhashable)

    def add(self, cls: type, name: str | None = None, replace: bool = False) -> type:
        """Make ``cls`` known as ``name`` (default: its class name); returns ``cls``."""
        name = name or cls.__name__
        module = self._deferred.pop(name, None)
        if module is not None and module != cls.__module__:  # another class wants a deferred name: load the owner
            self._deferred[name] = module
            self._load(module)
        old = dict.get(self, name)
        if old is not None and old is not cls and not replace and _qualified(old) != _qualified(cls):
            raise self.clash(name, cls)
        self[name] = cls
        return cls

    def clash(self, name: str, cls: type, old: type | None = None) -> OptionError:
        """The error for ``cls`` wanting ``name``, taken by ``old`` (default: its class): it names both and
        ``replace=True``."""
        return OptionError(f"{self.kind} name {quoted(name)} is taken by {_qualified(old or self[name])}; "
                           f"{_qualified(cls)} cannot take it too (register it under another name, or pass "
                           f"replace=True to replace it on purpose)", option="name", kind="name-clash")

    def unknown(self, name: Any) -> str:
        """"unknown layer type 'Foo'": the words for ``name``, which the table lacks (``quoted``: bounded)."""
        return f"unknown {self.kind} {quoted(name)}"

    def defer(self, modules: Mapping[str, str]) -> None:
        """Make each name of ``{name: module}`` known now, registered by importing its module on first use."""
        self._deferred.update((name, module) for name, module in modules.items() if not dict.__contains__(self, name))

    def load_all(self) -> None:
        """Import every module a deferred name waits for."""
        while self._deferred:
            self._load(next(iter(self._deferred.values())))

    def _load(self, module: str) -> None:
        names = [name for name, owner in self._deferred.items() if owner == module]
        for name in names:
            del self._deferred[name]
        try:
            # importlib rather than an import statement: the deferred modules belong to later stages
            # (the layer catalogue), which the core must not import; they load only when a name is used
            importlib.import_module(module)
        except BaseException:
            self._deferred.update(dict.fromkeys(names, module))
            raise

    def __missing__(self, name: str) -> Any:
        module = self._deferred.get(name)
        if module is None:
            raise KeyError(name)
        self._load(module)
        return dict.__getitem__(self, name)

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self._deferred

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def __iter__(self) -> Iterator[str]:
        self.load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self.load_all()
        return dict.__len__(self)

    def __eq__(self, other: object) -> bool:
        self.load_all()
        return dict.__eq__(self, other)

    def __repr__(self) -> str:
        self.load_all()
        return dict.__repr__(self)

    def keys(self):  # type: ignore[override]  # (the dict views, after loading everything)
        self.load_all()
        return dict.keys(self)

    def values(self):  # type: ignore[override]
        self.load_all()
        return dict.values(self)

    def items(self):  # type: ignore[override]
        self.load_all()
        return dict.items(self)

    def copy(self) -> dict:  # type: ignore[override]
        self.load_all()
        return dict(dict.items(self))


@contextlib.contextmanager
def registry_scope() -> Iterator[None]:
    """Undo, on exit, every registration made inside (layer types and distributions defined by tests).

    >>> from netgraph.core.layer import REGISTRY
    >>> with registry_scope():
    ...     _ = REGISTRY.add(int, "Scoped")
    >>> "Scoped" in REGISTRY
    False
    """
    tables = list(_ALL)
    for table in tables:  # a module loaded inside the scope stays loaded: its names must survive the scope
        table.load_all()
    saved = [(table, dict(table.items())) for table in tables]
    try:
        yield
    finally:
        for table, contents in saved:
            dict.clear(table)
            dict.update(table, contents)

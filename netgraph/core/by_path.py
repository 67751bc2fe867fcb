"""Properties keyed by layer path that also answer to the joined name (``information("Layers")``, ``"Estimators"``,
``"LayersGraph"``'s nodes).

>>> layers = ByPath({("enc", "l1"): "a", ("m", "net", "b"): "b"})
>>> layers[("enc", "l1")], layers["enc/l1"], "enc/l1" in layers, layers.get("dec")
('a', 'a', True, None)
>>> layers["m"]
Traceback (most recent call last):
netgraph.core.by_path.InnerPathError: 'm' holds layers of its own, keyed by their paths inside it: ('m', 'net', 'b')
"""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import NetGraphError
from netgraph.core.naming_scope import quoted

__all__ = ["ByPath", "InnerPathError"]


class InnerPathError(NetGraphError, KeyError):
    """A key naming an operator or a nested net, whose layers are keyed by their own paths inside it: a KeyError (as a
    dict's missing key) of kind "unknown-layer" whose message names those paths (``expected``)."""

    __str__ = NetGraphError.__str__  # the message, not KeyError's repr of it


class ByPath(dict):
    """A property keyed by layer path, ``("enc", "l1")``, as arrays are keyed (Wolfram's ``{"enc", "l1"}``) and
    surgery takes it (``Layers``, ``Estimators``); the name its path joins to, ``"enc/l1"`` (the keys before),
    finds it too. A path above some keys (an operator's, ``("map",)``) raises InnerPathError naming them."""

    def __missing__(self, key: Any) -> Any:
        path = self._joined().get(key) if isinstance(key, str) else None
        if path is not None:
            return self[path]
        inner = self._inside(key)
        if inner:
            shown = ", ".join(map(repr, inner[:4])) + (f" and {len(inner) - 4} more" if len(inner) > 4 else "")
            raise InnerPathError(f"{quoted(key)} holds layers of its own, keyed by their paths inside it: {shown}",
                                 kind="unknown-layer", layer=tuple(map(str, self._parts(key))), found=key,
                                 expected=tuple(inner))
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (isinstance(key, str) and key in self._joined())

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def _joined(self) -> dict[str, tuple]:
        return {"/".join(map(str, path)): path for path in self}

    def _inside(self, key: Any) -> list[tuple]:
        """The keys below ``key`` (a path, or the name it joins to)."""
        parts = self._parts(key)
        return [path for path in self if isinstance(path, tuple) and parts and len(path) > len(parts)
                and tuple(map(str, path[:len(parts)])) == parts]

    @staticmethod
    def _parts(key: Any) -> tuple[str, ...]:
        if isinstance(key, str):
            return tuple(key.split("/"))
        return tuple(map(str, key)) if isinstance(key, tuple) else ()

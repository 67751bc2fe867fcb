"""Properties keyed by layer path that also answer to the joined name (``information("Layers")``, ``"Estimators"``,
``"LayersGraph"``'s nodes).

>>> layers = ByPath({("enc", "l1"): "a"})
>>> layers[("enc", "l1")], layers["enc/l1"], "enc/l1" in layers, layers.get("dec")
('a', 'a', True, None)
"""

from __future__ import annotations

from typing import Any

__all__ = ["ByPath"]


class ByPath(dict):
    """A property keyed by layer path, ``("enc", "l1")``, as arrays are keyed (Wolfram's ``{"enc", "l1"}``) and
    surgery takes it (``Layers``, ``Estimators``); the name its path joins to, ``"enc/l1"`` (the keys before),
    finds it too."""

    def __missing__(self, key: Any) -> Any:
        path = self._joined().get(key) if isinstance(key, str) else None
        if path is None:
            raise KeyError(key)
        return self[path]

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (isinstance(key, str) and key in self._joined())

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def _joined(self) -> dict[str, tuple]:
        return {"/".join(map(str, path)): path for path in self}

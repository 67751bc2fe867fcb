"""A net's layers by name, read-only (``net.layers``): a key that names no layer is a KeyError (and a WiringError)
that says how layers are keyed; Keras's ``model.layers[0]`` is a list's, netgraph's are names (``'1'``, ``'enc'``).

>>> view = LayerView({"1": "a", "2": "b"})
>>> view["1"], list(view), len(view), "2" in view
('a', ['1', '2'], 2, True)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netgraph.core.errors import WiringError, did_you_mean
from netgraph.core.key_errors import MessageKeyError
from netgraph.core.naming_scope import quoted

__all__ = ["LayerView"]


class LayerKeyError(WiringError, MessageKeyError):
    """A key of ``net.layers`` that names no layer."""


class LayerView(Mapping):
    """The layers by name, as ``MappingProxyType`` gives them; lookups of a present key cost one dict lookup."""

    __slots__ = ("_table",)

    def __init__(self, table: Mapping[str, Any]):
        self._table = table

    def __getitem__(self, key: Any) -> Any:
        try:
            return self._table[key]
        except (KeyError, TypeError):
            raise LayerKeyError(_missing(key, list(self._table)), kind="unknown-layer", layer=(), found=key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        try:
            return key in self._table
        except TypeError:
            return False

    def get(self, key: Any, default: Any = None) -> Any:
        return self._table.get(key, default) if key.__hash__ is not None else default

    def keys(self) -> Any:
        return self._table.keys()

    def values(self) -> Any:
        return self._table.values()

    def items(self) -> Any:
        return self._table.items()

    def __repr__(self) -> str:
        return f"mappingproxy({self._table!r})"


def _missing(key: Any, names: list[str]) -> str:
    shown = ", ".join(map(repr, names[:10])) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
    if isinstance(key, int) and not isinstance(key, bool):
        by_name = str(key) if str(key) in names else names[0] if names else "1"  # Wolfram's layer `key`, if named so
        in_range = -len(names) <= key < len(names)
        by_position = f", or by position (from 0, as Python counts): net[{key}]" if in_range else ""
        return (f"net.layers has no key {quoted(key)}: layers are keyed by name, as strings ({shown}; unnamed layers "
                f"are numbered from '1', as in Wolfram): net.layers[{by_name!r}]{by_position}")
    hint = did_you_mean(key, names) if isinstance(key, str) else ""
    return f"net.layers has no key {key!r:.60}{hint}; the layers are {shown}"

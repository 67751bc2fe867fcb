"""A net as a container of its top-level layers, as torch's ``nn.Sequential``: ``len(net)``, ``net[i]``, ``for layer
in net``. ``net[key]`` is served by the ``net_item`` stage (``netgraph.core.net_items``), which needs the surgery
functions that import NetGraph; the errors of indexing are here.

>>> from netgraph import NetChain, LinearLayer
>>> chain = NetChain({"lin": LinearLayer(3), "act": "Tanh"}, input=2)
>>> len(chain), chain[-1], [layer.type_name for layer in chain]
(2, ElementwiseLayer('Tanh', input=3), ['LinearLayer', 'ElementwiseLayer'])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

from netgraph.core.errors import WiringError
from netgraph.core.plugins import stage

__all__ = ["LayerSequence", "LayerIndexError", "NetItemError"]


class LayerIndexError(WiringError, IndexError):
    """``net[i]`` with ``i`` out of range (an IndexError too, as a Python sequence's)."""


class NetItemError(WiringError, TypeError):
    """An operation a net does not have as a container (``x in net``, a slice of a NetGraph, a float index); the
    message says what to use instead (a TypeError too, as Python's for an unsupported operation or key)."""


_FROM_ONE = " (surgery counts layers from 1, as Wolfram; net[0] is layer 1)"


def _surgery_ref(key: Any) -> str:
    """How surgery names the layer ``net[key]`` names: a position from 0 becomes Wolfram's index from 1."""
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key + 1 if key >= 0 else key)
    return repr(key)


class LayerSequence:
    """``len``, indexing and iteration over a net's top-level layers, in the order given (a NetGraph's too)."""

    _layers: dict[str, Any]

    def __len__(self) -> int:
        """The number of top-level layers (``information("LayersCount")`` counts the layers inside nested nets)."""
        return len(self._layers)

    def __getitem__(self, key: Any) -> Any:
        """``net[i]`` (from 0, negative from the end), ``net["name"]``, ``net["enc", "l1", "Weights"]`` (a path,
        each part an index or a name), ``chain[i:j]`` (a NetChain of those layers): what ``net_extract`` gives."""
        return stage("net_item")(self, key)

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        raise NetItemError(f"a net is a frozen value, not edited in place: net_replace_part(net, {{{_surgery_ref(key)}: "
                           f"new_layer}}) returns the net with it{_FROM_ONE}", kind="frozen-net")

    def __delitem__(self, key: Any) -> NoReturn:
        raise NetItemError(f"a net is a frozen value, not edited in place: net_delete(net, {_surgery_ref(key)}) "
                           f"returns the net without it{_FROM_ONE}", kind="frozen-net")

    def __iter__(self) -> Iterator[Any]:
        """The top-level layers in order: ``net[0]``, ``net[1]``, ..."""
        return (self[i] for i in range(len(self._layers)))

    def __contains__(self, item: Any) -> NoReturn:
        raise NetItemError(f"`x in net` is ambiguous, since a net is indexed both by positions and by names: ask "
                           f"`name in net.layers` for a layer's name, `layer in list(net)` for a layer; found "
                           f"{item!r:.60}", kind="net-contains", layer=())

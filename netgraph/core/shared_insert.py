"""net_insert_shared_arrays (Wolfram's NetInsertSharedArrays): every array of a net becomes a shared array.

A net placed twice in a graph is two copies that train apart (Wolfram's rule). Keras's layer called on two inputs
shares its weights; here that is the net with its arrays shared, placed twice: both places hold users of the same
names, so the compiled module has one parameter per array.

>>> from netgraph import NetChain, LinearLayer
>>> net_insert_shared_arrays(NetChain({"l1": LinearLayer(3)}, input=2), "tower").layers["l1"].shared
{'Weights': 'tower-l1-Weights', 'Biases': 'tower-l1-Biases'}
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from netgraph.core.errors import OptionError
from netgraph.core.graph import NetGraph, coerce_layer
from netgraph.core.names import fresh_name
from netgraph.core.naming_scope import quoted
from netgraph.core.shared import NetSharedArray, shared_users
from netgraph.core.walk import nested_nodes
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["net_insert_shared_arrays"]

_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_OTHER = re.compile(r"[^A-Za-z0-9_\-]")


def net_insert_shared_arrays(net: Any, prefix: str = "shared") -> NetGraph:
    """``net`` with each array that is not shared yet made ``NetSharedArray(f"{prefix}-{path}-{array}")`` (the
    layer path joined by ``-``; other characters than letters, digits, ``_`` and ``-`` become ``_``), keeping its
    value; arrays inside nested nets and operators too. Place the result twice in a graph to use one set of arrays
    twice; two different nets made so need different prefixes (their names would clash).

    >>> from netgraph import NetChain, LinearLayer, net_initialize
    >>> net = net_insert_shared_arrays(net_initialize(NetChain([LinearLayer(2)], input=3), seed=0))
    >>> sorted(net.information("SharedArrays"))
    ['shared-1-Biases', 'shared-1-Weights']
    """
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise OptionError(f"net_insert_shared_arrays: prefix must be letters, digits, '_' or '-' (starting with a "
                          f"letter), found {quoted(prefix)}", option="prefix", kind=VALUE_KIND)
    net = coerce_layer(net, "net_insert_shared_arrays")
    if not isinstance(net, NetGraph):  # a layer alone: its arrays are named by the prefix
        return _shared(net, prefix, set(net.shared.values())) if not net.inner_nets() else \
            net_insert_shared_arrays(NetGraph(net), prefix)
    taken = set(shared_users(net))
    nodes = [(path, node) for path, node in nested_nodes(net) if not node.inner and node.layer.arrays]
    for path, node in nodes:  # an operator's arrays are its inner layers', visited next
        if not _can_share(node.layer):
            raise OptionError(f"net_insert_shared_arrays: {net.describe((path, None))} holds its arrays in a torch "
                              f"module, which cannot share them: build that part from netgraph layers",
                              layer=path, option="net", kind=VALUE_KIND)
    changes = {path: _shared(node.layer, f"{prefix}-{'-'.join(path)}", taken) for path, node in nodes}
    changes = {path: layer for path, layer in changes.items() if layer is not None}
    return net.replace_layers(changes) if changes else net


def _can_share(layer: Any) -> bool:
    """Whether each array of ``layer`` is an option that takes a NetSharedArray (a TorchLayer's are its module's)."""
    fields = {f.name for f in dataclasses.fields(layer)} if dataclasses.is_dataclass(layer) else set()
    return all(layer.ARRAYS.get(array) in fields for array in layer.arrays)


def _shared(layer: Any, stem: str, taken: set[str]) -> Any:
    """``layer`` with its arrays not yet shared made shared arrays named ``<stem>-<array>`` (None: all were)."""
    markers = {layer.ARRAYS[array]: NetSharedArray(_free_name(f"{stem}-{array}", taken), value)
               for array, value in layer.arrays.items() if array not in layer.shared}
    return layer.replace(**markers) if markers else None


def _free_name(name: str, taken: set[str]) -> str:
    """``name`` with characters a shared name cannot hold replaced, numbered past the names already ``taken``."""
    candidate = fresh_name(_OTHER.sub("_", name), taken, "-")
    taken.add(candidate)
    return candidate

"""One torch module object per layer: two layers of a net that wrap the same ``nn.Module`` (``NetChain([m, m])``,
``TorchLayer(m)`` twice, in nested nets or operators' inner nets too) are an OptionError (kind ``"shared-module"``)
when the net is built: torch would share the module, but each layer gets its own copy, whose weights would train
apart. One layer placed twice is two copies, as any layer placed twice, and is fine.

Each graph keeps a table of the module wrappers it holds (``_module_table``: by module, the layer and a link to its
path), so a graph merges its nested graphs' tables, never walks them, and builds no path but an error's (a chain
nested 400 deep with a wrapper at each level was cubic: 1.9 s); a net that holds none only has its layers' classes
looked at (a 10,000-layer chain: 0.2 ms).

>>> import torch
>>> from netgraph import NetChain, TorchLayer
>>> m = torch.nn.Linear(3, 3)
>>> NetChain({"a": TorchLayer(m), "b": TorchLayer(m)}, input=3)
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: layer 1 'a' (TorchLayer) and layer 2 'b' (TorchLayer) wrap one Linear object: ...
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import shown_layer
from netgraph.core.port_paths import layer_at

__all__ = ["GIVEN_MODULES", "modules_held", "shared_module_error"]

#: a TorchLayer's own module -> a weak reference to the module it was given (TorchLayer copies the module given)
GIVEN_MODULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_MODULE, _GRAPH, _OPERATOR = 1, 2, 3


@functools.cache
def _kind(cls: type) -> int:
    """What a layer class holds: a module (``WRAPS_MODULE``), nested layers (a graph, an operator), or 0: neither."""
    if getattr(cls, "WRAPS_MODULE", False):
        return _MODULE
    if hasattr(cls, "_module_table"):
        return _GRAPH
    return _OPERATOR if getattr(cls, "NETS", None) and hasattr(cls, "replace_layers") else 0


def modules_held(net: Any) -> tuple[tuple[Any, tuple[str, ...], int], ...]:
    """The module wrappers among ``net``'s layers and in their nested nets, each as (the layer, the names to it or to
    the nested net holding it, its place in that net's table; -1 here); OptionError when two layers wrap one module
    object (one layer twice: fine). Nested nets' tables are merged, never walked; a path is built for an error only."""
    if not any(map(_kind, set(map(type, net._layers.values())))):  # by class first: a plain net's are few classes
        return ()
    held: dict[int, tuple[Any, tuple[str, ...], int]] = {}
    for name, layer in net._layers.items():
        for entry in _entries(name, layer):
            one = held.setdefault(_module_id(entry[0]), entry)
            if one[0] is not entry[0]:
                raise _shared_in(net, one, entry)
    return tuple(held.values())


def _module_id(layer: Any) -> int:
    """Which module object the layer was given (``GIVEN_MODULES``: a TorchLayer holds a copy of its own), else holds
    (the one given gone, or none recorded: a copy's or an unpickled layer's own)."""
    own = layer.__dict__["_module"]
    given = GIVEN_MODULES.get(own)
    target = given() if given is not None else None
    return id(own if target is None else target)


def _entries(name: str, layer: Any) -> Iterator[tuple[Any, tuple[str, ...], int]]:
    """``name``'s entries for ``modules_held``: the module wrapper it is, or those of its nested nets' tables."""
    kind = _kind(type(layer))
    if kind == _MODULE and layer.__dict__.get("_module") is not None:
        yield layer, (name,), -1
    nets = [((name,), layer)] if kind == _GRAPH else [((name, field), getattr(layer, field))
                                                      for field in type(layer).NETS] if kind == _OPERATOR else []
    for prefix, nested in nets:
        for index, (wrapper, *_) in enumerate(getattr(nested, "_module_table", ())):
            yield wrapper, prefix, index


def _shared_in(net: Any, one: tuple, two: tuple) -> OptionError:
    """The error for two entries of ``net``'s table (``modules_held``) whose layers wrap one module."""
    one_path, two_path = _path(net._layers, one), _path(net._layers, two)
    return shared_module_error(type(two[0].__dict__["_module"]).__name__, (_described(net, one_path, one[0]), one_path),
                               (_described(net, two_path, two[0]), two_path))


def _path(layers: Mapping[str, Any], entry: tuple[Any, tuple[str, ...], int]) -> tuple[str, ...]:
    """The path of a table's entry: its names, then those of its entry in the nested net's table, and so on."""
    parts: list[str] = []
    while True:
        _, prefix, index = entry
        parts.extend(prefix)
        if index < 0:
            return tuple(parts)
        nested = getattr(layers[prefix[0]], prefix[1]) if len(prefix) > 1 else layers[prefix[0]]
        layers, entry = nested._layers, nested._module_table[index]


def shared_module_error(module_type: str, one: tuple[str, tuple], two: tuple[str, tuple]) -> OptionError:
    """The error for two layers (each its description and path) wrapping one ``module_type`` object."""
    return OptionError(f"{one[0]} and {two[0]} wrap one {module_type} object: torch shares a module used twice, but "
                       f"each layer gets its own copy, whose weights would train apart; give each layer its own module "
                       f"(copy.deepcopy) for separate weights, or wrap one module that calls it twice for shared ones",
                       kind="shared-module", layer=two[1], expected="a module object per layer", found=(one[1], two[1]))


def _described(net: Any, path: tuple[str, ...], layer: Any) -> str:
    """As the compiled net names it: by the graph's description, or by its path through an operator's inner net."""
    through_operator = any(_kind(type(layer_at(net, path[:i]))) == _OPERATOR for i in range(1, len(path)))
    return shown_layer(path, layer.type_name) if through_operator else net.describe((path, None))

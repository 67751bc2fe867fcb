"""One torch module object per layer: two layers of a net that wrap the same ``nn.Module`` (``NetChain([m, m])``,
``TorchLayer(m)`` twice, in nested nets or operators' inner nets too) are an OptionError (kind ``"shared-module"``)
when the net is built: torch would share the module, but each layer gets its own copy, whose weights would train
apart. One layer placed twice is two copies, as any layer placed twice, and is fine.

Each graph keeps the paths of the module wrappers it holds (``_module_paths``, nested graphs' and inner nets'
prefixed), so a graph asks its nested graphs, never walks them; a net that holds none only has its layers' classes
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
from collections.abc import Mapping
from typing import Any

from netgraph.core.errors import OptionError

__all__ = ["module_paths", "check_one_module_each", "shared_module_error"]

_MODULE, _GRAPH, _OPERATOR = 1, 2, 3


@functools.cache
def _kind(cls: type) -> int:
    """What a layer class holds: a module (``WRAPS_MODULE``), nested layers (a graph, an operator), or 0: neither."""
    if getattr(cls, "WRAPS_MODULE", False):
        return _MODULE
    if hasattr(cls, "_module_paths"):
        return _GRAPH
    return _OPERATOR if getattr(cls, "NETS", None) and hasattr(cls, "replace_layers") else 0


def module_paths(layers: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    """The paths of the module wrappers among ``layers`` (a graph's table) and in their nested nets."""
    if not any(map(_kind, set(map(type, layers.values())))):  # by class first: a plain net's layers are few classes
        return ()
    found: list[tuple[str, ...]] = []
    for name, layer in layers.items():
        kind = _kind(type(layer))
        if kind == _MODULE:
            found.append((name,))
        elif kind == _GRAPH:
            found.extend((name, *path) for path in layer._module_paths)
        elif kind == _OPERATOR:
            found.extend((name, field, *path) for field in type(layer).NETS
                         for path in getattr(getattr(layer, field), "_module_paths", ()))
    return tuple(found)


def check_one_module_each(net: Any, paths: tuple[tuple[str, ...], ...]) -> None:
    """OptionError when two layers of ``net`` at ``paths`` wrap one module object (one layer twice: fine). Paths
    all in one nested net (or one inner net) were checked when it was built: a net nested deep is not walked again."""
    if len({path[:2] if _kind(type(net._layers[path[0]])) == _OPERATOR else path[:1] for path in paths}) < 2:
        return
    first: dict[int, tuple[tuple[str, ...], Any]] = {}
    for path in paths:
        layer = _layer_at(net._layers, path)
        module = layer.__dict__.get("_module")
        one_path, one = first.setdefault(id(module), (path, layer))
        if module is not None and one is not layer:
            raise shared_module_error(type(module).__name__, (_described(net, one_path, one), one_path),
                                      (_described(net, path, layer), path))


def shared_module_error(module_type: str, one: tuple[str, tuple], two: tuple[str, tuple]) -> OptionError:
    """The error for two layers (each its description and path) wrapping one ``module_type`` object."""
    return OptionError(f"{one[0]} and {two[0]} wrap one {module_type} object: torch shares a module used twice, but "
                       f"each layer gets its own copy, whose weights would train apart; give each layer its own module "
                       f"(copy.deepcopy) for separate weights, or wrap one module that calls it twice for shared ones",
                       kind="shared-module", layer=two[1], expected="a module object per layer", found=(one[1], two[1]))


def _layer_at(layers: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    layer = layers[path[0]]
    for part in path[1:]:
        layer = getattr(layer, part) if _kind(type(layer)) == _OPERATOR else layer._layers[part]
    return layer


def _described(net: Any, path: tuple[str, ...], layer: Any) -> str:
    """As the compiled net names it: by the graph's description, or by its path through an operator's inner net."""
    through_operator = any(_kind(type(_layer_at(net._layers, path[:i]))) == _OPERATOR for i in range(1, len(path)))
    return f"layer {'/'.join(path)!r} ({layer.type_name})" if through_operator else net.describe((path, None))

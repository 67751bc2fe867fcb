"""``net_rename``'s ``level`` (Wolfram's NetRename[net, rules, levelspec]): which nested layers a rename reaches.

Level 1 is the net's own layers, level 2 the layers of the graphs and chains (and operators' inner nets) among
them, and so on. ``level=n`` is levels 1 through n, ``[n]`` level n only, ``[n1, n2]`` levels n1 through n2;
``n2`` may be ``math.inf`` (every level below n1). A layer name, or a function of names, then renames every layer
of that name at those levels; a tuple path still names one layer.

>>> from netgraph import NetChain, NetGraph, LinearLayer
>>> inner = NetChain({"lin": LinearLayer(3), "act": "Tanh"})
>>> net = NetGraph({"enc": inner, "lin": LinearLayer(2)}, [("enc", "lin")], Input=4)
>>> level_range(2), level_range([2]), level_range([1, 3])
((1, 2), (2, 2), (1, 3))
>>> sorted(renames_at_levels(net, {"lin": "linear"}, (1, 2)).items())
[(('enc', 'lin'), 'linear'), (('lin',), 'linear')]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from typing import Any

from netgraph.core.errors import OptionError, WiringError, did_you_mean
from netgraph.core.graph import NetGraph
from netgraph.core.naming_scope import quoted
from netgraph.core.ports import NetPort
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.user_functions import called_for_layer
from netgraph.core.port_paths import shown_path

__all__ = ["level_range", "renames_at_levels", "renamed_by"]

_LEVEL_WORDS = "a level n >= 1 (levels 1 through n), [n] (level n only) or [n1, n2] (levels n1 through n2)"


def level_range(level: Any) -> tuple[int, float]:
    """``level`` as (first, last) levels, counted from 1; OptionError naming ``level`` for anything else."""
    bounds = list(level) if isinstance(level, (list, tuple)) else None
    if bounds is None:
        bounds = [1, level]
    elif len(bounds) == 1:
        bounds = bounds * 2
    if len(bounds) != 2 or not all(_is_level(b) for b in bounds) or bounds[0] > bounds[1] or bounds[0] == math.inf:
        raise OptionError(f"net_rename: level must be {_LEVEL_WORDS}, found {level!r:.80}", option="level",
                          expected=_LEVEL_WORDS, found=repr(level)[:80], kind=VALUE_KIND)
    return int(bounds[0]), (math.inf if bounds[1] == math.inf else int(bounds[1]))


def _is_level(value: Any) -> bool:
    return value == math.inf or (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1)


def layers_at_levels(net: Any, levels: tuple[int, float], depth: int = 1,
                     prefix: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """``(path, name)`` of each layer at ``levels`` below ``net``: a net's own layers in layer order, then those of
    each nested net in turn, depth first (levels 1 and 2 come out in level order, deeper ones do not)."""
    if depth > levels[1]:
        return
    for name in net.layers:
        if depth >= levels[0]:
            yield (*prefix, name), name
    for name, layer in net.layers.items():
        for path, inner in _inner_graphs(layer, (*prefix, name)):
            yield from layers_at_levels(inner, levels, depth + 1, path)


def _inner_graphs(layer: Any, path: tuple) -> list[tuple[tuple, NetGraph]]:
    """The graphs a layer holds, with their paths: itself when a graph, an operator's inner nets by option."""
    if isinstance(layer, NetGraph):
        return [(path, layer)]
    nets = ((field, getattr(layer, field, None)) for field in getattr(layer, "NETS", ()))
    return [((*path, field), net) for field, net in nets if isinstance(net, NetGraph)]


def renames_at_levels(net: NetGraph, rename: Any, levels: tuple[int, float]) -> dict[Any, Any]:
    """``net_rename``'s ``rename`` (a dict or a function of names) as renames by path of the layers at ``levels``:
    a name reaches every layer of that name there; paths, indices and the net's own ports pass unchanged."""
    if callable(rename) and not isinstance(rename, Mapping):
        return renamed_by(rename, list(layers_at_levels(net, levels)))
    if not isinstance(rename, Mapping):
        return rename  # net_rename refuses it
    out: dict[Any, Any] = {}
    rules: dict[tuple, Any] = {}  # a layer's path -> the rule that renames it
    at_levels: list | None = None  # (path, name) of the layers at the levels, walked once for every name rule
    for old, new in rename.items():
        if isinstance(old, NetPort) and levels[0] > 1:
            raise OptionError(f"net_rename renames the net's own ports at level 1; level {_shown(levels)} leaves "
                              f"out {old!r}", option="level", kind=VALUE_KIND)
        if not isinstance(old, str) or levels == (1, 1):  # level 1 alone: net_rename's own checks of names
            if isinstance(old, tuple):
                _claim(rules, out, old, old, new)
            out[old] = new
            continue
        if at_levels is None:
            at_levels = list(layers_at_levels(net, levels))
        paths = [path for path, name in at_levels if name == old]
        if not paths:
            names = sorted({name for _, name in at_levels})
            raise WiringError(f"net_rename: no layer is named {old!r} at level {_shown(levels)}"
                              f"{did_you_mean(old, names)}", kind="unknown-layer", layer=(), found=old)
        for path in paths:
            _claim(rules, out, path, old, new)
            out[path] = new
    return out


def _claim(rules: dict[tuple, Any], out: dict[Any, Any], path: tuple, rule: Any, new: Any) -> None:
    """Note that ``rule`` renames the layer at ``path`` to ``new``; OptionError naming both rules where another gave
    it another name (which would win by the dict's order)."""
    first = rules.setdefault(path, rule)
    if first != rule and out.get(path, new) != new:
        raise OptionError(f"net_rename: layer {shown_path(path)!r} gets two new names, "
                          f"{out[path]!r} by rule {quoted(first)} and {new!r} by rule {rule!r}; give it "
                          f"one", layer=path,
                          option="rename", expected="one new name per layer", found=(first, rule), kind=VALUE_KIND)


def renamed_by(function: Any, layers: list[tuple[tuple, str]]) -> dict[tuple, Any]:
    """``{path: function(name)}`` for the ``(path, name)`` layers whose name the user's function changes."""
    renamed = {}
    for path, name in layers:
        new = called_for_layer(function, name, path, "net_rename: the renaming function", "rename")
        if new != name:
            renamed[path] = new
    return renamed


def _shown(levels: tuple[int, float]) -> str:
    """Levels as the user may write them: ``[2]``, ``[1, 3]``, ``[2, inf]``."""
    return f"[{levels[0]}]" if levels[0] == levels[1] else f"[{levels[0]}, {levels[1]}]"

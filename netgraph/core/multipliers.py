"""Learning-rate multipliers stored on a net (Wolfram's LearningRateMultipliers as a net property).

``net_set_learning_rate_multipliers(net, {key: r})`` returns a copy of the net that carries the rules;
``net_train`` honours them after its own ``learning_rate_multipliers=`` (which take precedence), and
the YAML spec keeps them under ``learning_rate_multipliers:``. Keys pick layers or arrays as in
``netgraph.core.array_rules``; r = 0 (or None) freezes.

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph({"enc": LinearLayer(4), "dec": LinearLayer(2)}, [("enc", "dec")], Input=3)
>>> slow = net_set_learning_rate_multipliers(net, {"enc": 0.1, ("dec", "Weights"): 0})
>>> slow.learning_rate_multipliers
{'enc': 0.1, 'dec/Weights': 0.0}
>>> stored_multipliers(NetGraph({"outer": slow}, [], Input=3))
[('outer/enc', 0.1), ('outer/dec/Weights', 0.0)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from netgraph.core.array_rules import matches, rule_pattern
from netgraph.core.errors import OptionError, did_you_mean, raise_all
from netgraph.core.graph import NetGraph

__all__ = ["net_set_learning_rate_multipliers", "stored_multipliers", "array_names"]


def array_names(net: NetGraph, prefix: tuple = ()) -> list[str]:
    """Every array of the net as a dotted path (``'outer.inner.Weights'``), initialised or not."""
    out = []
    for name, layer in net.layers.items():
        path = (*prefix, name)
        out += array_names(layer, path) if isinstance(layer, NetGraph) else [".".join((*path, a)) for a in layer.arrays]
    return out


def net_set_learning_rate_multipliers(net: Any, rules: Any) -> NetGraph:
    """A copy of ``net`` storing the multipliers ``rules`` (a number, a dict or (key, r) pairs; {} clears)."""
    if not isinstance(net, NetGraph):
        raise OptionError(f"net_set_learning_rate_multipliers needs a NetGraph, found {type(net).__name__}")
    if isinstance(rules, (int, float)) and not isinstance(rules, bool):
        rules = {"All": rules}
    items = list(rules.items()) if isinstance(rules, Mapping) else rules
    if not isinstance(items, Sequence) or not all(isinstance(i, (tuple, list)) and len(i) == 2 for i in items):
        raise OptionError(f"learning-rate multipliers are a number, a dict {{layer: r}} or (layer, r) pairs; "
                          f"found {rules!r}")
    top, names, errors, stored = list(net.layers), [n.split(".") for n in array_names(net)], [], {}
    for key, value in items:
        pattern = rule_pattern(key, top)
        r = 0.0 if value is None else value
        if isinstance(r, bool) or not isinstance(r, (int, float)) or not math.isfinite(r) or r < 0:
            errors.append(f"multiplier of {key!r} must be a number >= 0 (0 freezes), found {value!r}")
        elif not any(matches(pattern, parts) for parts in names):
            shown = sorted({"/".join(p[:-1]) for p in names})
            hint = did_you_mean(key, [*top, *shown]) if isinstance(key, str) else ""
            errors.append(f"key {key!r} matches no array{hint}; layers with arrays: {shown}")
        else:
            stored["/".join(pattern) or "All"] = float(r)
    raise_all(errors, OptionError, "net_set_learning_rate_multipliers")
    return net.with_learning_rate_multipliers(tuple(stored.items()))


def stored_multipliers(net: NetGraph, prefix: tuple = ()) -> list[tuple[str, float]]:
    """The rules stored on the net and the graphs inside it, keys as paths from the top; outer rules first."""
    out = [("/".join((*prefix, *([] if key == "All" else [key]))) or "All", r)
           for key, r in net.learning_rate_multipliers.items()]
    for name, layer in net.layers.items():
        if isinstance(layer, NetGraph):
            out += stored_multipliers(layer, (*prefix, name))
    return out

"""Whether the arrays ``net_replace_part`` is given fit the net: each against the array it replaces or the shape the
layer's port types need; and, where the net with every change made could not be built, against that net built
without them, so that an array of the wrong shape is the OptionError (kind "array-shape") its key alone gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch

from netgraph.core.array_fit import check_fit
from netgraph.core.errors import NetGraphError, OptionError
from netgraph.core.graph import NetGraph
from netgraph.core.port_options import with_port_options
from netgraph.core.port_paths import layer_at
from netgraph.core.operator_surgery import into_operator, running_inner, within
from netgraph.core.options import as_array
from netgraph.core.surgery_lead import led_by
from netgraph.core.surgery_values import users_with_changes

__all__ = ["check_fit", "check_fits_without", "arrays_inside", "net_needs"]


def arrays_inside(layers: Mapping[tuple, Any], inside: Iterable[tuple[tuple, tuple]]) -> list[tuple]:
    """``(layer path, array, value, None)`` of each array given inside a layer another key puts in (``inside``: that
    layer's path in the net, the array's path in it), where ``layers`` (path -> layer) holds that layer."""
    found = []
    for at, rest in inside:
        value = layer_at(layers[at], rest[:-1]).arrays.get(rest[-1]) if at in layers else None
        if isinstance(value, torch.Tensor):
            found.append(((*at, *rest[:-1]), rest[-1], value, None))
    return found


def check_fits_without(net: NetGraph, layers: Mapping[tuple, Any], given: list[tuple],
                       ports: Mapping[str, Any]) -> None:
    """``check_fit`` of each array ``given`` (``(layer path, array, value, shared name or None)``, in ``layers``)
    against ``net`` with ``layers`` (path -> layer) put in without those arrays and its ports given ``ports``; nothing
    where that net cannot be built either (the change itself does not fit: its own error says so)."""
    bare = dict(layers)
    try:
        for path, array, _, shared in given:  # a shared array: at every user the changes leave it in
            for user, name in users_with_changes(net, layers, shared, []) if shared else [(path, array)]:
                at = next((k for k in bare if user[:len(k)] == k), user)
                bare[at] = _cleared(bare[at] if at in bare else net.layer_at(at), user[len(at):], name)
        rebuilt = net.replace_layers(bare)
        rebuilt = with_port_options(rebuilt, ports) if ports else rebuilt
    except NetGraphError:
        return
    for fit in given:
        check_fit(rebuilt, *fit, fresh=True)


def _cleared(layer: Any, inner: tuple, array: str) -> Any:
    """``layer`` with ``array`` of the layer at ``inner`` in it (itself, for an empty path) not given."""
    holder = layer_at(layer, inner) if inner else layer
    cleared = holder.with_arrays({array: None})
    return layer.replace_layers({inner: cleared}) if inner else cleared


def net_needs(net: NetGraph, at: tuple, layer: Any, inner: dict) -> OptionError | None:
    """For an array (``inner``: its key in the new layer ``layer`` put in at ``at``, and its value) that the layer's
    own options refuse: the array-shape error with the shape the net needs it to have, where that is known."""
    if (inside := into_operator(net, at)) is not None:  # a layer put in an operator's inner net: as that net runs
        path, field, at_inside = inside
        running = running_inner(net, path, field)
        try:
            if running is not None:
                within(net, path, field, "net_replace_part",
                       lambda: _raise(net_needs(running, at_inside, layer, inner)))
        except OptionError as exc:
            return exc
        return None
    ((key, value),) = inner.items()
    rest = key if isinstance(key, tuple) else (key,)
    try:
        array = as_array(value, "")
    except NetGraphError:
        return None
    try:
        with led_by("net_replace_part"):
            check_fits_without(net, {at: layer}, [((*at, *rest[:-1]), rest[-1], array, None)], {})
    except OptionError as exc:
        return exc
    return None


def _raise(error: Exception | None) -> None:
    if error is not None:
        raise error

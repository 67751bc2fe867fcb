"""Whether the arrays ``net_replace_part`` is given fit the net: each against the array it replaces or the shape the
layer's port types need; and, where the net with every change made could not be built, against that net built
without them, so that an array of the wrong shape is the OptionError (kind "array-shape") its key alone gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch

from netgraph.core.array_fit import check_fits
from netgraph.core.array_naming import arrays_named_by_caller
from netgraph.core.errors import NetGraphError, OptionError
from netgraph.core.graph import NetGraph
from netgraph.core.port_options import with_port_options
from netgraph.core.port_paths import layer_at, named_path
from netgraph.core.operator_surgery import into_operator, running_inner, within
from netgraph.core.options import as_array
from netgraph.core.surgery_lead import headed_here, led_by
from netgraph.core.surgery_values import users_with_changes

__all__ = ["check_fits", "built_without", "check_fits_without", "arrays_inside", "net_needs", "refused_array",
           "arrays_named_by_caller"]


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
    """``check_fits`` of the arrays ``given`` (``(layer path, array, value, shared name or None)``, in ``layers``)
    against ``net`` with ``layers`` (path -> layer) put in without those arrays and its ports given ``ports``; nothing
    where that net cannot be built either (the change itself does not fit: its own error says so)."""
    if (rebuilt := built_without(net, layers, given, ports)) is not None:
        check_fits(rebuilt, given, fresh=True)


def built_without(net: NetGraph, layers: Mapping[tuple, Any], given: list[tuple],
                  ports: Mapping[str, Any]) -> NetGraph | None:
    """``net`` with ``layers`` (path -> layer) put in without the arrays ``given`` (as ``check_fits_without`` takes
    them) and its ports given ``ports``; None where that net cannot be built."""
    cleared: dict[tuple, dict[tuple, dict[str, None]]] = {}  # at -> layer path in it -> its arrays, all at once
    try:
        for path, array, _, shared in given:  # a shared array: at every user the changes leave it in
            for user, name in users_with_changes(net, layers, shared, []) if shared else [(path, array)]:
                at = next((k for k in layers if user[:len(k)] == k), user)
                cleared.setdefault(at, {}).setdefault(user[len(at):], {})[name] = None
        bare = {**layers, **{at: _cleared(layers[at] if at in layers else net.layer_at(at), inner)
                             for at, inner in cleared.items()}}
        with arrays_named_by_caller():  # a conflict of the net without the arrays is none of theirs
            rebuilt = net.replace_layers(bare)
        return with_port_options(rebuilt, ports) if ports else rebuilt
    except NetGraphError:
        return None


def _cleared(layer: Any, arrays: Mapping[tuple, dict[str, None]]) -> Any:
    """``layer`` with the arrays ``arrays`` names (path of the layer in it, empty for itself -> its arrays) not
    given: one change of ``layer`` for all of them (its own first: an operator's clears a shared array at every user
    in its inner nets, which the layers taken from it after hold no more)."""
    layer = layer.with_arrays(arrays[()]) if () in arrays else layer
    inner = {path: layer_at(layer, path).with_arrays(names) for path, names in arrays.items() if path}
    return layer.replace_layers(inner) if inner else layer


def net_needs(net: NetGraph, at: tuple, layer: Any, inner: dict,
              function: str = "net_replace_part") -> OptionError | None:
    """For the first of the arrays (``inner``: each one's key in the new layer ``layer`` put in at ``at``, and its
    value; checked together) that the layer's own options or the net around refuse: the array-shape error with the
    shape the net needs it to have, where that is known; ``function`` (the edit's) heads an error from an
    operator's inner net."""
    at = named_path(net, at)  # 1-based indices of nested graphs' layers made names (an inner net's: in its turn)
    if (inside := into_operator(net, at)) is not None:  # a layer put in an operator's inner net: as that net runs
        path, field, at_inside = inside
        running = running_inner(net, path, field)
        try:
            if running is not None:
                within(net, path, field, function,
                       lambda: _raise(net_needs(running, at_inside, layer, inner, function)))
        except OptionError as exc:
            return exc
        return None
    given = []  # all of the layer's arrays checked together: cleared one at a time, the others still conflict
    for key, value in inner.items():
        rest = key if isinstance(key, tuple) else (key,)
        try:  # a shared array: cleared at each of its users
            given.append(((*at, *rest[:-1]), rest[-1], as_array(value, ""), layer_at(layer, rest[:-1]).shared.get(
                rest[-1])))
        except NetGraphError:
            continue
    try:
        with led_by(function):
            if given:
                check_fits_without(net, {at: layer}, given, {})
    except OptionError as exc:
        return exc
    return None


def refused_array(net: NetGraph, changes: Mapping[Any, Any], function: str = "replace_layers",
                  given: Iterable[tuple] = (), ports: Mapping[str, Any] | None = None) -> OptionError | None:
    """For ``net.replace_layers(changes)``'s ShapeError: the array-shape error of the first array refused (of
    ``given`` first, as ``check_fits_without`` takes them, then those the layers put in give), checked against the
    net built with every change made without those arrays and its ports given ``ports`` (an operator's inner net's:
    ``net_needs`` in that net); None where that net cannot be built either, or every array fits it (the conflict
    stands). ``function`` heads an inner net's error."""
    placed, given, held = {}, list(given), []
    for key, layer in changes.items():
        at = named_path(net, key if isinstance(key, tuple) else (key,))
        placed[at] = layer
        held += [((*at, *inner), array, value, layer_at(layer, inner) if inner else layer)  # in a graph or operator
                 for inner, array, value in arrays_within(layer)]  # put in whole too, at any depth
    named = {fit[:2] for fit in given}
    held = [(*fit[:3], fit[3].shared.get(fit[1]), fit[3]) for fit in held  # a shared array: cleared at every user
            if fit[:2] not in named]  # an array given as well is checked once, as given
    if not (given or held) or (bare := built_without(net, placed, given + [h[:4] for h in held],
                                                     ports or {})) is None:
        return None
    deep: dict[tuple, tuple[Any, dict]] = {}  # of each layer in an operator's inner net: it, and its arrays
    for path, array, value, shared, layer in held:
        if into_operator(bare, path) is None:
            given.append((path, array, value, shared))
        else:
            deep.setdefault(path, (layer, {}))[1][array] = value
    try:
        with headed_here(function):  # the caller heads the error
            check_fits(bare, given, fresh=True)
            for at, (layer, arrays) in deep.items():  # in the inner net with all of its operator's changes made
                _raise(net_needs(bare, at, layer, arrays, function))
    except OptionError as exc:
        return exc
    return None


def arrays_within(layer: Any) -> list[tuple[tuple, str, torch.Tensor]]:
    """``(path in layer, array, value)`` of each array ``layer`` holds: its own (per instance too: a module's), or
    those of the layers in it at any depth (a graph's, an operator's inner nets'; a shared array once)."""
    if isinstance(layer, NetGraph):
        return [(key[:-1], key[-1], value) for key, value in layer.arrays.items() if isinstance(value, torch.Tensor)]
    if nets := getattr(layer, "NETS", ()):
        return [((field, *path), array, value) for field in nets for path, array, value in
                arrays_within(getattr(layer, field))]
    return [((), array, value) for array, field in layer.ARRAYS.items()
            if isinstance(value := getattr(layer, field, None), torch.Tensor)]


def _raise(error: Exception | None) -> None:
    if error is not None:
        raise error

"""Whether an array given for a layer fits the net: the shape of the array it replaces or, where there is none yet,
the one the layer's known port types need (net_replace_part's check, and replace_layers')."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch

from netgraph.core.errors import Diagnostic, NetGraphError, OptionError
from netgraph.core.layer_checks import array_misfit, array_shape_problems
from netgraph.core.shared import NetSharedArray

__all__ = ["check_fits", "check_arrays_given", "SHOWN_MISFITS"]

SHOWN_MISFITS = 3  # a layer's wrong arrays an error names in its message (its diagnostics hold every one)


def check_fits(net: Any, fits: Iterable[tuple], fresh: bool = False) -> None:
    """OptionError when an array of ``fits`` (``(layer path, array, value, shared name or None)``) has another shape
    than the array it replaces or, where there is none yet (or ``fresh``: ``net`` holds it already), than the one the
    layer's known port types need (``array_shape_problems``): one for the first layer holding an array that does not
    fit, naming each of its arrays that do not (the first ``SHOWN_MISFITS``, and how many more; a shared array by its
    shared name too), one Diagnostic each."""
    misfits = list(dict.fromkeys(found for path, array, new, shared in fits  # an array given twice: named once
                                 if (found := _misfit(net, path, array, new, shared, fresh))))
    if not misfits:
        return
    layer = [d for d in misfits if d.layer == misfits[0].layer]
    if len(layer) == 1:
        raise OptionError(layer[0].message, diagnostics=layer)
    more = f"; and {len(layer) - SHOWN_MISFITS} more (the error's .diagnostics holds each)" \
        if len(layer) > SHOWN_MISFITS else ""
    raise OptionError(f"{net.describe((layer[0].layer, None))} arrays "
                      + "; ".join(d.detail for d in layer[:SHOWN_MISFITS]) + more, diagnostics=layer)


def _misfit(net: Any, path: tuple, array: str, new: torch.Tensor, shared: str | None, fresh: bool) -> Diagnostic | None:
    """The "array-shape" Diagnostic of ``check_fits``' refusal of one array (``detail``: it after the layer); None
    where it fits."""
    layer = net.layer_at(path)
    old = None if fresh else layer.arrays.get(array)  # None: uninitialised, or an optional array given now
    node = net.ir.node(path) if old is None and net.ir.has_node(path) else None
    if old is not None:
        want = tuple(old.shape)
    elif node is None or not all(t.known for t in node.types.values()):
        return None  # a nested graph's port, or a shape still unknown: compiling checks it
    else:
        try:
            problems = array_shape_problems(node, lambda: "", {array: new})
        except NetGraphError:
            return None  # the layer cannot size its arrays yet: compiling says why
        want = problems[0].expected if problems else tuple(new.shape)
    if want == tuple(new.shape):
        return None
    which = "" if shared is None else f" (the shared array {NetSharedArray(shared)!r})"
    detail = array_misfit(array, want, new.shape, which)
    return Diagnostic(f"{net.describe((path, None))} array {detail}", kind="array-shape", layer=path,
                      option=layer.settable_arrays[array], expected=want, found=tuple(new.shape), detail=detail)


def check_arrays_given(net: Any, layers: Mapping[str, Any]) -> None:
    """``check_fits`` of each array that a layer of ``layers`` (by name, put in for ``net``'s layers of the same
    structure) gives where ``net``'s layer has none (a layer's arrays of other shapes are not of its structure)."""
    for name, layer in layers.items():
        old = net._layers[name]
        if layer is not old:
            check_fits(net, [((name,), array, value, None) for array, field in type(layer).ARRAYS.items()
                             if isinstance(value := getattr(layer, field, None), torch.Tensor)
                             and getattr(old, field, None) is None])

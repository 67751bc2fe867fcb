"""Whether an array given for a layer fits the net: the shape of the array it replaces or, where there is none yet,
the one the layer's known port types need (net_replace_part's check, and replace_layers')."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.errors import NetGraphError, OptionError
from netgraph.core.layer_checks import array_shape_problems, layout_hint
from netgraph.core.shared import NetSharedArray

__all__ = ["check_fit", "check_arrays_given"]


def check_fit(net: Any, path: tuple, array: str, new: torch.Tensor, shared: str | None = None,
              fresh: bool = False) -> None:
    """OptionError when ``new`` has another shape than the array it replaces or, where there is none yet (or
    ``fresh``: ``net`` holds it already), than the one the layer's known port types need (``array_shape_problems``);
    it names the ``shared`` array too, if given."""
    layer = net.layer_at(path)
    old = None if fresh else layer.arrays.get(array)  # None: uninitialised, or an optional array given now
    node = net.ir.node(path) if old is None and net.ir.has_node(path) else None
    if old is not None:
        want = tuple(old.shape)
    elif node is None or not all(t.known for t in node.types.values()):
        return  # a nested graph's port, or a shape still unknown: compiling checks it
    else:
        try:
            problems = array_shape_problems(node, lambda: "", {array: new})
        except NetGraphError:
            return  # the layer cannot size its arrays yet: compiling says why
        want = problems[0].expected if problems else tuple(new.shape)
    if want != tuple(new.shape):
        which = "" if shared is None else f" (the shared array {NetSharedArray(shared)!r})"
        raise OptionError(f"{net.describe((path, None))} array {array!r}{which}: expected shape {want}, found "
                          f"{tuple(new.shape)}{layout_hint(want, new.shape)}", kind="array-shape", layer=path,
                          option=layer.settable_arrays[array], expected=want, found=tuple(new.shape))


def check_arrays_given(net: Any, layers: Mapping[str, Any]) -> None:
    """``check_fit`` of each array that a layer of ``layers`` (by name, put in for ``net``'s layers of the same
    structure) gives where ``net``'s layer has none (a layer's arrays of other shapes are not of its structure)."""
    for name, layer in layers.items():
        old = net._layers[name]
        if layer is old:
            continue
        for array, field in type(layer).ARRAYS.items():
            value = getattr(layer, field, None)
            if isinstance(value, torch.Tensor) and getattr(old, field, None) is None:
                check_fit(net, (name,), array, value)

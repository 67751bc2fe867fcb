"""Inference's defaults, applied once the net's own types have propagated: the shapes layers guess for ports nothing
else decided (``default_types``), then the dtype Real for every class whose dtype nothing decided."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netgraph.core.types import REAL, PortType

__all__ = ["default_shapes", "default_dtypes"]


def default_shapes(problem: Any, cls: Any, leaf_roots: list[dict[str, int]], refine: Callable) -> bool:
    """Give the ports nothing else decided the shapes their layers guess (``default_types``: a LinearLayer's
    Input from its weights); True when any changed. A guess never overrides what the net says."""
    changed = False
    for (path, layer), own in zip(problem.leaves, leaf_roots):
        guess = getattr(layer, "default_types", None)
        if guess is None:
            continue
        for root in own.values():
            if cls.type[root].shape is None:
                break
        else:
            continue  # nothing to guess for this layer
        current = {p: cls.type[root] for p, root in own.items()}
        for port, t in guess(current).items():
            if current[port].shape is None and t.shape is not None and cls.type[own[port]].shape is None:
                changed = refine(own[port], t, ("port", (path, port))) or changed
    return changed


def default_dtypes(cls: Any, root_of: list[int]) -> bool:
    """Give every class whose dtype nothing decided the dtype Real; True when any changed."""
    changed, types, keys = False, cls.type, None
    for i, root in enumerate(root_of):
        old = types[root]
        if old.dtype is None:
            keys = keys or list(cls.ids)
            types[root] = PortType(old.shape, REAL)
            cls.origin.setdefault(root, ("default", keys[i]))
            changed = True
    return changed

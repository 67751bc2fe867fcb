"""Inference's defaults, applied once the net's own types have propagated: the shapes layers guess for ports nothing
else decided (``default_types``), then the dtype Real for every class whose dtype nothing decided."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.core.errors import NetGraphError
from netgraph.core.layer import Layer
from netgraph.core.types import REAL, Conflict, PortType

__all__ = ["default_shapes", "default_dtypes", "shared_users"]


def default_shapes(problem: Any, cls: Any, leaf_roots: list[dict[str, int]], refine: Callable) -> bool:
    """Give the ports nothing else decided the shapes their layers guess (``default_types``: a LinearLayer's
    Input from its weights, or from the shape a shared array's other users need: ``with_shared``); True when any
    changed. A guess never overrides what the net says."""
    if every_class_shaped(cls):
        return False  # no guess is asked for (a walk over every layer, cache-cold in a large net, found none)
    changed, wanted = False, {}
    for path, layer, own in zip(problem.leaf_paths, problem.leaf_layers, leaf_roots):
        guess = getattr(layer, "default_types", None)
        if guess is None:
            continue
        for root in own.values():
            if cls.type[root].shape is None:
                break
        else:
            continue  # nothing to guess for this layer
        current = {p: cls.type[root] for p, root in own.items()}
        guess = with_shared(problem, cls, leaf_roots, layer, wanted).default_types if getattr(layer, "_shared", None) \
            else guess
        for port, t in guess(current).items():
            if current[port].shape is None and t.shape is not None and cls.type[own[port]].shape is None:
                changed = refine(own[port], t, ("port", (path, port))) or changed
    return changed


def every_class_shaped(cls: Any) -> bool:
    """Whether every class has a shape: the shapeless entries of ``cls.type`` are only those of the keys that are
    not roots (never set: UNKNOWN). One pass over the list of types, not over the layers and their ports (a plain
    loop: in Python 3.11 a third of the time ``map(attrgetter("shape"), ...)`` takes at 100,000 layers)."""
    shapeless = 0
    for t in cls.type:
        if t.shape is None:
            shapeless += 1
    return shapeless == cls.non_roots


def with_shared(problem: Any, cls: Any, leaf_roots: list[dict[str, int]], layer: Any, wanted: dict) -> Any:
    """``layer`` holding, for each shared array it has no value of, a stand-in (zeros, stride 0: no memory) of the
    shape the array's first user whose ports are all known needs (``wanted``: by shared name, found once)."""
    stand_ins = {}
    for array, name in layer._shared.items():
        if layer.arrays[array] is None:
            if name not in wanted:
                wanted[name] = _wanted(problem, cls, leaf_roots, name)
            if wanted[name] is not None:
                stand_ins[array] = torch.zeros(()).expand(wanted[name])
    if not stand_ins or type(layer).with_arrays is not Layer.with_arrays:
        return layer
    try:
        return layer._with_drawn_arrays(stand_ins)
    except (NetGraphError, Conflict):
        return layer  # its options rule the shape out: the clash is reported with the shared arrays'


def shared_users(problem: Any, leaf_roots: list[dict[str, int]]) -> dict[str, list[tuple]]:
    """Each shared array's users as (layer, its port roots, its array), in layer order: one walk over the leaves,
    kept on ``problem`` (the defaults' passes look each name up, not walk every layer per name)."""
    users = getattr(problem, "_shared_users", None)
    if users is None:
        users = {}
        for layer, own in zip(problem.leaf_layers, leaf_roots):
            for array, name in (getattr(layer, "_shared", None) or {}).items():
                users.setdefault(name, []).append((layer, own, array))
        problem._shared_users = users
    return users


def _wanted(problem: Any, cls: Any, leaf_roots: list[dict[str, int]], name: str) -> tuple | None:
    """The shape shared array ``name``'s first user whose ports are all known needs, or None."""
    for layer, own, array in shared_users(problem, leaf_roots).get(name, ()):
        types = {p: cls.type[root] for p, root in own.items()}
        if all(t.known for t in types.values()):
            try:
                shape = layer.array_shapes(types).get(array)
            except (NetGraphError, Conflict):
                continue
            if shape is not None and all(type(d) is int for d in shape):
                return tuple(shape)
    return None


def default_dtypes(cls: Any, root_of: list[int]) -> bool:
    """Give every class whose dtype nothing decided the dtype Real; True when any changed. Its origin (where a
    conflict says the default came from) is the class's first key along the edges (``Problem.keys_as_met``)."""
    types, defaulted = cls.type, set()
    for root in root_of:
        old = types[root]
        if old.dtype is None:
            types[root] = PortType(old.shape, REAL)
            defaulted.add(root)
    unnamed = {root for root in defaulted if root not in cls.origin}
    if unnamed:
        ids = cls.ids
        for key in cls.problem.keys_as_met():
            if (root := root_of[ids[key]]) in unnamed:
                cls.origin[root] = ("default", key)
                unnamed.discard(root)
                if not unnamed:
                    break
    return bool(defaulted)

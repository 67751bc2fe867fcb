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


def default_shapes(problem: Any, cls: Any, leaf_roots: list[dict[str, int]], refine: Callable, errors: list,
                   propagate: Callable) -> bool:
    """Give the ports nothing else decided the shapes their layers guess (``default_types``: a LinearLayer's
    Input from its weights, or from the shape a shared array's other users need: ``with_shared``), keeping only
    guesses the net agrees with; True when any was kept. A guess never overrides what the net says, nor conflicts
    with it: where propagating the guesses (``propagate(refine, changed classes)``) meets a conflict (a
    convolution's Output guessed a vector), they are undone and tried one at a time, and one that conflicts on its
    own is dropped: its port stays unknown, as a partly specified net is valid."""
    guesses = shape_guesses(problem, cls, leaf_roots)
    if not guesses:
        return False
    undoable = _Undoable(cls, refine)
    for root, t, who in guesses:
        undoable(root, t, who)
    propagate(undoable, [root for root, _, _ in guesses])
    if not errors:
        return True
    undoable.undo(errors)
    kept = False
    for root, t, who in guesses:
        if cls.type[root].shape is None and undoable(root, t, who):
            propagate(undoable, [root])
            kept = kept or not errors
        undoable.undo(errors) if errors else undoable.changes.clear()  # (refine itself may have refused it)
    return kept


def shape_guesses(problem: Any, cls: Any, leaf_roots: list[dict[str, int]]) -> list[tuple[int, PortType, tuple]]:
    """The layers' guesses (``default_types``) for the classes of their ports nothing shaped: (class root, type,
    origin), one per class, the first layer's."""
    if every_class_shaped(cls):
        return []  # no guess is asked for (a walk over every layer, cache-cold in a large net, found none)
    guesses, wanted, guessed = [], {}, set()
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
            if current[port].shape is None and t.shape is not None and own[port] not in guessed:
                guessed.add(own[port])
                guesses.append((own[port], t, ("port", (path, port))))
    return guesses


class _Undoable:
    """Inference's ``refine`` recording each class's type and origin before it changes them (``changes``), so that
    ``undo`` can put them back."""

    def __init__(self, cls: Any, refine: Callable) -> None:
        self.cls, self.refine, self.changes = cls, refine, []

    def __call__(self, root: int, new: PortType, who: tuple | str, leaf: int = -1) -> bool:
        origin = self.cls.origin  # (its raw entries: a leaf's port name with its number in leaf_of, or a key number)
        self.changes.append((root, self.cls.type[root], dict.get(origin, root),
                             -1 if origin.leaf_of is None else origin.leaf_of[root]))
        return self.refine(root, new, who, leaf)

    def undo(self, errors: list) -> None:
        """Put back every class changed since the last undo, and forget the conflicts met (``errors``)."""
        origin = self.cls.origin
        for root, t, held, leaf in reversed(self.changes):
            self.cls.type[root] = t
            dict.pop(origin, root, None) if held is None else dict.__setitem__(origin, root, held)
            if origin.leaf_of is not None:
                origin.leaf_of[root] = leaf
        self.changes.clear()
        errors.clear()


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

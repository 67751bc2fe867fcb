"""Inference's defaults, applied once the net's own types have propagated: the shapes layers guess for ports nothing
else decided (``default_types``), then the dtypes layers guess for their ports (``default_dtypes``: a Python
function's Integer result), then the dtype Real for every class whose dtype nothing decided."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from netgraph.core.errors import NetGraphError
from netgraph.core.layer import Layer
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, unify

__all__ = ["default_shapes", "layer_dtype_guesses", "default_dtypes", "shared_users", "held_stand_ins"]


def default_shapes(problem: Any, cls: Any, leaf_roots: list[dict[str, int]], refine: Callable, errors: list,
                   propagate: Callable) -> bool:
    """Give the ports nothing else decided the shapes their layers guess (``default_types``: a LinearLayer's
    Input from its weights, or from the shape a shared array's other users need: ``with_shared``); True when any
    was given. A guess never overrides what the net says. One the net structurally rules out (a convolution's
    Output guessed a vector: it conflicts on its own, reaching no other layer's guess) is dropped: its port stays
    unknown, as a partly specified net is valid. Guesses that disagree with each other (two layers' weights on one
    input) are all kept, so that propagating them (``propagate(refine, changed classes)``) reports the conflict."""
    guesses = shape_guesses(problem, cls, leaf_roots)
    applied = list({root: (root, t, who) for root, t, who in reversed(guesses)}.values())[::-1]  # first per class
    if not applied:
        return False
    undoable = _Undoable(cls, refine)
    _give(undoable, applied, propagate)  # (``errors`` is empty here: the callers give guesses only then)
    if errors:  # undone; those the net rules out dropped, the rest given again
        undoable.undo(errors)
        ruled_out = {id(g) for g in _conflicting(undoable, applied, errors, propagate)
                     if not _disagrees(undoable, g, guesses, errors, propagate)}
        applied = [g for g in applied if id(g) not in ruled_out]
        _give(undoable, applied, propagate)
    undoable.changes.clear()
    return bool(applied)


def _give(undoable: _Undoable, guesses: list[tuple], propagate: Callable) -> None:
    """Give ``guesses`` their classes and propagate them (undoable)."""
    for root, t, who in guesses:
        undoable(root, t, who)
    propagate(undoable, [root for root, _, _ in guesses])


def _conflicts(undoable: _Undoable, guesses: list[tuple], errors: list, propagate: Callable) -> bool:
    """Whether giving ``guesses`` (alone) and propagating them meets a conflict; nothing is kept either way."""
    _give(undoable, guesses, propagate)
    met = bool(errors)
    undoable.undo(errors)
    return met


def _conflicting(undoable: _Undoable, guesses: list[tuple], errors: list, propagate: Callable) -> list[tuple]:
    """The guesses that conflict on their own, among ``guesses``, which conflict together: found by halving (a few
    propagations of the guesses near a conflict, not one per guess); where halves only conflict together, each."""
    if len(guesses) == 1:
        return guesses
    half = len(guesses) // 2
    found = []
    for part in (guesses[:half], guesses[half:]):
        if _conflicts(undoable, part, errors, propagate):
            found += _conflicting(undoable, part, errors, propagate)
    return found or guesses


def _disagrees(undoable: _Undoable, guess: tuple, guesses: list[tuple], errors: list, propagate: Callable) -> bool:
    """Whether propagating ``guess`` alone gives another layer's guessed port a type that layer's guess refuses (two
    layers' weights on one input, or on two that a Plus joins): a conflict between guesses, not with the net."""
    root, t, who = guess
    undoable(root, t, who)
    propagate(undoable, [root])
    touched = {changed[0] for changed in undoable.changes}
    disagree = False
    for other, wanted, by in guesses:
        if other in touched and by[1][0] != who[1][0] and not _agree(undoable.cls.type[other], wanted):
            disagree = True
            break
    undoable.undo(errors)
    return disagree


def _agree(now: PortType, wanted: PortType) -> bool:
    try:
        unify(now, wanted)
    except Conflict:
        return False
    return True


def shape_guesses(problem: Any, cls: Any, leaf_roots: list[dict[str, int]]) -> list[tuple[int, PortType, tuple]]:
    """The layers' guesses (``default_types``) for the classes of their ports nothing shaped: (class root, type,
    origin), in layer order, every layer's (a class may have several)."""
    if every_class_shaped(cls):
        return []  # no guess is asked for (a walk over every layer, cache-cold in a large net, found none)
    guesses, wanted = [], {}
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
            if current[port].shape is None and t.shape is not None:
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
    return held_stand_ins(layer, stand_ins)


def held_stand_ins(layer: Any, stand_ins: Mapping[str, torch.Tensor]) -> Any:
    """``layer`` holding the arrays ``stand_ins`` (by array name), taken as drawn; ``layer`` itself where its
    ``with_arrays`` is its own, or its options rule them out (the clash is reported with the shared arrays')."""
    if not stand_ins or type(layer).with_arrays is not Layer.with_arrays:
        return layer
    try:
        return layer._with_drawn_arrays(stand_ins)
    except (NetGraphError, Conflict):
        return layer



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


def layer_dtype_guesses(problem: Any, cls: Any, leaf_roots: list[dict[str, int]], root_of: list[int],
                        refine: Callable) -> list[int]:
    """Give the classes whose dtype nothing decided the dtype their layers guess (``default_dtypes``: a Python
    function's Integer result, seen on its probe), before Real is given to the rest; the classes given."""
    types = cls.type
    for root in root_of:  # a plain loop (no call a key): no walk over every layer where no dtype is open
        if types[root].dtype is None:
            break
    else:
        return []
    given = []
    for path, layer, own in zip(problem.leaf_paths, problem.leaf_layers, leaf_roots):
        guess = getattr(layer, "default_dtypes", None)
        if guess is None:
            continue
        for port, dtype in guess({p: cls.type[root] for p, root in own.items()}).items():
            if cls.type[root := own[port]].dtype is None:
                refine(root, PortType(None, dtype), ("port", (path, port)))
                given.append(root)
    return given


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

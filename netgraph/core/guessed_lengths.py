"""Lengths netgraph guesses (a recurrent layer's sequence, a sequence operator's steps) rather than the user names.

A guessed length is a fresh variable, as Wolfram's ``"Varying"``: independent of every name the user gives and of
every other guess, unless the wiring makes them meet (then it takes the other's name, a user's first). A layer's
``infer`` writes ``GUESSED`` where it invents a length; inference gives each a name of its own (``fresh_name``:
``"n"`` while free, else ``"n_2"``, ``"n_3"``...) and, once solved, the names the guesses took (``Renaming``).

>>> is_guessed(GUESSED), is_guessed("n"), free_dim(GuessedLength("n_2"), "m")
(True, False, 'm')
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

__all__ = ["GuessedLength", "FreshLength", "LocalLength", "ScopedLength", "scoped", "own_lengths", "as_named",
           "GUESSED", "is_guessed", "free_dim", "without_guesses", "Renaming", "Link"]


class GuessedLength(str):
    """A length name netgraph made up (a plain ``str`` to everything else: shown, compared and hashed as its text)."""

    __slots__ = ()

    def __reduce__(self) -> tuple:
        return str, (str(self),)  # saved as plain text: a solved net's names are plain


class FreshLength(GuessedLength):
    """The name inference gave a guess (``Renaming``): the same length wherever it is met."""


class LocalLength(GuessedLength):
    """A length name of an inner net's own (``base``) met outside it: a guess of its own (one length wherever this
    object is met at a layer's ports), named afresh from ``base``. Spelled as ``GUESSED``, the text ``refine`` looks
    for (a guess spelled otherwise was kept as a user's name, joining lengths that are not one)."""

    def __new__(cls, base: str) -> "LocalLength":
        made = super().__new__(cls, GUESSED)
        made.base = base.base if isinstance(base, LocalLength) else str(base)
        return made


class ScopedLength(GuessedLength):
    """A length name given inside a nested graph (``scope``: its path): local to it, as a bound variable, so named
    afresh in the graph around it (the same name, one length, within ``scope``), and one with the outer length
    its ports are wired to."""

    def __new__(cls, name: str, scope: tuple) -> "ScopedLength":
        made = super().__new__(cls, name)
        made.scope = scope
        return made


def scoped(t: Any, scope: tuple, problem: Any) -> Any:
    """Port type ``t``, declared for a graph at path ``scope``, with its length names local to it (``ScopedLength``;
    ``problem.scoped_names`` set); ``t`` itself at the outermost graph (``scope`` empty) or where it names none."""
    if not scope or not t.shape or not any(isinstance(d, str) for d in t.shape):
        return t
    problem.scoped_names = True
    return dataclasses.replace(t, shape=tuple(ScopedLength(d, scope) if isinstance(d, str) else d for d in t.shape))


def own_lengths(given: Mapping[str, Mapping[str, Any]], inner: Mapping[str, Mapping[str, Any]]) -> dict:
    """Each inner net's port types (``inner``, by option) as ``port_types``, each length name that is the net's own
    (at no port the name the operator's ports ``given`` it at the same dim) a ``LocalLength``, one per net and name:
    local to the net, as a nested graph's names are (``scoped``), so neither taking nor taken by an outer name spelled
    alike."""
    views = {}
    for option, types in inner.items():
        outer = given.get(option, {})
        kept = {d for port, t in types.items() for d, o in _beside(t, outer.get(port)) if isinstance(d, str) and d == o}
        local: dict[str, LocalLength] = {}  # each own name's guess
        views[option] = SimpleNamespace(port_types={port: _with_local(t, kept, local) for port, t in types.items()})
    return views


def _beside(t: Any, given: Any) -> zip:
    """Each dim of port type ``t`` with the dim ``given`` (the outer type of the same port, or None) has there."""
    same_rank = given is not None and t.shape and given.shape and len(given.shape) == len(t.shape)
    return zip(t.shape or (), given.shape if same_rank else ())


def _with_local(t: Any, kept: set, local: dict) -> Any:
    """Port type ``t`` with each length name not in ``kept`` its guess in ``local`` (made the first time)."""
    if not t.shape or all(d in kept for d in t.shape if isinstance(d, str)):
        return t
    own = (local.setdefault(d, LocalLength(d)) if isinstance(d, str) and d not in kept else d for d in t.shape)
    return dataclasses.replace(t, shape=tuple(own))


def as_named(t: Any, inner: Any, every: bool = False) -> Any:
    """Port type ``t`` with each length netgraph named in it (``every``: each length name) named as ``inner`` names
    the dim (a guess adds no information to a nested graph's port; nor a name to an inner net's, local to it:
    ``own_lengths`` joins the two outside)."""
    renamed = (lambda d: isinstance(d, str)) if every else is_guessed
    if not t.shape or not inner.shape or len(t.shape) != len(inner.shape) or not any(map(renamed, t.shape)):
        return t
    named = tuple(i if renamed(d) and isinstance(i, str) else d for d, i in zip(t.shape, inner.shape))
    return dataclasses.replace(t, shape=named)


GUESSED = GuessedLength("n")  # what a layer's infer gives a length it invents (by identity: inference renames it)
_UNNAMED = frozenset({GuessedLength, LocalLength, ScopedLength})  # the guesses inference has yet to name


def is_guessed(dim: Any) -> bool:
    """Whether ``dim`` is a length netgraph guessed (free to take any other length it meets)."""
    return isinstance(dim, GuessedLength)


def free_dim(a: Any, b: Any) -> Any:
    """Of two length names that meet, the one kept: a user's over a guess, else the first."""
    return b if is_guessed(a) and isinstance(b, str) and not is_guessed(b) else a


def without_guesses(sizes: set) -> set:
    """A dim's sizes as broadcasting meets them, with the guessed lengths left out where another is known, else
    the first guess alone (guesses that meet are one length)."""
    guesses = sorted(d for d in sizes if is_guessed(d))
    if not guesses:
        return sizes
    rest = {d for d in sizes if not is_guessed(d)}
    return rest if rest - {None} else {guesses[0]}


@dataclasses.dataclass(frozen=True)
class Link:
    """Two lengths named apart (``kept``, ``other``: given for graph ports) that the length ``via`` would make one:
    a nested graph's own name (``scope``: its path) or a guess (``scope`` None) met both."""

    kept: str
    other: str
    via: str
    scope: tuple | None


class Renaming:
    """The names inference gives guessed lengths: each ``GUESSED`` met a fresh one (``fresh``); guesses that meet
    another length are one with it (``join``: union-find, a user's name the representative; two of the user's
    lengths ``named`` apart never: ``Link``); ``final`` is a solved shape with the names its guesses ended as."""

    def __init__(self, problem: Any, named: dict) -> None:
        self.busy = problem.scoped_names  # a guess or nested graph's name met (else refine asks ``settled`` only
        # of GUESSED)
        self.problem, self.taken, self.parent, self.shown, self.scoped, self.guessed = problem, None, {}, {}, {}, {}
        self.named = named  # the length names given for graph ports: each its first port (declared_lengths)
        self.scope_of: dict[str, tuple] = {}  # each name made: the guess or nested graph's name, and its place
        self.minted: dict[str, tuple[int, str]] = {}  # each guessed name: the order it was made in, its base

    def settled(self, old: Any, new: Any, merged: Any, place: Any) -> tuple[Any, Link | None]:
        """A class's type ``merged`` (``old`` refined with ``new``) with each ``GUESSED`` named afresh, and the
        guesses it joins noted; with the ``Link`` that would make two lengths named apart one (else None)."""
        shape = merged.shape
        if shape is not None and any(type(d) in _UNNAMED for d in shape):
            merged = dataclasses.replace(merged, shape=self.fresh(shape, place))
        return merged, self.join(old.shape, merged.shape, place) or self.join(new.shape, merged.shape, place)

    def finish(self, class_types: list) -> None:
        """Each solved type in ``class_types`` with its guesses' final names (plain text), in place: the lengths
        left apart named ``n``, ``n_2``... in the order guessed, skipping the user's names and those shown."""
        if not self.minted:
            return
        users, names = self.taken - self.minted.keys(), {}
        for r in sorted({r for m in self.minted if (r := self._find(m)) in self.minted}, key=self._rank):
            base = self.minted[r][1]
            counted = names.setdefault(base, (f"{base}_{i}" if i > 1 else base for i in itertools.count(1)))
            self.shown[r] = next(n for n in counted if n not in users)
            users.add(self.shown[r])  # (taken: a guess n's second name n_2 is not an inner net's own n_2 too)
        for i, t in enumerate(class_types):
            if (shape := self.final(t.shape)) is not t.shape:
                class_types[i] = dataclasses.replace(t, shape=shape)

    def fresh(self, shape: tuple, place: Any) -> tuple:
        """``shape`` with each guess given a name that no user and no other guess has (one per guess object and
        layer, ``place``: ``GUESSED`` at a layer's ports is one length, two objects two), and each nested graph's
        name (``ScopedLength``) the one name its graph's has in the whole net."""
        return tuple(self._named(d, place) if type(d) in _UNNAMED else d for d in shape)

    def _named(self, guess: GuessedLength, place: Any) -> FreshLength:
        return self._local(guess) if type(guess) is ScopedLength else self._marked(guess, place)

    def _marked(self, guess: GuessedLength, place: Any) -> FreshLength:
        key = (place, id(guess))
        if key not in self.guessed:
            self.guessed[key] = (guess, self._new(getattr(guess, "base", str(GUESSED))))  # (the guess kept: its id
            # is not reused)
            self.scope_of[self.guessed[key][1]] = (guess, place)
        return self.guessed[key][1]

    def _local(self, name: ScopedLength) -> FreshLength:
        key = (name.scope, str(name))
        if key not in self.scoped:
            self.scoped[key] = self._new(str(name))
            self.scope_of[self.scoped[key]] = (name, name.scope)
        return self.scoped[key]

    def _new(self, base: str) -> FreshLength:
        if self.taken is None:  # the names the user gives: a declared type's (a layer's options' too)
            types = itertools.chain((t for _, t, _ in self.problem.declared), self.problem.leaf_types)
            self.taken = {d for t in types for d in (getattr(t, "shape", None) or ()) if isinstance(d, str)
                          and not is_guessed(d)}
        name, count = base, 1
        while name in self.taken:
            count += 1
            name = f"{base}_{count}"
        self.taken.add(name)
        self.busy = True
        self.minted[name] = (len(self.minted), base)
        return FreshLength(name)

    def join(self, shape: tuple | None, merged: tuple | None, place: Any) -> Link | None:
        """Make each guessed name in ``shape`` one with the name at its dim in ``merged`` (the class's shape now; a
        guess not yet named is named first, at ``place``); the ``Link`` of a guess that would join two lengths named
        apart (they stay apart), else None."""
        if shape and merged and shape != merged and len(shape) == len(merged):
            for a, b in zip(shape, merged):
                a, b = (self._named(d, place) if type(d) in _UNNAMED else d for d in (a, b))
                if a == b or not (isinstance(a, str) and isinstance(b, str)):
                    continue
                if is_guessed(a) or is_guessed(b):
                    ra, rb = sorted((self._find(str(a)), self._find(str(b))), key=self._rank)
                    if ra != rb and rb in self.minted:  # a user's name, else the first guessed, stands for both
                        self.parent[rb] = ra
                    elif ra != rb and ra in self.named and rb in self.named and self.named[ra] != self.named[rb]:
                        return self._link(ra, rb, a if is_guessed(a) else b)
        return None

    def _link(self, kept: str, other: str, via: str) -> Link:
        """``via``: a name made for a nested graph's name (its path the scope), an inner net's (``LocalLength``: the
        operator's), or a layer's guess (no scope; or another net's, given as a port type)."""
        given, place = self.scope_of.get(via, (via, None))
        if type(given) is ScopedLength:
            return Link(kept, other, str(given), place)
        inner = type(given) is LocalLength and type(place) is int  # (a leaf's number)
        return Link(kept, other, given.base if inner else str(given), self.problem.leaf_paths[place] if inner else None)

    def _rank(self, name: str) -> int:
        return self.minted[name][0] if name in self.minted else -1

    def _find(self, name: str) -> str:
        while name in self.parent:
            name = self.parent[name]
        return name

    def final(self, shape: tuple | None) -> tuple | None:
        """``shape`` with its guessed lengths as the names they ended as, plain text."""
        if shape is None or not any(is_guessed(d) for d in shape):
            return shape
        return tuple(self.shown.get(r, r) if is_guessed(d) and (r := self._find(str(d))) else d for d in shape)

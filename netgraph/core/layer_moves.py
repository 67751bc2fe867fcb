"""Where a surgery put each position of its argument: ``Moves`` maps an old layer path to its new path (None: gone),
so that ``carry_multipliers`` moves a learning-rate rule with its position, even when one layer object sits at
several positions (``l`` in ``NetChain([l, "Tanh", l, l])``). Paths are names tuples; into an operator's inner net
they go through the option holding it, ``("map", "net", "lin")``.

>>> moves = Moves(levels={(): {"1": None, "3": "2"}, ("3",): {"a": "b"}})
>>> moves.path(("3", "a", "w")), moves.path(("1",)), moves.path(("4",))
(('2', 'b', 'w'), None, ('4',))
>>> Moves(prefix=("enc",)).then(Moves(paths={("enc", "x"): ("enc/x",)})).path(("x",))
('enc/x',)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Moves", "joined_moves", "kept_names", "recorded"]


@dataclasses.dataclass(frozen=True)
class Moves:
    """Old paths -> new paths: ``paths`` (an old path, and what is below it, to a new path; the longest one given
    wins), else ``levels`` (at an old graph path: old layer name -> new name, None: gone; unlisted names stay);
    ``inside`` (at an old path: the moves of the part there, relative to it); ``prefix`` (before every new path:
    the argument now sits there); ``after`` (the moves of a later step, in the paths this one gives)."""
    paths: Mapping[tuple, tuple | None] = dataclasses.field(default_factory=dict)
    levels: Mapping[tuple, Mapping[str, str | None]] = dataclasses.field(default_factory=dict)
    inside: Mapping[tuple, Moves] = dataclasses.field(default_factory=dict)
    prefix: tuple = ()
    after: Moves | None = None

    def path(self, old: tuple) -> tuple | None:
        """The new path of the position at ``old`` (None: it is gone)."""
        part = next((old[:k] for k in range(len(old), 0, -1) if old[:k] in self.inside), None)
        if part is None:
            new = self._own(old)
        else:
            head, rest = self._own(part), self.inside[part].path(old[len(part):])
            new = None if head is None or rest is None else (*head, *rest)
        return new if new is None or self.after is None else self.after.path(new)

    def then(self, later: Moves) -> Moves:
        """These moves followed by ``later`` (made on the result, in its paths)."""
        return dataclasses.replace(self, after=later if self.after is None else self.after.then(later))

    def _own(self, old: tuple) -> tuple | None:
        if self.paths:
            given = next((old[:k] for k in range(len(old), 0, -1) if old[:k] in self.paths), None)
            if given is not None:
                target = self.paths[given]
                return None if target is None else (*self.prefix, *target, *old[len(given):])
        new = []
        for k, name in enumerate(old):
            level = self.levels.get(old[:k])
            if level is not None and name in level:
                name = level[name]
                if name is None:
                    return None
            new.append(name)
        return (*self.prefix, *new)


def kept_names(old: Iterable[str], removed: Iterable[str], new: Iterable[str]) -> dict[str, str | None]:
    """One graph level's moves when the layers ``removed`` of ``old`` (its names in order) went: the others keep
    their names, or (a numbered chain renumbered) take the new names in order."""
    gone = set(removed)
    kept, new = [name for name in old if name not in gone], list(new)
    level: dict[str, str | None] = dict.fromkeys(gone)
    if set(kept) != set(new) and len(kept) == len(new):
        level.update({name: to for name, to in zip(kept, new) if name != to})
    return level


def joined_moves(parts: list[list[str] | None], names: list[str]) -> list[Moves]:
    """Where each of several nets went in the chain of layers ``names`` made of them in order: one whose layer names
    ``parts`` gives (a chain spliced) layer by layer, one given as None as one layer."""
    moves, at = [], 0
    for layers in parts:
        whole = layers is None
        moves.append(Moves(prefix=(names[at],)) if whole else Moves(levels={(): dict(zip(layers, names[at:]))}))
        at += 1 if whole else len(layers)
    return moves


def recorded(found: dict, edit: Any) -> Any:
    """An ``edit_operators`` edit (``placed``) running ``edit(inner net, group, path, field) -> (new inner net, its
    Moves)``, each inner net's moves put in ``found`` (as ``Moves.inside``) under the inner net's path."""
    def run(inner: Any, group: list, path: tuple, field: str) -> Any:
        new, moves = edit(inner, group, path, field)
        found[(*path, field)] = moves
        return new
    return run

"""Length names given in graph ports' shapes (``x=("n", 3)``): names apart are independent lengths, as Wolfram's
LengthVar, so inference refuses a layer that would join two of them (a free or unnamed length still unifies), and one
that would fix one to a size (a named length is any length, per call)."""

from __future__ import annotations

from typing import Any, Callable, Hashable

from netgraph.core.guessed_lengths import is_guessed

__all__ = ["declared_lengths", "joined_names", "apart_text", "linked_text", "fixed_name", "fixed_text"]


def declared_lengths(declared: list) -> dict[str, Hashable]:
    """Each length name given in a graph port's shape (``declared``: ``(key, type, kind)``): the first port given it."""
    named: dict[str, Hashable] = {}
    for key, t, kind in declared:
        if kind == "graph" and t.shape:
            for d in t.shape:
                if isinstance(d, str) and not is_guessed(d):  # (a nested graph's names are its own: ScopedLength)
                    named.setdefault(d, key)
    return named


def joined_names(named: dict[str, Hashable], old: tuple | None, new: tuple | None) -> tuple[str, str] | None:
    """Two length names given to graph ports, one in ``old`` and another at the same dim in ``new`` (a layer
    would join them): lengths named apart are independent, as Wolfram's LengthVar."""
    if old and new and len(old) == len(new) and old != new:
        for a, b in zip(old, new):
            if (a != b and a in named and b in named and named[a] != named[b]  # (one port's names: a layer's own)
                    and not (is_guessed(a) or is_guessed(b))):  # (a guess takes any length it meets)
                return a, b
    return None


def apart_text(describe: Callable, named: dict[str, Hashable], joined: tuple[str, str]) -> str:
    """Why the layer may not join them (a conflict text that ends in '(the <old> was set by ')."""
    a, b = joined
    return (f"length {b} (given for {describe(named[b])}) would be joined to length {a} (given for "
            f"{describe(named[a])}): lengths named apart are independent; name them alike for one length, "
            f"or leave one unnamed (None) (the {a} was set by ")


def linked_text(describe: Callable, named: dict[str, Hashable], link: Any) -> str:
    """Why a length that meets two lengths named apart may not join them (``link``: a ``guessed_lengths.Link``; a
    conflict text that ends in '(the port's shape was set by ')."""
    via = (f"the length {link.via} of {describe((link.scope, None))}, one length in that net" if link.scope
           else "a length netgraph guessed, one length")
    both = " and ".join(sorted((link.kept, link.other)))
    return (f"length {link.other} (given for {describe(named[link.other])}) would be joined to length {link.kept} "
            f"(given for {describe(named[link.kept])}) through {via}: lengths {both} are independent (named apart); "
            f"name them alike for one length, or leave one unnamed (None) (the port's shape was set by ")


def fixed_name(named: dict[str, Hashable], old: tuple | None, new: tuple | None) -> tuple[str, int] | None:
    """A length name given to a graph port, in ``old`` or ``new``, and the size the other has at that dim: a layer's
    fixed size would make the variable length that one size."""
    if old and new and len(old) == len(new) and old != new:
        for a, b in zip(old, new):
            for name, size in ((a, b), (b, a)):
                if type(size) is int and isinstance(name, str) and name in named and not is_guessed(name):
                    return name, size
    return None


def fixed_text(problem: Any, named: dict[str, Hashable], fixed: tuple[str, int], old: tuple, new: tuple,
               declared: list[tuple[Any, Hashable]]) -> str:
    """Why the layer may not fix the length (a conflict text that ends in '(the <old> was set by '): the graph port
    whose given shape has the size (``declared``: (type, key) of the graph ports the conflict touches; another graph
    input that a layer joins to the length), if one does, else the layer's option that fixes it."""
    name, size = fixed
    at = next(i for i, dims in enumerate(zip(old, new)) if set(dims) == {name, size})
    given = next((("graph", key) for t, key in declared if t.shape and len(t.shape) > at and t.shape[at] == size),
                 None)
    head = f"length {name} (given for {problem.describe(named[name])}) is a variable length, any length per call, "
    last = f" (the {name if name in old else size} was set by "
    if given is not None:
        return (f"{head}which a size of {size} ({problem.origin_text(given)}) would fix; give both the length {name} "
                f"for sequences of any length, or both the size {size}{last}")
    return (f"{head}which a size of {size} would fix; give the port size {size} for sequences of {size} alone, or "
            f"leave out the layer option that fixes it for any length{last}")

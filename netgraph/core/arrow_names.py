"""Layer names holding ``->``, which a string edge cannot hold: the edge read with those names whole, for the
list form an error shows (``[Input, a->b]`` in YAML, ``("Input", "a->b")`` in Python).

>>> arrow_name_pieces("Input -> a->b -> out", {"a->b", "out"})
['Input', 'a->b', 'out']
>>> arrow_name_pieces("Input -> out", {"a->b", "out"}) is None  # no such name in it: the edge reads as it is
True
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["arrow_name_pieces"]


def arrow_name_pieces(text: str, names: Iterable[str]) -> list[str] | None:
    """The endpoints of edge ``text`` split at its arrows, each of ``names`` holding ``->`` kept whole; None when
    ``text`` holds no such name."""
    arrowed = sorted((n for n in names if isinstance(n, str) and "->" in n and n in text), key=len, reverse=True)
    if not arrowed:
        return None
    marked = text
    for i, name in enumerate(arrowed):  # the longest first: a name inside another stays in it
        marked = marked.replace(name, f"\0{i}\0")
    pieces = [piece.strip() for piece in marked.split("->")]
    for i, name in enumerate(arrowed):
        pieces = [piece.replace(f"\0{i}\0", name) for piece in pieces]
    return pieces

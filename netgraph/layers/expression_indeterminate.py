"""Constants Wolfram evaluates to Indeterminate (``Infinity - Infinity``, ``0*Infinity``, ``Sin[Infinity]``): folded
to NaN and noted, so that a parse warns about each one its expression keeps (a branch a constant ``If`` drops is
not kept), naming the part of the text it came from. ``Indeterminate`` written, and what is computed from it, is
NaN without a note."""

from __future__ import annotations

import contextvars
from contextlib import AbstractContextManager

from netgraph.core.scoped_values import scoped
from netgraph.layers.expression_forms import children

__all__ = ["IndeterminateWarning", "noting", "note", "noted", "name_part", "kept_parts"]

#: id(node) -> (node, the part of the text it came from, or None until named), for the parse in progress.
_NOTES: contextvars.ContextVar[dict[int, tuple[tuple, str | None]] | None] = contextvars.ContextVar(
    "indeterminate_notes", default=None)


class IndeterminateWarning(UserWarning):
    """An expression's constant part is Wolfram's Indeterminate (Infinity::indet): it computes NaN."""


def noting() -> AbstractContextManager[dict[int, tuple[tuple, str | None]]]:
    """The notes of the parse run inside (a nested parse, of a definition, has its own)."""
    return scoped(_NOTES, {})


def note(node: tuple, part: str | None = None) -> tuple:
    """``node`` (a NaN constant), noted as indeterminate; ``part``: the text it came from, if known."""
    notes = _NOTES.get()
    if notes is not None:
        notes[id(node)] = (node, part)
    return node


def noted(node: tuple) -> tuple[str | None] | None:
    """(part,) of a noted ``node``, else None."""
    notes = _NOTES.get()
    found = notes.get(id(node)) if notes is not None else None
    return (found[1],) if found is not None and found[0] is node else None


def name_part(node: tuple, part: str) -> None:
    """Name the text a noted ``node`` came from, unless named already (by a smaller part)."""
    if (found := noted(node)) is not None and found[0] is None:
        note(node, part)


def kept_parts(tree: tuple, notes: dict[int, tuple[tuple, str | None]]) -> tuple[str, ...]:
    """The named parts of the noted constants ``tree`` holds, in order, each once."""
    parts: dict[str, None] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        found = notes.get(id(node))
        if found is not None and found[0] is node:
            parts[found[1] or "a constant"] = None
        stack += reversed(children(node))
    return tuple(parts)

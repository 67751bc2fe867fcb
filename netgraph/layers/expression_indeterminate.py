"""Constants Wolfram evaluates to Indeterminate (``Infinity - Infinity``, ``0*Infinity``, ``Sin[Infinity]``): folded
to NaN and noted, so that a parse lists each one its expression keeps (a branch a constant ``If`` drops is not
kept), naming the part of the text it came from, and the layer warns of it (the parse is cached). ``Indeterminate``
written, and what is computed from it, is NaN without a note."""

from __future__ import annotations

import contextvars
from contextlib import AbstractContextManager

from netgraph.core.naming_scope import shown_layer
from netgraph.core.scoped_values import scoped
from netgraph.layers.expression_forms import children

__all__ = ["IndeterminateWarning", "noting", "note", "noted", "name_part", "kept_parts"]

#: id(node) -> (node, the part of the text it came from, or None until named), for the parse in progress.
_NOTES: contextvars.ContextVar[dict[int, tuple[tuple, str | None]] | None] = contextvars.ContextVar(
    "indeterminate_notes", default=None)


class IndeterminateWarning(UserWarning):
    """An expression's constant part is Wolfram's Indeterminate (Infinity::indet, Power::indet): it computes NaN.
    Its fields say where: ``layer`` (the path a net file gives it; None for a layer made in Python), ``layer_type``,
    ``option``, ``port`` (the output, of an expression with several; else None), ``expression`` and ``part``.

    >>> import warnings
    >>> from netgraph import FunctionLayer
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = FunctionLayer("# + 0/0")
    >>> [(type(w.message).__name__, w.message.part) for w in caught]
    [('IndeterminateWarning', '0/0')]
    """

    def __init__(self, expression: str, part: str, layer_type: str | None = None, option: str | None = None,
                 layer: tuple | None = None, port: str | None = None):
        self.expression, self.part, self.layer_type, self.option, self.layer, self.port = \
            expression, part, layer_type, option, layer, port
        where = shown_layer(layer, str(layer_type)) if layer else layer_type
        where = f"{where} option {option}" if where and option else where
        output = f" (output {port!r})" if port else ""
        super().__init__(f"{where + ': ' if where else ''}expression {expression.strip()!r}{output}: {part} is "
                         f"indeterminate (Wolfram's Indeterminate) and computes NaN; write Indeterminate when a NaN "
                         f"is meant")

    def __reduce__(self) -> tuple:
        """Pickled and copied by its fields (the message is made from them)."""
        return type(self), (self.expression, self.part, self.layer_type, self.option, self.layer, self.port)


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
    """Name the text a noted ``node`` (or a noted NaN it multiplies by: Mod[#x, 0]'s) came from, unless named
    already (by a smaller part)."""
    node = node[3] if node[:2] == ("bin", "*") else node
    if (found := noted(node)) is not None and found[0] is None:
        note(node, part)


def kept_parts(tree: tuple, notes: dict[int, tuple[tuple, str | None]]) -> tuple[tuple[str, str | None], ...]:
    """(part, output) of each named part of the noted constants ``tree`` holds, in order, each once; output: the name
    of the output that holds it, of an expression with several (``{e1, e2}``, ``<|"a" -> e|>``), else None."""
    if tree[0] == "outputs" and len(tree[1]) > 1:
        return tuple((part, name) for name, value in zip(tree[1], tree[2]) for part, _ in kept_parts(value, notes))
    parts: dict[str, None] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        found = notes.get(id(node))
        if found is not None and found[0] is node:
            parts[found[1] or "a constant"] = None
        stack += reversed(children(node))
    return tuple((part, None) for part in parts)

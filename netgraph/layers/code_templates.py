"""``to_code`` once per expression tree: a net of 50,000 Tanh layers holds one parsed tree (parsing is cached), and
its compiled forward writes ``torch.tanh(<input>)`` 50,000 times. ``cached_to_code`` writes the tree once with a
placeholder for each slot and fills in each layer's names.

>>> from netgraph.layers.expression import parse
>>> tree = parse("Tanh[#] * 2").tree
>>> cached_to_code(tree, {"Input": "x3"}), cached_to_code(tree, {"Input": "y"})
('(torch.tanh(x3) * 2.0)', '(torch.tanh(y) * 2.0)')

The template is used only where it gives exactly ``to_code``'s text: every name an identifier (``to_code`` looks at
an argument's text in one place, a leading ``-``), and no temporaries (a repeated subexpression with ``local``).
"""

from __future__ import annotations

from collections.abc import Callable

from netgraph.layers.expression import to_code
from netgraph.layers.expression_forms import repeated_subtrees

__all__ = ["cached_to_code"]

_TEMPLATES: dict[int, tuple[tuple, str | None]] = {}  # id(tree) -> (tree, its code with placeholders, or None)


class _Placeholders(dict):
    """Slot ``s`` written as ``\\x00s\\x00`` (no generated code holds a NUL character otherwise)."""

    def __missing__(self, slot: str) -> str:
        return f"\x00{slot}\x00"


def cached_to_code(tree: tuple, names: dict[str, str], local: Callable[[str], str] | None = None) -> str:
    """``to_code(tree, names, local)``, from a template kept per tree where that gives the same text."""
    entry = _TEMPLATES.get(id(tree))
    if entry is None or entry[0] is not tree:
        if len(_TEMPLATES) > 4096:
            _TEMPLATES.clear()
        repeats = repeated_subtrees(tree)[1]
        entry = _TEMPLATES[id(tree)] = (tree, None if repeats else to_code(tree, _Placeholders()))  # the tree kept:
        # its id names no other tree while it is here
    template = entry[1]
    if template is None or not all(name.isidentifier() for name in names.values()):
        return to_code(tree, names, local)
    code = template
    for slot, name in names.items():
        code = code.replace(f"\x00{slot}\x00", name)
    return to_code(tree, names, local) if "\x00" in code else code  # a slot not in names: to_code's error

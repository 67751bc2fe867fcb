"""``module.code_layers``: the line of ``module.code`` where each layer's statements start -> the layer's path.

The code writer notes each node's first statement as it writes it; ``layer_lines`` finds those statements, in
order, in the final text (a long forward is rearranged into part functions, so lines move, but the statements
keep their order and text).

>>> code = "def forward(self, Input):\\n    a = f(Input)\\n    b = g(a)\\n    return b\\n"
>>> layer_lines(code.splitlines(), [(("a",), "a = f(Input)"), (("enc", "b"), "b = g(a)")])
{2: ('a',), 3: ('enc', 'b')}
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["layer_lines"]


def layer_lines(lines: Sequence[str], firsts: Sequence[tuple[tuple[str, ...], str]]) -> dict[int, tuple[str, ...]]:
    """1-based line number in the code of ``lines`` (with or without their line ends) -> layer path, for each
    ``(path, first statement)`` in code order."""
    found, at = {}, 0
    for path, statement in firsts:
        text = statement.split("\n", 1)[0].strip()
        while at < len(lines) and lines[at].strip() != text:
            at += 1
        if at == len(lines):  # not written as noted: no line for it (nor for what follows)
            break
        found[at + 1] = path
        at += 1
    return found

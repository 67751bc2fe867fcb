"""``module.code_layers``: the line of ``module.code`` where each layer's statements start -> the layer's path.

The code writer notes each node's first statement as it writes it; ``layer_lines`` finds those statements, in
order, in the final text (a long forward is rearranged into part functions, so lines move, but the statements
keep their order and text, a statement perhaps followed by the release of values it read last).

>>> code = "def forward(self, Input):\\n    a = f(Input)\\n    b = g(a);  a = None\\n    return b\\n"
>>> layer_lines(code.splitlines(), [(("a",), "a = f(Input)"), (("enc", "b"), "b = g(a)")])
{2: ('a',), 3: ('enc', 'b')}
"""

from __future__ import annotations

from collections.abc import Sequence

from netgraph.backend.releases import release_suffix

__all__ = ["layer_lines"]


def layer_lines(lines: Sequence[str], firsts: Sequence[tuple[tuple[str, ...], str]]) -> dict[int, tuple[str, ...]]:
    """1-based line number in the code of ``lines`` (with or without their line ends) -> layer path, for each
    ``(path, first statement)`` in code order."""
    found, at = {}, 0
    for path, statement in firsts:
        text = statement.split("\n", 1)[0].strip()
        while at < len(lines) and not _written(lines[at].strip(), text):
            at += 1
        if at == len(lines):  # not written as noted: no line for it (nor for what follows)
            break
        found[at + 1] = path
        at += 1
    return found


def _written(line: str, statement: str) -> bool:
    """Whether ``line`` is ``statement``, alone or followed by the release of values read last there
    (``;  a = b = None``, see netgraph.backend.releases)."""
    if not line.startswith(statement):
        return False
    rest = line[len(statement):]
    return not rest or rest.startswith(release_suffix("")) and rest.endswith(" = None")

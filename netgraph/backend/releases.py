"""Each value of a generated forward released after its last use, as handwritten torch (``x = layer(x)``) and
torch.fx's code (``delete_unused_values``) do: at inference the activations alive at once are those still to be read,
not every one the forward computed.

The release is appended to the last line of the node that reads the value last (``;  a = b = None``), which keeps
the code readable and its line numbers; after a line it cannot follow (indented, a comment, a compound statement),
it is a line of its own.

>>> steps = [Step(0, ("x",), ("a",)), Step(1, ("a",), ("b", "u")), Step(2, ("a", "b"), ("c",))]
>>> print("\\n".join(released(["a = f(x)", "b, u = g(a)", "c = a + b"], steps, 3, kept={"c"})))
a = f(x)
b, u = g(a);  u = None
c = a + b;  a = b = None
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

__all__ = ["Step", "released", "released_body", "release_suffix", "words"]

_COMPOUND = frozenset({"if", "elif", "else", "for", "while", "with", "try", "except", "finally", "def", "class",
                       "async", "match", "case"})


class Step(NamedTuple):
    """One node's statements: they start at line ``start`` of the body, read ``uses`` (variables defined
    before them), define ``defines`` (the variables later statements may read) and ``temporaries`` (read by
    them only)."""

    start: int
    uses: tuple[str, ...]
    defines: tuple[str, ...]
    temporaries: tuple[str, ...] = ()


def released(lines: Sequence[str], steps: Sequence[Step], end: int, kept: Collection[str] = (),
             defined: Collection[str] | None = None) -> list[str]:
    """``lines[steps[0].start:end]`` (the statements of ``steps``), each value in ``defined`` (by default: those the
    steps define) that they read or define released after the step that reads it last, except those ``kept``
    (returned, or read later); each step's temporaries after it."""
    defined = {v for step in steps for v in step.defines} if defined is None else defined
    last: dict[str, int] = {}  # value -> the index of the last step that reads (or defines) it
    for i, step in enumerate(steps):
        for v in (*step.uses, *step.defines):
            if v in defined:
                last[v] = i
        last.update((v, i) for v in step.temporaries)
    after: dict[int, list[str]] = {}
    for v, i in last.items():
        if v not in kept:
            after.setdefault(i, []).append(v)
    body: list[str] = []
    for i, step in enumerate(steps):
        block = list(lines[step.start:steps[i + 1].start if i + 1 < len(steps) else end])
        if i in after:
            release = " = ".join([*after[i], "None"])
            if block and _appendable(block[-1]):
                block[-1] += release_suffix(release)
            else:
                block.append(release)
        body += block
    return body


def released_body(lines: Sequence[str], steps: Sequence[Step], tail: Sequence[str]) -> list[str]:
    """A whole forward's body ``lines`` (the head, then the steps' statements), each value released after its last use
    except those the ``tail`` (the return statement) reads."""
    if not steps:
        return list(lines)
    return [*lines[:steps[0].start], *released(lines, steps, len(lines), {w for line in tail for w in words(line)})]


def words(line: str) -> list[str]:
    """The identifiers in a line of generated code (a return statement: names, quotes and punctuation)."""
    return "".join(c if c.isalnum() or c == "_" else " " for c in line).split()


def release_suffix(release: str) -> str:
    """What a line is followed by to run ``release`` (torch.fx's spacing)."""
    return f";  {release}"


def _appendable(line: str) -> bool:
    """Whether a statement appended after ``;`` to ``line`` runs after it, at the forward's top level (a cheap test,
    erring on the safe side: a line of its own is always right)."""
    if not line or line[0].isspace() or "#" in line or line.rstrip().endswith(("\\", ":", ";")):
        return False
    word = line.split(None, 1)[0].split("(", 1)[0].split(":", 1)[0]
    return word not in _COMPOUND

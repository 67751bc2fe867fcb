"""A long generated forward in parts: each part is its own function, compiled on its own.

Python's compiler needs memory in proportion to the source it compiles at once (about 7 KB a line of
generated forward: a 100,000-layer net's forward took 2-4 s, most of it faulting in fresh pages, and grew
faster than the layer count). ``forward_source`` therefore writes a forward of more than ``PART_LINES``
lines as a few calls to part functions of at most about that many lines each, which take the values
they read and return those read later; ``compile_source`` compiles each top-level function separately,
with the line numbers it has in the whole text (so tracebacks and ``linecache`` agree).

>>> steps = [Step(0, ("x",), ("a",)), Step(1, ("a",), ("b",)), Step(2, ("a", "b"), ("c",))]
>>> lines = ["a = x + 1", "b = a * 2", "c = a + b"]
>>> print(forward_source("self, x", lines, steps, ["return c"], part_lines=2, fresh=lambda hint: hint))
def forward(self, x):
    a, b = forward_part1(self, x)
    c = forward_part2(self, a, b)
    return c
<BLANKLINE>
def forward_part1(self, x):
    a = x + 1
    b = a * 2
    return a, b
<BLANKLINE>
def forward_part2(self, a, b):
    c = a + b
    return c
<BLANKLINE>
>>> namespace = {}
>>> compile_source(forward_source("self, x", lines, steps, ["return c"], part_lines=2, fresh=str), "<doc>", namespace)
>>> namespace["forward"](None, 1)
6
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

__all__ = ["PART_LINES", "Step", "forward_source", "compile_source"]

#: a forward longer than this many lines is written in parts of at most about this many lines
PART_LINES = 1000


class Step(NamedTuple):
    """One node's statements: they start at line ``start`` of the body, read ``uses`` (variables defined
    before them) and define ``defines`` (the variables later statements may read)."""

    start: int
    uses: tuple[str, ...]
    defines: tuple[str, ...]


def forward_source(signature: str, lines: Sequence[str], steps: Sequence[Step], tail: Sequence[str],
                   shared: Sequence[str] = (), part_lines: int = PART_LINES,
                   fresh: Callable[[str], str] | None = None) -> str:
    """``def forward(<signature>)`` with the body ``lines`` then ``tail``; in parts when ``lines`` are many.

    ``steps`` mark where each node's statements start (the lines before the first are the head, kept in the
    forward); ``shared`` are head variables every part may read; ``fresh(hint)`` names a part function."""
    if len(lines) <= part_lines or not steps:
        return _function(f"forward({signature})", [*lines, *tail])
    head, groups = list(lines[:steps[0].start]), _groups(steps, len(lines), part_lines)
    read_later = {word for line in tail for word in _words(line)}
    calls, parts = [], []
    for group, end in reversed(groups):
        run = steps[group.start:group.stop]
        uses, defined = _reads(run), [v for step in run for v in step.defines]
        outs = [v for v in defined if v in read_later]
        args = ["self", *shared, *(v for v in uses if v not in shared)]
        call = f"{(fresh or str)(f'forward_part{len(groups) - len(parts)}')}({', '.join(args)})"
        parts.append(_function(call, [*lines[run[0].start:end], f"return {', '.join(outs) or 'None'}"]))
        calls.append(f"{', '.join(outs)} = {call}" if outs else call)
        read_later.difference_update(defined)  # in place: in a wide net, many values cross parts
        read_later.update(uses)
    forward = _function(f"forward({signature})", [*head, *reversed(calls), *tail])
    return "\n".join([forward, *reversed(parts)])


def _groups(steps: Sequence[Step], total: int, part_lines: int) -> list[tuple[range, int]]:
    """Consecutive runs of steps of about equal length (in lines): (step indices, the line after the run)."""
    size = (total - steps[0].start) / math.ceil((total - steps[0].start) / part_lines)
    groups, first = [], 0
    for i in range(1, len(steps) + 1):
        end = steps[i].start if i < len(steps) else total
        if i == len(steps) or end - steps[first].start >= size:
            groups.append((range(first, i), end))
            first = i
    return groups


def _reads(steps: Sequence[Step]) -> list[str]:
    """The variables the steps read that none of them defined before, in first-read order."""
    defined, reads = set(), {}
    for step in steps:
        reads.update((v, None) for v in step.uses if v not in defined)
        defined.update(step.defines)
    return list(reads)


def _words(line: str) -> list[str]:
    """The identifiers in a line of generated code (a return statement: names, quotes and punctuation)."""
    return "".join(c if c.isalnum() or c == "_" else " " for c in line).split()


def _function(header: str, body: Sequence[str]) -> str:
    return f"def {header}:\n" + "".join(f"    {line}\n" for line in body)


def compile_source(code: str, filename: str, namespace: dict[str, Any]) -> None:
    """Run ``code`` (top-level ``def``s only) into ``namespace``, compiling each function on its own."""
    lines = code.splitlines(True)
    starts = [i for i, line in enumerate(lines) if line.startswith("def ")]
    for start, stop in zip(starts, [*starts[1:], len(lines)]):
        compiled = compile("".join(lines[start:stop]), filename, "exec")
        exec(_shifted(compiled, start) if start else compiled, namespace)  # generated from the validated graph only


def _shifted(code: types.CodeType, lines: int) -> types.CodeType:
    """``code`` (and the code objects in it) as if it began ``lines`` lines further down its file."""
    consts = tuple(_shifted(c, lines) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + lines, co_consts=consts)

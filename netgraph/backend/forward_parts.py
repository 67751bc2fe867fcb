"""A long generated forward in parts: each part is its own function, compiled on its own.

Python's compiler needs memory in proportion to the source it compiles at once (about 7 KB a line of
generated forward: a 100,000-layer net's forward took 2-4 s, most of it faulting in fresh pages, and grew
faster than the layer count). ``forward_source`` therefore writes a forward of more than ``PART_LINES``
lines as calls to part functions of at most about ``PART_SIZE`` lines each (small enough that what compiling
one needs, under 2 MB, is found in the CPU's cache again by the next part), which take the values
they read and return those read later (several as one tuple, which ``forward`` holds under one name and a
part reading them takes apart). Each part releases its values after their last use in it
(``netgraph.backend.releases``), and ``forward`` what it handed on after the last call that reads it.
``compile_source`` compiles each top-level function of its lines separately, with the line numbers it has in the
whole text (so tracebacks and ``linecache`` agree).

>>> steps = [Step(0, ("x",), ("a",)), Step(1, ("a",), ("b",)), Step(2, ("a", "b"), ("c",))]
>>> lines = ["a = x + 1", "b = a * 2", "c = a + b"]
>>> print(forward_source("self, x", lines, steps, ["return c"], part_lines=2, fresh=lambda hint: hint))
def forward(self, x):
    forward_part1_values = forward_part1(self, x)
    c = forward_part2(self, forward_part1_values);  forward_part1_values = None
    return c
<BLANKLINE>
def forward_part1(self, x):
    a = x + 1
    b = a * 2
    return a, b
<BLANKLINE>
def forward_part2(self, forward_part1_values):
    a, b = forward_part1_values
    c = a + b;  a = b = None
    return c
<BLANKLINE>
>>> namespace = {}
>>> code = forward_source("self, x", lines, steps, ["return c"], part_lines=2, fresh=str)
>>> compile_source(code.splitlines(True), "<doc>", namespace)
>>> namespace["forward"](None, 1)
6
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Sequence
from typing import Any

from netgraph.backend.releases import Step, release_suffix, released, released_body, words

__all__ = ["PART_LINES", "PART_SIZE", "Step", "forward_source", "compile_source"]

#: a forward longer than this many lines is written in parts
PART_LINES = 1000
#: the most lines (about) of one part: a 12,500-layer chain's forward compiled in parts of 250 lines missed a 4 MiB
#: cache a tenth as often as in parts of 1,000 (callgrind), and took 6-8 % less CPU time than those
PART_SIZE = 250


def forward_source(signature: str, lines: Sequence[str], steps: Sequence[Step], tail: Sequence[str],
                   shared: Sequence[str] = (), part_lines: int = PART_LINES,
                   fresh: Callable[[str], str] | None = None) -> str:
    """``def forward(<signature>)`` with the body ``lines`` then ``tail``; in parts when ``lines`` are many.

    ``steps`` mark where each node's statements start (the lines before the first are the head, kept in the
    forward); ``shared`` are head variables every part may read; ``fresh(hint)`` names a part function and the
    tuple of values a part hands on (one name in ``forward`` for all of them: Python compiles a function holding
    or passing tens of thousands of names in more than linear time). Each part is at most about ``part_lines``
    or ``PART_SIZE`` lines long, the fewer."""
    if len(lines) <= part_lines or not steps:
        return _function(f"forward({signature})", [*released_body(lines, steps, tail), *tail])
    fresh, head, tail_reads = fresh or str, list(lines[:steps[0].start]), {w for line in tail for w in words(line)}
    groups = _groups(steps, len(lines), min(part_lines, PART_SIZE))
    runs = [steps[group.start:group.stop] for group, _ in groups]
    reads = [_reads(run) for run in runs]
    outs = _handed_on(runs, reads, set(tail_reads))  # a copy: it is changed in place
    names = [fresh(f"forward_part{k}") for k in range(1, len(runs) + 1)]
    held = [fresh(f"{name}_values") if len(values) > 1 else None for name, values in zip(names, outs)]
    owner = {v: k for k, values in enumerate(outs) if held[k] for v in values}  # value -> the part whose tuple holds it
    defined = {v for step in steps for v in step.defines}
    calls, parts = [], []
    for k, (run, (_, end)) in enumerate(zip(runs, groups)):
        args, unpacked = _arguments([v for v in reads[k] if v not in shared], owner, outs, held)
        call = f"{names[k]}({', '.join(['self', *shared, *args])})"
        returned = ", ".join(outs[k]) or "None"
        body = released(lines, run, end, set(outs[k]), defined)
        parts.append(_function(call, [*unpacked, *body, f"return {returned}"]))
        calls.append((f"{held[k] or returned} = {call}" if outs[k] else call, args))
    _, unpacked = _arguments(sorted(tail_reads & owner.keys()), owner, outs, held)
    kept = tail_reads | {word for line in unpacked for word in words(line)}  # read by the tail
    tuples = {h for h in held if h}
    # the values handed on (not the forward's arguments: the caller holds them anyway), found among the calls'
    # arguments rather than as a set of every value: a 100,000-layer net's would be made and freed for a few
    releasable = {arg for _, args in calls for arg in args if (arg in defined or arg in tuples) and arg not in kept}
    forward = _function(f"forward({signature})", [*head, *_released_calls(calls, releasable), *unpacked, *tail])
    return "\n".join([forward, *parts])


def _released_calls(calls: Sequence[tuple[str, list[str]]], releasable: set[str]) -> list[str]:
    """The forward's calls of its parts (each with the arguments it hands on), each ``releasable`` value (or tuple of
    values) released after the last call that reads it."""
    last = {arg: k for k, (_, args) in enumerate(calls) for arg in args if arg in releasable}
    after: dict[int, list[str]] = {}
    for arg, k in last.items():
        after.setdefault(k, []).append(arg)
    return [line + release_suffix(" = ".join([*after[k], "None"])) if k in after else line
            for k, (line, _) in enumerate(calls)]


def _handed_on(runs: Sequence[Sequence[Step]], reads: Sequence[list[str]], read_later: set[str]) -> list[list[str]]:
    """For each run of steps, the variables it defines that a later run or the tail (``read_later``: the words the
    tail reads, a set this changes) reads, in definition order."""
    outs = []
    for run, uses in zip(reversed(runs), reversed(reads)):
        defined = [v for step in run for v in step.defines]
        outs.append([v for v in defined if v in read_later])
        read_later.difference_update(defined)  # in place: in a wide net, many values cross parts
        read_later.update(uses)
    return outs[::-1]


def _arguments(values: Sequence[str], owner: dict[str, int], outs: Sequence[Sequence[str]],
               held: Sequence[str | None]) -> tuple[list[str], list[str]]:
    """The arguments that hand ``values`` on (each by name, or the tuple of the part that holds it) and the lines
    that take the values out of those tuples (all at once, or by position when only some are read)."""
    args, wanted = [], {}
    for v in values:
        if (k := owner.get(v)) is None:
            args.append(v)
        else:
            if k not in wanted:
                wanted[k] = []
                args.append(held[k])
            wanted[k].append(v)
    unpacked = []
    for k, read in wanted.items():
        if len(read) == len(outs[k]):
            unpacked.append(f"{', '.join(outs[k])} = {held[k]}")
        else:
            position = {v: i for i, v in enumerate(outs[k])}
            unpacked.append(f"{', '.join(read)} = {', '.join(f'{held[k]}[{position[v]}]' for v in read)}")
    return args, unpacked


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


def _function(header: str, body: Sequence[str]) -> str:
    return f"def {header}:\n" + "".join(f"    {line}\n" for line in body)


def compile_source(lines: Sequence[str], filename: str, namespace: dict[str, Any]) -> None:
    """Run the code of ``lines`` (``code.splitlines(True)``; top-level ``def``s only) into ``namespace``, compiling
    each function on its own."""
    starts = [i for i, line in enumerate(lines) if line.startswith("def ")]
    for start, stop in zip(starts, [*starts[1:], len(lines)]):
        compiled = compile("".join(lines[start:stop]), filename, "exec")
        exec(_shifted(compiled, start) if start else compiled, namespace)  # generated from the validated graph only


def _shifted(code: types.CodeType, lines: int) -> types.CodeType:
    """``code`` (and the code objects in it) as if it began ``lines`` lines further down its file."""
    consts = tuple(_shifted(c, lines) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + lines, co_consts=consts)

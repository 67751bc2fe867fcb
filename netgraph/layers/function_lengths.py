"""The output shapes of a Python function on inputs of variable length: the function is run with each length
name set to probe sizes (distinct from every fixed size in the shapes), and each output dim is read off the runs.

A dim the same in every run is that fixed size; one that moves with a single length ``n`` as ``a * n + b`` (whole
``a > 0``) is the length the project names for that form (``n``, ``n_minus_1``, ``n_times_2``,
``n_times_2_plus_1``); anything else (two lengths, not affine) is a Conflict asking for ``output=``.

>>> probe_sizes([("n", 3), ("m", 5)])
{'n': (6, 7, 8), 'm': (9, 10, 11)}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

from netgraph.core.length_names import shifted_length, times_length
from netgraph.core.types import Conflict

__all__ = ["probe_sizes", "named_output_shapes", "UnnamedLength"]

Dim = Union[int, str]
Run = Callable[[list[tuple[int, ...]]], list[tuple[int, ...]]]  # concrete input shapes -> output shapes


class UnnamedLength(Conflict):
    """An output dim that no length name says (two lengths, not affine): the output shape must be given."""


def probe_sizes(shapes: list[tuple[Dim, ...]]) -> dict[str, tuple[int, int, int]]:
    """Three distinct sizes per length name (in order of appearance), none a fixed size of ``shapes`` nor another
    name's."""
    fixed = {d for s in shapes for d in s if isinstance(d, int)}
    names = list(dict.fromkeys(d for s in shapes for d in s if isinstance(d, str)))
    pool = (k for k in range(5, 10_000) if k not in fixed)
    return {name: (next(pool), next(pool), next(pool)) for name in names}


def named_output_shapes(shapes: list[tuple[Dim, ...]], run: Run, ports: tuple[str, ...]) -> list[tuple[Dim, ...]]:
    """The output shapes ``run`` gives on ``shapes`` (of the output ``ports``), each dim a fixed size or a length
    name (see the module)."""
    probes = probe_sizes(shapes)
    if not probes:
        return run(shapes)

    def at(sizes: dict[str, int]) -> list[tuple[int, ...]]:
        return run([tuple(sizes.get(d, d) for d in s) for s in shapes])

    first = {name: p[0] for name, p in probes.items()}
    base = at(first)
    moved = {name: (at({**first, name: p[1]}), at({**first, name: p[2]})) for name, p in probes.items()}
    out = []
    for i, shape in enumerate(base):
        if any(len(m[k][i]) != len(shape) for m in moved.values() for k in (0, 1)):
            raise _refused(shapes, ports[i], "its rank depends on the input lengths")
        out.append(tuple(_dim(shapes, ports[i], j, d, probes,
                              {name: (m[0][i][j], m[1][i][j]) for name, m in moved.items()})
                         for j, d in enumerate(shape)))
    return out


def _dim(shapes: list, port: str, axis: int, size: int, probes: dict[str, tuple[int, int, int]],
         moved: dict[str, tuple[int, int]]) -> Dim:
    """One output dim: ``size`` at the first probes, ``moved[name]`` with ``name`` at its second and third."""
    depends = [name for name, sizes in moved.items() if sizes != (size, size)]
    if not depends:
        return size
    if len(depends) > 1:
        raise _refused(shapes, port, f"dim {axis + 1} depends on several input lengths ({', '.join(depends)})")
    name = depends[0]
    (p0, p1, p2), (o1, o2) = probes[name], moved[name]
    a, rest = divmod(o1 - size, p1 - p0)
    if rest or a <= 0 or o2 != size + a * (p2 - p0):
        found = f"{size}, {o1}, {o2} at {name} = {p0}, {p1}, {p2}"
        raise _refused(shapes, port, f"dim {axis + 1} is no a * {name} + b with whole a > 0 ({found})")
    return shifted_length(times_length(name, a), size - a * p0)


def _refused(shapes: list, port: str, why: str) -> UnnamedLength:
    return UnnamedLength(f"the Python function's output {port!r} on inputs of shapes {shapes} has no shape netgraph "
                    f"can name: {why}; give its output shape, output=...",
                    port=port, expected="an output length a * n + b of one input length n", found=why)

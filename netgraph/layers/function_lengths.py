"""The output shapes of a Python function on inputs of variable length: the function is run with each length
name set to probe sizes (distinct from every fixed size in the shapes), and each output dim is read off the runs.

A dim the same in every run is that fixed size; one that moves with a single length ``n`` as ``a * n + b`` (whole
``a > 0``) is the length the project names for that form (``n``, ``n_minus_1``, ``n_times_2``,
``n_times_2_plus_1``), and one that moves as ``ceil((a * n + b) / k)`` (a stride ``k`` up to ``MAX_STRIDE``:
``x[:, ::2]``) is named as PartLayer names a stepped span's length (``n_over_2``, ``n_minus_1_over_2``); anything
else (two lengths, none of these forms) is a Conflict asking for ``output=``. Nine probes a length (consecutive
but for fixed sizes) tell a stride's steps from a constant or an affine dim; a stride is fitted on more.

>>> probe_sizes([("n", 3), ("m", 5)])["m"]
(15, 16, 17, 18, 19, 20, 21, 22, 23)
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count, islice
from typing import Union

from netgraph.core.length_names import shifted_length, strided_length, times_length
from netgraph.core.types import Conflict

__all__ = ["probe_sizes", "named_output_shapes", "UnnamedLength", "MAX_STRIDE"]

#: The largest stride ``k`` of an output length ``ceil((a * n + b) / k)`` that probing names
MAX_STRIDE = 8
_PROBES = MAX_STRIDE + 1  # sizes a length: a stride's steps are not all equal within k + 1 consecutive sizes
_FIT_PROBES = 8 * MAX_STRIDE  # sizes to fit a stride on: two forms agreeing on over 7 * 8 consecutive ones are one

Dim = Union[int, str]
Run = Callable[[list[tuple[int, ...]]], list[tuple[int, ...]]]  # concrete input shapes -> output shapes


class UnnamedLength(Conflict):
    """An output dim that no length name says (two lengths, neither affine nor strided): the output shape must be
    given."""


def probe_sizes(shapes: list[tuple[Dim, ...]], per_name: int = _PROBES) -> dict[str, tuple[int, ...]]:
    """``per_name`` distinct sizes per length name (in order of appearance), none a fixed size of ``shapes`` nor
    another name's."""
    fixed = {d for s in shapes for d in s if isinstance(d, int)}
    names = list(dict.fromkeys(d for s in shapes for d in s if isinstance(d, str)))
    pool = (k for k in range(5, 10_000) if k not in fixed)
    return {name: tuple(next(pool) for _ in range(per_name)) for name in names}


def named_output_shapes(shapes: list[tuple[Dim, ...]], run: Run, ports: tuple[str, ...]) -> list[tuple[Dim, ...]]:
    """The output shapes ``run`` gives on ``shapes`` (of the output ``ports``), each dim a fixed size or a length
    name (see the module)."""
    probes = probe_sizes(shapes)
    if not probes:
        return run(shapes)
    first = {name: p[0] for name, p in probes.items()}
    probes = {name: (*p, *_far(p[0], shapes, first)) for name, p in probes.items()}  # (a stride past MAX_STRIDE
    # is constant over the consecutive probes: far ones show it moves)

    def at(name: str, sizes: tuple[int, ...]) -> list[list[tuple[int, ...]]]:
        return [run([tuple({**first, name: k}.get(d, d) for d in s) for s in shapes]) for k in sizes]

    base = run([tuple(first.get(d, d) for d in s) for s in shapes])
    moved = {name: [base, *at(name, p[1:])] for name, p in probes.items()}
    wide = {}  # name -> (sizes, runs) to fit a stride on, made when a dim needs them

    def fitting(name: str) -> tuple[tuple[int, ...], list]:
        if name not in wide:
            taken = {d for s in shapes for d in s if isinstance(d, int)} | set(first.values()) - {first[name]}
            sizes = tuple(islice((k for k in count(first[name]) if k not in taken), _FIT_PROBES))
            wide[name] = (sizes, at(name, sizes))
        return wide[name]

    out = []
    for i, shape in enumerate(base):
        if any(len(r[i]) != len(shape) for runs in moved.values() for r in runs):
            raise _refused(shapes, ports[i], "its rank depends on the input lengths")
        out.append(tuple(_dim(shapes, ports[i], (i, j), probes, moved, fitting) for j in range(len(shape))))
    return out


def _dim(shapes: list, port: str, at: tuple[int, int], probes: dict[str, tuple[int, ...]],
         moved: dict[str, list], fitting: Callable) -> Dim:
    """Output ``at[0]``'s dim ``at[1]``: its size in ``moved[name]``'s runs (``name`` at each of its probes), fitted
    on ``fitting(name)``'s sizes when it is no ``a * n + b``."""
    i, j = at
    size = moved[next(iter(moved))][0][i][j]
    depends = [name for name, runs in moved.items() if any(r[i][j] != size for r in runs)]
    if not depends:
        return size
    if len(depends) > 1:
        raise _refused(shapes, port, f"dim {j + 1} depends on several input lengths ({', '.join(depends)})")
    name = depends[0]
    sizes, found = probes[name], [r[i][j] for r in moved[name]]
    a, rest = divmod(found[1] - found[0], sizes[1] - sizes[0])
    if not rest and a > 0 and all(o == found[0] + a * (p - sizes[0]) for p, o in zip(sizes, found)):
        return shifted_length(times_length(name, a), found[0] - a * sizes[0])
    sizes, runs = fitting(name)
    found = [r[i][j] for r in runs]
    if (form := _stride_form(sizes, found)) is None:
        shown = f"{found[:4]}... at {name} = {list(sizes[:4])}..."
        raise _refused(shapes, port, f"dim {j + 1} is no ceil((a * {name} + b) / k) with whole a > 0 and k from 1 "
                                     f"to {MAX_STRIDE} ({shown})")
    a, b, k = form
    if any(-(-(a * p + b) // k) != o for p, o in zip(probes[name], (r[i][j] for r in moved[name]))):
        raise _refused(shapes, port, f"dim {j + 1} is no ceil((a * {name} + b) / k) at every size tried")
    return strided_length(shifted_length(times_length(name, a), b), k)


def _stride_form(sizes: tuple[int, ...], found: list[int]) -> tuple[int, int, int] | None:
    """``(a, b, k)``, the smallest stride ``k`` (then the smallest ``a``, ``b``) with ``found`` the sizes
    ``ceil((a * p + b) / k)`` at ``sizes`` ``p``, or None."""
    slope = (found[-1] - found[0]) / (sizes[-1] - sizes[0])
    for k in range(2, MAX_STRIDE + 1):
        for a in range(max(1, round(slope * k) - 1), round(slope * k) + 2):
            for b in range(k * (found[0] - 1) - a * sizes[0] + 1, k * found[0] - a * sizes[0] + 1):
                if all(-(-(a * p + b) // k) == o for p, o in zip(sizes, found)):
                    return a, b, k
    return None


def _far(start: int, shapes: list, first: dict[str, int]) -> tuple[int, int]:
    """Two probe sizes far beyond ``start``, a length's first probe (none a fixed size or another length's probe)."""
    taken = {d for s in shapes for d in s if isinstance(d, int)} | set(first.values())
    far = (next(k for k in count(start + gap) if k not in taken) for gap in (101, 1009))
    return tuple(far)  # type: ignore[return-value]


def _refused(shapes: list, port: str, why: str) -> UnnamedLength:
    return UnnamedLength(f"the Python function's output {port!r} on inputs of shapes {shapes} has no shape netgraph "
                    f"can name: {why}; give its output shape, output=...",
                         port=port, expected="an output length a * n + b or ceil((a * n + b) / k) of one length n",
                         found=why)

"""The output shapes of a Python function on inputs of variable length: the function is run with its lengths set
to probe sizes (distinct from every fixed size in the shapes, but for a run that refuses some sizes), and each output
dim is read off the runs.

Lengths derived from one length (``n``, ``n_times_2``, ``n_over_2``: see ``netgraph.core.length_names``) are
probed together, each at its size for one size of their longest common base (``probed_lengths``), so that
``a + b`` of two ``"n"`` inputs or ``torch.cat`` of an ``"n"`` and an ``"n_times_2"`` runs as it will; lengths
named apart are probed at different sizes, as they may differ.

A dim the same in every run is that fixed size; one that moves with a single length ``n`` as ``a * n + b`` (whole
``a > 0``) is the length the project names for that form (``n``, ``n_minus_1``, ``n_times_2``,
``n_times_2_plus_1``), or the same form of a length derived from ``n`` that is an input's (``n_over_2_minus_1``),
and one that moves as ``ceil((a * n + b) / k)`` (a stride ``k`` up to ``MAX_STRIDE``: ``x[:, ::2]``) is named as
PartLayer names a stepped span's length (``n_over_2``, ``n_minus_1_over_2``); anything else (two lengths, none of
these forms) is a Conflict asking for ``output=``. The forms are fitted in ``netgraph.layers.length_forms``.

Probes per length: nine consecutive sizes (but for fixed sizes) and two far ones (101 and 10007 on) tell a
constant or affine dim from a stride's steps; a stride is fitted on ``MAX_STRIDE`` consecutive sizes (one period
of any stride up to it, which tells ``b``) and the far ones (two slopes ``a / k`` with ``k`` up to 64 differ by at
least 1 / (64 * 63): over 2 across 10007 sizes, so two forms' ceilings cannot agree at both ends). So the function
runs at most ``1 + PROBE_CALLS`` times per length (``calls_bound``).

The first three near sizes and the first far one (``G >= 101`` on) are run first; where every dim there is fixed
or ``c * p + d`` (whole ``c > 0``) of the size ``p``, nothing else is (a recurrent module runs a step per position:
the far one at 10007 on cost seconds). No other form fits such readings: a ceiling ``o = ceil((a * p + b) / k)``
has ``(a * p + b) / k`` in ``(o - 1, o]``, so between two sizes ``G`` apart ``a * G / k`` is within 1 of
``c * G``, ``|a / k - c| < 1 / G <= 1 / 101``; ``a / k - c = (a - c * k) / k`` is 0 or at least ``1 / k >= 1 /
MAX_STRIDE = 1 / 64`` in size, so ``a = c * k`` and the form is ``c * p + ceil(b / k)``, the line itself (for a
fixed dim ``c = 0``, and no form has ``a = 0``). The argument holds per length (the others at their first sizes;
a dim of two lengths is refused as before), and on zeros (``max_stride`` 8, gaps 101 and 1009); a run that refuses
some sizes (``max_stride=1``) has one far one. It holds for a form of the probed size ``p``, not of a length derived
from it (``2 * ceil(p / 2)`` is a line over sizes of one parity): so the shortcut is taken only where the first
three near sizes are consecutive, over which ``c * ceil(p / j)`` (``j >= 2``) is no line. Only a function outside
these forms (``min(n, 1000)``) may read as a line there and as none at 10007 on; its named length is checked
against the inputs' sizes at each call (``given_outputs``).
Run on tensors that hold memory, probing may stop at a smaller stride (``max_stride=ZEROS_MAX_STRIDE``: the far
sizes stay within 1009 of the first, as a function of ``n * n`` elements would need gigabytes at 10007).

>>> probe_sizes([("n", 3), ("m", 5)])["m"]
(15, 16, 17, 18, 19, 20, 21, 22, 23)
>>> calls_bound([("n", 3), ("n_times_2", 3), ("m",)])
149
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from itertools import count, islice
from typing import Union

from netgraph.core.length_names import length_bases, length_steps, lengths_along, shifted_length, strided_length
from netgraph.core.length_names import names_by_shortest_base, times_length
from netgraph.core.naming_scope import quoted
from netgraph.core.conflicts import Conflict
from netgraph.layers.length_forms import affine_form, size_step, stepped_form, stride_form

__all__ = ["probe_sizes", "first_probe_shapes", "named_output_shapes", "retried_output_shapes", "run_once",
           "probed_lengths", "calls_bound", "UnnamedLength", "MAX_STRIDE", "PROBE_CALLS", "ZEROS_MAX_STRIDE"]

#: The largest stride ``k`` of an output length ``ceil((a * n + b) / k)`` that probing names
MAX_STRIDE = 64
#: The largest stride probing names on tensors that hold memory (zeros, for a function that needs data)
ZEROS_MAX_STRIDE = 8
_PROBES = 9  # consecutive sizes a length: with the far ones, a stride's steps are told from an affine dim
_FEW = 3  # of those, the ones probed first: with the far ones, enough where every dim is fixed or affine
_FAR_GAPS = (101, 10_007)  # from a length's first size: past MAX_STRIDE, past 2 * MAX_STRIDE * (MAX_STRIDE - 1)
_NEAR_GAPS = (101, 1009)  # the same for ZEROS_MAX_STRIDE (past 8, past 2 * 8 * 7; see the module)
_FIT_PROBES = MAX_STRIDE  # consecutive sizes to fit a stride on: a period of every k up to MAX_STRIDE
#: Runs of the function per length group, beyond the one run at every length's first size
PROBE_CALLS = _PROBES - 1 + len(_FAR_GAPS) + _FIT_PROBES
LONGER_STARTS = (14, 32, 64, 128, 256, 512, 1024)  # least lengths probed where a run refused a short one
_LEAST = 2  # the least size a derived length is probed at (1 broadcasts against anything)

Dim = Union[int, str]
Run = Callable[[list[tuple[int, ...]]], list[tuple[int, ...]]]  # concrete input shapes -> output shapes
Steps = tuple[tuple[str, int], ...]


class UnnamedLength(Conflict):
    """An output dim that no length name says (two lengths, neither affine nor strided): the output shape must be
    given."""


def probed_lengths(names: Iterable[str]) -> dict[str, tuple[str, Steps]]:
    """Each length name -> (the length probed for it, its steps from that one): names derived from one length are
    probed through their longest common base, a name alone through itself.

    >>> probed_lengths(["n", "n_times_2", "m_over_2"])
    {'n': ('n', ()), 'n_times_2': ('n', (('times', 2),)), 'm_over_2': ('m_over_2', ())}
    """
    groups: dict[str, tuple[str, Steps]] = {}
    for members in names_by_shortest_base(names).values():
        driver = max(set.intersection(*(length_bases(m) for m in members)), key=len)
        for m in members:
            groups[m] = (driver, length_steps(m, {driver})[1] if m != driver else ())  # type: ignore[index]
    return groups


def calls_bound(shapes: list[tuple[Dim, ...]]) -> int:
    """The most runs of the function that probing ``shapes`` takes (each on meta tensors, which hold no data)."""
    return 1 + PROBE_CALLS * len(set(d for d, _ in probed_lengths(_names(shapes)).values()))


def probe_sizes(shapes: list[tuple[Dim, ...]], per_name: int = _PROBES, fixed_apart: bool = True, start: int = 5,
                groups: dict[str, tuple[str, Steps]] | None = None) -> dict[str, tuple[int, ...]]:
    """``per_name`` distinct sizes per probed length (``probed_lengths``, in order of appearance; ``groups`` where the
    caller has them) from ``start`` on, none another's nor (``fixed_apart``) a fixed size of ``shapes``, and each
    leaving every length derived from it at least 2."""
    if groups is None:
        groups = probed_lengths(_names(shapes))
    fixed = _fixed(shapes) if fixed_apart else set()
    pool = (k for k in count(start) if k not in fixed)
    sizes = {}
    for driver in dict.fromkeys(d for d, _ in groups.values()):
        steps = [s for d, s in groups.values() if d == driver]
        sizes[driver] = tuple(islice((k for k in pool if min(_size(k, s) for s in steps) >= _LEAST), per_name))
    return sizes


def first_probe_shapes(shapes: list[tuple[Dim, ...]], start: int = 5, nth: int = 0) -> list[tuple[int, ...]]:
    """``shapes`` with each length at its first (``nth``: 0 on) probe size from ``start`` on (``probe_sizes``), a
    derived one at its size from it.

    >>> first_probe_shapes([("n", 3), ("n_over_2",), ("m",)])
    [(5, 3), (3,), (6,)]
    """
    groups = probed_lengths(_names(shapes))
    sizes = probe_sizes(shapes, per_name=nth + 1, start=start, groups=groups)
    return _concrete(shapes, groups, {driver: ks[nth] for driver, ks in sizes.items()})


def named_output_shapes(shapes: list[tuple[Dim, ...]], run: Run, ports: tuple[str, ...],
                        max_stride: int = MAX_STRIDE, start: int = 5) -> list[tuple[Dim, ...]]:
    """The output shapes ``run`` gives on ``shapes`` (of the output ``ports``), each dim a fixed size or a length
    name (see the module); strides up to ``max_stride`` (``MAX_STRIDE`` or ``ZEROS_MAX_STRIDE``) are named. With
    ``max_stride=1`` the lengths take their small sizes alone (for a run that refuses some lengths, as a module
    with a table of positions does): the sizes the run refuses are passed over (two must be left, else the first
    refusal is raised), a fixed size of ``shapes`` is one of them (the run may take no other), one far size is tried
    too (a dim the same at every short size taken may move past them: ``MaxPool1d(8)``; in step with the sizes taken,
    an even one where it took even ones alone), and only the forms ``a * n + b`` are named, and where the sizes taken
    all step by ``k`` a line of ``n / k`` (``n_over_2`` for ``x.view(b, n // 2, 2).mean(-1)``: ``length_forms``).
    Lengths are probed from ``start`` on (a module may refuse short ones)."""
    groups = probed_lengths(_names(shapes))
    probes = probe_sizes(shapes, fixed_apart=max_stride > 1, start=start, groups=groups)
    if not probes:
        return run(shapes)
    first, base, refusals = _first_taken(run, shapes, groups, probes, tries=1 if max_stride > 1 else _PROBES)
    taken = _fixed(shapes) | set(first.values())
    gaps = _FAR_GAPS if max_stride > ZEROS_MAX_STRIDE else _NEAR_GAPS if max_stride > 1 else _FAR_GAPS[:1]
    far = {name: _spread(p[0], gaps, taken) for name, p in probes.items()} if max_stride > 1 else {}  # (_staged's)

    def at(name: str, sizes: tuple[int, ...]) -> list[list[tuple[int, ...]]]:
        return [_probed(run, shapes, groups, {**first, name: k}) for k in sizes]

    moved = {}
    for name, near in probes.items():
        probes[name], moved[name] = (
            _accepted(near, lambda step, p=near[0]: _spread(p, gaps, taken, step)[0], base,
                      lambda k, n=name: at(n, (k,))[0], refusals)
            if max_stride == 1 else _staged(near, far[name], base, lambda s, n=name: at(n, s)))
    wide: dict[str, tuple] = {}  # name -> (sizes, runs) to fit a stride on, made when a dim needs them

    def fitting(name: str) -> tuple[tuple[int, ...], list]:
        if name not in wide and max_stride == 1:  # no stride to fit: the small sizes' runs
            wide[name] = (probes[name], moved[name])
        if name not in wide:  # the near sizes among them were run already
            sizes = _spread(first[name], range(_FIT_PROBES), taken - {first[name]})
            known = dict(zip(probes[name], moved[name]))
            known.update(zip(missing := tuple(k for k in sizes if k not in known), at(name, missing)))
            wide[name] = ((*sizes, *far[name]), [*(known[k] for k in sizes), *moved[name][-len(gaps):]])
        return wide[name]

    out = []
    for i, shape in enumerate(base):
        if any(len(r[i]) != len(shape) for runs in moved.values() for r in runs):
            raise _refused(shapes, ports[i], "its rank depends on the input lengths")
        probed = (probes, moved, fitting, max_stride)
        out.append(tuple(_dim(shapes, ports[i], (i, j), probed, groups) for j in range(len(shape))))
    return out


def retried_output_shapes(shapes: list[tuple[Dim, ...]], run: Run, ports: tuple[str, ...],
                          max_stride: int = MAX_STRIDE, tie: bool = True
                          ) -> list[tuple[Dim, ...]] | UnnamedLength | None:
    """``named_output_shapes`` again where ``run`` refused the first probe sizes: with strides from the first of
    ``LONGER_STARTS`` it takes (a kernel or pooling longer than 5), else at the small sizes it takes with one far one
    (a table of positions: ``_small_sizes``, lengths named apart ``tie``d there); the first UnnamedLength where no
    length name fits, None where it takes neither. Wrap ``run`` in ``run_once``: the small sizes are the first's."""
    for start in LONGER_STARTS:
        try:
            return named_output_shapes(shapes, run, ports, max_stride=max_stride, start=start)
        except UnnamedLength as exc:
            return exc
        except Conflict:
            continue
    return _small_sizes(shapes, run, ports, tie)


def _small_sizes(shapes: list[tuple[Dim, ...]], run: Run, ports: tuple[str, ...],
                 tie: bool) -> list | UnnamedLength | None:
    """The output shapes from the small sizes ``run`` accepts, each length apart, else (``tie``) with the lengths named
    apart at one size, named after the first (``x + y`` of an ``n`` and an ``m``); else the first UnnamedLength,
    else None."""
    groups = probed_lengths(_names(shapes))
    drivers = list(dict.fromkeys(driver for driver, _ in groups.values()))
    tries = [shapes]
    if tie and len(drivers) > 1:  # lengths named apart tied to the first, each derived one to the first's alike
        tied = {name: drivers[0] + name[len(driver):] for name, (driver, _) in groups.items()}
        tries.append([tuple(tied[d] if isinstance(d, str) else d for d in s) for s in shapes])
    unnamed = None
    for tried in tries:
        try:
            return named_output_shapes(tried, run, ports, max_stride=1)
        except UnnamedLength as exc:
            unnamed = unnamed or exc
        except Conflict:
            continue
    return unnamed


def run_once(run: Run) -> Run:
    """``run`` remembering what it gave or raised for each input shapes: no shapes are run twice (``.done``: each
    input shapes run, what it gave or raised)."""
    done: dict[tuple, list | Conflict] = {}

    def once(shapes: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
        key = tuple(shapes)
        if key not in done:
            try:
                done[key] = run(shapes)
            except Conflict as exc:
                done[key] = exc
        if isinstance(done[key], Conflict):
            raise copy.copy(done[key])
        return done[key]
    once.done = done
    return once


def _first_taken(run: Run, shapes: list, groups: dict, probes: dict[str, tuple[int, ...]],
                 tries: int) -> tuple[dict[str, int], list, list[Conflict]]:
    """(each probed length's first size, the run there, the refusals before): the first of the first ``tries``
    sizes of ``probes`` the run takes, put first in ``probes``, less the sizes refused beside the others' first ones
    (not tried again); else the first refusal is raised."""
    refusals, refused = [], []
    for i in range(tries):
        first = {name: p[i] for name, p in probes.items()}
        try:
            base = _probed(run, shapes, groups, first)
        except Conflict as exc:
            refusals.append(exc)
            refused.append(first)
            continue
        probes.update({name: (k, *(s for s in probes[name] if s != k and {**first, name: s} not in refused))
                       for name, k in first.items()})
        return first, base, refusals
    raise refusals[0]


def _staged(near: tuple[int, ...], far: tuple[int, ...], base: list, at: Callable[[tuple[int, ...]], list]) -> tuple:
    """(sizes, runs) of one length: its first ``_FEW`` near sizes and the first far one, and only when those near
    sizes are not consecutive or some output dim there is neither fixed nor ``a * n + b`` the other far ones and the
    rest of the near sizes too (a stride's steps show among them; see the module for why the first far one suffices
    otherwise)."""
    sizes = (*near[:_FEW], far[0])
    runs = [base, *at(sizes[1:])]
    if max(near[:_FEW]) - min(near[:_FEW]) == _FEW - 1 and _all_fixed_or_affine(sizes, runs):  # consecutive: see top
        return sizes, runs
    return (*near, *far), [*runs[:_FEW], *at(near[_FEW:]), runs[-1], *at(far[1:])]


def _all_fixed_or_affine(sizes: tuple[int, ...], runs: list[list[tuple[int, ...]]]) -> bool:
    """Whether every output dim of ``runs`` (at ``sizes``) is one fixed size or ``a * p + b`` of the size ``p``."""
    if any(len(r) != len(runs[0]) or any(len(o) != len(s) for o, s in zip(r, runs[0])) for r in runs):
        return False
    dims = [[r[i][j] for r in runs] for i, shape in enumerate(runs[0]) for j in range(len(shape))]
    return all(len(set(d)) == 1 or affine_form(sizes, d) is not None for d in dims)


def _accepted(near: tuple[int, ...], far: Callable[[int], int], base: list, at: Callable[[int], list],
              before: list[Conflict]) -> tuple[tuple[int, ...], list]:
    """(sizes, runs) of one length at the sizes of ``near`` the run accepts (its first, ``base``'s) and at the far
    size ``far(step)`` in step with those (a run taking only even lengths is tried at an even one), at least two in
    all, else the first refusal (``before``'s, the first size's search's, first) is raised."""
    sizes, runs, refusals = [near[0]], [base], list(before)
    for k in (*near[1:], None):
        k = far(size_step(sizes) or 1) if k is None else k
        try:
            runs.append(at(k))
            sizes.append(k)
        except Conflict as exc:
            refusals.append(exc)
    if len(sizes) < 2:
        raise refusals[0]
    return tuple(sizes), runs


def _dim(shapes: list, port: str, at: tuple[int, int], probed: tuple[dict, dict, Callable], groups: dict) -> Dim:
    """Output ``at[0]``'s dim ``at[1]``, from ``probed``: the sizes of each probed length, the runs at them and the
    sizes and runs to fit a stride on (see the module)."""
    probes, moved, fitting, max_stride = probed
    i, j = at
    size = moved[next(iter(moved))][0][i][j]
    depends = [name for name, runs in moved.items() if any(r[i][j] != size for r in runs)]
    if not depends:
        return size
    if len(depends) > 1:
        raise _refused(shapes, port, f"dim {j + 1} depends on several input lengths ({', '.join(depends)})")
    name = depends[0]
    if (line := affine_form(probes[name], [r[i][j] for r in moved[name]])) is not None:
        return shifted_length(times_length(name, line[0]), line[1])
    sizes, runs = fitting(name)
    found = [r[i][j] for r in runs]
    for member, (driver, steps) in groups.items():
        if driver == name and steps and (line := affine_form([_size(k, steps) for k in sizes], found)) is not None:
            return shifted_length(times_length(member, line[0]), line[1])
    if (form := stepped_form(sizes, found) or stride_form(sizes, found, max_stride)) is None:
        shown = f"{found[:4]}... at {name} = {list(sizes[:4])}..."
        if max_stride == 1:  # the run refused some lengths: no stride could be fitted
            raise _refused(shapes, port, f"dim {j + 1} is no a * {name} + b with whole a > 0 ({shown}); only the "
                                         f"forms a * n + b, and a * n / k + c where it took only every k-th length, "
                                         f"were tried, as the run refused some lengths")
        raise _refused(shapes, port, f"dim {j + 1} is no ceil((a * {name} + b) / k) with whole a > 0 and k from 1 "
                                     f"to {max_stride} ({shown}; a longer stride, x[:, ::100], is named by "
                                     f"declaring it: \"{name}_over_100\")")
    a, b, k = form
    if any(-(-(a * p + b) // k) != o for p, o in zip(probes[name], (r[i][j] for r in moved[name]))):
        raise _refused(shapes, port, f"dim {j + 1} is no ceil((a * {name} + b) / k) at every size tried")
    return strided_length(shifted_length(times_length(name, a), b), k)


def _probed(run: Run, shapes: list, groups: dict, sizes: dict[str, int]) -> list[tuple[int, ...]]:
    """``run`` on ``shapes`` with each probed length at its size in ``sizes`` (and the lengths derived from it at
    theirs); a failure says the lengths, and where lengths named apart were probed apart, why."""
    try:
        return run(_concrete(shapes, groups, sizes))
    except Conflict as exc:
        lengths = ", ".join(f"{name} = {_size(sizes[d], steps)}" for name, (d, steps) in groups.items())
        apart = list(dict.fromkeys(next(m for m, (d, _) in groups.items() if d == driver) for driver in sizes))
        why = (f"; lengths named apart ({', '.join(apart)}) are probed at different sizes, as they may differ: name "
               f"them alike if they are one length" if len(apart) > 1 else "")
        raise exc.reworded(f"{exc} (probing the output shape at {lengths}{why})") from None


def _concrete(shapes: list, groups: dict, sizes: dict[str, int]) -> list[tuple[int, ...]]:
    """``shapes`` with each probed length at its size in ``sizes`` (the lengths derived from it at theirs)."""
    return [tuple(d if isinstance(d, int) else _size(sizes[groups[d][0]], groups[d][1]) for d in s) for s in shapes]


def _size(k: int, steps: Steps) -> int:
    """The size of a length ``steps`` from one at size ``k``."""
    return lengths_along(k, steps)[-1] if steps else k


def _spread(start: int, gaps: Iterable[int], taken: set[int], step: int = 1) -> tuple[int, ...]:
    """For each gap, the first size from ``start + gap`` on, ``start`` plus a multiple of ``step``, that is not
    ``taken`` nor already chosen."""
    chosen: list[int] = []
    for gap in gaps:
        sizes = count(start + gap + (-gap) % step, step)
        chosen.append(next(k for k in sizes if k not in taken and k not in chosen))
    return tuple(chosen)


def _fixed(shapes: list) -> set[int]:
    return {d for s in shapes for d in s if isinstance(d, int)}


def _names(shapes: list) -> list[str]:
    return list(dict.fromkeys(d for s in shapes for d in s if isinstance(d, str)))


def _refused(shapes: list, port: str, why: str) -> UnnamedLength:
    return UnnamedLength(f"the Python function's output {quoted(port)} on inputs of shapes {shapes} has no shape "
                         f"netgraph can name: {why}; give its output shape, output=...",
                         port=port, expected="an output length a * n + b or ceil((a * n + b) / k) of one length n",
                         found=why)

"""What the probe runs of user code say past the fit: each input's largest sizes run (``widest``: the call-time check
of an output length says them), and a run that a length named off some sizes does not fit (``contradicting``: a
module probed at 1024 where ``min(n // 2, 60)`` read as ``n_over_2`` at the small sizes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Union

from netgraph.core.length_names import length_steps, lengths_along
from netgraph.core.types import format_shape

__all__ = ["widest", "contradicting", "contradicting_run", "contradicted_words"]

Dim = Union[int, str]


def widest(largest: tuple, shapes: list[tuple[int, ...]]) -> tuple[tuple[int, ...], ...]:
    """Each input's largest sizes over the runs: ``largest`` (so far; () before any) with ``shapes``'s. A length
    named off the runs holds up to them (``min(n, 512)`` reads as ``n`` below 512).

    >>> widest(widest((), [(3, 5)]), [(3, 106)])
    ((3, 106),)
    """
    return tuple(shapes) if not largest else tuple(tuple(map(max, a, b)) for a, b in zip(largest, shapes))


def contradicting(shapes: list[tuple[Dim, ...]], found: list[tuple[Dim, ...]],
                  runs: Iterable[tuple[list[tuple[int, ...]], list[tuple[int, ...]]]]) -> tuple | None:
    """The first of ``runs`` (input sizes, output sizes) where a length ``found`` names (an input's of ``shapes``, or
    derived from one) is not the size that name says of its inputs' (a fit of some sizes, another run past them:
    ``min(n // 2, 60)`` at 1024); None where every run agrees.

    >>> contradicting([("n",)], [("n_over_2",)], [([(6,)], [(3,)]), ([(1024,)], [(60,)])])
    ([(1024,)], [(60,)])
    """
    places: dict[str, tuple[int, int]] = {}
    for k, shape in enumerate(shapes):
        places.update({d: (k, a) for a, d in enumerate(shape) if isinstance(d, str) and d not in places})
    for ins, outs in runs:
        if any(size not in (None, got) for shape, out in zip(found, outs)
               for size, got in zip([_named_size(d, places, ins) for d in shape], out)):
            return ins, outs
    return None


def contradicting_run(shapes: list[tuple[Dim, ...]], found: list[tuple[Dim, ...]], run: Callable) -> tuple | None:
    """``contradicting`` over every run ``run`` (a ``run_once``) took: the probe of a module's or a Python
    function's output shapes, by ``named_output_shapes`` or a retry, checked in one place."""
    return contradicting(shapes, found, [(list(ins), outs) for ins, outs in run.done.items()
                                         if not isinstance(outs, BaseException)])


def contradicted_words(subject: str, shown_in: str, found: list[tuple], shown_run: str, outs: list[tuple],
                       hint: str) -> str:
    """Why output shapes read off some sizes (``found``, on inputs ``shown_in``) are not named: a run on ``shown_run``
    returned ``outs``; ``subject`` is "the module's" or "the Python function's", ``hint`` what to do."""
    return (f"{subject} outputs on inputs {shown_in} read as {', '.join(map(format_shape, found))} at some sizes, but "
            f"on {shown_run} it returned {', '.join(map(format_shape, outs))}: no length name says them at every size "
            f"it took{hint}")


def _named_size(d: Dim, places: dict[str, tuple[int, int]], ins: list[tuple[int, ...]]) -> int | None:
    """The size length ``d`` says of inputs of sizes ``ins`` (``places``: each input length's input and axis); None
    for a fixed size or a length no input gives."""
    named = (d, ()) if d in places else length_steps(d, set(places)) if isinstance(d, str) else None
    if named is None:
        return None
    k, a = places[named[0]]
    return lengths_along(ins[k][a], named[1])[-1] if named[1] else ins[k][a]

"""ReshapeLayer's dims: sizes, one inferred (-1, Wolfram's ``Automatic``), and Wolfram's ``Inherited`` (the input's
size at that position, a variable length too), resolved against the input's shape both ways.

An Inherited position keeps its dim in place: the elements of the other dims are what moves, so their products
must agree, and a variable length may stand only where it is inherited (the reshape of each element of a sequence).

>>> normal_dims(["Inherited", 2, "Automatic"])
('Inherited', 2, -1)
>>> output_dims(("Inherited", 2, -1), ("n", 6))
('n', 2, 3)
"""

from __future__ import annotations

import math
from typing import Any

import torch

from netgraph.core.errors import nearest_name
from netgraph.core.conflicts import Conflict
from netgraph.core.types import format_shape
from netgraph.core.wording import counted
from netgraph.layers._shapes import fixed_product, is_int, solved_dims

__all__ = ["INHERITED", "fixed_sizes", "normal_dims", "bad_dim", "dims_hint", "output_dims", "input_dims", "run_dims",
           "reshape", "flatten_code"]

INHERITED = "Inherited"


def normal_dims(dims: Any) -> tuple | None:
    """``dims`` with Automatic as -1 (None when they are no valid dims: positive sizes, Inherited, at most one -1)."""
    dims = [-1 if d == "Automatic" else d for d in (dims if isinstance(dims, (list, tuple)) else [dims])]
    if bad_dim(dims) is not None:
        return None
    return tuple(d if d == INHERITED else int(d) for d in dims)


def bad_dim(dims: Any) -> int | None:
    """The 0-based index of the first item of ``dims`` that is no dim (a positive size, Inherited, -1 or Automatic),
    else of a second -1 (only one is inferred); None when there is none or ``dims`` is no list.

    >>> bad_dim([-1, 0]), bad_dim([-1, 2, "Automatic"]), bad_dim([2, -1])
    (1, 2, None)
    """
    if not isinstance(dims, (list, tuple)):
        return None
    odd = [i for i, d in enumerate(dims) if not (d in (INHERITED, "Automatic") or is_int(d) and (d >= 1 or d == -1))]
    if odd:
        return odd[0]
    inferred = [i for i, d in enumerate(dims) if d == -1 or d == "Automatic"]  # every item a dim: no tensor compared
    return inferred[1] if len(inferred) > 1 else None


def dims_hint(dims: Any) -> str:
    """What refused ``dims`` meant, where it holds PartLayer's ``"All"`` (a level kept: ``"Inherited"`` here) or
    Wolfram's words in another case.

    >>> dims_hint(["All", 6])
    "; PartLayer's 'All' (a level kept) is 'Inherited' here: did you mean ['Inherited', 6]?"
    >>> dims_hint("All")
    "; PartLayer's 'All' (a level kept) is 'Inherited' here; ReshapeLayer([-1]) flattens each example"
    """
    given = list(dims) if isinstance(dims, (list, tuple)) else [dims]
    words = {"all": INHERITED, "inherited": INHERITED, "automatic": "Automatic"}
    fixed = [words.get(d.lower()) or nearest_name(d, (INHERITED, "Automatic")) or d if isinstance(d, str) else d
             for d in given]  # 'Inheritd', 'Automatc': misspelt
    if fixed == given or normal_dims(fixed) is None:
        return ""
    part = "; PartLayer's 'All' (a level kept) is 'Inherited' here" if "All" in given else ""
    if given == ["All"]:
        return f"{part}; ReshapeLayer([-1]) flattens each example"
    return f"{part or ';'}{':' if part else ''} did you mean {fixed!r}?"


def _inherited(dims: tuple) -> list[int]:
    return [i for i, d in enumerate(dims) if d == INHERITED]


def output_dims(dims: tuple, shape: tuple | None) -> tuple:
    """The output shape for an input of ``shape`` (None: unknown; the inherited and inferred sizes then unknown)."""
    kept = _inherited(dims)
    if shape is None:
        return tuple(None if d in (-1, INHERITED) else d for d in dims)
    if kept and kept[-1] >= len(shape):
        raise Conflict(f"Inherited at position {kept[-1] + 1} copies the input's size there, but port 'Input' "
                       f"{format_shape(shape)} has rank {len(shape)}", port="Input",
                       expected=f"rank >= {kept[-1] + 1}", found=len(shape))
    moving = [d for i, d in enumerate(shape) if i not in kept]
    if any(isinstance(d, str) for d in moving):
        raise Conflict(f"cannot reshape a variable-length dimension: {format_shape(shape)} (one stays in place given "
                       f"Inherited at its position, as ReshapeLayer(['Inherited', ...]) reshapes each element of a "
                       f"sequence)", port="Input", expected="a fixed size",
                       found=next(d for d in moving if isinstance(d, str)))
    total = None if None in moving else math.prod(moving)
    free = tuple(None if d == -1 else d for d in dims if d != INHERITED)
    if total is not None and None not in free and math.prod(free) != total:
        held = f" ({counted(math.prod(free), 'element')})" if len(free) != 1 else ""  # (5) says its count itself
        raise Conflict(f"cannot reshape {counted(total, 'element')} to {format_shape(free)}{held}"
                       f"{_kept_note(dims, shape, kept, total)}", expected=total, found=math.prod(free))
    solved = iter(solved_dims(free, total))
    return tuple(shape[i] if d == INHERITED else next(solved) for i, d in enumerate(dims))


def _kept_note(dims: tuple, shape: tuple, kept: list[int], total: int) -> str:
    """Why the elements counted are those of the input's other dims, where ``dims`` inherit some, and dims that fit.

    >>> _kept_note(("Inherited",), (2, 3), [0], 3)
    ": dims ['Inherited'] keep the input's size 2 at position 1 (Inherited: the input's size there), so the other \
dims must hold the 3 elements of the input's other dim; did you mean ['Inherited', -1] (output (2, 3))?"
    >>> _kept_note(("Inherited", 5), (2, 3, 4), [0], 12)[-76:]
    "so the other dims must hold the 12 elements of the input's other dims (3, 4)"
    """
    if not kept:
        return ""
    sizes = ", ".join(f"{shape[i]} at position {i + 1}" for i in kept)
    note = (f": dims {list(dims)!r} keep the input's size {sizes} (Inherited: the input's size there), so the other "
            f"dims must hold {_others_words(tuple(d for i, d in enumerate(shape) if i not in kept), total)}")
    fixed = math.prod(d for d in dims if d != INHERITED)
    if -1 in dims or total % fixed:
        return note
    better = (*dims, -1)
    return f"{note}; did you mean {list(better)!r} (output {format_shape(output_dims(better, shape))})?"


def _others_words(others: tuple, total: int) -> str:
    """The ``total`` elements of the input's dims ``others`` (those not inherited), each count said once."""
    if not others:
        return "1 element (the input has no other dims)"
    if len(others) == 1:
        return f"the {counted(total, 'element')} of the input's other dim"
    return f"the {total} elements of the input's other dims {format_shape(others)}"


def input_dims(dims: tuple, out: tuple | None, shape: tuple | None) -> tuple | None:
    """The input shape ``shape`` (known in rank) refined by the output shape ``out``; None when nothing follows."""
    if out is None or shape is None:
        return None
    kept = [i for i in _inherited(dims) if i < len(shape)]
    if not kept:
        return None if None in out else solved_dims(tuple(shape), fixed_product(out, "reshape"))
    known = [out[i] if i in kept and shape[i] is None else d for i, d in enumerate(shape)]
    free = [d for i, d in enumerate(out) if i not in kept]
    if None in free or any(isinstance(d, str) for d in free):
        return tuple(known)
    moving = [i for i in range(len(shape)) if i not in kept]
    solved = iter(solved_dims(tuple(known[i] for i in moving), math.prod(free)))
    return tuple(next(solved) if i in moving else d for i, d in enumerate(known))


def run_dims(dims: tuple, out: tuple) -> tuple:
    """The output sizes to reshape to, None where an inherited variable length is read from each call's input."""
    return tuple(None if d == INHERITED and not isinstance(o, int) else o for d, o in zip(dims, out))


def reshape(x: torch.Tensor, dims: tuple) -> torch.Tensor:
    """``x`` (batch first) reshaped to ``dims`` (``run_dims``: None is the input's size at that position)."""
    return x.reshape(x.shape[0], *(x.shape[i + 1] if d is None else d for i, d in enumerate(dims)))


def flatten_code(x: str, shape: tuple, a: int, b: int, local: Any = None) -> str:
    """Code merging dims ``a`` to ``b - 1`` of each example of ``x`` (of ``shape``, past the batch) with their sizes
    written out, never a -1: torch exports the reshape to (batch, ..., -1), or to sizes read from ``x.shape``, and
    onnxruntime's Reshape fusion rewrites a size read at another position than its own to -1, which fails on a batch
    of 0. Trailing dims of a variable size are moved before the merged ones first (through ``local()``, a fresh
    variable), so that every size read is at its own position, and moved back after.

    Each size is written alone, never as ``*x.shape[...]``: torch.fx's proxies cannot be unpacked.

    >>> flatten_code("x", (2, 4, 3), 0, 2)
    'x.reshape(x.shape[0], 8, 3)'
    >>> flatten_code("x", ("n", 4, 3), 1, 3)
    'x.reshape(x.shape[0], x.shape[1], 12)'
    >>> flatten_code("x", (2, 4, "n"), 0, 2, lambda hint: f"x_{hint}")
    '(x_moved := x.movedim((1, 2), (2, 3))).reshape(x_moved.shape[0], x_moved.shape[1], 8).movedim(2, 1)'
    """
    size, trailing = math.prod(shape[a:b]), shape[b:]
    if all(isinstance(d, int) for d in trailing) or local is None:
        sizes = [f"{x}.shape[0]", *fixed_sizes(x, shape[:a], 1), str(size), *fixed_sizes(x, trailing, b + 1)]
        return f"{x}.reshape({', '.join(sizes)})"
    moved, first = local("moved"), 1 + a + len(trailing)  # the merged dims' place once moved last
    kept = ["batch", *shape[:a], *trailing]
    sizes = ", ".join(str(d) if isinstance(d, int) else f"{moved}.shape[{i}]" for i, d in enumerate(kept))
    return (f"({moved} := {x}.movedim({tuple(range(a + 1, b + 1))}, {tuple(range(first, first + b - a))}))"
            f".reshape({sizes}, {size}).movedim({first}, {a + 1})")


def fixed_sizes(x: str, shape: tuple, first: int) -> list[str]:
    """Each dim of ``shape`` (at ``first`` on in ``x``, batch included), its size written out where it is fixed."""
    return [str(d) if isinstance(d, int) else f"{x}.shape[{first + i}]" for i, d in enumerate(shape)]

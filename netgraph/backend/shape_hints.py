"""What a batch of the wrong shape most likely is, for the DataError: channels last, a missing channel dim, a
trailing dim of 1 too many or missing, one-hot class targets. Called only on the error path.

>>> layout_hint((1, 28, 28), (64, 28, 28, 1))
'; channels last? netgraph takes channels first (as torch): x.permute(0, 3, 1, 2) (numpy: x.transpose(0, 3, 1, 2))'
>>> layout_hint((1, 28, 28), (64, 28, 28))
'; the channel dim is missing: x[:, None] makes (b, 1, ...)'
>>> layout_hint((), (64, 1), integer=True)
'; a trailing dim of 1: x[..., 0] drops it'
>>> layout_hint(("n", 3), (64, 3, 20))
"; a sequence is (n, features) here; features first (torch's Conv1d layout)? x.transpose(1, 2)"
>>> layout_hint((1,), (64,))
'; the trailing dim of 1 is missing: x[..., None] adds it'
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["layout_hint"]


def _fits(shape: Sequence, found: Sequence) -> bool:
    return len(shape) == len(found) and all(not isinstance(d, int) or d == n for d, n in zip(shape, found))


def layout_hint(shape: tuple, found: tuple, integer: bool = False, batched: bool = True, target: bool = False) -> str:
    """A '; ...' hint for a batch of shape ``found`` (batch dim first; one example's without it when not ``batched``)
    given to a port of ``shape`` (without the batch dim; ``integer`` for indices, ``target`` for class targets), or
    '' when no usual mistake explains it.

    >>> layout_hint((3, 8, 8), (8, 8, 3), batched=False)
    '; channels last? netgraph takes channels first (as torch): x.permute(2, 0, 1) (numpy: x.transpose(2, 0, 1))'
    """
    if len(found) < (1 if batched else 0):
        return ""
    inner = tuple(found[1:] if batched else found)
    if len(shape) == 2 and _fits(shape[::-1], inner):
        return _swapped_hint(shape, batched)
    if len(shape) >= 2 and isinstance(shape[0], int) and _fits(shape[1:] + shape[:1], inner):
        order = ", ".join(map(str, (0, len(shape), *range(1, len(shape))) if batched else
                              (len(shape) - 1, *range(len(shape) - 1))))
        return (f"; channels last? netgraph takes channels first (as torch): x.permute({order}) (numpy: "
                f"x.transpose({order}))")
    if len(shape) >= 2 and shape[0] == 1 and _fits(shape[1:], inner):
        return f"; the channel dim is missing: {'x[:, None] makes (b, 1, ...)' if batched else 'x[None] makes (1, ...)'}"
    if inner and inner[-1] == 1 and _fits(shape, inner[:-1]):
        return "; a trailing dim of 1: x[..., 0] drops it"
    if shape and shape[-1] == 1 and _fits(shape[:-1], inner):
        return "; the trailing dim of 1 is missing: x[..., None] adds it"
    if integer and inner and inner[-1] > 1 and _fits(shape, inner[:-1]):
        if not target:  # an input: an EmbeddingLayer's tokens, say
            return f"; one-hot rows of {inner[-1]} classes? an index (Integer) input takes indices: x.argmax(-1)"
        return (f"; one-hot rows of {inner[-1]} classes? give class indices, x.argmax(-1); rows of class "
                f"probabilities (floats) take CrossEntropyLossLayer('Probabilities'), the automatic loss for float rows")
    return ""


def _swapped_hint(shape: tuple, batched: bool) -> str:
    """The hint for a 2-d port given its two dims swapped: a sequence (a length first) given features first, as
    torch's Conv1d takes it; with two fixed sizes the port may be either kind, so both are said."""
    order = "1, 2" if batched else "0, 1"
    if not isinstance(shape[0], int):
        return f"; a sequence is (n, features) here; features first (torch's Conv1d layout)? x.transpose({order})"
    return (f"; the two dims swapped? x.transpose({order}) (a sequence is (n, features), as torch's recurrent layers "
            f"with batch_first=True take it; a 1-d convolution's input (channels, n), as torch's Conv1d)")

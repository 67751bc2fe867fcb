"""A problem an inner net reported, in the pieces its operator's Conflict passes on (``Conflict.parts``): its text and
its advice (``netgraph.core.advice``) kept as advice, so that a reader of another form (a spec) writes the advice its
own way. The inner net's edges are said as text: they are not edges of the net the operator sits in.

>>> from netgraph.core.advice import EdgeAdvice, PortAdvice
>>> d = Diagnostic.of("merge", "a: give one its own, e.g. ", EdgeAdvice(PortAdvice("b")), " [", "set by x", "]",
...                   layer=("a",), detail="give one its own, e.g. ('b', None)")
>>> problem_parts(d, inner=False)
('a: give one its own, e.g. ', EdgeAdvice(source=PortAdvice(layer='b', port=None), target=None))
>>> problem_parts(d, inner=True)
('give one its own, e.g. ', EdgeAdvice(source=PortAdvice(layer='b', port=None), target=None))
"""

from __future__ import annotations

from netgraph.core.advice import ADVICE_TYPES, Advice
from netgraph.core.errors import Diagnostic

__all__ = ["problem_parts"]


def problem_parts(d: Diagnostic, inner: bool) -> tuple[str | Advice, ...]:
    """``d``'s message in parts without the ``[... set by ...]`` its inference ends it with (inside an operator, the
    types the operator declared, which the operator's own conflict tells as the user set them); where ``inner`` (the
    problem lies in a layer of the inner net), only its ``detail``, the problem without that layer."""
    parts = tuple(p if isinstance(p, (str, *ADVICE_TYPES)) else str(p) for p in d.parts)
    if not parts or parts[-1] != "]" or " [" not in parts:
        parts = parts or (d.message,)
    else:
        parts = parts[:len(parts) - 1 - parts[::-1].index(" [")]
    return _ending(parts, d.detail) if inner and d.detail is not None else parts


def _ending(parts: tuple[str | Advice, ...], text: str) -> tuple[str | Advice, ...]:
    """The last of ``parts`` that say ``text`` (the text part it begins inside cut); ``(text,)`` where they do not
    end with it or it begins inside a piece of advice."""
    kept: list[str | Advice] = []
    left = len(text)
    for part in reversed(parts):
        if left <= 0:
            break
        said = str(part)
        if len(said) > left and type(part) is str:
            part = said = said[-left:]
        kept.append(part)
        left -= len(said)
    kept.reverse()
    return tuple(kept) if "".join(map(str, kept)) == text else (text,)

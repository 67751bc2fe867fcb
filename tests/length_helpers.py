"""Shapes with length names evaluated at sizes: to compare an inferred shape with a function's or module's real one."""

from __future__ import annotations

from netgraph.core.length_names import length_steps, lengths_along


def evaluated(shape: tuple, sizes: dict[str, int]) -> tuple[int, ...]:
    """``shape`` with each length name at its size (a derived name from its base's size)."""
    def size(d):
        if isinstance(d, int) or d in sizes:
            return sizes.get(d, d)
        base, steps = next(s for s in (length_steps(d, {b}) for b in sizes) if s is not None)
        return lengths_along(sizes[base], steps)[-1] if steps else sizes[base]
    return tuple(size(d) for d in shape)

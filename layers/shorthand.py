"""Wolfram's layer shorthands: ``3`` -> LinearLayer(3), ``"Tanh"`` -> ElementwiseLayer("Tanh")."""

from __future__ import annotations

from typing import Any

from layers.base import Layer

__all__ = ["from_shorthand"]


def from_shorthand(value: Any) -> Layer | None:
    """The layer a shorthand stands for, the value itself if it is a layer, else None."""
    from layers.function import ELEMENTWISE, ElementwiseLayer
    from layers.linear import LinearLayer
    if isinstance(value, Layer):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return LinearLayer(value)
    if isinstance(value, str) and value in ELEMENTWISE:
        return ElementwiseLayer(value)
    return None

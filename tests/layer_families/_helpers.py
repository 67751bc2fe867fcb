"""Helpers for layer tests: compiled == interpreted == handwritten torch, on the same weights."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import torch

from netgraph import NetGraph, ShapeError, interpret, net_initialize


def three_way(net: NetGraph, hand: Callable[..., Any], seed: int = 0, **inputs: torch.Tensor) -> Any:
    """Initialise and compile ``net``; check compiled(inputs) == interpret(...) == hand(module, **inputs).

    ``hand`` is handwritten torch code; it receives the compiled module to copy its weights from.
    Returns the compiled module.
    """
    module = net_initialize(net, seed=seed).compile()
    compiled = module(**inputs)
    interpreted = interpret(module.net, module, **inputs)
    expected = hand(module, **inputs)
    if isinstance(expected, dict):
        for key, value in expected.items():
            torch.testing.assert_close(compiled[key], value)
            torch.testing.assert_close(interpreted[key], value)
    else:
        torch.testing.assert_close(compiled, expected)
        torch.testing.assert_close(interpreted, expected)
    return module


def shape_error(build: Callable[[], Any], *fragments: str) -> str:
    """Assert ``build()`` raises ShapeError whose message contains every fragment; return the message."""
    with pytest.raises(ShapeError) as info:
        build()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"
    return message

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


def convolution_equals_torch(layer: Any, torch_type: type, spatial: tuple, options: dict) -> Any:
    """Check a ConvolutionLayer or DeconvolutionLayer ``layer`` (4 output channels, built with ``options``) on
    2 input channels of size ``spatial`` three ways, beside ``torch_type`` (nn.Conv2d, nn.ConvTranspose2d, ...)
    with its weights; its output shape as declared. Returns the compiled module."""
    net = NetGraph([layer], [], Input=(2, *spatial))
    x = torch.randn(3, 2, *spatial)

    def hand(m, Input):
        conv = torch_type(2, 4, options["kernel"], stride=options.get("stride", 1),
                          padding=options.get("padding_size", 0), dilation=options.get("dilation", 1),
                          groups=options.get("channel_groups", 1))
        with torch.no_grad():
            conv.weight.copy_(m.get_submodule("1").Weights)
            conv.bias.copy_(layer.biases)
        return conv(Input)
    module = three_way(net, hand, Input=x)
    assert net.output_shapes["Output"] == tuple(hand(module, x).shape[1:])
    return module

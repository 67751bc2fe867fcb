"""PaddingLayer's source index rules ("Fixed", "Periodic", "Reflected") agree with a plain reference for a length
known when the net is built (an int) and one known only at run time (a variable length: a SymInt or an fx Proxy),
for every size from 1 and paddings longer than the size: reflect_index wrote the rules once for each kind of length."""

from __future__ import annotations

import itertools

import pytest
import torch

from netgraph import NetChain, PaddingLayer, interpret
from netgraph.layers.resize import PADDING_METHODS, reflect_index

SIZES = range(1, 7)
OFFSETS = (-2, -1, 0, 1, 2, 5, 13)  # negative (the padded range starts or ends inside the array), beyond the size
PADS = (0, 1, 4, 13)


def _source(p: int, n: int, method: str) -> int:
    """The element of an array of size ``n`` that position ``p`` (before 0 or past n - 1: padding) repeats, by steps."""
    if method == "Fixed":
        return min(max(p, 0), n - 1)
    if method == "Periodic":
        while not 0 <= p < n:
            p += n if p < 0 else -n
        return p
    while n > 1 and not 0 <= p < n:  # mirrored at each edge without repeating it: 2 1 | 0 1 2 | 1 0
        p = -p if p < 0 else 2 * (n - 1) - p
    return p if n > 1 else 0


def _reference(n: int, before: int, after: int, method: str) -> list[int]:
    return [_source(p, n, method) for p in range(-before, n + after)]


class _Lengths(torch.nn.Module):
    """reflect_index of its input's length: under fx the length is a Proxy."""

    def __init__(self, before: int, after: int, method: str):
        super().__init__()
        self.before, self.after, self.method = before, after, method

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return reflect_index(x.shape[0], self.before, self.after, self.method, x.device)


@pytest.mark.parametrize("method", PADDING_METHODS)
def test_the_indices_of_a_known_and_a_traced_length_equal_the_reference(method):
    for before, after in itertools.product(OFFSETS, OFFSETS):
        traced = torch.fx.symbolic_trace(_Lengths(before, after, method))
        for n in (n for n in SIZES if n + before + after >= 0):  # no padded range that ends before it starts
            expected = _reference(n, before, after, method)
            assert reflect_index(n, before, after, method).tolist() == expected, (n, before, after)
            assert traced(torch.zeros(n)).tolist() == expected, (n, before, after)


def _positions(n: int) -> torch.Tensor:
    """A batch of one array whose elements are their own indices: a padded one shows its source indices."""
    return torch.arange(n, dtype=torch.float32)[None]


@pytest.mark.parametrize("method", PADDING_METHODS)
def test_a_padding_layer_of_a_known_and_a_variable_length_pads_as_the_reference(method):
    """Compiled, interpreted and fx-traced: each gathers the reference's indices."""
    for before, after in itertools.product(PADS, PADS):
        variable = NetChain([PaddingLayer([[before, after]], padding=method)], input=["n"])
        module = variable.compile()
        traced = torch.fx.symbolic_trace(module)
        for n in SIZES:
            fixed = NetChain([PaddingLayer([[before, after]], padding=method)], input=n)
            fixed_module = fixed.compile()
            x = _positions(n)
            expected = [_reference(n, before, after, method)]
            outputs = {"variable": module(x), "variable interpreted": interpret(variable, module, Input=x),
                       "variable fx": traced(x), "fixed": fixed_module(x),
                       "fixed interpreted": interpret(fixed, fixed_module, Input=x),
                       "fixed fx": torch.fx.symbolic_trace(fixed_module)(x)}
            for name, out in outputs.items():
                assert out.long().tolist() == expected, (name, n, before, after)

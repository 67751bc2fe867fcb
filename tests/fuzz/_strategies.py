"""Hypothesis strategies over the whole layer catalogue: valid examples, hostile option values, random wiring."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from hypothesis import strategies as st

from netgraph import NetPort
from tests.test_layer_parity import EXAMPLES, Example, distribution_examples

#: Every parity example (each registered layer type, each distribution): the valid starting points.
SEEDS: list[Example] = [e for examples in EXAMPLES.values() for e in examples] + list(distribution_examples().values())

#: Names that collide with nn.Module attributes or Python syntax, and odd text.
NAMES = st.one_of(st.sampled_from(["training", "_modules", "_parameters", "_buffers", "forward", "net", "self",
                                   "a b", "", "1", "x.y", "Input", "Output", "def", "\ud800", "é"]),
                  st.text(max_size=6))

_SHAPES = st.one_of(st.none(), st.integers(-2, 5), st.lists(st.integers(-1, 4), max_size=4),
                    st.tuples(st.integers(1, 4), st.integers(1, 4)))


def _tensors(draw: Any) -> torch.Tensor:
    shape = draw(st.lists(st.integers(0, 3), max_size=3))
    kind = draw(st.sampled_from(["float", "nan", "int", "bool", "complex"]))
    t = torch.rand(shape)
    return {"float": t, "nan": t * float("nan"), "int": (t * 10).long(), "bool": t > 0.5,
            "complex": t.to(torch.complex64)}[kind]


HOSTILE = st.deferred(lambda: st.one_of(
    st.none(), st.booleans(), st.integers(-3, 6), st.sampled_from([2**31, 2**63, 2**70, -(2**70)]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.sampled_from(["Max", "Mean", "Ramp", "Tanh", "#a + #b", "#", "Index", "All", "2;;", ";;", "1;;-1"]),
    _SHAPES, st.lists(st.floats(-3, 3), max_size=4), st.builds(lambda d: d, st.composite(_tensors)()),
    st.dictionaries(st.text(max_size=4), st.integers(-1, 4), max_size=2),
    st.lists(HOSTILE, max_size=2)))


@st.composite
def mutated_layers(draw: Any) -> tuple[Any, dict]:
    """A maker of a catalogue layer with 0-2 of its options replaced by hostile values, and its example's
    port shapes (the maker may raise: call it under the oracle)."""
    example = draw(st.sampled_from(SEEDS))
    layer = example.layer
    fields = [f.name for f in dataclasses.fields(layer) if f.init] if dataclasses.is_dataclass(layer) else []  # a NetGraph: as is
    changes = draw(st.dictionaries(st.sampled_from(fields), HOSTILE, max_size=2)) if fields else {}
    return (lambda: dataclasses.replace(layer, **changes) if changes else layer), dict(example.shapes)


def endpoints(count: int) -> st.SearchStrategy:
    """An edge endpoint among ``count`` layers: an index, a port of one, a graph port, or junk."""
    index = st.integers(0, count + 1)
    ports = st.sampled_from(["Input", "Output", "Input1", "Input2", "Target", "Loss", "Array", "a", "b", "x", "mu"])
    return st.one_of(index, st.builds(NetPort, index, ports), st.builds(NetPort, ports),
                     st.lists(index, min_size=1, max_size=3), st.sampled_from([None, "nope", 1.5, (), (1,)]))

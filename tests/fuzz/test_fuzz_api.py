"""Random layers, chains and graphs from the whole catalogue: only NetGraphError escapes; compiled == interpreted."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, strategies as st

from netgraph import NetChain, NetGraph
from tests.fuzz._oracle import check_parity, only_our_errors
from tests.fuzz._strategies import HOSTILE, NAMES, SEEDS, endpoints, mutated_layers

pytestmark = pytest.mark.fuzz


def _build_and_check(build: Any) -> None:
    net = only_our_errors(build)
    if net is not None:
        check_parity(net)


@given(mutated_layers(), st.dictionaries(st.sampled_from(["Input", "Input1", "a", "Target"]), HOSTILE, max_size=1))
def test_random_layer_options(made, shape_changes):
    make, shapes = made
    _build_and_check(lambda: NetGraph([make()], [], **{**shapes, **shape_changes}))


@given(st.lists(st.one_of(mutated_layers().map(lambda m: m[0]), HOSTILE.map(lambda v: lambda: v)),
                min_size=1, max_size=4), st.one_of(st.none(), HOSTILE))
def test_random_chains(makers, input_shape):
    options = {} if input_shape is None else {"input": input_shape}
    _build_and_check(lambda: NetChain([make() for make in makers], **options))


@given(st.data())
def test_random_graphs(data):
    makers = data.draw(st.lists(mutated_layers().map(lambda m: m[0]), min_size=1, max_size=4))
    edges = data.draw(st.lists(st.tuples(endpoints(len(makers)), endpoints(len(makers))), max_size=5))
    named = data.draw(st.booleans())
    names = data.draw(st.lists(NAMES, min_size=len(makers), max_size=len(makers), unique=True)) if named else None
    shapes = data.draw(st.dictionaries(st.sampled_from(["Input", "Input1", "a", "x"]), HOSTILE, max_size=2))

    def build():
        layers = [make() for make in makers]
        if names is not None:
            layers = dict(zip(names, layers))
            rename = dict(enumerate(names, start=1))
            fixed = [tuple(rename.get(e, e) if isinstance(e, int) else e for e in edge) for edge in edges]
            return NetGraph(layers, fixed, **shapes)
        return NetGraph(layers, edges, **shapes)

    _build_and_check(build)


@given(st.sampled_from(SEEDS), st.lists(NAMES, min_size=1, max_size=3), st.integers(1, 3))
def test_nested_graphs_with_hostile_names(example, names, depth):
    def build():
        net: Any = NetGraph([example.layer], [], **example.shapes)
        for level in range(depth):
            net = NetGraph({names[level % len(names)]: net}, [])
        return net

    _build_and_check(build)


@given(st.integers(1, 5000), st.sampled_from(["list", "graph", "chain"]))
def test_deep_nesting_is_refused_or_built(depth, kind):
    def build():
        if kind == "list":
            shape: Any = 3
            for _ in range(depth):
                shape = [shape]
            return NetChain([SEEDS[0].layer], input=shape)
        net: Any = SEEDS[0].layer
        for _ in range(min(depth, 30)):
            net = NetGraph([net], []) if kind == "graph" else NetChain([net])
        return net

    only_our_errors(build)

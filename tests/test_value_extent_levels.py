"""value_extent walks a value level by level in C while no container is held twice (an array's rows), and measures
each distinct container once only where one is (shared lists, a value holding itself): making a layer from a large
nested-list array was 3-20x slower than before the measure. The port_elements limit on an option counts its
elements (numbers), not its lists as well: a (600, 1) array was refused at limits(port_elements=1000), found=1200."""

from __future__ import annotations

import random

import numpy as np
import pytest

from netgraph import NetArrayLayer, OptionError
from netgraph.core import value_extent as module
from netgraph.core.limits import limits
from netgraph.core.value_extent import TREE_DEPTH, Extent, value_extent

pytestmark = pytest.mark.timeout(60)


def _random_value(rng: random.Random, depth: int) -> object:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice([1, 2.0, "s", None])
    kind, size = rng.choice([list, tuple, dict]), rng.randint(0, 4)
    if kind is dict:
        return {i: _random_value(rng, depth - 1) for i in range(size)}
    return kind(_random_value(rng, depth - 1) for _ in range(size))


def test_an_array_s_lists_are_measured_level_by_level_never_per_container(monkeypatch):
    def per_container(*_):
        raise AssertionError("measured per container")
    monkeypatch.setattr(module, "_shared_extent", per_container)
    array = np.zeros((300, 20, 1), np.float32).tolist()
    assert value_extent(array) == Extent(depth=3, members=300 + 6000 + 6000, elements=6000, cyclic=False)


def test_shared_lists_are_measured_per_distinct_list():
    row = [1.0, 2.0]
    assert value_extent([row, row, [row]]) == Extent(depth=3, members=3 + 2 + 2 + 1 + 2, elements=6, cyclic=False)
    shared = 0
    for _ in range(40):
        shared = [shared, shared]
    assert value_extent(shared) == Extent(depth=40, members=2**41 - 2, elements=2**40, cyclic=False)


def test_a_value_holding_itself_below_the_top_or_deeper_than_the_level_walk_is_measured():
    held: list = []
    held.append(held)
    assert value_extent([[1], [held]]).cyclic
    deep: object = 7
    for _ in range(TREE_DEPTH + 10):
        deep = [deep]
    assert value_extent(deep) == Extent(TREE_DEPTH + 10, TREE_DEPTH + 10, 1, False)


def test_the_level_walk_agrees_with_the_per_container_measure():
    rng = random.Random(0)
    for _ in range(2000):
        value = _random_value(rng, 5)
        for kinds in (module.NESTED, (list,)):
            if isinstance(value, kinds):
                assert value_extent(value, kinds) == module._shared_extent(value, kinds), value


def test_the_port_elements_limit_counts_an_option_s_numbers():
    with limits(port_elements=1000):
        assert tuple(NetArrayLayer(array=[[float(i)] for i in range(600)]).array.shape) == (600, 1)
        with pytest.raises(OptionError, match=r"option 'array' holds 1200 values") as info:
            NetArrayLayer(array=[[0.0, 1.0] for _ in range(600)])
    assert (info.value.kind, info.value.found, info.value.expected) == ("limit", 1200, 1000)

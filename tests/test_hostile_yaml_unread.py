"""A hostile file of many values the spec cannot read (tags, numbers beyond 64 bits), deep in lists, is refused
quickly: reading stops at MAX_PROBLEMS problems, and each list holding such a value is recorded once. Each value used
to add a problem and one more per enclosing list (100,000 tags in 90 lists took 13.8 s and 915 MiB)."""

import time

import pytest

from netgraph import NetGraph
from netgraph.core.errors import SpecError
from netgraph.spec.problems import MAX_PROBLEMS, TooManyProblems
from netgraph.spec.yaml_nodes import read_yaml

DEPTH = 90


def hostile(item, count):
    return f"netgraph: 1\ntype: NetChain\nlayers: [Tanh]\ninput: 2\nx: {'[' * DEPTH}{', '.join([item] * count)}{']' * DEPTH}\n"


@pytest.mark.parametrize("item", ["!t x", "99999999999999999999999", "010"], ids=["tag", "big", "leading-zero"])
def test_reading_stops_at_the_problem_cap(yaml_loader, item):
    recorded = []
    with pytest.raises(TooManyProblems):
        read_yaml(hostile(item, 20_000), "h.yaml", recorded)
    told = [loc for loc, _, kind in recorded if kind is not None]
    assert len(told) == MAX_PROBLEMS and len({loc.col for loc in told}) == MAX_PROBLEMS
    lists = [loc.col for loc, _, kind in recorded if kind is None and loc.col < 4 + DEPTH]
    assert lists == list(range(3 + DEPTH, 3, -1))  # the lists holding them (columns 4 to 93): once each
    assert len(recorded) <= 2 * MAX_PROBLEMS + DEPTH  # and, for a tag, each value's place past it


def test_a_hostile_file_is_refused_fast_with_the_first_problems(yaml_loader):
    start = time.process_time()
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(hostile("!t x", 100_000))
    assert time.process_time() - start < 3  # 13.8 s before; about 0.1 s now
    assert len(info.value.diagnostics) == MAX_PROBLEMS and info.value.problem_count is None
    assert str(info.value).endswith(f"reading stopped at {MAX_PROBLEMS} problems; there may be more")
    assert {d.kind for d in info.value.diagnostics} == {"yaml-syntax"}

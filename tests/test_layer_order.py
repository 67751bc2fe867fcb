"""The order layers run in (``core.order.order``): producers first, ties broken by the order the layers were given;
whether or not every edge already feeds a later layer (the common case, answered without sorting)."""

from __future__ import annotations

import random

import pytest

from netgraph import ElementwiseLayer, NetGraph, NetPort
from netgraph.core.errors import CycleError
from netgraph.core.order import in_order, order
from netgraph.core.ports import Edge, PortRef


def edge(src: str, dst: str, index: int) -> Edge:
    return Edge(PortRef(src, "Output"), PortRef(dst, "Input"), f"{src} -> {dst}", index=index)


def earliest_ready_first(names: list[str], edges: list[Edge]) -> tuple[str, ...]:
    """The reference, step by step: the earliest given layer whose producers have all run."""
    producers = {name: {e.src.layer for e in edges if e.dst.layer == name and e.src.layer} for name in names}
    done: list[str] = []
    while len(done) < len(names):
        done.append(next(n for n in names if n not in done and producers[n] <= set(done)))
    return tuple(done)


@pytest.mark.parametrize("seed", range(60))
def test_the_order_runs_producers_first_and_otherwise_keeps_the_given_order(seed):
    rng = random.Random(seed)
    ranked = [f"l{i}" for i in range(rng.randint(1, 12))]  # a DAG: edges go up this ranking
    edges = [edge(ranked[i], ranked[j], k) for k, (i, j) in enumerate(
        sorted({tuple(sorted(rng.sample(range(len(ranked)), 2))) for _ in range(rng.randint(0, 20))}
               if len(ranked) > 1 else []))]
    edges.append(Edge(PortRef(None, "Input"), PortRef(ranked[0], "Input"), "(unwired)", True))  # a graph port's edge
    given = ranked if seed % 3 == 0 else rng.sample(ranked, len(ranked))  # given in order (forward edges) or not
    assert order(given, {}, edges) == earliest_ready_first(given, edges)


def test_a_cycle_is_still_found_when_the_other_edges_feed_later_layers():
    layers = {name: ElementwiseLayer("Tanh") for name in "abc"}
    edges = [edge("a", "b", 0), edge("b", "c", 1), edge("c", "b", 2)]
    with pytest.raises(CycleError, match="closed by edge c -> b"):
        order(["a", "b", "c"], layers, edges)
    with pytest.raises(CycleError, match="closed by edge a -> a"):
        order(["a"], layers, [edge("a", "a", 0)])


class CountingTable(dict):
    """A layer table that counts the names looked up in it."""

    lookups = 0

    def __getitem__(self, name):
        CountingTable.lookups += 1
        return super().__getitem__(name)


def test_layers_in_run_order_are_read_along_the_table_when_it_holds_that_order():
    """Inference's problem takes each layer in the order layers run: when the table holds them in that order (the
    common case), read along it, not looked up by name (a table of 100,000 layers read in no order)."""
    table = CountingTable(a=1, b=2, c=3)
    CountingTable.lookups = 0
    assert list(in_order(table, ("a", "b", "c"))) == [("a", 1), ("b", 2), ("c", 3)] and CountingTable.lookups == 0
    assert list(in_order(table, ("c", "a", "b"))) == [("c", 3), ("a", 1), ("b", 2)] and CountingTable.lookups == 3
    assert list(in_order(table, ("a", "b"))) == [("a", 1), ("b", 2)]


def test_a_graph_given_consumers_first_adds_its_leaves_in_run_order():
    net = NetGraph({"b": ElementwiseLayer("Tanh"), "a": ElementwiseLayer("Tanh")}, [("a", "b")], Input=3)
    assert [path for path, _ in net._problem().leaves] == [("a",), ("b",)] and net.output_shapes == {"Output": (3,)}


@pytest.mark.parametrize("seed", range(30))
def test_a_graphs_layers_run_producers_first_whatever_form_its_edges_take(seed):
    """NetGraph keeps the order given only when its edges all run forward (as ``normalize`` sees them)."""
    rng = random.Random(seed)
    ranked = [f"l{i}" for i in range(rng.randint(2, 10))]  # a forest: each layer fed by at most one earlier one
    forms = [lambda s, d: (s, d), lambda s, d: (NetPort(s, "Output"), d), lambda s, d: (s, NetPort(d, "Input")),
             lambda s, d: {s: d}]
    pairs = [(rng.choice(ranked[:j]), ranked[j]) for j in range(1, len(ranked)) if rng.random() < 0.7]
    edges = [rng.choice(forms)(s, d) for s, d in pairs]
    edges = [e for form in edges for e in (form.items() if isinstance(form, dict) else [form])]
    given = ranked if seed % 3 == 0 else rng.sample(ranked, len(ranked))
    net = NetGraph({name: ElementwiseLayer("Tanh") for name in given}, edges)
    assert net._order == earliest_ready_first(given, [edge(s, d, k) for k, (s, d) in enumerate(pairs)])

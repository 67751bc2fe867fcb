"""net_drop of many heads or interior layers builds the net once (drop_batch), with exactly the result, port names,
order and errors of dropping them one at a time (each a rebuild: 399 of 800 took 12-17 s, now 0.05-0.08 s). Compared
with the one-at-a-time steps on random DAGs, nested nets and an operator's inner net; rebuilds counted, not timed."""

from __future__ import annotations

import random

import pytest

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetGraphError, NetMapOperator, NetPort,
                      TotalLayer, net_delete, net_drop)
from netgraph.core import rewiring
from netgraph.core.nesting import infer_net


def one_at_a_time(monkeypatch, net, drop):
    with monkeypatch.context() as m:
        m.setattr(rewiring, "interior_batch", lambda *args: None)
        m.setattr(rewiring, "ends_batch", lambda *args: None)
        return outcome(net, drop)


def outcome(net, drop):
    try:
        new = net_drop(net, drop)
    except NetGraphError as exc:
        return type(exc).__name__, str(exc)
    return (list(new.layers.items()), new.explicit_edges(), new.input_ports, new.output_ports,
            new.port_shape_options(), new.port_types, type(new).__name__)


def random_dag(rng: random.Random, n: int) -> NetGraph:
    """Layers of shape 4 (a few LinearLayer(3): their neighbours do not fit), fan-in, fan-out, graph outputs, a mute."""
    layers, edges = {}, []
    for i in range(n):
        name = f"x{i}"
        kind = rng.random()
        sources = [f"x{j}" for j in range(i)] or [NetPort("Input")]
        if kind < 0.2 and i >= 2:
            layers[name] = TotalLayer()
            edges.append((rng.sample(sources, 2), name))
            continue
        layers[name] = LinearLayer(3 if kind > 0.93 else 4) if kind < 0.5 or kind > 0.93 else ElementwiseLayer("Tanh")
        edges.append((rng.choice(sources[-3:]) if i else NetPort("Input"), name))
    for j, name in enumerate(rng.sample(list(layers), 2)):
        edges.append((name, NetPort(f"Out{j}")))
    if rng.random() < 0.5:
        edges.append((rng.choice(list(layers)), None))  # a muted output
    try:
        return NetGraph(layers, edges, Input=4)
    except NetGraphError:
        return random_dag(rng, n)  # a LinearLayer(3) fed into a sum: draw again


@pytest.mark.parametrize("seed", range(60))
def test_batched_drops_equal_the_drops_one_at_a_time(monkeypatch, seed):
    rng = random.Random(seed)
    net = random_dag(rng, rng.randint(6, 18))
    names = list(net.layers)
    among = [names[1:-1], names[: len(names) // 2], names][seed % 3]  # interior, heads first, any
    drop = rng.sample(among, rng.randint(2, min(len(among), len(names) - 1)))
    assert outcome(net, drop) == one_at_a_time(monkeypatch, net, drop)


def chain_graph(n: int, shapes: bool = True) -> NetGraph:
    named = {f"l{i}": LinearLayer(4) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(n)}
    return NetGraph(named, [tuple(named)], Input=4) if shapes else NetGraph(named, [tuple(named)])


@pytest.mark.parametrize("drop", [["l1", "l3", "l5"], ["l5", "l1", "l3", "l9"], ["l1", "l2", "l3"], ["l2", "l4"],
                                  ["l0", "l1", "l3"], [3, 5, "l7"]])
def test_chains_of_graphs_with_ends_errors_and_unknown_shapes(monkeypatch, drop):
    for net in (chain_graph(10), chain_graph(10, shapes=False)):
        assert outcome(net, drop) == one_at_a_time(monkeypatch, net, drop)


def test_nested_and_operator_paths(monkeypatch):
    inner = chain_graph(8)
    net = NetGraph({"a": LinearLayer(4), "enc": inner, "b": ElementwiseLayer("Tanh")}, [("a", "enc", "b")], Input=4)
    drop = [("enc", "l1"), ("enc", "l3"), ("enc", "l5")]
    assert outcome(net, drop) == one_at_a_time(monkeypatch, net, drop)
    mapped = NetGraph({"map": NetMapOperator(chain_graph(8, shapes=False)), "h": LinearLayer(2)}, [("map", "h")],
                      Input=(5, 4))
    drop = [("map", "net", "l1"), ("map", "net", "l3")]
    assert outcome(mapped, drop) == one_at_a_time(monkeypatch, mapped, drop)


def test_dropping_many_interior_layers_infers_the_net_once_or_twice(monkeypatch):
    net, calls, real = chain_graph(201), [0], infer_net

    def counted(graph):
        calls[0] += 1
        return real(graph)
    monkeypatch.setattr("netgraph.core.graph.infer_net", counted)
    dropped = net_drop(net, [f"l{i}" for i in range(1, 200, 2)])  # 100 interior Tanh layers
    assert calls[0] == 1
    assert list(dropped.layers) == [f"l{i}" for i in range(0, 201, 2)]
    calls[0] = 0
    net_drop(net, [f"l{i}" for i in range(1, 201, 2)] + ["l200"])  # the ends first, by their own rule, then the rest
    assert calls[0] == 3  # l200, then l199 (a new end), then the 99 interior layers at once
    assert isinstance(net_drop(NetChain(dict(net.layers), Input=4), ["l1", "l3"]), NetChain)


def test_dropping_many_heads_infers_the_net_once(monkeypatch):
    named = {f"b{i}": ElementwiseLayer("Tanh") for i in range(200)}
    net, calls, real = NetGraph({**named, "m": TotalLayer()}, [(list(named), "m")], Input=4), [0], infer_net

    def counted(graph):
        calls[0] += 1
        return real(graph)
    monkeypatch.setattr("netgraph.core.graph.infer_net", counted)
    dropped = net_drop(net, [f"b{i}" for i in range(0, 200, 2)])  # 100 heads: their sum's ports become inputs
    assert calls[0] == 1
    assert len(dropped.input_ports) == 101


def _muted_a_before(*interior):
    """x -> a -> interior... -> Out, the last interior layer -> c -> C, a's output muted (it feeds only layers)."""
    layers = {"a": LinearLayer(3), **{n: LinearLayer(3) for n in interior}, "c": LinearLayer(2)}
    return NetGraph(layers, [(NetPort("x"), "a", *interior, NetPort("Out")), (interior[-1], "c", NetPort("C")),
                             ("a", None)], x=2)


@pytest.mark.parametrize("interior", [("b",), ("b", "b2")])  # one rebuild (_without), the batch (interior_batch)
def test_dropping_the_layers_after_a_muted_output_makes_it_the_graph_output_they_fed(monkeypatch, interior):
    """The mute was carried into the rebuild, which then refused it as muted and wired by edges the user never
    wrote; the graph output the dropped layers fed wins, the mute is dropped."""
    net = _muted_a_before(*interior)
    new = net_drop(net, list(interior))
    assert new.output_ports == ("Out", "C")
    assert (NetPort("a", "Output"), NetPort("Out")) in new.explicit_edges()
    assert all(b is not None for _, b in new.explicit_edges())
    assert outcome(net, list(interior)) == one_at_a_time(monkeypatch, net, list(interior))
    assert net_delete(net, list(interior)).explicit_edges() == new.explicit_edges()

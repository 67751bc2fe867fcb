"""Big nets with many problems: the work of explaining them grows linearly with the net (counted, not timed)."""

from __future__ import annotations

import pytest

from netgraph import (ElementwiseLayer, FunctionLayer, LinearLayer, NetArrayLayer, NetChain, NetGraph, NetPort,
                      ShapeError, WiringError)
from netgraph.core.errors import MAX_LISTED
from netgraph.core.inference_problem import NumbersByName, Problem
from netgraph.core.swapped_group import MAX_SWAP_TRIALS


def count_calls(monkeypatch, owner, name: str) -> list[int]:
    """``owner.name`` wrapped, for this test, to count its calls: the count is the returned list's one item."""
    calls, real = [0], getattr(owner, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, counted)
    return calls


def conflicting_pairs(n: int) -> NetGraph:
    """``n`` edges, each joining a LinearLayer(input=2)'s output (3) to one taking 5: ``n`` shape conflicts."""
    layers = {**{f"a{i}": LinearLayer(3, input=2) for i in range(n)}, **{f"b{i}": LinearLayer(3, input=5)
                                                                          for i in range(n)}}
    return NetGraph(layers, [(f"a{i}", f"b{i}") for i in range(n)])


def test_explaining_many_shape_conflicts_reads_the_edges_a_few_times(monkeypatch):
    """Each conflict's joining edge was found by building the whole net's adjacency again: 5,000 conflicts took
    minutes."""
    reads = count_calls(monkeypatch, Problem, "each_equality")
    n = 60
    with pytest.raises(ShapeError) as info:
        conflicting_pairs(n)
    assert len(info.value.diagnostics) == n
    assert [d.edge for d in info.value.diagnostics] == list(range(n))  # each names its own edge, as before
    assert reads[0] <= 3


def test_a_big_net_with_many_conflicting_groups_tries_a_few_swaps(monkeypatch):
    """A hint tries the net again with a group's two sources swapped: once per conflicting group, each a whole
    inference, so 400 groups took a minute. A few groups are tried; the error is the same otherwise."""
    from netgraph.core import swapped_group
    trials = count_calls(monkeypatch, swapped_group, "solves_with")
    inner = NetGraph({"f": FunctionLayer("#a * 0 + Total[#b]")}, [], a=2, b=3)
    n = 30  # each group feeds (4), (4) to inputs of (2), (3): swapped, it fails too
    layers = {name: layer for i in range(n) for name, layer in
              ((f"x{i}", NetArrayLayer(output=4)), (f"y{i}", NetArrayLayer(output=4)), (f"g{i}", inner))}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [([f"x{i}", f"y{i}"], f"g{i}") for i in range(n)])
    assert len(info.value.diagnostics) == 2 * n and "swapped" not in str(info.value)
    assert trials[0] <= MAX_SWAP_TRIALS < n


def test_explaining_many_conflicts_at_one_hub_walks_its_edges_a_few_times(monkeypatch):
    """One graph input feeds every layer and half of them conflict: each conflict searched the hub's edges for the
    one joining it, and sorted them all to name the first few (8,000 layers: half a minute)."""
    from netgraph.core import inference
    walked, named = [0], [0]

    class CountedQueue(inference.deque):
        def append(self, item):
            walked[0] += 1
            super().append(item)

    def counted_parts(edges, real=inference.edge_parts):
        named[0] += len(edges)
        return real(edges)
    monkeypatch.setattr(inference, "deque", CountedQueue)
    monkeypatch.setattr(inference, "edge_parts", counted_parts)
    n = 200
    layers = {f"l{i}": LinearLayer(3, input=5 if i % 2 == 0 else 4) for i in range(n)}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [(NetPort("x"), f"l{i}") for i in range(n)])
    assert len(info.value.diagnostics) == n // 2
    assert walked[0] <= 3 * n and named[0] <= 3 * n


def test_thousands_of_misspelt_layer_names_are_guessed_a_few_times(monkeypatch):
    """Each edge to an unknown layer name compared it with every layer name: 2,000 of them took 15 s. The first few
    get a guess (they are the ones the message shows); every one is still a problem."""
    from netgraph.core import wiring
    guesses = count_calls(monkeypatch, wiring, "did_you_mean")
    n = 100
    layers = {f"layer{i}": ElementwiseLayer("Tanh") for i in range(n)}
    with pytest.raises(WiringError) as info:
        NetGraph(layers, [(f"layer{i}", f"layr{i + 1}") for i in range(n - 1)], Input=3)
    assert len(info.value.diagnostics) == n - 1 and guesses[0] <= MAX_LISTED
    assert "there is no layer 'layr1' (did you mean 'layer1'?)" in str(info.value)


def test_thousands_of_multiplier_keys_matching_nothing_are_guessed_a_few_times(monkeypatch):
    """Each key matching no array compared it with every layer name (2,000 keys on 2,000 layers: 12 s)."""
    from netgraph import NetChain, OptionError, net_set_learning_rate_multipliers
    from netgraph.core import array_rules
    guesses = count_calls(monkeypatch, array_rules, "did_you_mean")
    n = 100
    net = NetChain([LinearLayer(2) for _ in range(n)], input=2)
    with pytest.raises(OptionError) as info:
        net_set_learning_rate_multipliers(net, {"10x": 0.5, **{f"x{i}": 0.5 for i in range(n)}})
    assert len(info.value.diagnostics) == n + 1 and guesses[0] <= MAX_LISTED
    assert "key '10x' matches no array (did you mean '10'?)" in str(info.value)


def test_many_inputs_given_keras_batch_shapes_are_tried_without_the_none_a_few_times(monkeypatch):
    """Each graph input declared (None, 8) was tried without its None, each a whole inference again."""
    from netgraph.core import batch_dim
    trials = count_calls(monkeypatch, batch_dim, "solves_with")
    n = 30
    with pytest.raises(ShapeError) as info:
        NetGraph({f"l{i}": LinearLayer(3, input=8) for i in range(n)}, [(NetPort(f"x{i}"), f"l{i}") for i in range(n)],
                 **{f"x{i}": (None, 8) for i in range(n)})
    assert len(info.value.diagnostics) == n and trials[0] <= batch_dim.MAX_NONE_TRIALS < n


def test_every_port_too_large_is_a_diagnostic():
    """Only the first 5 ports too large were kept, though the message lists a few and the error holds every one."""
    import netgraph
    from netgraph import NetChain
    n = MAX_LISTED + 5
    with netgraph.limits(port_elements=100), pytest.raises(ShapeError) as info:
        NetChain([LinearLayer(200 + i) for i in range(n)], input=3)
    too_large = [d for d in info.value.diagnostics if d.kind == "too-large"]
    assert len(too_large) == len(info.value.diagnostics)
    assert {d.layer for d in too_large} == {(str(i + 1),) for i in range(n)}
    assert str(info.value).count("\n  - ") == MAX_LISTED and "more (the error's .diagnostics holds" in str(info.value)


def test_chain_problem_finds_its_layers_without_a_table_by_name(monkeypatch):
    """A chain's layers are met in order and its unwired ports are on its ends: no layer table is made by name; the
    wide DAG's edges meet layers out of order and the table is made once a problem, giving the same types as before."""
    fills = count_calls(monkeypatch, NumbersByName, "update")
    for chain, middle in ((NetChain([LinearLayer(4), "Tanh", LinearLayer(3)], input=2), "2"),
                          (NetGraph({"a": LinearLayer(4), "b": ElementwiseLayer("Tanh"), "c": LinearLayer(3)},
                                    [("a", "b", "c")], Input=2), "b")):
        assert chain._problem().ids and fills[0] == 0
        assert chain.layer_types(middle)["Output"].shape == (4,) and chain.output_shapes == {"Output": (3,)}
    wide = NetGraph({"b1": ElementwiseLayer("Tanh"), "b2": ElementwiseLayer("Tanh"), "s": FunctionLayer("#a + #b")},
                    [(["b1", "b2"], "s")], Input=2)
    made = fills[0]  # its construction's problem made the table: once
    assert made == 1 and wide._problem().ids and fills[0] == 2 and wide.output_shapes == {"Output": (2,)}


def test_numbers_by_name_misses_an_absent_name():
    numbers = NumbersByName({None: {}}, ("a", "b", "c"), [{"Input": 0}, {"Input": 2}, {"Input": 4}], 0)
    assert numbers["a"] == {"Input": 0} and len(numbers) == 1  # an end: no table
    with pytest.raises(KeyError):
        numbers["z"]
    assert len(numbers) == 4 and numbers["b"] == {"Input": 2}
    with pytest.raises(KeyError):
        numbers["z"]  # the table made once: still absent


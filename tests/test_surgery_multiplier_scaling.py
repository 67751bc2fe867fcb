"""Edits on a frozen net ({"All": 0}) keep the stored rules as they were and put a rule of rate 1 first for each
layer the edit added: one rule per added layer, not one per kept layer (1,000 kept layers made 1,001 rules, each
checked against every array name: quadratic). Counted (calls to ``matches``), not timed."""

from __future__ import annotations

import time

import pytest

import netgraph.core.array_rules as array_rules
import netgraph.core.multiplier_rates as multiplier_rates
import netgraph.core.multipliers as multipliers
from netgraph import (LinearLayer, NetChain, NetGraph, load, net_append, net_flatten, net_set_learning_rate_multipliers,
                      save)
from netgraph.core.multiplier_rates import stored_multipliers
from netgraph.core.multipliers import array_names
from netgraph.train.options import resolve_multipliers


def _nested(n: int) -> NetChain:
    enc = NetChain({f"l{i}": LinearLayer(4) for i in range(n)}, input=4)
    return net_set_learning_rate_multipliers(NetChain({"enc": enc, "head": LinearLayer(2)}), {"All": 0})


def _flat(n: int) -> NetChain:
    return net_set_learning_rate_multipliers(NetChain({f"l{i}": LinearLayer(4) for i in range(n)}, input=4), {"All": 0})


def _trainable(net: NetGraph) -> set[str]:
    return {name for name, r in resolve_multipliers(net, array_names(net), None).items() if r}


EDITS = {"nested": (_nested, lambda net: net_append(net_append(net, LinearLayer(4), at="enc"), LinearLayer(3))),
         "flat": (_flat, lambda net: net_append(net_append(net, LinearLayer(4)), LinearLayer(3)))}


@pytest.mark.parametrize("case", EDITS)
def test_appending_to_a_frozen_net_stores_one_rule_per_added_layer(case, tmp_path):
    make, edit = EDITS[case]
    edited = edit(make(30))
    added = {"nested": {"enc.31", "3"}, "flat": {"31", "32"}}[case]
    assert stored_multipliers(edited)[-1] == ("All", 0.0)
    assert len(stored_multipliers(edited)) == 3
    assert _trainable(edited) == {f"{layer}.{array}" for layer in added for array in ("Weights", "Biases")}
    for back in (NetGraph.from_yaml(edited.to_yaml()), load(save(edited, tmp_path / "edited.yaml"))):
        assert _trainable(back) == _trainable(edited)
        assert stored_multipliers(back) == stored_multipliers(edited)


def _matches_calls(monkeypatch, net: NetGraph, edit) -> int:
    calls, real = [0], array_rules.matches

    def counted(*args):
        calls[0] += 1
        return real(*args)
    for module in (array_rules, multipliers, multiplier_rates):
        monkeypatch.setattr(module, "matches", counted)
    edit(net)
    return calls[0]


@pytest.mark.parametrize("case", EDITS)
def test_appending_to_a_frozen_net_checks_rules_a_few_times_per_layer(monkeypatch, case):
    make, edit = EDITS[case]
    small, large = (_matches_calls(monkeypatch, make(n), edit) for n in (100, 400))
    assert large <= 6 * small  # linear: 4 times; quadratic (one rule per kept layer): 16


def _cpu_seconds(function, *args) -> float:
    start = time.process_time()
    function(*args)
    return time.process_time() - start


HEAD = {"All": {"All": 0}, "each": None}  # the old net's rules: one for every array, or one per layer


@pytest.mark.parametrize("rules", HEAD)
def test_an_edit_with_rules_on_two_arguments_takes_time_linear_in_the_layers(rules):
    """``net_append(frozen, head)`` where the head stores rules too narrows each old rule to the old layers: one
    walk over the arrays in all, not one per rule, and the result's rules checked by lookups (each rule against
    every array name: 400 -> 4,000 layers took 100 times longer)."""
    head = net_set_learning_rate_multipliers(NetChain({"a": LinearLayer(4), "b": LinearLayer(3)}), {"a": 0.5})

    def frozen(n: int) -> NetChain:
        chain = NetChain({f"l{i}": LinearLayer(4) for i in range(n)}, input=4)
        return net_set_learning_rate_multipliers(chain, HEAD[rules] or {f"l{i}": 0 for i in range(n)})
    small, large = frozen(400), frozen(4000)
    edited = net_append(small, head)
    assert _trainable(edited) == {"401.a.Weights", "401.a.Biases", "401.b.Weights", "401.b.Biases"}
    assert resolve_multipliers(edited, array_names(edited), None)["401.a.Weights"] == 0.5
    ratio = (min(_cpu_seconds(net_append, large, head) for _ in range(3))
             / min(_cpu_seconds(net_append, small, head) for _ in range(3)))
    assert ratio < 30  # linear: 10-15 idle, a single read 42 in CI beside another worker; quadratic: 100


def _taken_apart(n: int) -> NetChain:
    graphs = {f"g{i}": NetChain({"a": LinearLayer(4), "b": LinearLayer(4)}) for i in range(n)}
    return net_set_learning_rate_multipliers(NetChain(graphs, input=4), {f"g{i}": 0.5 for i in range(n)})


def test_rules_for_many_graphs_taken_apart_are_carried_with_a_few_checks_per_layer(monkeypatch):
    """net_flatten takes each graph apart: its rule goes to the layers kept below it, each found by a lookup, not by
    checking every array name for each rule (100 -> 400 graphs with a rule each: 16 times the calls)."""
    flat = net_flatten(_taken_apart(3))
    assert stored_multipliers(flat) == [("g0", 0.5), ("g1", 0.5), ("g2", 0.5)]
    assert set(resolve_multipliers(flat, array_names(flat), None).values()) == {0.5}
    small, large = (_matches_calls(monkeypatch, _taken_apart(n), net_flatten) for n in (100, 400))
    assert large <= 6 * small  # linear: 4 times; quadratic: 16

"""Array rules (learning-rate multipliers, net_initialize's method=) on big nets: finding the rules that pick each
array takes work linear in arrays + rules, not their product (counted, not timed: one glob match per array and
rule was 13 s for 2,000 rules on 4,000 layers). Results stay those of trying every rule in order."""

from __future__ import annotations

import fnmatch

import pytest

from netgraph import ElementwiseLayer, LinearLayer, NetGraph, OptionError, net_initialize, \
    net_set_learning_rate_multipliers
from netgraph.core.array_rules import PathIndex, RuleIndex, matches

N = 400  # layers: 200 LinearLayers (400 arrays), one rule per LinearLayer


def big() -> NetGraph:
    named = {f"l{i}": LinearLayer(4) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(N)}
    return NetGraph(named, [tuple(named)], Input=4)


@pytest.fixture
def globs(monkeypatch):
    """Counts fnmatch.fnmatchcase calls (what trying a rule on an array costs)."""
    calls = [0]
    real = fnmatch.fnmatchcase

    def counted(name, pattern):
        calls[0] += 1
        return real(name, pattern)
    monkeypatch.setattr(fnmatch, "fnmatchcase", counted)
    return calls


def test_multipliers_per_layer_are_not_tried_on_every_array(globs):
    net = big()
    rules = {f"l{i}": 0.5 for i in range(0, N, 2)}
    slow = net_set_learning_rate_multipliers(net, rules)
    rates = slow.information("ArraysLearningRateMultipliers")
    assert globs[0] <= 4 * N
    assert set(rates.values()) == {0.5} and len(rates) == N


def test_initialize_method_per_layer_is_not_tried_on_every_array(globs):
    net = net_initialize(big(), method={f"l{i}": 0.25 for i in range(0, N, 4)}, seed=0)
    assert globs[0] <= 4 * N
    assert float(net.layers["l4"].arrays["Weights"][0, 0]) == 0.25
    assert float(net.layers["l2"].arrays["Weights"].abs().sum()) != 0.25 * 16


def test_globs_still_match_one_by_one_and_the_first_rule_wins():
    net = net_set_learning_rate_multipliers(big(), [("l1*", 0.1), ("l10", 0.2), ("l2", 0.3), ("*", 0.4)])
    rates = net.information("ArraysLearningRateMultipliers")
    assert rates[("l10", "Weights")] == 0.1 and rates[("l2", "Biases")] == 0.3 and rates[("l0", "Weights")] == 0.4
    with pytest.raises(OptionError, match="'l9x'"):
        net_set_learning_rate_multipliers(big(), {"l0": 1, "l9x": 2})


@pytest.mark.parametrize("pattern", [[], ["a"], ["a", "b"], ["a/b"], ["a/b", "W"], ["a*"], ["?", "b"], ["[ab]"],
                                     ["a", "b", "W", "x"], ["b"], None])
def test_indexes_agree_with_matches(pattern):
    paths = [["a", "b", "W"], ["a/b", "B"], ["ab", "W"], ["c", "W"]]
    index = RuleIndex([["c"], pattern, []])
    for parts in paths:
        expected = [i for i, p in enumerate([["c"], pattern, []]) if matches(p, parts)]
        assert index.matching(parts) == expected
    assert PathIndex(paths).any_match(pattern) == any(matches(pattern, p) for p in paths)

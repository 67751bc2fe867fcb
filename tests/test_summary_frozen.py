"""The summary says how many parameters the rules stored on a net freeze (Keras's "Non-trainable params"): a net with
``net_set_learning_rate_multipliers(net, {"enc": 0})`` showed its parameter count alone, as if all of them trained."""

from __future__ import annotations

from netgraph import (BatchNormalizationLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetSharedArray,
                      net_initialize, net_set_learning_rate_multipliers)
from netgraph.core.summary import frozen_count, one_line


def _classifier():
    return NetChain({"enc": NetChain({"l1": LinearLayer(8), "bn": BatchNormalizationLayer()}), "head": LinearLayer(2)},
                    input=4)


def test_frozen_parameters_are_counted_from_the_stored_rules_buffers_apart():
    frozen = net_set_learning_rate_multipliers(_classifier(), {"enc": 0})
    # enc/l1: 8 * 4 + 8 = 40, enc/bn: Scaling and Biases 16 (its moving statistics are buffers, not parameters)
    assert frozen_count(frozen) == 56
    assert "74 parameters (56 frozen), 16 buffer elements" in one_line(frozen)
    assert "74 parameters (56 frozen)" in str(net_initialize(frozen, seed=0).information())
    assert frozen_count(net_set_learning_rate_multipliers(_classifier(), {("head", "Biases"): 0})) == 2


def test_a_net_without_frozen_arrays_says_nothing_more():
    assert frozen_count(_classifier()) == 0
    assert "frozen" not in one_line(_classifier())
    assert "frozen" not in one_line(net_set_learning_rate_multipliers(_classifier(), {"enc": 0.1}))


def test_a_shared_array_counts_once_and_operators_inner_arrays_count():
    w = NetSharedArray("w")
    tied = NetGraph({"a": LinearLayer(4, weights=w), "b": LinearLayer(4, weights=w)}, [("a", "b")], Input=4)
    assert frozen_count(net_set_learning_rate_multipliers(tied, {"All": 0})) == 16 + 4 + 4
    mapped = NetChain({"map": NetMapOperator(LinearLayer(2))}, input=(3, 5))
    assert frozen_count(net_set_learning_rate_multipliers(mapped, {"map": 0})) == 12

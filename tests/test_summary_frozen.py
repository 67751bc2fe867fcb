"""The summary says how many parameters the rules stored on a net freeze (Keras's "Non-trainable params"): a net with
``net_set_learning_rate_multipliers(net, {"enc": 0})`` showed its parameter count alone, as if all of them trained."""

from __future__ import annotations

import torch

from netgraph import (BatchNormalizationLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetSharedArray,
                      TorchLayer, net_initialize, net_set_learning_rate_multipliers, net_train)
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


def _frozen_weight_linear() -> torch.nn.Linear:
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 3)
    lin.weight.requires_grad_(False)
    return lin


def test_a_module_parameter_without_requires_grad_is_frozen_in_the_summary_rates_and_training():
    """A TorchLayer's parameter with requires_grad=False does not train; the summary said all 12 parameters train and
    ArraysLearningRateMultipliers gave it 1.0."""
    net = net_initialize(NetChain({"t": TorchLayer(_frozen_weight_linear())}, input=3))
    assert "12 parameters (9 frozen)" in one_line(net)
    assert net.information("ArraysLearningRateMultipliers") == {("t", "weight"): 0.0, ("t", "bias"): 1.0}
    data = {"Input": torch.randn(16, 3), "Output": torch.randn(16, 3)}
    trained = net_train(net, data, max_training_rounds=2, batch_size=8, progress=False)
    assert torch.equal(trained.layers["t"].arrays["weight"], net.layers["t"].arrays["weight"])
    assert not torch.equal(trained.layers["t"].arrays["bias"], net.layers["t"].arrays["bias"])
    mapped = NetChain({"map": NetMapOperator(NetChain({"t": TorchLayer(_frozen_weight_linear())}, input=3))},
                      input=(4, 3))
    assert frozen_count(mapped) == 9
    assert net_initialize(mapped).information("ArraysLearningRateMultipliers")[("map", "net", "t", "weight")] == 0

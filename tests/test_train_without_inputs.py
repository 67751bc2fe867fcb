"""``net_train(net, n)``: a net without inputs (a learned distribution, its draws and its own loss outputs) trains on
n examples a round, which hold nothing. It once needed a function loss and a dummy key of n rows
(``loss_function="KL"`` refused every key, so an output of its own could not be the loss by name)."""

from __future__ import annotations

import math
import time
import tracemalloc

import pytest
import torch

from netgraph import (DataError, ElementwiseLayer, KLDivergenceLayer, LinearLayer, NetArrayLayer, NetGraph, NetPort,
                      NormalDistribution, RandomArrayLayer, limits, net_train)


def _kl_net(prior_mean: float) -> NetGraph:
    kl = KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(prior_mean, 1.0))
    return NetGraph({"mu": NetArrayLayer(array=[2.0]), "kl": kl}, [("mu", "kl", NetPort("KL"))])


def test_an_own_kl_output_trains_by_name_to_the_prior_s_mean():
    """KL(N(mu, 1) || N(-0.5, 1)) = (mu + 0.5)²/2: exact gradients, the optimum mu = -0.5."""
    fitted = net_train(_kl_net(-0.5), 64, loss_function="KL", max_training_rounds=100, method="SGD", learning_rate=0.1,
                       random_seed=0, progress=False)
    assert abs(fitted.layers["mu"].arrays["Array"].item() + 0.5) < 1e-3


def test_draws_fit_their_parameter_to_the_minimum_of_the_expected_loss():
    """E[(x - 3)²] for x ~ N(mu, 1) is (mu - 3)² + 1: pathwise gradients move mu from 0 to 3."""
    net = NetGraph({"mu": NetArrayLayer(array=[0.0]), "x": RandomArrayLayer(NormalDistribution("#mu", 1.0))},
                   [("mu", NetPort("x", "mu"))])
    fitted = net_train(net, 256, loss_function=lambda outputs, batch: ((outputs["Output"] - 3) ** 2).mean(),
                       batch_size=64, max_training_rounds=40, learning_rate=0.05, random_seed=0, progress=False)
    assert abs(fitted.layers["mu"].arrays["Array"].item() - 3) < 0.25  # Adam's jitter at lr 0.05: a few 0.05


def test_n_examples_make_the_rounds_batches_of_batch_size():
    results = net_train(_kl_net(0.0), 50, loss_function="KL", batch_size=16, max_training_rounds=3, random_seed=0,
                        progress=False, all=True)
    assert (results.total_rounds, results.total_batches, results.examples_processed) == (3, 12, 150)


@pytest.mark.parametrize("data, kind", [(0, "missing-data"), (-3, "missing-data"), (True, "data-form")])
def test_a_count_that_is_no_positive_integer_is_a_data_error(data, kind):
    with pytest.raises(DataError) as info:
        net_train(_kl_net(0.0), data, loss_function="KL", max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].kind == kind


def test_a_count_for_a_net_with_inputs_is_a_data_error_naming_its_ports():
    net = NetGraph([LinearLayer(1), ElementwiseLayer("Tanh")], [], Input=2)
    with pytest.raises(DataError, match=r"is for a net without inputs; this net reads \['Input'\]") as info:
        net_train(net, 64, max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].kind == "data-form"


def test_a_count_past_the_port_elements_limit_is_a_limit_error_and_limits_raise_it():
    with pytest.raises(DataError) as info:  # once torch's raw allocation error, from shuffling 10**15 indices
        net_train(_kl_net(0.0), 10**15, loss_function="KL", max_training_rounds=1, progress=False)
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].found) == ("limit", 10**15)
    assert "port_elements" in str(info.value)
    with limits(port_elements=2**10), pytest.raises(DataError):
        net_train(_kl_net(0.0), 2**10 + 1, loss_function="KL", max_training_rounds=1, progress=False)


def test_examples_that_hold_nothing_are_not_shuffled(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("randperm of examples that hold nothing")
    monkeypatch.setattr(torch, "randperm", refused)
    results = net_train(_kl_net(0.0), 50, loss_function="KL", batch_size=16, max_training_rounds=2, random_seed=0,
                        progress=False, all=True)
    assert (results.total_batches, results.examples_processed) == (8, 100)


def test_a_held_out_fraction_of_counted_examples_builds_no_permutation(monkeypatch):
    """validation_set=0.25 of n counted examples ran randperm(n) and listed its n indices: 2**28 (the port_elements
    limit) took GiBs and minutes, though the examples are interchangeable. The last quarter is held out now, at a
    cost that does not grow with n (tracemalloc: Python's allocations; randperm refused)."""
    from netgraph.train.data import gather
    from netgraph.train.data_split import training_and_validation

    def refused(*args, **kwargs):
        raise AssertionError("randperm of examples that hold nothing")
    monkeypatch.setattr(torch, "randperm", refused)
    peaks = []
    for n in (100, 2**28):
        tracemalloc.start()
        start = time.process_time()
        train, validation = training_and_validation(0.25, gather(n, "data", ((), ("KL",)), 64), {}, False, 0,
                                                    ((), ("KL",)), 64)
        seconds, peaks = time.process_time() - start, [*peaks, tracemalloc.get_traced_memory()[1]]
        tracemalloc.stop()
        assert (train.size, validation.size) == (n - math.ceil(n / 4), math.ceil(n / 4))
        assert list(validation.numbers[:2]) == [n - math.ceil(n / 4), n - math.ceil(n / 4) + 1] and seconds < 1
    assert peaks[1] < 2 * peaks[0] + 10_000, peaks  # flat: 2**28 indices as Python ints would be GiBs


def test_counted_examples_train_and_validate_on_their_parts(monkeypatch):
    monkeypatch.setattr(torch, "randperm", lambda *args, **kwargs: pytest.fail("randperm of counted examples"))
    results = net_train(_kl_net(0.0), 50, loss_function="KL", validation_set=0.2, batch_size=16, max_training_rounds=2,
                        random_seed=0, progress=False, all=True)
    assert (results.total_batches, results.examples_processed) == (6, 80)  # 40 a round train, 10 held out
    assert len(results.validation_losses) == 2

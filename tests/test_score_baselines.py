"""The score-function baseline where examples' outputs depend on each other's draws, and with mixed parameters.

Found in review: net_port_gradient and surrogate_loss scored each example's draws by its loss less the mean loss of
the others (leave-one-out), which assumes an example's loss depends on its own draws only. Batch normalisation in
training mode breaks that: Poisson(#a) -> BatchNormalizationLayer gave 0.577 ± 0.006 for an exact gradient of 0.

The net here: two Bernoulli examples (p = 0.2 and 0.7) batch-normalised together, squared and summed. Both outputs are
0 when the draws agree, else ±1/sqrt(0.25 + ε)·0.5, so the summed loss is c = 0.5 / (0.25 + ε) when they differ:
E = c·(p1(1 − p2) + p2(1 − p1)), dE/dp1 = c(1 − 2 p2), dE/dp2 = c(1 − 2 p1) (ε = 0.001, the layer's default).
Leave-one-out gave 0 for both (the two losses are always equal). Each check: the mean over independent batches within
4.5 standard errors, the error small next to the exact value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from netgraph import (BatchNormalizationLayer, BernoulliDistribution, ElementwiseLayer, FunctionLayer, NetArrayLayer,
                      NetGraph, PoissonDistribution, RandomArrayLayer, net_initialize, net_port_gradient, net_train)
from netgraph.core.errors import OptionError
from netgraph.layers.score_baselines import leave_one_out_term, mixes_examples

_P = torch.tensor([[0.2], [0.7]])
_C = 0.5 / (0.25 + 0.001)
_EXACT = torch.tensor([_C * (1 - 2 * 0.7), _C * (1 - 2 * 0.2)], dtype=torch.float64)
_ROUNDS = 600


def _normalised_pair():
    net = NetGraph({"x": RandomArrayLayer(BernoulliDistribution("#p")), "bn": BatchNormalizationLayer(),
                    "f": FunctionLayer("#Input^2")}, [("x", "bn", "f")], p=1)
    return net_initialize(net, seed=0)


def _mean_and_error(g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    g = g.double()
    return g.mean(0), g.std(0) / math.sqrt(g.shape[0])


@pytest.mark.slow
def test_net_port_gradient_through_batch_norm_in_training_is_unbiased():
    net = _normalised_pair()
    g = torch.stack([net_port_gradient(net, {"p": _P}, seed=s, mode="train").flatten() for s in range(_ROUNDS)])
    mean, error = _mean_and_error(g)
    assert bool((error < 0.15).all()) and bool(((mean - _EXACT).abs() < 4.5 * error).all()), (mean, error)


@pytest.mark.slow
def test_surrogate_loss_through_batch_norm_in_training_is_unbiased():
    """The training path: each example's draws scored by the mean loss less the running mean of earlier steps."""
    module = _normalised_pair().compile().train()
    torch.manual_seed(0)
    grads = []
    for _ in range(_ROUNDS):
        p = _P.clone().requires_grad_(True)
        losses = module(p=p).flatten(1).sum(1)
        (losses.mean() + module.surrogate_loss(losses)).backward()
        grads.append(p.grad.flatten())
    mean, error = _mean_and_error(torch.stack(grads))
    exact = _EXACT / 2  # the gradient of the mean of two losses
    assert bool((error < 0.07).all()) and bool(((mean - exact).abs() < 4.5 * error).all()), (mean, error)


def test_poisson_through_batch_norm_has_gradient_zero():
    """The review's case: train-mode outputs sum to the Biases (0) for every draw, so every estimate is about 0."""
    net = net_initialize(NetGraph({"x": RandomArrayLayer(PoissonDistribution("#a")), "bn": BatchNormalizationLayer()},
                                  [("x", "bn")], a=1), seed=0)
    g = net_port_gradient(net, {"a": torch.full((20_000, 1), 3.0)}, seed=0, mode="train").double()
    assert abs(g.mean().item()) < 0.01  # leave-one-out gave 0.577 ± 0.006


def test_mixed_parameters_get_their_own_exact_gradients():
    """λ alternating 1 and 10 through N²: d/dλ E[N²] = 2λ + 1, 3 and 21, by net_port_gradient and surrogate_loss."""
    net = NetGraph({"x": RandomArrayLayer(PoissonDistribution("#a")), "f": FunctionLayer("#Input^2")}, [("x", "f")],
                   a=())
    lam = torch.tensor([1.0, 10.0]).repeat(20_000)
    by_gradient = net_port_gradient(net, {"a": lam}, seed=0)
    module = net.compile()
    torch.manual_seed(0)
    a = lam.clone().requires_grad_(True)
    losses = module(a=a)
    (losses.sum() + module.surrogate_loss(losses, reduction="sum")).backward()
    for g in (by_gradient, a.grad):
        for value, exact in ((1.0, 3.0), (10.0, 21.0)):
            mean, error = _mean_and_error(g[lam == value])
            assert error < 0.5 and abs(mean - exact) < 4.5 * error, (value, mean, error)


def test_batch_norm_mixes_examples_in_training_only():
    module = _normalised_pair().compile()
    assert mixes_examples(module.train().modules()) and not mixes_examples(module.eval().modules())


def test_one_attribute_declares_mixing_and_the_older_training_only_one_still_works():
    """MIXES_EXAMPLES, which a module may make a property (netgraph's batch norm: its training mode); a module
    declaring README's older MIXES_EXAMPLES_IN_TRAINING = True mixes in training only."""
    class Older(torch.nn.Module):
        MIXES_EXAMPLES_IN_TRAINING = True

    norm = next(m for m in _normalised_pair().compile().modules() if type(m).__name__ == "BatchNormModule")
    assert norm.train().MIXES_EXAMPLES is True and norm.eval().MIXES_EXAMPLES is False
    assert mixes_examples([Older().train()]) and not mixes_examples([Older().eval()])


def test_leave_one_out_is_refused_where_it_would_be_biased_or_impossible():
    logp, losses = torch.zeros(3, requires_grad=True), torch.tensor([1.0, 2.0, 6.0])
    grad = torch.autograd.grad(leave_one_out_term(logp, losses, mixed=False), logp)[0]
    assert grad.tolist() == [-3.0, -1.5, 4.5]  # each loss less the mean of the other two
    assert leave_one_out_term(logp, losses, mixed=True) is None
    assert leave_one_out_term(logp, losses[:1], mixed=False) is None  # one loss for three draws
    assert leave_one_out_term(logp[:1], losses[:1], mixed=False) is None  # one example: no others


def _group_centred(b: torch.Tensor) -> torch.Tensor:
    """Each example's loss (b − the mean of its group of 4)²: it depends on the other draws of its group."""
    groups = b.reshape(-1, 4)
    return ((groups - groups.mean(1, keepdim=True)) ** 2).reshape(-1)


def _surrogate_gradients(whole_batch: bool) -> torch.Tensor:
    """1000 gradients d/dp of groups of 4 centred Bernoulli(p = 0.2) draws (64 a batch) through surrogate_loss."""
    module = NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=1).compile().double()
    torch.manual_seed(0)
    grads = []
    for _ in range(1000):
        p = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
        losses = _group_centred(module(p=p.expand(64, 1)).flatten())
        (losses.mean() + module.surrogate_loss(losses, score_whole_batch=whole_batch)).backward()
        grads.append(p.grad)
    return torch.stack(grads)


def test_surrogate_loss_scoring_the_whole_batch_is_unbiased_for_a_loss_mixing_examples():
    """Groups of B = 4 Bernoulli(0.2) draws: E mean (b − b̄)² = (1 − 1/B) p(1 − p),
    so d/dp = (1 − 1/B)(1 − 2p) = 0.45; leave-one-out (about 0.335: each loss depends on its group's other draws)
    lies outside the whole batch's 3σ band."""
    mean, error = _mean_and_error(_surrogate_gradients(True))
    leave_one_out, _ = _mean_and_error(_surrogate_gradients(False))
    assert error < 0.04 and abs(mean - 0.45) < 3 * error, (mean, error)
    assert abs(leave_one_out - mean) > 3 * error, (leave_one_out, mean, error)


def _net_train_steps(whole_batch: bool) -> torch.Tensor:
    """300 one-SGD-step moves (over the learning rate) of a in p = σ(a), batches of 4 centred Bernoulli(p) draws."""
    start, rate = math.log(0.2 / 0.8), 1e-3
    net = NetGraph({"a": NetArrayLayer(array=[start]), "s": ElementwiseLayer("LogisticSigmoid"),
                    "b": RandomArrayLayer(BernoulliDistribution("#p"))}, [("a", "s", "b")])
    steps = []
    for seed in range(300):
        trained = net_train(net, 4, loss_function=lambda out, batch: _group_centred(out["Output"].flatten()),
                            batch_size=4, max_training_rounds=1, method="SGD", learning_rate=rate, random_seed=seed,
                            progress=False, score_whole_batch=whole_batch)
        steps.append((start - trained.layers["a"].arrays["Array"].double().item()) / rate)
    return torch.tensor(steps)


@pytest.mark.slow
def test_net_train_scoring_the_whole_batch_is_unbiased_for_a_loss_mixing_examples():
    """One SGD step of a batch of 4 through p = σ(a) at p = 0.2: d/da = 0.45 p(1 − p) = 0.072; leave-one-out (about
    0.043) lies outside the whole batch's 3σ band."""
    mean, error = _mean_and_error(_net_train_steps(True))
    leave_one_out, _ = _mean_and_error(_net_train_steps(False))
    assert error < 0.012 and abs(mean - 0.072) < 3 * error, (mean, error)
    assert abs(leave_one_out - mean) > 3 * error, (leave_one_out, mean, error)


def test_score_whole_batch_takes_only_true_or_false():
    module = NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=1).compile()
    with pytest.raises(OptionError, match="score_whole_batch"):
        module.surrogate_loss(torch.zeros(2), score_whole_batch="yes")
    with pytest.raises(OptionError, match="score_whole_batch"):
        net_train(NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=1), {"p": torch.rand(4, 1)},
                  loss_function=lambda out, batch: out["Output"].flatten(), score_whole_batch=1, progress=False)


def test_score_whole_batch_takes_a_numpy_bool_and_says_so_in_one_wording_with_net_train():
    """surrogate_loss refused np.bool_ (net_train took it) and gave expected=True where net_train gives "True or
    False"."""
    module = NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=1).compile()
    assert float(module.surrogate_loss(torch.zeros(2), score_whole_batch=np.bool_(True))) == 0.0
    with pytest.raises(OptionError) as info:
        module.surrogate_loss(torch.zeros(2), score_whole_batch="yes")
    assert str(info.value) == "surrogate_loss option score_whole_batch= must be True or False, found 'yes'"
    problem = info.value.diagnostics[0]
    assert (problem.option, problem.expected, problem.found) == ("score_whole_batch", "True or False", "yes")


_GROUP_P = [0.2, 0.7, 0.5, 0.1]


def _batch_centred(Input):
    """Each example's (b − the batch's mean)²: Python code that mixes examples, which netgraph cannot see."""
    return (Input - Input.mean(0)) ** 2


def _exact_batch_centred_gradient() -> torch.Tensor:
    """d/dp of E Σ (b − b̄)² over the four Bernoulli(p) draws, summing over all 16 outcomes."""
    p = torch.tensor(_GROUP_P, dtype=torch.float64, requires_grad=True)
    expectation = p.new_zeros(())
    for outcome in range(16):
        b = torch.tensor([(outcome >> i) & 1 for i in range(4)], dtype=torch.float64)
        expectation = expectation + torch.prod(b * p + (1 - b) * (1 - p)) * ((b - b.mean()) ** 2).sum()
    return torch.autograd.grad(expectation, p)[0]


def _port_gradients(net, **options) -> torch.Tensor:
    p = torch.tensor(_GROUP_P)[:, None]
    return torch.stack([net_port_gradient(net, {"p": p}, seed=s, **options).flatten() for s in range(1500)])


def _centred_net(**function_options):
    return NetGraph({"b": RandomArrayLayer(BernoulliDistribution("#p")),
                     "f": FunctionLayer(_batch_centred, **function_options)}, [("b", "f")], p=1)


@pytest.mark.slow
def test_net_port_gradient_scoring_the_whole_batch_is_unbiased_for_outputs_mixing_examples():
    """Four Bernoulli draws centred on their batch's mean by a Python function: score_whole_batch=True gives the
    exact gradient (p / 2 here) within 3σ; leave-one-out (the default, as netgraph cannot see the mixing; about 0.21
    for 0.35) is biased, outside its own 3σ band."""
    exact = _exact_batch_centred_gradient()
    mean, error = _mean_and_error(_port_gradients(_centred_net(), score_whole_batch=True))
    assert bool((error < 0.08).all()) and bool(((mean - exact).abs() < 3 * error).all()), (mean, error, exact)
    leave_one_out, its_error = _mean_and_error(_port_gradients(_centred_net()))
    assert bool(((leave_one_out - exact).abs() > 3 * its_error).any()), (leave_one_out, its_error, exact)


def test_net_port_gradient_takes_only_true_or_false_for_score_whole_batch():
    with pytest.raises(OptionError) as info:
        net_port_gradient(_centred_net(), {"p": torch.full((2, 1), 0.5)}, score_whole_batch="yes")
    assert str(info.value) == "net_port_gradient option score_whole_batch= must be True or False, found 'yes'"


def test_a_python_function_declared_to_mix_examples_is_scored_by_the_whole_batch():
    """FunctionLayer(f, mixes_examples=True) says what netgraph cannot see: net_port_gradient then scores every draw
    by the batch's summed outputs without being asked, exactly as score_whole_batch=True does on the plain net (whose
    unbiasedness the Monte Carlo test above shows), and not as the plain net's default, in mode="train" and not."""
    p = torch.tensor(_GROUP_P)[:, None]
    for mode in ("test", "train"):
        declared = [net_port_gradient(_centred_net(mixes_examples=True), {"p": p}, seed=s, mode=mode) for s in range(5)]
        asked = [net_port_gradient(_centred_net(), {"p": p}, seed=s, mode=mode, score_whole_batch=True)
                 for s in range(5)]
        plain = [net_port_gradient(_centred_net(), {"p": p}, seed=s, mode=mode) for s in range(5)]
        assert all(torch.equal(d, a) for d, a in zip(declared, asked)), mode
        assert not all(torch.equal(d, q) for d, q in zip(declared, plain)), mode


def test_only_a_python_function_declares_that_it_mixes_examples():
    module = _centred_net(mixes_examples=True).compile()
    assert mixes_examples(module.modules()) and mixes_examples(module.eval().modules())
    assert not mixes_examples(_centred_net().compile().modules())
    with pytest.raises(OptionError, match="mixes_examples"):
        FunctionLayer("#x - 1", mixes_examples=True)

"""Gradient estimators of discrete RandomArrayLayers: the surrogate term, baselines, warnings, training."""

from __future__ import annotations

import math
import statistics
import sys
import warnings

import pytest
import torch

from netgraph import (BernoulliDistribution, ElementwiseLayer, FunctionLayer, LinearLayer, NetGraph, NetMapOperator,
                      NetPort, NormalDistribution, OptionError, PoissonDistribution, RandomArrayLayer, net_initialize,
                      net_train)
from netgraph.layers.estimators import EstimatorWarning, surrogate_loss
from tests.benchmark_modules import benchmark

T, EXACT = 0.45, 0.025  # f(b) = (b - 0.45)^2, theta = sigmoid(0) = 0.5: d/d logit E f = theta (1 - theta)(1 - 2t)


def coin(estimator=None, **options):
    return NetGraph({"coin": RandomArrayLayer(BernoulliDistribution("#p"), estimator=estimator, **options)},
                    [], p=()).compile()


toy_estimates = benchmark("random_layers").toy_estimates  # (compiled coin, draws, n): n estimates of d/d eta at 0


def test_bernoulli_toy_leave_one_out_matches_the_reference():
    """RLOO over 2 draws: mean 0.025 within 4.5 standard errors, std .025 (the reference), far below REINFORCE."""
    n = 2000
    est = toy_estimates(coin(), 2, n)
    mean, std = statistics.fmean(est), statistics.stdev(est)
    assert abs(mean - EXACT) < 4.5 * 0.025 / math.sqrt(n)
    # each estimate is 0 or 0.05 with probability 1/2, so the sample std is .025 up to O(1/n) terms
    assert abs(std - 0.025) < 0.001
    b = torch.bernoulli(torch.full((n,), 0.5))
    reinforce = ((b - T) ** 2 * (b - 0.5)).std().item()  # plain REINFORCE, one draw: reference .126
    assert abs(reinforce - 0.126) < 0.01 and std < reinforce / 4


def test_running_mean_baseline_for_a_scalar_loss_is_unbiased():
    module = coin()
    est = toy_estimates(module, 1, 1500)  # one draw per step: no leave-one-out, the running mean
    se = statistics.stdev(est) / math.sqrt(len(est))
    assert abs(statistics.fmean(est) - EXACT) < 5 * se + 1e-4
    assert module.get_submodule("coin").baseline == pytest.approx(0.2525, abs=0.03)  # E f = (.3025 + .2025)/2


def test_surrogate_value_is_zero_and_records_are_consumed():
    module = coin()
    p = torch.full((8,), 0.3, requires_grad=True)
    losses = (module(p=p) - T) ** 2
    term = module.surrogate_loss(losses)
    assert term.item() == 0.0 and term.requires_grad
    again = module.surrogate_loss(losses)
    assert again.item() == 0.0 and not again.requires_grad  # nothing pending any more


def test_no_records_without_grad():
    module = coin()
    with torch.no_grad():
        b = module(p=torch.full((4,), 0.3, requires_grad=True))
    assert not b.requires_grad
    assert not module(p=torch.full((4,), 0.3)).requires_grad  # constants: a plain draw
    assert not module.surrogate_loss(torch.zeros(4)).requires_grad


def test_reduction_sum_scales_the_gradient():
    module = coin()
    grads = {}
    for reduction in ("mean", "sum"):
        p = torch.full((6,), 0.4, requires_grad=True)
        torch.manual_seed(9)
        losses = (module(p=p) - T) ** 2
        objective = losses.mean() if reduction == "mean" else losses.sum()
        (objective + module.surrogate_loss(losses, reduction)).backward()
        grads[reduction] = p.grad
    torch.testing.assert_close(grads["sum"], 6 * grads["mean"])
    assert grads["mean"].abs().sum() > 0


def test_surrogate_loss_checks_its_arguments():
    module = coin()
    with pytest.raises(OptionError, match="per-example losses as a 1-D float tensor"):
        module.surrogate_loss(torch.zeros(2, 3))
    with pytest.raises(OptionError, match=r"1-D float tensor .* found dtype torch.int64\."):  # named the (right) shape
        module.surrogate_loss(torch.zeros(3, dtype=torch.long))
    with pytest.raises(OptionError, match="reduction must be 'mean' or 'sum'"):
        module.surrogate_loss(torch.zeros(2), "max")


def test_surrogate_after_the_draw_was_freed_says_so():
    """A reward computed from .tolist() leaves no record alive: a clear error, not a zero without grad."""
    module = coin()
    p = torch.full((4,), 0.3, requires_grad=True)
    rewards = torch.tensor([float(v) for v in module(p=p).tolist()])  # the draw tensor is dropped
    with pytest.raises(OptionError, match=r"no draws are recorded.*layer 'coin'.*freed.*Keep the draw tensor alive"):
        module.surrogate_loss(rewards)
    torch.manual_seed(0)
    p = torch.full((64,), 0.3, requires_grad=True)
    a = module(p=p)  # kept alive: the same black-box reward now trains p
    rewards = torch.tensor([float(v) for v in a.tolist()])
    (rewards.mean() + module.surrogate_loss(rewards)).backward()
    assert p.grad.abs().sum() > 0


def test_losses_of_another_batch_size_warn_once_naming_both_sizes():
    module = coin()
    p = torch.full((4,), 0.3, requires_grad=True)
    b = module(p=p)
    with pytest.warns(EstimatorWarning, match=r"layer 'coin'.*drew a batch of 4.*batch size 6.*running-mean"):
        term = module.surrogate_loss(torch.ones(6))
    assert term.requires_grad  # the running-mean fallback still gives a gradient
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = module(p=p)
        module.surrogate_loss(torch.ones(6))  # once per layer
        b = module(p=p)
        module.surrogate_loss((b - T) ** 2)  # matching sizes: silent
    del b


@pytest.mark.parametrize("call", ["method", "function"])
def test_the_batch_size_warning_points_at_the_callers_line(call):
    """Its stacklevel named netgraph's own surrogate_loss line, whichever way it was called."""
    module = coin()
    b = module(p=torch.full((4,), 0.3, requires_grad=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        module.surrogate_loss(torch.ones(6)) if call == "method" else surrogate_loss(module, torch.ones(6))
    [warning] = [w for w in caught if issubclass(w.category, EstimatorWarning)]
    assert (warning.filename, warning.lineno) == (__file__, line)
    del b


def map_coins(outside=False):
    """Bernoulli(p) draws, one per element of an (n) sequence: inside a NetMapOperator, or one layer of output (n)."""
    coin_layer = RandomArrayLayer(BernoulliDistribution("#p"))
    if outside:
        return NetGraph({"coin": coin_layer}, [], p=5).compile()
    return NetGraph({"m": NetMapOperator(NetGraph({"coin": coin_layer}, [], p=()))}, [], p=("n",)).compile()


def sequence_estimates(module, batch, n):
    """d/d logit of E sum_i (b_i - t)^2 over 5 elements per example, one estimate per step of ``batch`` examples."""
    out = []
    for _ in range(n):
        eta = torch.zeros((), requires_grad=True)
        b = module(p=torch.sigmoid(eta).expand(batch, 5))
        losses = ((b - T) ** 2).sum(1)
        (losses.mean() + module.surrogate_loss(losses)).backward()
        out.append(float(eta.grad))
    return out


def test_a_random_layer_inside_a_map_gets_the_leave_one_out_baseline_of_one_outside():
    """Per-example losses against draws folded into the batch (4 examples x 5 elements): each example's draws are
    scored together with the leave-one-out baseline over the examples, as one layer of output (5) outside a map.
    The running-mean baseline it had was unbiased but gave a spread several times larger."""
    n = 1500
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)  # no 'batch sizes differ' fallback
        inside = sequence_estimates(map_coins(), 4, n)
    outside = sequence_estimates(map_coins(outside=True), 4, n)
    exact = 5 * EXACT
    for est in (inside, outside):
        assert abs(statistics.fmean(est) - exact) < 5 * statistics.stdev(est) / math.sqrt(n)
    # the two spreads agree within the sampling error of a std over 1500 estimates (~2%), a few times over
    assert abs(statistics.stdev(inside) / statistics.stdev(outside) - 1) < 0.1
    torch.manual_seed(0)
    module = map_coins()
    running = []
    for _ in range(n):  # the same draws scored against the scalar objective: the running-mean baseline
        eta = torch.zeros((), requires_grad=True)
        losses = ((module(p=torch.sigmoid(eta).expand(4, 5)) - T) ** 2).sum(1)
        (losses.mean() + module.surrogate_loss(losses.mean())).backward()
        running.append(float(eta.grad))
    assert statistics.stdev(running) > 2 * statistics.stdev(inside)


def test_only_a_maps_random_layers_carry_the_folded_draws_mark():
    """example_logp reads the mark on the module owning the draws' records (a random layer's): no other module has
    it."""
    inner = NetGraph({"lin": LinearLayer(1), "b": RandomArrayLayer(BernoulliDistribution("#p"))},
                     [("lin", NetPort("b", "p"))], Input=2)
    module = net_initialize(NetGraph({"m": NetMapOperator(inner)}, [], Input=("n", 2)), seed=0).compile()
    marked = [name for name, sub in module.named_modules() if "_netgraph_folded_draws" in vars(sub)]
    assert marked == ["m.net.b"]


def test_a_random_layer_inside_a_map_trains_under_net_train_without_a_baseline_warning():
    inner = NetGraph({"lin": LinearLayer(1), "sig": ElementwiseLayer("LogisticSigmoid"),
                      "b": RandomArrayLayer(BernoulliDistribution("#p"))}, [("lin", "sig", NetPort("b", "p"))], Input=2)
    net = NetGraph({"m": NetMapOperator(inner)}, [], Input=("n", 2))
    data = {"Input": torch.ones(64, 5, 2), "Target": torch.ones(64, 5, 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        net_train(net, data, max_training_rounds=1, random_seed=0)


def test_backward_without_the_surrogate_warns_once_naming_the_layer():
    module = coin()
    p = torch.full((4,), 0.3, requires_grad=True)
    with pytest.warns(EstimatorWarning, match=r"layer 'coin' \(RandomArrayLayer with BernoulliDistribution\('#p'\)\).*NO gradient"
                                              r".*surrogate_loss.*'straight_through' / 'relaxed'"):
        ((module(p=p) - T) ** 2).mean().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ((module(p=p) - T) ** 2).mean().backward()  # once per layer
        fresh = coin()
        losses = (fresh(p=p) - T) ** 2
        (losses.mean() + fresh.surrogate_loss(losses)).backward()  # used properly: silent


def test_surrogate_works_on_any_module_holding_the_layer():
    inner = coin()
    outer = torch.nn.Sequential()
    outer.add_module("net", inner)
    p = torch.full((4,), 0.3, requires_grad=True)
    losses = (inner(p=p) - T) ** 2
    assert surrogate_loss(outer, losses).requires_grad


def test_straight_through_passes_the_gradient_of_the_mean():
    module = coin("straight_through")
    p = torch.full((5,), 0.3, requires_grad=True)
    b = module(p=p)
    assert set(b.tolist()) <= {0.0, 1.0}
    (b * torch.arange(5.0)).sum().backward()
    assert torch.equal(p.grad, torch.arange(5.0))
    poisson = NetGraph([RandomArrayLayer(PoissonDistribution("#mu"), estimator="straight_through")], [], mu=()).compile()
    mu = torch.full((3,), 2.0, requires_grad=True)
    poisson(mu=mu).sum().backward()
    assert torch.equal(mu.grad, torch.ones(3))


def test_relaxed_bernoulli_is_a_differentiable_concrete_draw():
    n = 40_000
    p = torch.full((n,), 0.3, requires_grad=True)
    soft = coin("relaxed", temperature=0.5)(p=p)
    assert bool(((soft >= 0) & (soft <= 1)).all()) and ((soft > 0.01) & (soft < 0.99)).float().mean() > 0.2
    # a Concrete draw exceeds 1/2 exactly with probability p
    frac = (soft > 0.5).float().mean().item()
    assert abs(frac - 0.3) < 5 * math.sqrt(0.3 * 0.7 / n)
    soft.sum().backward()
    assert torch.isfinite(p.grad).all() and p.grad.mean() > 0
    cold = coin("relaxed", temperature=0.05)(p=torch.full((n,), 0.3))
    assert ((cold - cold.round()).abs() < 0.05).float().mean() > ((soft - soft.round()).abs() < 0.05).float().mean()


def test_score_function_for_a_continuous_distribution():
    """d/d sigma E[X^2] = 2 sigma for Normal, estimated by the opt-in score function within 5 standard errors."""
    n = 100_000
    module = NetGraph([RandomArrayLayer(NormalDistribution(0.0, "#s"), estimator="score_function")], [], s=()).compile()
    s = torch.full((n,), 1.5, requires_grad=True)
    x = module(s=s)
    losses = x ** 2
    (losses.mean() + module.surrogate_loss(losses)).backward()
    per_draw = s.grad * n
    se = per_draw.std().item() / math.sqrt(n)
    assert abs(per_draw.mean().item() - 3.0) < 5 * se and se < 0.1


def bernoulli_classifier():
    """Input (2) -> p = sigmoid(linear) -> b ~ Bernoulli(p); the output is the per-example loss (b - y)^2."""
    return NetGraph({"lin": LinearLayer(1, input=2), "p": ElementwiseLayer("LogisticSigmoid"),
                     "coin": RandomArrayLayer(BernoulliDistribution("#p")),
                     "loss": FunctionLayer("(#b - #y)^2", output=1)},
                    [("lin", "p", "coin"), (NetPort("coin", "Output"), NetPort("loss", "b"))], y=1)


def classifier_data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 2, generator=g)
    return x, (x[:, 0] - x[:, 1] > 0).float()[:, None]


def test_training_a_bernoulli_net_with_a_plain_torch_loop():
    module = net_initialize(bernoulli_classifier(), seed=0).compile()
    x, y = classifier_data()
    opt = torch.optim.Adam(module.parameters(), lr=0.1)
    history = []
    for step in range(150):
        losses = module(Input=x[:32 * (step % 8 + 1)][-32:], y=y[:32 * (step % 8 + 1)][-32:])[:, 0]
        opt.zero_grad()
        (losses.mean() + module.surrogate_loss(losses)).backward()
        opt.step()
        history.append(losses.mean().item())
    with torch.no_grad():
        p = torch.sigmoid(module.lin(x))
    expected_error = (p * (1 - y) + (1 - p) * y).mean().item()  # exact expected loss, no sampling noise
    assert statistics.fmean(history[:10]) > 0.3 and expected_error < 0.1


def test_training_a_bernoulli_net_with_net_train():
    x, y = classifier_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)  # net_train adds the surrogate term itself
        results = net_train(bernoulli_classifier(), {"Input": x, "y": y}, loss_function="Output",
                            max_training_rounds=30, batch_size=32, learning_rate=0.1, random_seed=0,
                            progress=False, all=True)
    losses = results.round_losses
    assert statistics.fmean(losses[:2]) > 0.3 and statistics.fmean(losses[-5:]) < 0.15


@pytest.mark.filterwarnings("error::UserWarning")  # the held-share check of a learned parameter: no graph
def test_benchmark_smoke_run():
    out = benchmark("random_layers").main(small=True)
    assert [r[0] for r in out["timing"]] == ["Normal 64x16", "Gamma 64x16"] * 2
    assert all(float(r[4]) > 0 for r in out["timing"])
    stds = {name: float(std) for name, _, _, std in out["spread"]}
    assert stds["score function + leave-one-out (default)"] < stds["plain REINFORCE"] / 2

"""RandomArrayLayer on sequence ports: a slot of variable length ("n") draws one value per element.

Found by QA: every draw that went through the layer's module (all but an inline Normal or Uniform whose slot has the
output's shape) passed the symbolic length "n" to torch as a size, a TypeError; an inline draw broadcast against a
constant array wrote the name n into the compiled code, a NameError.
"""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (CategoricalDistribution, FunctionLayer, GammaDistribution, KLDivergenceLayer,
                      MultinormalDiagonalDistribution, NetGraph, NetPort, ShapeError,
                      NormalDistribution, PoissonDistribution, RandomArrayLayer)

CASES = [  # (layer, slot shape, slot value, Output shape after (batch, length))
    (RandomArrayLayer(GammaDistribution("#m", 1.0)), ("n", 2), 0.5, (2,)),
    (RandomArrayLayer(PoissonDistribution("#m")), ("n", 2), 0.5, (2,)),
    (RandomArrayLayer(GammaDistribution("#m", 1.0), eval_mode="mean"), ("n", 2), 0.5, (2,)),
    (RandomArrayLayer(NormalDistribution("#m", 1.0), log_probability=True), ("n", 2), 0.5, (2,)),
    (RandomArrayLayer(NormalDistribution("#m", [1.0, 2.0])), ("n", 1), 0.5, (2,)),  # inline, broadcast
    (RandomArrayLayer(MultinormalDiagonalDistribution("#m", [1.0, 1.0])), ("n", 2), 0.5, (2,)),
    (RandomArrayLayer(CategoricalDistribution("#m")), ("n", 2), 0.5, ()),
]


@pytest.mark.parametrize("layer, slot, value, event", CASES,
                         ids=["gamma", "poisson", "eval-mean", "log-probability", "inline-broadcast", "multinormal", "categorical"])
def test_a_variable_length_slot_draws_one_value_per_element(layer, slot, value, event):
    module = NetGraph([layer], [], m=slot).compile()
    out = module(m=torch.full((3, 5, *slot[1:]), value))
    x = out["Output"] if isinstance(out, dict) else out
    assert x.shape == (3, 5, *event)


def test_a_variable_length_draw_has_the_distribution_of_its_parameters():
    module = NetGraph([RandomArrayLayer(GammaDistribution("#a", 3.0))], [], a=("n",)).compile()
    torch.manual_seed(0)
    alpha = torch.tensor([0.5, 2.0, 4.0, 8.0], dtype=torch.float64).repeat(20000, 1)
    x = module(a=alpha)
    mean, var = 3.0 * alpha[0], 9.0 * alpha[0]  # Gamma(α, scale 3)
    assert (((x.mean(0) - mean) / (var / x.shape[0]).sqrt()).abs() < 5).all()


def test_ragged_sequences_are_scored_over_their_own_elements():
    net = NetGraph([RandomArrayLayer(GammaDistribution("#a", 2.0), log_probability=True)], [], a=("n",))
    torch.manual_seed(1)
    alphas = [torch.tensor([1.5, 3.0]), torch.tensor([0.5, 1.0, 2.0])]
    out = net(a=alphas)
    for alpha, x, logp in zip(alphas, out["Output"], out["LogProbability"]):
        assert x.shape == alpha.shape and bool((x > 0).all())
        expected = torch.distributions.Gamma(alpha, rate=0.5).log_prob(x).sum()
        assert math.isclose(float(logp), float(expected), rel_tol=1e-5)


@pytest.mark.parametrize("method", ["closed_form", "monte_carlo"])
def test_a_kl_divergence_over_a_variable_length_sums_each_sequence(method):
    options = {"method": "monte_carlo", "samples": 4000} if method == "monte_carlo" else {}
    net = NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#m", 1.0), NormalDistribution(0.0, 1.0), **options)},
                   [], m=("n",))
    torch.manual_seed(2)
    means = [torch.tensor([1.0, 2.0]), torch.tensor([0.5, 1.0, -1.0])]
    tolerance = 1e-6 if method == "closed_form" else 0.2  # Monte Carlo: standard error below 0.03 here
    for kl, m in zip(net(m=means), means):  # KL(N(m, 1) || N(0, 1)) = m² / 2 per element
        assert abs(float(kl) - float((m ** 2).sum() / 2)) < tolerance
    assert net.compile()(m=torch.ones(3, 5)).shape == (3,)


@pytest.mark.parametrize("distribution", [NormalDistribution(0, 1), GammaDistribution(2.0, 1.0)], ids=["inline", "module"])
def test_a_variable_length_no_port_gives_is_a_shape_error(distribution):
    """Found by QA: the layer drew one value per example and the sum repeated it along the sequence (or drew a length
    of 1), so the 'noise' of every element was the same."""
    layers = {"noise": RandomArrayLayer(distribution), "f": FunctionLayer("#x + #noise")}
    with pytest.raises(ShapeError, match=r"layer 1 'noise' .*output \(n, 3\) has a variable length 'n' that none of "
                                         r"its input ports has"):
        NetGraph(layers, [("noise", NetPort("f", "noise"))], x=("n", 3))
    with pytest.raises(ShapeError, match=r"variable length 'n'"):
        NetGraph([RandomArrayLayer(distribution, output=("n", 3))], [])


def test_a_variable_length_noise_from_a_port_of_that_length_differs_per_element():
    layers = {"noise": RandomArrayLayer(NormalDistribution("#mu", 1.0)), "f": FunctionLayer("#x + #noise")}
    net = NetGraph(layers, [(NetPort("x"), NetPort("noise", "mu")), ("noise", NetPort("f", "noise"))], x=("n", 3))
    out = net(x=torch.zeros(2, 4, 3))
    assert out.shape == (2, 4, 3) and bool((out[:, 0] != out[:, 1]).all())


def test_a_kl_divergence_over_a_variable_length_no_port_has_is_a_shape_error():
    """Found by QA: shape=('n',) with constant parameters summed the KL of one element."""
    kl = KLDivergenceLayer(NormalDistribution(0.0, 1.0), NormalDistribution(1.0, 1.0), shape=("n",))
    with pytest.raises(ShapeError, match=r"shape \(n\) has a variable length 'n' that none of its input ports has"):
        NetGraph({"kl": kl}, [])

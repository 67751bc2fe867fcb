"""On a GPU: random layers draw on the GPU with the right mean and standard deviation (10^6 draws, 5 standard
errors), and their gradients have the exact expected value: pathwise (Normal, Exponential), implicit (Gamma) and the
score-function estimator of a discrete draw (Bernoulli)."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (BernoulliDistribution, ExponentialDistribution, GammaDistribution, NetGraph, NormalDistribution,
                      PoissonDistribution, RandomArrayLayer)
from tests.gpu_helpers import assert_mean_estimate, assert_moments, needs_cuda

pytestmark = needs_cuda

DRAWS = 1_000_000
#: distribution, its mean and standard deviation
MOMENTS = {
    "Normal(1.5, 2)": (NormalDistribution(1.5, 2.0), 1.5, 2.0),
    "Exponential(rate 2)": (ExponentialDistribution(2.0), 0.5, 0.5),
    "Gamma(shape 0.5, scale 2)": (GammaDistribution(0.5, 2.0), 1.0, math.sqrt(0.5) * 2),
    "Bernoulli(0.3)": (BernoulliDistribution(0.3), 0.3, math.sqrt(0.3 * 0.7)),
    "Poisson(3)": (PoissonDistribution(3.0), 3.0, math.sqrt(3.0)),
}


def check_moments(name: str, device: str, dtype: torch.dtype, draws: int = DRAWS) -> None:
    distribution, mean, std = MOMENTS[name]
    module = NetGraph({"z": RandomArrayLayer(distribution, output=draws)}, []).compile().to(device=device, dtype=dtype)
    torch.manual_seed(0)
    x = module()
    assert (x.device.type, x.dtype, x.shape) == (torch.device(device).type, dtype, (draws,)), name
    assert_moments(x, mean, std, f"{name} on {device}, {dtype}")


def _slots(device: str, draws: int, **values: float) -> dict[str, torch.Tensor]:
    return {k: torch.full((draws,), v, device=device, dtype=torch.float64, requires_grad=True) for k, v in values.items()}


def check_pathwise_gradients(device: str, draws: int = DRAWS) -> None:
    """d/dmu E[x] = 1 exactly per draw; d/dsigma E[x^2] = 2 sigma; d/drate E[x] = -1/rate^2; d/dshape E[x] = scale
    (Gamma, implicit reparameterisation), each estimated from one draw per example, in float64."""
    torch.manual_seed(0)
    normal = NetGraph({"z": RandomArrayLayer(NormalDistribution("#mu", "#sigma"))}, [], mu=(), sigma=())
    module = normal.compile().to(device=device, dtype=torch.float64)
    slots = _slots(device, draws, mu=1.5, sigma=2.0)
    module(**slots).square().sum().backward()
    assert_mean_estimate(slots["sigma"].grad, 2 * 2.0, f"d/dsigma E[x^2] on {device}")
    slots = _slots(device, draws, mu=1.5, sigma=2.0)
    module(**slots).sum().backward()
    assert torch.equal(slots["mu"].grad, torch.ones_like(slots["mu"]))
    rate = NetGraph({"z": RandomArrayLayer(ExponentialDistribution("#lam"))}, [], lam=()).compile()
    slots = _slots(device, draws, lam=2.0)
    rate.to(device=device, dtype=torch.float64)(**slots).sum().backward()
    assert_mean_estimate(slots["lam"].grad, -1 / 2.0**2, f"d/drate E[x] on {device}")
    gamma = NetGraph({"z": RandomArrayLayer(GammaDistribution("#a", 2.0))}, [], a=()).compile()
    slots = _slots(device, draws, a=0.5)
    gamma.to(device=device, dtype=torch.float64)(**slots).sum().backward()
    assert_mean_estimate(slots["a"].grad, 2.0, f"d/dshape E[x] of a Gamma on {device}")


def check_score_function_gradient(device: str, draws: int = DRAWS) -> None:
    """Bernoulli(sigmoid(eta)) with f(b) = (b - 0.45)^2: d/deta E f = theta (1 - theta)(1 - 2 * 0.45) = 0.025 at
    eta = 0; the loss's mean plus the layer's surrogate term gives it (leave-one-out baseline over the batch)."""
    torch.manual_seed(0)
    coin = NetGraph({"coin": RandomArrayLayer(BernoulliDistribution("#p"))}, [], p=()).compile().to(device)
    eta = torch.zeros((), device=device, requires_grad=True)
    b = coin(p=torch.sigmoid(eta).expand(draws))
    assert b.device.type == torch.device(device).type
    losses = (b - 0.45) ** 2
    (losses.mean() + coin.surrogate_loss(losses)).backward()
    # each example's estimate is (f(b) - the others' mean f)(b - theta): about 0.025 whatever b, so a tight bound
    assert eta.grad.item() == pytest.approx(0.025, abs=1e-4)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("name", sorted(MOMENTS))
def test_draws_on_the_gpu_have_the_distributions_mean_and_std(name, dtype):
    check_moments(name, "cuda", dtype)


def test_pathwise_and_implicit_gradients_on_the_gpu_have_the_exact_expected_value():
    check_pathwise_gradients("cuda")


def test_the_score_function_gradient_of_a_bernoulli_on_the_gpu_has_the_exact_expected_value():
    check_score_function_gradient("cuda")

"""A net without inputs under torch's tracers: the traced graph draws anew at each call, as the module does.

fx ran a draw that read no traced value once, while tracing (a net without inputs draws one unbatched example, its
size the number 1), and the graph returned that sample as a constant on every call, a state-dict key of its own.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import (BernoulliDistribution, DropoutLayer, ExponentialDistribution, FunctionLayer, GammaDistribution,
                      KLDivergenceLayer, NetArrayLayer, NetGraph, NormalDistribution, OptionError, RandomArrayLayer,
                      UniformDistribution, net_initialize)
from tests.test_distributions import CASES as UNIVARIATE, make
from tests.test_vector_distributions import CASES as VECTOR

CALLS = 2000  # draws of one traced graph, for the statistical checks


def _random_net(dist, univariate=True) -> NetGraph:
    """One RandomArrayLayer with constant parameters and no input ports (3 elements where the shape is not fixed)."""
    return NetGraph({"r": RandomArrayLayer(dist, **({"output": 3} if univariate else {}))}, [])


def _draws(run, calls: int, seed: int = 0) -> list[torch.Tensor]:
    torch.manual_seed(seed)
    return [run() for _ in range(calls)]


CONSTANT_CASES = [(make(c, p), True) for c, p, _ in UNIVARIATE] + [(c(*p), False) for c, p, _ in VECTOR]
CONSTANT_IDS = [f"{type(d).__name__[:-12]}{i}" for i, (d, _) in enumerate(CONSTANT_CASES)]


@pytest.mark.parametrize("dist,univariate", CONSTANT_CASES, ids=CONSTANT_IDS)
def test_a_traced_net_without_inputs_draws_as_the_module_at_each_call(dist, univariate):
    module = net_initialize(_random_net(dist, univariate), seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    assert set(traced.state_dict()) == set(module.state_dict())  # no frozen draw kept as a key of the graph's own
    for a, b in zip(_draws(traced, 4), _draws(module, 4)):  # successive calls, each the module's draw bit for bit
        assert torch.equal(a, b)


@pytest.mark.parametrize("dist", [NormalDistribution(0.3, 1.5), UniformDistribution([-1.0, 2.0]),
                                  ExponentialDistribution(2.0), GammaDistribution(2.5, 1.5),
                                  BernoulliDistribution(0.3)], ids=lambda d: type(d).__name__)
def test_the_draws_of_a_traced_net_without_inputs_follow_the_distribution_across_calls(dist):
    traced = torch.fx.symbolic_trace(net_initialize(_random_net(dist), seed=0).compile())
    x = torch.stack(_draws(traced, CALLS, seed=1))[:, 0].double()  # one element per call
    mean, var = x.mean(), x.var()
    assert abs(mean - dist.mean()) < 5 * (dist.variance() / CALLS) ** 0.5
    fourth = ((x - mean) ** 4).mean()
    assert abs(var - dist.variance()) < 5 * ((fourth - var ** 2) / CALLS).sqrt()  # a frozen draw: var 0, SE 0


def test_a_traced_monte_carlo_kl_divergence_without_inputs_draws_as_the_module_at_each_call():
    net = NetGraph({"kl": KLDivergenceLayer(GammaDistribution(2.0, 1.0), GammaDistribution(2.0, 1.5),
                                            method="monte_carlo")}, [])
    module = net_initialize(net, seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    assert set(traced.state_dict()) == set(module.state_dict())
    for a, b in zip(_draws(traced, 4), _draws(module, 4)):
        assert torch.equal(a, b)


def test_a_traced_reparameterization_without_inputs_draws_anew_and_takes_the_modules_state_dict_strictly():
    # the seed's net: NetArrayLayers (parameters) beside a draw that reads none
    net = NetGraph({"mu": NetArrayLayer(array=[0.0, 30.0]), "sigma": NetArrayLayer(array=[10.0, 5.0]),
                    "r": RandomArrayLayer(NormalDistribution(0, 1), output=2),
                    "f": FunctionLayer("#Means + #Stds * #Random", output=2)},
                   [(["mu", "sigma", "r"], "f")])
    module, other = net_initialize(net, seed=0).compile(), net_initialize(net, seed=1).compile()
    traced = torch.fx.symbolic_trace(module)
    traced.load_state_dict(other.state_dict(), strict=True)
    for a, b in zip(_draws(traced, 3), _draws(other, 3)):
        assert torch.equal(a, b)


def test_torch_export_of_a_net_without_inputs_draws_as_the_module_at_each_call():
    # (a Gamma draw exports as its general path, which draws other numbers than the eager fast path's)
    module = net_initialize(_random_net(ExponentialDistribution(2.0)), seed=0).compile()
    exported = torch.export.export(module, ()).module()
    for a, b in zip(_draws(exported, 3), _draws(module, 3)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("concrete", [None, 4])
def test_a_net_that_draws_traced_with_a_concrete_batch_size_is_refused_naming_the_layer(concrete):
    # fx gives the forward no value of the graph then (the batch size is a number), so every draw sized by it would
    # be run once, while tracing, and its sample returned on every call
    net = NetGraph({"mu": NetArrayLayer(array=[0.0, 1.0]), "noise": RandomArrayLayer(NormalDistribution(0, 1), output=2),
                    "f": FunctionLayer("#mu + #noise", output=2)}, [(["mu", "noise"], "f")])
    module = net_initialize(net, seed=0).compile()
    with pytest.raises(OptionError, match=r"layer 2 'noise' \(RandomArrayLayer\) draws, .* concrete_args") as caught:
        torch.fx.symbolic_trace(module, concrete_args={"batch_size": concrete})
    assert (caught.value.diagnostics[0].layer, caught.value.diagnostics[0].option) == (("noise",), "concrete_args")


def test_a_net_whose_draws_are_off_traces_with_a_concrete_batch_size():
    # dropout in eval mode and a random layer giving its mean there draw nothing: nothing to freeze (in training mode
    # both draw)
    net = NetGraph({"mu": NetArrayLayer(array=[0.0, 1.0]),
                    "noise": RandomArrayLayer(NormalDistribution(0, 1), output=2, eval_mode="mean"),
                    "f": FunctionLayer("#mu + #noise", output=2), "drop": DropoutLayer(0.5)},
                   [(["mu", "noise"], "f", "drop")])
    module = net_initialize(net, seed=0).compile().eval()
    traced = torch.fx.symbolic_trace(module, concrete_args={"batch_size": None})
    torch.testing.assert_close(traced(), module())
    with pytest.raises(OptionError, match=r"layer 2 'noise' \(RandomArrayLayer\) draws"):
        torch.fx.symbolic_trace(module.train(), concrete_args={"batch_size": None})


def test_torch_export_of_a_net_without_inputs_draws_a_batch_of_the_size_given():
    # what the refusal of a concrete batch size under fx offers instead
    module = net_initialize(_random_net(ExponentialDistribution(2.0)), seed=0).compile()
    exported = torch.export.export(module, (), {"batch_size": 5}).module()
    torch.manual_seed(0)
    first = exported(batch_size=5)
    torch.manual_seed(0)
    assert torch.equal(first, module(batch_size=5)) and first.shape == (5, 3)
    assert not torch.equal(exported(batch_size=5), first)

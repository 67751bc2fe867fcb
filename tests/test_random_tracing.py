"""Random layers under ``torch.fx.symbolic_trace``: every distribution of the catalogue and the KL layers trace, and the
traced GraphModule draws what the compiled module draws from the same seed, with the same gradients to the parameters.

Each distribution's helpers once read a dtype or a number off fx's proxies (``torch.finfo(x.dtype)``, ``float(p)``,
``isinstance(p, torch.Tensor)``), and the Gamma draws' fast path branched on the shape's values.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import (BernoulliDistribution, CategoricalDistribution, DirichletDistribution, ExponentialDistribution,
                      GammaDistribution, KLDivergenceLayer, MultinormalDiagonalDistribution, MultinormalDistribution,
                      LinearLayer, NetGraph, NormalDistribution, RandomArrayLayer, ThreadingLayer, net_initialize)
from netgraph.layers.distributions import DISTRIBUTIONS
from netgraph.layers.estimators import surrogate_loss
from tests.test_distributions import CASES as UNIVARIATE
from tests.test_kl_divergence import CASES as KL_CASES
from tests.test_vector_distributions import CASES as VECTOR

#: (distribution with '#slot' parameters, their values, estimator): the catalogue of both test files, every parameter
#: an input port, and the opt-in estimators that draw differently (one-hot and relaxed draws)
CASES = [(cls(*(f"#{n}" for n in cls.PARAMS[:len(p)])) if cls.__name__ != "UniformDistribution" and
          cls.__name__ != "DiscreteUniformDistribution" else cls([f"#{n}" for n in cls.PARAMS[:len(p)]]), p, None)
         for cls, p, _ in UNIVARIATE + VECTOR]
CASES += [(CategoricalDistribution("#p"), ([0.1, 0.2, 0.3, 0.4],), e) for e in ("straight_through", "relaxed")]
CASES += [(BernoulliDistribution("#p"), (0.3,), e) for e in ("straight_through", "relaxed")]
CASES += [(GammaDistribution("#alpha", 1.5), (0.7,), "score_function"),
          (MultinormalDistribution("#mu", [[2.0, 0.6], [0.6, 1.0]]), ([0.5, -1.0],), None)]  # a constant beside a slot
IDS = [f"{type(d).__name__[:-12]}{list(map(str, p))}{'-' + e if e else ''}".replace(" ", "") for d, p, e in CASES]


def _values(dist, params, batch):
    """The slots' inputs: each parameter's value repeated over the batch (and 3 elements for univariate ones)."""
    values = [torch.tensor(v, dtype=torch.float32) for v in params]
    values = [v if v.dim() else v.expand(3) for v in values]
    return {s: v.expand(batch, *v.shape).clone().requires_grad_(n not in dist.INTEGER_PARAMS)
            for s, v, n in zip(dist.slots, values, dist.PARAMS)}


def _run(module, inputs):
    """(draws, gradients to the inputs) of one call from seed 0: of the draws' sum, plus the score-function
    surrogate where the layer records one."""
    torch.manual_seed(0)
    out = module(**inputs)
    outputs = tuple(out.values()) if isinstance(out, dict) else (out,)  # a dict with log_probability=True
    losses = sum(y.float().reshape(y.shape[0], -1).sum(1) for y in outputs)
    objective = losses.sum() + surrogate_loss(module, losses)
    wanted = [v for v in inputs.values() if v.requires_grad]
    grads = torch.autograd.grad(objective, wanted, allow_unused=True) if objective.requires_grad else ()
    return outputs, grads


def _compare(module, traced, inputs):
    """The traced graph's draws and gradients equal the module's; its draws."""
    (drawn, grads), (traced_drawn, traced_grads) = _run(module, inputs), _run(traced, inputs)
    for a, b in zip(drawn, traced_drawn):
        assert torch.equal(b, a)  # the same ops, or one call to the same code: the same draws, bit for bit
    assert len(traced_grads) == len(grads)
    for g, h in zip(grads, traced_grads):
        torch.testing.assert_close(h, g)
    return traced_drawn


def _same_draws_and_gradients(module, inputs):
    traced = torch.fx.symbolic_trace(module)
    assert isinstance(traced, torch.fx.GraphModule)
    _compare(module, traced, inputs)
    return traced


def test_the_cases_cover_every_distribution():
    assert {type(d) for d, _, _ in CASES} == set(DISTRIBUTIONS.values())


@pytest.mark.parametrize("dist,params,estimator", CASES, ids=IDS)
def test_a_traced_random_layer_draws_as_the_compiled_module(dist, params, estimator):
    inputs = _values(dist, params, 4)
    net = NetGraph([RandomArrayLayer(dist, estimator=estimator)], [], **{s: v.shape[1:] for s, v in inputs.items()})
    module = net_initialize(net, seed=0).compile()
    traced = _same_draws_and_gradients(module, inputs)
    _compare(module, traced, _values(dist, params, 2))  # another batch size: fx did not fix it


@pytest.mark.parametrize("dist,params", [(GammaDistribution("#alpha", "#beta"), (0.4, 2.0)),
                                         (CategoricalDistribution("#p"), ([0.1, 0.2, 0.3, 0.4],))])
def test_a_traced_random_layer_with_its_log_probability(dist, params):
    inputs = _values(dist, params, 3)
    net = NetGraph([RandomArrayLayer(dist, log_probability=True)], [], **{s: v.shape[1:] for s, v in inputs.items()})
    _same_draws_and_gradients(net_initialize(net, seed=0).compile(), inputs)


def test_a_traced_score_function_layer_records_its_draws_for_the_surrogate():
    # the record for surrogate_loss is a Python side effect, which fx's graph cannot hold: the traced graph calls the
    # layer's draw as one node, on the layer it keeps as a submodule, so surrogate_loss(traced, ...) finds the record
    inputs = _values(BernoulliDistribution("#p"), (0.3,), 5)
    module = net_initialize(NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=3), seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    out = traced(**inputs)
    assert surrogate_loss(traced, (out - 0.5).pow(2).sum(1)).requires_grad
    assert "random_traced__drawn" in traced.code


@pytest.mark.parametrize("name", sorted(KL_CASES))
@pytest.mark.parametrize("method", ["closed_form", "monte_carlo"])
def test_a_traced_kl_divergence_layer_gives_the_modules_values_and_gradients(name, method):
    cls, p, q, _ = KL_CASES[name]
    layer = KLDivergenceLayer(cls(*(f"#p{i}" for i in range(len(p)))), cls(*(f"#q{i}" for i in range(len(q)))),
                              method=method, **({"samples": 3} if method == "monte_carlo" else {}))
    net = NetGraph({"kl": layer}, [], **{s: 3 for s in layer.input_ports})
    inputs = {s: torch.full((4, 3), float(v), requires_grad=True) for s, v in zip(layer.input_ports, (*p, *q))}
    _same_draws_and_gradients(net_initialize(net, seed=0).compile(), inputs)


VECTOR_KL = {
    "categorical": (CategoricalDistribution("#p"), CategoricalDistribution([0.25, 0.25, 0.25, 0.25]),
                    {"p": [0.1, 0.2, 0.3, 0.4]}),
    "multinormal": (MultinormalDistribution("#mu", [[2.0, 0.6], [0.6, 1.0]]),
                    MultinormalDistribution([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]), {"mu": [0.5, -1.0]}),
    "diagonal": (MultinormalDiagonalDistribution("#mu", "#s"), MultinormalDiagonalDistribution([0.0] * 3, [1.0] * 3),
                 {"mu": [0.5, -1.0, 2.0], "s": [0.5, 1.2, 2.0]}),
    "dirichlet": (DirichletDistribution("#a"), DirichletDistribution([1.0, 1.0, 1.0]), {"a": [0.5, 2.0, 3.0]}),
    "gamma_exponential": (GammaDistribution("#a", 1.0), ExponentialDistribution(1.0), {"a": 0.6}),
    "normal_constant": (NormalDistribution("#mu", 1.0), NormalDistribution(), {"mu": 0.3}),
}


@pytest.mark.parametrize("name", sorted(VECTOR_KL))
@pytest.mark.parametrize("method", ["auto", "monte_carlo"])
def test_a_traced_kl_divergence_of_vector_and_mixed_distributions(name, method):
    p, q, values = VECTOR_KL[name]
    layer = KLDivergenceLayer(p, q, method=method, **({"samples": 2} if method == "monte_carlo" else {}))
    tensors = {s: torch.tensor(v).expand(4, *torch.tensor(v).shape) for s, v in values.items()}
    net = NetGraph({"kl": layer}, [], **{s: tuple(v.shape[1:]) for s, v in tensors.items()})
    inputs = {s: v.clone().requires_grad_() for s, v in tensors.items()}
    _same_draws_and_gradients(net_initialize(net, seed=0).compile(), inputs)


@pytest.mark.parametrize("layer", [RandomArrayLayer(GammaDistribution("#a", 1.0)),
                                   RandomArrayLayer(BernoulliDistribution("#a")),
                                   KLDivergenceLayer(GammaDistribution("#a", 1.0), ExponentialDistribution(1.0))],
                         ids=["gamma", "bernoulli", "kl"])
def test_a_traced_random_layer_over_a_variable_length_draws_at_the_inputs_length(layer):
    # the length "n" of the draw is the slots' size there, which fx's proxies do not give as a number: the trace took
    # 1 ("The expanded size of the tensor (1) must match the existing size (5)")
    module = net_initialize(NetGraph({"r": layer}, [], a=("n", 3)), seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    for length in (5, 2):
        (drawn,) = _compare(module, traced, {"a": torch.full((2, length, 3), 0.4, requires_grad=True)})
        assert drawn.shape == ((2,) if isinstance(layer, KLDivergenceLayer) else (2, length, 3))


CONSTANTS = {  # a layer with constant parameters, fed by the input "a" of 3 elements (the last: through its batch size)
    "kl_closed_form": KLDivergenceLayer(NormalDistribution("#a", 1.0), NormalDistribution()),
    "kl_monte_carlo": KLDivergenceLayer(GammaDistribution("#a", 1.0), GammaDistribution(2.0, 1.5), method="monte_carlo"),
    "multinormal": RandomArrayLayer(MultinormalDiagonalDistribution("#a", [0.5, 1.0, 2.0])),
    "gamma": RandomArrayLayer(GammaDistribution("#a", [0.5, 1.0, 2.0])),
}


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_a_traced_random_layer_with_constants_takes_the_modules_state_dict_strictly(name):
    # fx copied the constant parameters' buffers it read (outside the module's state dict) into the traced graph as
    # state-dict keys of its own ("Missing key(s) in state_dict: 'r.q.param_first'"): the graph now calls the layer's
    # module for them, which it keeps whole
    net = NetGraph({"r": CONSTANTS[name]}, [], a=3)
    module = net_initialize(net, seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    assert set(traced.state_dict()) == set(module.state_dict())
    traced.load_state_dict(module.state_dict(), strict=True)
    _compare(module, traced, {"a": torch.full((4, 3), 0.8, requires_grad=True)})
    traced.double()  # the constants follow the graph's casts, as the module's do
    torch.manual_seed(0)
    assert traced(a=torch.full((2, 3), 0.8, dtype=torch.float64)).dtype == torch.float64


def test_a_traced_draw_without_slots_in_a_net_with_inputs_draws_anew_each_call():
    # its constant parameters were read at trace time; the batch size is the input's, a traced value
    net = NetGraph({"lin": LinearLayer(3), "r": RandomArrayLayer(GammaDistribution([0.5, 1.0, 2.0], 1.0), output=3),
                    "sum": ThreadingLayer("Plus")}, [("lin", "sum"), ("r", "sum")], Input=2)
    module = net_initialize(net, seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    assert set(traced.state_dict()) == set(module.state_dict())
    x = torch.randn(4, 2)
    torch.manual_seed(0)
    first = traced(x)
    torch.manual_seed(0)
    torch.testing.assert_close(module(x), first, rtol=0, atol=0)
    assert not torch.equal(traced(x), first)

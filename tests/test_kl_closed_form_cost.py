"""What a compiled closed-form KLDivergenceLayer costs per call: KL(N(mu, sigma) ‖ N(0, 1)) takes the ops a user writes
by hand (½ (σ² + μ²) − log σ − ½), its constants are made once, not at every call, and ``compile(checks=False)``
never reads a value back from the device; the values and gradients stay the closed form's, in float32 and float64."""

from __future__ import annotations

import collections

import pytest
import torch

from netgraph import (BernoulliDistribution, GammaDistribution, KLDivergenceLayer, NetGraph, NormalDistribution,
                      PoissonDistribution, interpret)
from netgraph.layers.dist_tensors import all_finite
from tests.profile_helpers import OpCounts

PAIRS = [(NormalDistribution("#mu", "#sigma"), NormalDistribution(0, 1)),
         (NormalDistribution("#mu", "#sigma"), NormalDistribution(0.5, 2.0)),
         (NormalDistribution(0.5, 2.0), NormalDistribution("#mu", "#sigma")),
         (BernoulliDistribution("#p"), BernoulliDistribution(0.3)),
         (PoissonDistribution(2.0), PoissonDistribution("#p")),
         (GammaDistribution("#a", 1.5), GammaDistribution(2.0, 3.0))]


def _inputs(layer: KLDivergenceLayer, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    values = {"mu": torch.randn(8, 4, generator=g, dtype=dtype),
              "sigma": torch.rand(8, 4, generator=g, dtype=dtype) + 0.5,
              "p": torch.rand(8, 4, generator=g, dtype=dtype) * 0.8 + 0.1,
              "a": torch.rand(8, 4, generator=g, dtype=dtype) + 0.5}
    return {port: values[port].requires_grad_() for port in layer.input_ports}


def _compiled(p, q, dtype, checks=True):
    layer = KLDivergenceLayer(p, q)
    net = NetGraph({"kl": layer}, [], **{port: 4 for port in layer.input_ports})
    module = net.compile(checks=checks)
    return net, (module.double() if dtype == torch.float64 else module), _inputs(layer, dtype)


def _reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    for name in ("__bool__", "item", "tolist", "__int__", "__float__"):
        real = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, lambda self, *a, _real=real, _name=name: reads.append(_name) or
                            _real(self, *a))
    return reads


def _nodes(out: torch.Tensor) -> list[str]:
    """The autograd graph's op nodes behind ``out`` (the leaves' AccumulateGrad left out)."""
    seen, todo = [], [out.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and type(node).__name__ != "AccumulateGrad" and node not in seen:
            seen.append(node)
            todo += [n for n, _ in node.next_functions]
    return sorted(type(n).__name__ for n in seen)


def test_the_kl_to_a_standard_normal_records_the_handwritten_ops():
    """The ratio form log(σ₂/σ₁) + ((σ₁/σ₂)² + ((μ₁ − μ₂)/σ₂)²)/2 − ½ with q's 0 and 1 as tensors recorded 12 ops
    (and the sum over the elements 4 more: expand, unsqueeze, flatten, sum); now q's constants skip theirs."""
    _, module, inputs = _compiled(*PAIRS[0], torch.float32, checks=False)
    mu, sigma = inputs["mu"], inputs["sigma"]
    hand = (0.5 * (mu * mu + sigma * sigma) - torch.log(sigma) - 0.5).sum(1)
    assert _nodes(module(**inputs)) == _nodes(hand)


@pytest.mark.parametrize("p, q", PAIRS)
def test_a_compiled_closed_form_makes_no_tensor_per_call(p, q, monkeypatch):
    """Constant parameters were made into tensors at every call (``torch.tensor(float(c))``); now once, as buffers."""
    _, module, inputs = _compiled(p, q, torch.float32)
    made = []
    real = torch.tensor
    monkeypatch.setattr(torch, "tensor", lambda *a, **k: made.append(a) or real(*a, **k))
    module(**inputs)
    assert made == []


@pytest.mark.parametrize("p, q", PAIRS[:5])
def test_an_unchecked_closed_form_never_syncs_the_device(p, q, monkeypatch):
    """compile(checks=False): no read of a value back (it synced on "is any value not finite?" at every call). The
    Gamma form still reads whether any shape is large enough for its Stirling form (``needs_saddle``)."""
    _, module, inputs = _compiled(p, q, torch.float32, checks=False)
    reads = _reads(monkeypatch)
    module(**inputs).sum().backward()
    assert reads == []


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("p, q", PAIRS[:3])
def test_the_normal_kl_values_and_gradients_are_the_closed_forms(p, q, dtype):
    """Against torch.distributions' KL in float64 (within the dtype's rounding), compiled and interpreted alike."""
    net, module, inputs = _compiled(p, q, dtype)
    out = module(**inputs)
    assert out.dtype == dtype and torch.equal(out, interpret(net, module, **inputs))
    grads = torch.autograd.grad(out.sum(), list(inputs.values()))
    wide = {k: v.detach().double().requires_grad_() for k, v in inputs.items()}
    sides = [torch.distributions.Normal(*(wide[s[1:]] if isinstance(s, str) else torch.tensor(s, dtype=torch.float64)
                                          for s in d.params)) for d in (p, q)]
    want = torch.distributions.kl_divergence(*sides).sum(1)
    torch.testing.assert_close(out, want.to(dtype))
    for got, expected in zip(grads, torch.autograd.grad(want.sum(), list(wide.values()))):
        torch.testing.assert_close(got, expected.to(dtype))


def test_the_checks_of_a_kl_to_a_standard_normal_are_a_min_max_per_parameter_and_a_sum():
    """The checked forward's ops beside the unchecked one's: each parameter's aminmax (stacked, read at once) and the
    KL's sum (is every value finite?). ``isfinite(kl).all()`` ran four ops (abs, ne, eq, all), 28 µs at 64 x 8 where
    the sum and its read take 7 (the checked KL 1.97x handwritten, now 1.7x)."""
    net, checked, inputs = _compiled(*PAIRS[0], torch.float32)
    unchecked = net.compile(checks=False)
    checked(**inputs), unchecked(**inputs)  # the first calls make what later ones keep
    with OpCounts() as on:
        checked(**inputs)
    with OpCounts() as off:
        unchecked(**inputs)
    added = on.ops - off.ops
    assert added["aten.aminmax"] == 2 and added["aten.sum"] == 1 and off.ops - on.ops == collections.Counter()
    assert not {"aten.isfinite", "aten.abs", "aten.ne", "aten.eq", "aten.all"} & set(added)


def test_a_finite_kl_whose_sum_overflows_is_no_refusal():
    """Every value finite but their sum beyond float32 (4 x 1.1e38): the sum's test falls back to every value's."""
    net, module, inputs = _compiled(*PAIRS[0], torch.float32)
    mu = torch.full((2, 4), 1.5e19)  # KL of each element ½ μ² = 1.1e38 (μ² = 2.3e38 < 3.4e38)
    out = module(mu=mu, sigma=torch.ones(2, 4))
    assert torch.isinf(out).all() and out.shape == (2,)  # the per-example sum overflows, as by hand


@pytest.mark.parametrize("values, finite", [([1.0, 2.0], True), ([3e38, 3e38], True), ([1.0, float("inf")], False),
                                            ([float("-inf"), float("inf")], False), ([float("nan"), 1.0], False),
                                            ([], True)])
def test_all_finite_tells_every_value_by_a_sum(values, finite):
    """A finite sum proves every value finite; an overflowing one (3e38 + 3e38 in float32) is told value by value."""
    assert all_finite(torch.tensor(values, dtype=torch.float32)) is finite


@pytest.mark.parametrize("checks", [True, False])
@pytest.mark.parametrize("p, q", PAIRS)
def test_a_call_asks_once_whether_it_is_traced(p, q, checks, monkeypatch):
    """The module asked ``tracing()`` in its forward, again in the KL and once more per constant buffer (Gamma's q: 4
    a call); now once a call, the answer passed on."""
    import netgraph.layers.kl_divergence as kl_divergence

    _, module, inputs = _compiled(p, q, torch.float32, checks=checks)
    asked = []
    real = kl_divergence.tracing
    monkeypatch.setattr(kl_divergence, "tracing", lambda: asked.append(1) or real())
    module(**inputs)
    assert len(asked) == 1


@pytest.mark.parametrize("p, q, plan", [
    (*PAIRS[0], {"p": None, "q": (0.0, 1.0)}),  # ports as they are; q's numbers as they are, no loop per call
    (*PAIRS[2], {"p": (0.5, 2.0), "q": None}),
    (*PAIRS[3], {"p": None, "q": ["q_p"]}),  # a buffer: not a number form
    # a port and buffers: substituted at the call
    (*PAIRS[5], {"p": [None, "p_beta", "p_gamma", "p_mu"], "q": ["q_alpha", "q_beta", "q_gamma", "q_mu"]})])
def test_which_parameters_a_call_substitutes_is_decided_when_built(p, q, plan):
    """``_closed_form_params`` counted the Nones of each side's plan at every call; the plan now says it once."""
    from netgraph.layers.kl_divergence import KLModule

    _, module, _ = _compiled(p, q, torch.float32, checks=False)
    assert [m.fixed for m in module.modules() if isinstance(m, KLModule)] == [plan]

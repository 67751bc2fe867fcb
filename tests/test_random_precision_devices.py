"""RandomArrayLayer and KLDivergenceLayer modules moved after compile: .double() keeps the constants as given, and
module.to('meta') gives meta draws of the right shapes without checking values that do not exist."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BinomialDistribution, ErlangDistribution, ExponentialDistribution, GammaDistribution,
                      KLDivergenceLayer, NetGraph, NormalDistribution, PortType, RandomArrayLayer, UniformDistribution,
                      set_distribution_checks)
from netgraph.layers.distributions import DISTRIBUTIONS


@pytest.mark.parametrize("dist, exact", [
    (NormalDistribution([0.1, 0.2], 1.0), [0.1, 0.2]),  # a constant array: a buffer
    (ExponentialDistribution(0.1), [1 / 0.1] * 2),  # constants only: the first one is the buffer draws follow
])
def test_double_on_a_compiled_module_computes_with_the_constants_as_written(dist, exact):
    """compile() casts the constants to float32; .double() cast those float32 values up (mean 0.10000000149...)."""
    module = NetGraph([RandomArrayLayer(dist, output=2, eval_mode="mean")], []).compile().double().eval()
    assert module(batch_size=1).flatten().tolist() == exact
    again = module.float().double()  # the way back and forth keeps them exact too
    assert again(batch_size=1).flatten().tolist() == exact
    assert module.float()(batch_size=1).dtype == torch.float32


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_a_module_on_the_meta_device_gives_meta_draws_of_the_output_shape(name):
    """module.to('meta') runs shapes without memory or values: the Gamma family asked torch whether a shape was below
    1 (Tensor.item() on meta), Binomial has no meta kernel, and slot values were checked (values that do not exist)."""
    from tests.test_log_probability import REFERENCES
    args, _ = REFERENCES[name]
    cls = DISTRIBUTIONS[name]
    vector = hasattr(cls, "PARAM_EVENT_RANKS")
    output = None if vector else (3,)
    listed = name in ("UniformDistribution", "DiscreteUniformDistribution")  # one list argument [min, max]
    slotted = cls(["#lo", "#hi"]) if listed else cls(*("#" + p for p in cls.PARAMS[:len(args)]))
    for dist in (cls(*args), slotted):
        given = [torch.as_tensor(a, dtype=torch.float32) for a in (args[0] if listed else args)]
        shapes = {s: tuple(v.shape) if vector else (3,) for s, v in zip(dist.slots, given)}
        net = NetGraph([RandomArrayLayer(dist, output=output, log_probability=True)], [], **shapes)
        if dist.slots:  # the slot values as a batch of 2, on the meta device
            feed = {s: torch.empty((2, *shapes[s]), device="meta") for s in dist.slots}
            out = net.compile().to("meta")(**feed)
            reference = net(**{s: v.expand(2, *shapes[s]) for s, v in zip(dist.slots, given)})
        else:
            out = net.compile().to("meta")(batch_size=2)
            reference = net(batch_size=2)
        for port in ("Output", "LogProbability"):
            assert out[port].is_meta and out[port].shape == reference[port].shape
            assert out[port].dtype == reference[port].dtype


@pytest.mark.parametrize("layer", [
    RandomArrayLayer(GammaDistribution("#a", 1.0), eval_mode="mean"),
    KLDivergenceLayer(GammaDistribution("#a", 1.0), ExponentialDistribution(1.0), method="monte_carlo"),
    KLDivergenceLayer(UniformDistribution([0.0, "#a"]), UniformDistribution([0.0, 5.0])),
], ids=["eval-mean", "monte-carlo-KL", "KL-supports"])
def test_means_and_kl_divergences_on_the_meta_device_check_no_values(layer):
    net = NetGraph([layer], [], a=3)
    out = net.compile().to("meta").eval()(a=torch.empty(2, 3, device="meta"))
    reference = net.compile().eval()(a=torch.full((2, 3), 2.0))
    assert out.is_meta and out.shape == reference.shape and out.dtype == reference.dtype


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_narrow_module_only_widens_integer_counts(dtype):
    """A count fed by an Integer port was cast to a half module's dtype: Binomial n=3001 drew 3000 (float16's
    rounding), n=1e5 became inf, and Erlang's k drew with no gamma kernel. Counts are cast to the wider of the
    module's dtype and the default dtype."""
    counts = PortType((4,), "Integer")
    binomial = NetGraph([RandomArrayLayer(BinomialDistribution("#n", 1.0))], [], n=counts).compile().to(dtype)
    for n in (3001, 100_000):
        assert binomial(n=torch.full((2, 4), n)).tolist() == [[float(n)] * 4] * 2
    erlang = NetGraph([RandomArrayLayer(ErlangDistribution("#k", 1.0))], [], k=counts).compile().to(dtype)
    draws = erlang(k=torch.full((4000, 4), 3))
    assert draws.dtype == torch.float32 and abs(draws.mean().item() - 3) < 5 * (3 / 16000) ** 0.5


@pytest.mark.parametrize("checks", [True, False])
def test_integer_data_at_a_real_slot_draws_in_the_modules_dtype_checked_or_inline(checks):
    """Int64 data at Normal's mu after .double(): the checked module draw gave float64 (the wider of the module's
    and the default dtype) but the inline draw (checks off) fell back to the default dtype, float32."""
    previous = set_distribution_checks(checks)
    try:
        module = NetGraph([RandomArrayLayer(NormalDistribution("#mu", 1.0))], [], mu=4).compile().double()
    finally:
        set_distribution_checks(previous)
    assert ("torch.randn" in module.code) is not checks  # checks off: the inline draw
    draws = module(mu=torch.full((2, 4), 3))
    assert draws.dtype == torch.float64 and module.float()(mu=torch.full((2, 4), 3)).dtype == torch.float32

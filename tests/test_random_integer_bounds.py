"""DiscreteUniformDistribution's bounds against the integers the draw's dtype holds exactly.

float32 holds every integer only within ±2**24, float64 within ±2**53. Bounds beyond, rounded to the dtype,
drew values off the support ([2**24 + 1, 2**24 + 3] gave 2**24 and 2**24 + 4 in float32); such bounds are
refused naming the layer, the bound and the dtype, and every draw stays within [imin, imax].
"""

from __future__ import annotations

import contextlib
import math
import sys

import pytest
import torch

from netgraph import DataError, DiscreteUniformDistribution, NetGraph, RandomArrayLayer, set_distribution_checks
from netgraph.core.errors import OptionError

BIG = 2 ** 24  # float32 holds every integer up to this size, not 2**24 + 1


def _net(lo, hi, n=3000):
    return NetGraph({"ids": RandomArrayLayer(DiscreteUniformDistribution([lo, hi]), output=n)}, [])


def test_bounds_float32_cannot_hold_are_refused_naming_layer_bound_and_dtype():
    with pytest.raises(DataError, match=r"layer 'ids'.*imin.*16777217.*float32.*float64") as err:
        _net(BIG + 1, BIG + 3)()
    (d,) = err.value.diagnostics
    assert (d.layer, d.option, d.found, d.kind) == (("ids",), "imin", BIG + 1, "parameter-value")


def test_in_float64_the_same_bounds_draw_every_integer_of_the_range_and_none_outside():
    torch.manual_seed(0)
    x = _net(BIG + 1, BIG + 3)(precision="float64")
    assert x.dtype == torch.float64
    counts = {v: int((x == v).sum()) for v in (BIG + 1, BIG + 2, BIG + 3)}
    assert sum(counts.values()) == x.numel()  # nothing off the support
    # each 1/3 of 3000: binomial sd 26, so 5 sd is 130
    assert all(abs(c - 1000) < 130 for c in counts.values()), counts


def test_the_largest_bounds_float32_holds_draw_within_them():
    torch.manual_seed(0)
    x = _net(BIG - 2, BIG, 6000)().double()
    assert set(x.unique().tolist()) == {BIG - 2, BIG - 1, BIG}


def test_bounds_no_dtype_holds_are_an_option_error_at_construction():
    with pytest.raises(OptionError, match=r"imax.*9007199254740994.*2\*\*53"):
        DiscreteUniformDistribution([0, 2 ** 53 + 2])


def test_slot_bounds_beyond_float32s_integers_are_a_data_error_naming_the_port():
    net = NetGraph({"ids": RandomArrayLayer(DiscreteUniformDistribution(["#a", "#b"]))}, [], a=2, b=2)
    a, b = torch.tensor([[0.0, 0.0]]), torch.tensor([[5.0, 2.0 ** 26]])
    with pytest.raises(DataError, match=r"layer 'ids'.*imax.*67108864.*float32") as err:
        net(a=a, b=b)
    assert (err.value.diagnostics[0].port, err.value.diagnostics[0].option) == ("b", "imax")
    assert net(a=a.double(), b=b.double(), precision="float64").dtype == torch.float64


def test_with_the_checks_off_slot_draws_still_stay_within_their_bounds():
    net = NetGraph({"ids": RandomArrayLayer(DiscreteUniformDistribution(["#a", "#b"]), output=4000)}, [], a=4000, b=4000)
    a = torch.full((1, 4000), float(BIG + 2))
    previous = set_distribution_checks(False)
    try:
        torch.manual_seed(0)
        x = net(a=a, b=a + 4)
    finally:
        set_distribution_checks(previous)
    assert float(x.min()) >= BIG + 2 and float(x.max()) <= BIG + 6


@pytest.mark.parametrize("method", ["monte_carlo", "auto"])
def test_a_kl_divergence_refuses_them_too_and_in_float64_gives_the_exact_value(method):
    """Its draws and masses used the rounded bounds: KL(DU[2**24+1, 2**24+3] ‖ DU[2**24+1, 2**24+4]) came out 0."""
    from netgraph import KLDivergenceLayer
    p, q = DiscreteUniformDistribution([BIG + 1, BIG + 3]), DiscreteUniformDistribution([BIG + 1, BIG + 4])
    net = NetGraph({"kl": KLDivergenceLayer(p, q, method=method)}, [])
    with pytest.raises(DataError, match=r"layer 'kl'.*distribution p.*imin.*16777217.*float32") as err:
        net()
    assert (err.value.diagnostics[0].layer, err.value.diagnostics[0].option) == (("kl",), "imin")
    assert math.isclose(float(net(precision="float64")), math.log(4 / 3), rel_tol=1e-12)


@contextlib.contextmanager
def _host_reads():
    """The reads of tensor values into Python (each a host sync on an accelerator: item, tolist, float, bool, int,
    numpy), each as the name of the function that made it."""
    reads, saved = [], {name: getattr(torch.Tensor, name) for name in
                        ("item", "tolist", "__float__", "__bool__", "__int__", "__index__", "numpy")}

    def counting(name, original):
        def read(self, *args, **kwargs):
            reads.append(sys._getframe(1).f_code.co_name)
            return original(self, *args, **kwargs)
        return read

    for name, original in saved.items():
        setattr(torch.Tensor, name, counting(name, original))
    try:
        yield reads
    finally:
        for name, original in saved.items():
            setattr(torch.Tensor, name, original)


def test_a_checked_call_with_slot_bounds_reads_their_values_once():
    """The integer-range check (an argmax and a float per bound) and the check's integer test, order test and draw
    bound each read the bounds again: 9 host syncs per call where the checks promise one."""
    net = NetGraph({"ids": RandomArrayLayer(DiscreteUniformDistribution(["#a", "#b"]))}, [], a=2, b=2)
    module, a, b = net.compile(checks=True), torch.tensor([[0.0, -3.0]]), torch.tensor([[5.0, 2.0]])
    module(a=a, b=b)
    with _host_reads() as reads:
        x = module(a=a, b=b)
    # _corner_within evaluates the draw bound at numbers already read, in a tensor made on the host: no device sync
    assert len([r for r in reads if r != "_corner_within"]) == 1, reads
    assert bool(((x >= a) & (x <= b) & (x == x.round())).all())
    for bad_a, bad_b, problem in [(a, b + 0.5, r"imax \(largest integer\) must be an integer"),
                                  (a, a - 1, r"needs imin <= imax, found imin 0 and imax -1 at index \(0, 0\)"),
                                  (a - 2.0 ** 26, b, r"imin.*-67108864.*float32")]:
        with pytest.raises(DataError, match=problem):
            module(a=bad_a, b=bad_b)


def test_integer_port_bounds_are_checked_as_fed_not_as_cast_to_float32():
    """An Integer port's imax = 2**24 + 1 was cast to float32 (2**24) before the check, which then let it through."""
    from netgraph import PortType
    net = NetGraph({"ids": RandomArrayLayer(DiscreteUniformDistribution([0, "#b"]), output=2)}, [],
                   b=PortType((1,), "Integer"))
    with pytest.raises(DataError, match=r"layer 'ids'.*imax.*16777217.*float32") as err:
        net(b=torch.tensor([[BIG + 1]]))
    assert err.value.diagnostics[0].port == "b"
    assert net(b=torch.tensor([[BIG]])).max() <= BIG


@pytest.mark.parametrize("hi, float64_holds", [(2 ** 30, True), (2 ** 60, False)])
def test_float64_is_offered_only_for_bounds_it_holds(hi, float64_holds):
    """Review R1, session 48: float64 was offered for a bound of 2**60, which it refuses too."""
    net = NetGraph({"ids": RandomArrayLayer(DiscreteUniformDistribution(["#a", "#b"]))}, [], a="Integer", b="Integer")
    with pytest.raises(DataError, match=rf"imax \(largest integer\) = {hi} lies beyond ±16777216") as err:
        net.compile()(a=torch.tensor([0]), b=torch.tensor([hi]))
    assert ("precision='float64'" in str(err.value)) == float64_holds, str(err.value)

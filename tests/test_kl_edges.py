"""KL(p ‖ q) at the edges: q certain (one value only) where p is not, and the closed forms' gradients at a probability
or mean of 0 or 1 (exactly ∓∞ there)."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (BernoulliDistribution, CategoricalDistribution, DataError, KLDivergenceLayer, NetGraph,
                      NormalDistribution, OptionError, PoissonDistribution)
from netgraph.layers.kl import KL_CLOSED_FORMS, closed_form_kl

METHODS = ["auto", "monte_carlo"]  # auto: the closed form


def _kl_net(cls, method, **ports):
    return NetGraph({"kl": KLDivergenceLayer(cls("#a"), cls("#b"), method=method)}, [], **ports)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("cls, p, q", [(BernoulliDistribution, [0.3, 0.5], [0.5, 0.0]),
                                       (BernoulliDistribution, [0.3, 1e-6], [0.5, 1.0]),
                                       (PoissonDistribution, [2.0, 0.5], [1.0, 0.0])])
def test_both_methods_refuse_p_with_mass_off_the_one_value_q_draws(cls, p, q, method):
    """The closed form returned inf there (the true value), the Monte Carlo estimate a support error: both refuse."""
    net = _kl_net(cls, method, a=2, b=2)
    with pytest.raises(DataError, match=r"draws more than one value at example 0, index \(1,\), but q = .* draws one "
                                        r"value only there, so KL\(p ‖ q\) is infinite") as caught:
        net.compile()(a=torch.tensor([p]), b=torch.tensor([q]))
    assert (caught.value.kind, caught.value.expected, caught.value.found) == ("support", "p certain where q is",
                                                                             "p not certain")


@pytest.mark.parametrize("method", METHODS)
def test_both_methods_refuse_p_certain_at_another_value_than_q(method):
    net = _kl_net(BernoulliDistribution, method, a=2, b=2)
    with pytest.raises(DataError, match=r"at example 0, index \(1,\)") as caught:
        net.compile()(a=torch.tensor([[0.0, 1.0]]), b=torch.tensor([[0.0, 0.0]]))
    assert caught.value.kind == "support"


@pytest.mark.parametrize("method", METHODS)
def test_both_methods_give_0_where_p_is_certain_at_q_s_value(method):
    net = _kl_net(BernoulliDistribution, method, a=3, b=3)
    both = torch.tensor([[0.0, 1.0, 0.0]])
    assert net.compile()(a=both, b=both).tolist() == [0.0]
    poisson = _kl_net(PoissonDistribution, method, a=(), b=())
    assert poisson.compile()(a=torch.zeros(2), b=torch.zeros(2)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("method", METHODS)
def test_a_categorical_q_certain_of_one_class_is_refused_by_both_methods(method):
    net = _kl_net(CategoricalDistribution, method, a=(2, 3), b=(2, 3))
    p = torch.tensor([[[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]]])
    q = torch.tensor([[[0.2, 0.3, 0.5], [0.0, 0.0, 1.0]]])
    with pytest.raises(DataError, match=r"at example 0, index \(1,\)") as caught:
        net.compile()(a=p, b=q)
    assert caught.value.kind == "support"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("p, q", [(BernoulliDistribution(0.3), BernoulliDistribution(0.0)),
                                  (PoissonDistribution(2.0), PoissonDistribution(0.0))])
def test_a_constant_certain_q_is_refused_when_the_layer_is_made_by_both_methods(p, q, method):
    """The closed form's layer was made and returned inf; the Monte Carlo one was refused."""
    with pytest.raises(OptionError, match=r"draws one value only but p = .* draws more: KL\(p ‖ q\) is infinite") \
            as caught:
        KLDivergenceLayer(p, q, method=method, shape=(2,))
    assert (caught.value.option, caught.value.kind) == ("q", "option-combination")


def _logit(v: float) -> float:
    return math.log(v / (1 - v))


@pytest.mark.parametrize("b", [0.01, 0.1, 0.5, 0.9, 0.999])
def test_bernoulli_kl_gradients_inside_are_exact(b):
    a = torch.tensor([1e-9, 0.2, 0.7, 1 - 1e-9], dtype=torch.float64, requires_grad=True)
    q = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    kl = KL_CLOSED_FORMS[("BernoulliDistribution", "BernoulliDistribution")]([a], [q])
    da, = torch.autograd.grad(kl.sum(), a, retain_graph=True)
    db, = torch.autograd.grad(kl[1], q)
    want = torch.tensor([_logit(v) - _logit(b) for v in a.tolist()], dtype=torch.float64)
    torch.testing.assert_close(da, want, rtol=1e-9, atol=0)  # dKL/da = logit(a) - logit(b)
    assert math.isclose(float(db), (b - 0.2) / (b * (1 - b)), rel_tol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("b", [0.01, 0.1, 0.5, 0.9, 0.999])
def test_bernoulli_kl_gradient_at_0_and_1_is_finite_and_points_toward_q(b, dtype):
    """Exactly, dKL/da = logit(a) - logit(b) is -inf at a = 0 and +inf at a = 1. The stand-in is that derivative with
    log a + 1 taken as log(tiny): log(tiny) - 1 - logit(b) at 0 (and its mirror at 1), of the exact sign for every b
    (it was -1 - logit(b) at 0: +1.2 for b = 0.1, which pushed a below 0 in gradient descent). dKL/db is exact."""
    a = torch.tensor([0.0, 1.0], dtype=dtype, requires_grad=True)
    q = torch.tensor(b, dtype=dtype, requires_grad=True)
    kl = KL_CLOSED_FORMS[("BernoulliDistribution", "BernoulliDistribution")]([a], [q])
    torch.testing.assert_close(kl, torch.tensor([-math.log1p(-b), -math.log(b)], dtype=dtype))
    da, = torch.autograd.grad(kl.sum(), a, retain_graph=True)
    log_tiny = math.log(torch.finfo(dtype).tiny)
    want = torch.tensor([log_tiny - 1 - _logit(b), -log_tiny + 1 - _logit(b)], dtype=dtype)
    torch.testing.assert_close(da, want, rtol=1e-6, atol=0)
    assert da[0] < 0 < da[1]
    db = [float(torch.autograd.grad(kl[i], q, retain_graph=True)[0]) for i in range(2)]
    held = float(q.detach())  # b as the dtype holds it
    assert math.isclose(db[0], 1 / (1 - held), rel_tol=1e-5) and math.isclose(db[1], -1 / held, rel_tol=1e-5)


def test_bernoulli_kl_through_a_saturated_sigmoid_gets_the_exact_limit_0_not_nan():
    """sigmoid(z) rounds to 0 or 1 in float32 at |z| of about 17 and more, where the exact dKL/dz =
    (logit(a) - logit(b)) a (1 - a) is below 1e-5 and tends to 0; an infinite dKL/da would make it NaN (inf · 0)."""
    z = torch.tensor([-120.0, 40.0], requires_grad=True)
    a = torch.sigmoid(z)
    assert a.tolist() == [0.0, 1.0]
    KL_CLOSED_FORMS[("BernoulliDistribution", "BernoulliDistribution")]([a], [torch.tensor(0.3)]).sum().backward()
    assert z.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_poisson_kl_gradient_at_mean_0_is_finite_and_points_toward_q(dtype):
    """dKL/da = log(a / b) is -inf at a = 0; the stand-in is log(tiny) - 1 - log(b) (it was -1 - log(b), of the wrong
    sign for b < 1/e), and inside the exact log(a / b)."""
    a = torch.tensor([0.0, 0.5], dtype=dtype, requires_grad=True)
    kl = KL_CLOSED_FORMS[("PoissonDistribution", "PoissonDistribution")]([a], [torch.tensor(0.1, dtype=dtype)])
    da, = torch.autograd.grad(kl.sum(), a)
    want = torch.tensor([math.log(torch.finfo(dtype).tiny) - 1 - math.log(0.1), math.log(5.0)], dtype=dtype)
    torch.testing.assert_close(da, want, rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_categorical_kl_gradient_at_a_zero_class_points_toward_q(dtype):
    """dKL/da_j = log(a_j / b_j) - KL for a on the simplex (the normalisation's share): -inf at a_j = 0. It was -log b_j
    - KL there (+3.6 below: the largest, of the wrong sign); the stand-in is that derivative with log a_j + 1 taken as
    log(tiny), as for Bernoulli, and inside the exact one."""
    a = torch.tensor([[0.0, 0.1, 0.9]], dtype=dtype, requires_grad=True)
    b = [0.01, 0.1, 0.89]
    kl = KL_CLOSED_FORMS[("CategoricalDistribution", "CategoricalDistribution")]([a], [torch.tensor([b], dtype=dtype)])
    da, = torch.autograd.grad(kl.sum(), a)
    exact = 0.1 * math.log(0.1 / 0.1) + 0.9 * math.log(0.9 / 0.89)
    want = [math.log(torch.finfo(dtype).tiny) - 1 - math.log(b[0]) - exact,
            math.log(0.1 / b[1]) - exact, math.log(0.9 / b[2]) - exact]
    torch.testing.assert_close(da, torch.tensor([want], dtype=dtype), rtol=1e-5, atol=1e-6)
    assert da[0, 0] < 0


@pytest.mark.parametrize("p, q, at", [([[0.3, 0.3, 0.4]], [[0.5, 0.5, 0.0]], "example 0"),
                                      ([[0.5, 0.5, 0.0], [0.3, 0.3, 0.4]], [[0.5, 0.5, 0.0]] * 2, "example 1")])
def test_the_closed_form_refuses_a_categorical_q_without_mass_where_p_has_some(p, q, at):
    """It returned inf (a class of probability 0 in q only)."""
    net = _kl_net(CategoricalDistribution, "auto", a=3, b=3)
    with pytest.raises(DataError, match=rf"layer 'kl' .*: p = Categorical.* gives class 2 a probability above 0 at {at}, "
                                        r"but q = .* gives it 0 there, so KL\(p ‖ q\) is infinite") as caught:
        net.compile()(a=torch.tensor(p), b=torch.tensor(q))
    assert (caught.value.kind, caught.value.expected, caught.value.found) == ("support", "q's class 2 above 0", "0")


def test_the_monte_carlo_estimate_refuses_a_categorical_q_without_mass_where_p_has_some():
    """Its draws seldom land in class 2 (p's mass 1e-4 there): the estimate came out finite; KL is +inf, as the
    closed form refuses it."""
    net = _kl_net(CategoricalDistribution, "monte_carlo", a=3, b=3)
    torch.manual_seed(0)
    with pytest.raises(DataError, match=r"gives class 2 a probability above 0 at example 0, but q = .* gives it 0 "
                                        r"there, so KL\(p ‖ q\) is infinite") as caught:
        net.compile()(a=torch.tensor([[0.5, 0.4999, 1e-4]]), b=torch.tensor([[0.5, 0.5, 0.0]]))
    assert (caught.value.kind, caught.value.expected, caught.value.found) == ("support", "q's class 2 above 0", "0")


def test_the_closed_form_refuses_a_value_that_overflows_its_dtype():
    """Normal(0, 1) vs Normal(0, 1e-30): KL ≈ 5e59, beyond float32 (it returned inf); float64 holds it."""
    net = NetGraph({"kl": KLDivergenceLayer(NormalDistribution(0.0, 1.0), NormalDistribution(0.0, "#s"))}, [], s=2)
    with pytest.raises(DataError, match=r"is infinite at example 0, index \(1,\) \(q puts no mass where p does, or the "
                                        r"value is too large for float32\)") as caught:
        net.compile()(s=torch.tensor([[1.0, 1e-30]]))
    assert (caught.value.kind, caught.value.port) == ("support", "s")
    value = net.compile()(s=torch.tensor([[1.0, 1e-30]], dtype=torch.float64))
    assert math.isclose(float(value), math.log(1e30) + 0.5e60 - 0.5, rel_tol=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("p, q", [(BernoulliDistribution(1.0), BernoulliDistribution(0.0)),
                                  (CategoricalDistribution([0.0, 1.0]), CategoricalDistribution([1.0, 0.0]))])
def test_a_constant_p_certain_at_another_value_than_q_is_refused_when_the_layer_is_made(p, q, method):
    """It was made and refused only at run time ("... draws another value only there", with no place named)."""
    with pytest.raises(OptionError, match=r"draws one value only and q = .* another: KL\(p ‖ q\) is infinite") as caught:
        KLDivergenceLayer(p, q, method=method, shape=(2,))
    assert (caught.value.option, caught.value.kind, caught.value.found) == ("q", "option-combination",
                                                                            "p certain at another value")
    KLDivergenceLayer(p, p, method=method, shape=(2,))  # certain at the same value: KL 0


def test_a_refusal_without_a_place_names_no_place():
    """p certain at another value than q, with scalar parameters: the message said "only there" naming no place."""
    with pytest.raises(DataError, match=r"BernoulliDistribution\('#b'\) draws another value, so KL") as caught:
        closed_form_kl(KL_CLOSED_FORMS[("BernoulliDistribution",) * 2], BernoulliDistribution("#a"),
                       BernoulliDistribution("#b"), [torch.tensor(1.0)], [torch.tensor(0.0)], lambda: "layer 'kl'")
    assert "there" not in str(caught.value) and caught.value.kind == "support"


@pytest.mark.parametrize("cls, p, q", [(BernoulliDistribution, [0.3, 0.0], [0.5, 1e-3]),
                                       (PoissonDistribution, [2.0, 0.0], [1.0, 3.0]),
                                       (CategoricalDistribution, [[0.0, 1.0]], [[0.0, 1.0]]),
                                       (CategoricalDistribution, [[0.5, 0.5]], [[0.4, 0.6]])])
def test_a_finite_closed_form_syncs_with_the_device_once(cls, p, q, monkeypatch):
    """Every refusal is where the value is not finite: one tensor-to-Python read (is any inf or NaN?), not one per check
    (Bernoulli and Poisson had two, Categorical three: a device sync each on a GPU)."""
    reads = []
    for name in ("__bool__", "item", "tolist", "__int__", "__float__"):
        real = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, lambda self, *a, _real=real, _name=name: reads.append(_name) or
                            _real(self, *a))
    p_params, q_params = [torch.tensor(p)], [torch.tensor(q)]
    fn = KL_CLOSED_FORMS[(cls.__name__, cls.__name__)]
    kl = closed_form_kl(fn, cls("#a"), cls("#b"), p_params, q_params, lambda: "kl", (1,))
    assert len(reads) == 1  # is the sum finite? (it is exactly when every value is)
    assert torch.equal(kl, fn(p_params, q_params))


NAN = float("nan")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("cls, p, q, found", [
    *((BernoulliDistribution, [a], [b], "p not certain") for a in (NAN, 1.5, -0.1) for b in (0.0, 1.0)),
    *((PoissonDistribution, [a], [0.0], "p not certain") for a in (math.inf, NAN)),
    (CategoricalDistribution, [[0.5, 0.5]], [[NAN, 1.0]], "p not certain"),
    (CategoricalDistribution, [[NAN, 1.0]], [[1.0, 0.0]], "0")])
def test_a_nan_closed_form_is_refused_unchecked_as_before_the_one_sync_gate(cls, p, q, found, dtype):
    """Parameters outside their support against a certain q give a NaN closed form: the gate on infinite values
    alone let it pass with checks=False (review kl_diff.py); these were, and are again, support DataErrors."""
    fn = KL_CLOSED_FORMS[(cls.__name__, cls.__name__)]
    with pytest.raises(DataError) as caught:
        closed_form_kl(fn, cls("#a"), cls("#b"), [torch.tensor([p], dtype=dtype)], [torch.tensor([q], dtype=dtype)],
                       lambda: "kl", (1,))
    assert (caught.value.kind, caught.value.found) == ("support", found)

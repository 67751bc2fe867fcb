"""``log_orderings``' gradient in closed form (``digamma_gap``): exact where torch's digammas cancel (a large n beside
a small count, a large count beside a small n), equal to the forward's numerical derivative on both sides of
STIRLING_FROM, differentiable again, and the same under torch.func and vmap."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph.layers.dist_special import STIRLING_FROM, digamma_gap, log_orderings


def _gradients(x: list, n: list, dtype: torch.dtype) -> tuple[list, list]:
    xs = torch.tensor(x, dtype=dtype, requires_grad=True)
    ns = torch.tensor(n, dtype=dtype, requires_grad=True)
    log_orderings(xs, ns).sum().backward()
    return xs.grad.double().tolist(), ns.grad.double().tolist()


@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 2e-6), (torch.float64, 1e-14)])
def test_the_gradient_in_a_large_n_at_small_counts_is_exact(dtype, rtol):
    """d/dn = digamma(x + n) − digamma(n) = Σ_{k < x} 1/(n + k): 3e-8 at n = 1e8, x = 3, where float32's digammas
    (18.4, held to within 1e-6) differed by 0 or by 2e-6."""
    n = float(torch.tensor(1e8, dtype=dtype))
    counts = [0.0, 1.0, 3.0, 50.0]
    _, got = _gradients(counts, [n] * len(counts), dtype)
    want = [math.fsum(1 / (n + k) for k in range(int(x))) for x in counts]
    torch.testing.assert_close(torch.tensor(got, dtype=torch.float64), torch.tensor(want, dtype=torch.float64),
                               rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 2e-6), (torch.float64, 1e-14)])
def test_the_gradient_in_a_large_count_is_exact(dtype, rtol):
    """d/dx = digamma(x + n) − digamma(x + 1) = 1/(x + 1) + 1/(x + 2) for n = 3 (about 1.2e-7 at x = 2**24)."""
    counts = [0.0, 5.0, STIRLING_FROM, 12345.0, 2.0 ** 24]
    got, _ = _gradients(counts, [3.0] * len(counts), dtype)
    want = [1 / (x + 1) + 1 / (x + 2) for x in counts]
    torch.testing.assert_close(torch.tensor(got, dtype=torch.float64), torch.tensor(want, dtype=torch.float64),
                               rtol=rtol, atol=0)


def test_digamma_gap_matches_torch_where_its_digammas_do_not_cancel():
    a = torch.tensor([1e-3, 0.5, 1.0, 2.5, 9.5, 19.9, 20.0, 33.0], dtype=torch.float64)
    d = torch.tensor([1.0, 0.25, 7.0, -1.0, 100.0, 0.5, 3.0, 1e6], dtype=torch.float64)
    want = torch.digamma(a + d) - torch.digamma(a)
    torch.testing.assert_close(digamma_gap(a, d), want, rtol=1e-13, atol=1e-13)


def test_the_gradient_is_the_forward_numerical_derivative_and_differentiable_again():
    """gradcheck and gradgradcheck (float64) across STIRLING_FROM: counts and n from 0.3 to 1e3."""
    x = torch.tensor([0.5, 3.0, 18.5, 25.0, 1e3, 4.0], dtype=torch.float64, requires_grad=True)
    n = torch.tensor([0.3, 2.5, 2.0, 30.0, 5.0, 19.9], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(log_orderings, (x, n))
    assert torch.autograd.gradgradcheck(log_orderings, (x, n))


def test_torch_func_grad_and_vmap_agree_with_autograd():
    x = torch.tensor([[0.0, 4.0, 300.0], [7.0, 2.0 ** 20, 1.0]], dtype=torch.float64)
    n = torch.tensor([[2.5, 40.0, 0.7], [1e6, 3.0, 21.0]], dtype=torch.float64, requires_grad=True)
    log_orderings(x, n).sum().backward()
    by_func = torch.func.grad(lambda m: log_orderings(x, m).sum())(n.detach())
    by_vmap = torch.func.vmap(torch.func.grad(lambda xi, m: log_orderings(xi, m).sum(), argnums=1))(x, n.detach())
    assert torch.equal(by_func, n.grad) and torch.equal(by_vmap, n.grad)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_gradient_in_a_tiny_n_is_exact_and_zero_at_a_zero_count(dtype):
    """d/dn at n = 1e18 … 1 × the smallest normal (1/(n·n) overflowed to inf, and inf · 0 made a count of 0 NaN): 0
    at x = 0, and digamma(x + n) − digamma(n) (mpmath, 30 digits) at x = 1, 3."""
    import mpmath  # a dependency of torch's (through sympy)
    tiny = [float(torch.tensor(torch.finfo(dtype).tiny * scale, dtype=dtype)) for scale in (1e18, 1e8, 1.0)]
    counts, ns = [x for x in (0.0, 1.0, 3.0) for _ in tiny], tiny * 3
    _, got = _gradients(counts, ns, dtype)
    with mpmath.workdps(30):
        want = [float(mpmath.digamma(x + mpmath.mpf(n)) - mpmath.digamma(n)) for x, n in zip(counts, ns)]
    assert got[:len(tiny)] == [0.0] * len(tiny)
    torch.testing.assert_close(torch.tensor(got, dtype=torch.float64), torch.tensor(want, dtype=torch.float64),
                               rtol=2e-6, atol=0)

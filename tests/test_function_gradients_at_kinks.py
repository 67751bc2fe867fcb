"""FunctionLayer gradients where the textbook formula divides 0 by 0: the limit torch's own functions take (a
norm's 0 at a zero vector), not NaN, which would poison every weight it reaches in training."""

from __future__ import annotations

import pytest
import torch

from netgraph import FunctionLayer, NetGraph


@pytest.mark.parametrize("length", [3, "n"])
def test_standard_deviation_of_a_constant_vector_has_gradient_0_as_norms(length):
    """StandardDeviation[x] was Sqrt[Variance[x]]: at a constant vector Sqrt's Infinity times Variance's 0, NaN.
    As a vector's Norm[x - Mean[x]] / Sqrt[n - 1] (RootMeanSquare's form) it is 0 there, torch's norm's."""
    net = NetGraph([FunctionLayer("StandardDeviation[#x]")], [], x=(length,))
    x = torch.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 6.0]], dtype=torch.float64, requires_grad=True)
    for run, rtol in ((net.compile().double(), 1e-12), (net, 1e-6)):  # net(x) computes in float32
        y = run(x)
        (grad,) = torch.autograd.grad(y.sum(), x)
        assert torch.equal(grad[0], torch.zeros(3, dtype=torch.float64))
        centred = x[1].detach() - x[1].detach().mean()  # (x - mean) / ((n - 1) sd): sd = sqrt(7), n - 1 = 2
        torch.testing.assert_close(grad[1], centred / (2 * 7 ** 0.5), rtol=rtol, atol=0, check_dtype=False)
        torch.testing.assert_close(y.detach(), x.detach().std(1), rtol=rtol, atol=0, check_dtype=False)
    assert torch.autograd.gradcheck(net.compile().double(), (torch.randn(4, 3, dtype=torch.float64,
                                                                         requires_grad=True),))


@pytest.mark.parametrize("offset", [1e3, 1e6, 1e7])
def test_standard_deviation_in_float32_far_from_0_is_as_accurate_as_torch_std(offset):
    """The Norm form took out Mean[x] once: float32's rounding of a mean near 1e6 (0.06) stayed in every term, and
    1e6 + unit noise gave a deviation 1.7e-3 off (torch.std: 2e-8); centred twice it is within a few float32 ulps."""
    torch.manual_seed(0)
    x = offset + torch.randn(4, 1000, dtype=torch.float64)
    want = x.float().double().std(1)  # the float32 input's exact deviation
    got = NetGraph([FunctionLayer("StandardDeviation[#x]")], [], x=1000).compile()(x.float())
    assert got.dtype == torch.float32
    torch.testing.assert_close(got.double(), want, rtol=1e-6, atol=0)

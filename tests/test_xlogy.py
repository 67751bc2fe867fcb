"""``xlogy``, the x log y of the log-densities and closed-form KLs: torch.xlogy's values (a NaN y gives NaN, also at
x = 0), with a finite gradient at x = 0, y = 0 and the gradient log y at x = 0 elsewhere."""

from __future__ import annotations

import itertools
import math

import torch

from netgraph.layers.dist_base import xlogy

XS = [0.0, 1.0, 2.5, -1.0, math.nan, math.inf]
YS = [0.0, 1e-30, 0.5, 3.0, math.inf, -1.0, -math.inf, math.nan]


def test_values_are_torch_xlogy_s_including_nan_and_infinite_y_at_x_0():
    x, y = (torch.tensor(v, dtype=torch.float64) for v in zip(*itertools.product(XS, YS)))
    torch.testing.assert_close(xlogy(x, y), torch.xlogy(x, y), equal_nan=True, rtol=0, atol=0)
    assert math.isnan(xlogy(torch.tensor(0.0), torch.tensor(math.nan)))


def test_the_gradient_in_x_at_x_0_is_log_y_and_0_where_y_is_0():
    """Session 31's fix (a Gamma density's (α − 1) log x at α = 1 needs log x), kept beside the NaN one."""
    x = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.5, 3.0, 0.0, math.nan], dtype=torch.float64)
    xlogy(x, y).sum().backward()
    assert x.grad.tolist()[:3] == [math.log(0.5), math.log(3.0), 0.0] and math.isnan(x.grad[3])

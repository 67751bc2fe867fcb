"""Vector distributions refuse parameters whose draws could pass float32's range, as the univariate ones do
(NormalDistribution(0, 1e38) is an OptionError): a Multinormal draw's coordinate reaches |μ| + 8 of its standard
deviations (found by QA: σ = 1e38 accepted, drawing inf; a Cholesky diagonal of 1e38 drew inf)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, MultinormalCholeskyDistribution, MultinormalDiagonalDistribution,
                      MultinormalDistribution, NetGraph, OptionError, RandomArrayLayer)
from netgraph.layers import dist_limits


@pytest.mark.parametrize("make", [
    lambda: MultinormalDiagonalDistribution([0.0, 0.0], [1e38, 1.0]),
    lambda: MultinormalCholeskyDistribution([0.0, 0.0], [[1e38, 0.0], [0.0, 1.0]]),
    lambda: MultinormalCholeskyDistribution([0.0, 0.0], [[1.0, 0.0], [4e37, 4e37]]),  # its row: 5.7e37 per deviation
    lambda: MultinormalDiagonalDistribution([9e37, 0.0], [4e37, 1.0]),  # 9e37 + 8 · 4e37
], ids=["diagonal", "cholesky-diagonal", "cholesky-row", "mean-and-sigma"])
def test_constants_whose_draws_pass_float32s_range_are_refused(make):
    with pytest.raises(OptionError, match=r"give draws up to about .*, values beyond float32's range \(inf\)"):
        make()


def test_constants_whose_draws_stay_within_range_are_accepted():
    MultinormalDiagonalDistribution([0.0, 0.0], [1e37, 1.0])
    MultinormalCholeskyDistribution([0.0, 0.0], [[1.0, 0.0], [1e37, 1e37]])
    MultinormalDistribution([0.0, 0.0], [[1.0, 0.0], [0.0, 1e38]])  # a variance: its draws reach 8e19


def test_slot_values_whose_draws_pass_float32s_range_are_a_data_error():
    net = NetGraph([RandomArrayLayer(MultinormalDiagonalDistribution("#mu", "#s"))], [], mu=2, s=2).compile()
    with pytest.raises(DataError, match=r"give draws up to about 8e\+38"):
        net(mu=torch.zeros(1, 2), s=torch.tensor([[1e38, 1.0]]))
    chol = NetGraph([RandomArrayLayer(MultinormalCholeskyDistribution("#mu", "#L"))], [], mu=2, L=(2, 2)).compile()
    factors = torch.eye(2).repeat(3, 1, 1)
    factors[2, 1] = torch.tensor([4e37, 4e37])  # a row: the second coordinate's draws reach 8 · 5.7e37
    with pytest.raises(DataError, match=r"mu \(mean vector\) = 0, L \(Cholesky factor of the covariance\) = 4e\+37 "
                                        r"give draws up to about 4\.5\de\+38"):
        chol(mu=torch.zeros(3, 2), L=factors)


def test_a_mean_with_more_sample_dims_than_the_factor_is_lined_up_as_the_layer_lines_it_up():
    """Each example's 5 draws share its factor: the bound of mu (B, 5, k) beside L (B, k, k) broadcast wrongly."""
    layer = RandomArrayLayer(MultinormalCholeskyDistribution("#mu", "#L"), output=(5, 2))
    net = NetGraph([layer], [], mu=(5, 2), L=(2, 2)).compile()
    factors = torch.eye(2).repeat(2, 1, 1)
    assert net(mu=torch.zeros(2, 5, 2), L=factors).shape == (2, 5, 2)
    factors[1, 0, 0] = 1e38
    with pytest.raises(DataError, match=r"L \(Cholesky factor of the covariance\) = 1e\+38 give draws up to about 8e"):
        net(mu=torch.zeros(2, 5, 2), L=factors)


def test_constants_with_different_sample_dims_broadcast_right_aligned_as_the_layer_draws_them():
    """A constant has no batch dim: mu (3, 2) beside sigma (4, 3, 2) lines up with sigma's last sample dim (its first
    was taken for a batch: torch's size-mismatch RuntimeError at making), and a too-wide sigma is still refused."""
    net = NetGraph([RandomArrayLayer(MultinormalDiagonalDistribution(torch.zeros(3, 2), torch.ones(4, 3, 2)))], [])
    assert net.compile()(batch_size=2).shape == (2, 4, 3, 2)
    sigma = torch.ones(4, 3, 2)
    sigma[3, 2, 1] = 1e38
    with pytest.raises(OptionError, match=r"sigma.* = 1e\+38 give draws up to about 8e\+38"):
        MultinormalDiagonalDistribution(torch.zeros(3, 2), sigma)


def test_a_covariance_port_is_bounded_at_its_worst_corner_without_an_elementwise_bound(monkeypatch):
    """Its largest element is a variance, so one bound at (max |mu|, max S) holds for every coordinate: no per-element
    bound is computed (which cost ~15% of a compiled Multinormal draw)."""
    net = NetGraph([RandomArrayLayer(MultinormalDistribution("#mu", "#S"))], [], mu=2, S=(2, 2)).compile()
    covariances = torch.tensor([[2.0, -1.0], [-1.0, 1e30]]).repeat(3, 1, 1)
    monkeypatch.setattr(dist_limits, "_sample_aligned", lambda *a: pytest.fail("elementwise bound computed"))
    assert net(mu=torch.full((3, 2), -1e37), S=covariances).shape == (3, 2)

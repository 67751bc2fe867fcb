"""Closed forms and log_prob take parameter values in any form the constructor takes: lists (once a raw TypeError
from float(list)), and a one-list distribution's single list (UniformDistribution([min, max]); found by QA)."""

from __future__ import annotations

import torch
import torch.distributions as td

from netgraph import (DirichletDistribution, GammaDistribution, MultinormalDistribution, UniformDistribution)


def test_closed_forms_take_list_values_as_the_constructor_does():
    mvn = MultinormalDistribution("#mu", "#S")
    torch.testing.assert_close(mvn.mean([0.0, 1.0], [[1.0, 0.0], [0.0, 1.0]]),
                               MultinormalDistribution([0.0, 1.0], [[1.0, 0.0], [0.0, 1.0]]).mean())
    torch.testing.assert_close(mvn.covariance([0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]]),
                               torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64))
    torch.testing.assert_close(DirichletDistribution("#a").variance([1.0, 2.0, 3.0]),
                               td.Dirichlet(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).variance)
    torch.testing.assert_close(GammaDistribution("#a", 2).mean([0.5, 1.0], 2.0),
                               torch.tensor([1.0, 2.0], dtype=torch.float64))


def test_log_prob_takes_list_values():
    x = torch.tensor([[0.2, 0.3, 0.5]])
    got = DirichletDistribution("#a").log_prob(x, [[1.0, 2.0, 3.0]])
    torch.testing.assert_close(got.float(), td.Dirichlet(torch.tensor([1.0, 2.0, 3.0])).log_prob(x))


def test_a_one_list_distribution_takes_its_constructors_single_list():
    uniform = UniformDistribution(["#a", "#b"])
    assert uniform.mean([0.0, 1.0]) == uniform.mean(0.0, 1.0) == 0.5
    assert uniform.variance([[0.0, 2.0], [1.0, 4.0]]).tolist() == [1 / 12, 4 / 12]

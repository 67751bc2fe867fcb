"""A vector distribution's joint checks of slot values (a covariance not symmetric or not positive definite, a
Cholesky diagonal <= 0, event sizes that disagree) name the parameter's port in the message and fill the
Diagnostic's port, option, expected and found, as the elementwise checks do (found by QA: all four were None)."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, MultinormalCholeskyDistribution, MultinormalDistribution, NetGraph, RandomArrayLayer


def _covariance_net():
    return NetGraph([RandomArrayLayer(MultinormalDistribution("#mu", "#S"))], [], mu=2, S=(2, 2)).compile()


@pytest.mark.parametrize("sigma,expected,found", [
    ([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]], "a positive definite matrix", ((1.0, 2.0), (2.0, 1.0))),
    ([[[1.0, 0.5], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]], "a symmetric matrix", ((1.0, 0.5), (0.0, 1.0))),
])
def test_a_bad_covariance_names_its_port(sigma, expected, found):
    with pytest.raises(DataError, match=r"\(the matrix at (index|example) \(?\d.*\) of port 'S', found") as err:
        _covariance_net()(mu=torch.zeros(2, 2), S=torch.tensor(sigma))
    d = err.value.diagnostics[0]
    assert (d.port, d.option, d.expected, d.found) == ("S", "sigma", expected, found)


def test_a_cholesky_factor_with_a_diagonal_at_zero_names_its_port():
    net = NetGraph([RandomArrayLayer(MultinormalCholeskyDistribution("#mu", "#L"))], [], mu=2, L=(2, 2)).compile()
    with pytest.raises(DataError, match=r"must have a diagonal > 0 \(the matrix at .*\) of port 'L'") as err:
        net(mu=torch.zeros(1, 2), L=torch.tensor([[[1.0, 0.0], [0.3, 0.0]]]))
    d = err.value.diagnostics[0]
    assert (d.port, d.option, d.expected) == ("L", "L", "a diagonal > 0")


def test_event_sizes_that_disagree_name_the_ports():
    with pytest.raises(DataError, match=r"event sizes k disagree: mu \(mean vector\) 2 at port 'mu', sigma "
                                        r"\(covariance matrix\) 3 at port 'S'") as err:
        _covariance_net()(mu=torch.zeros(1, 2), S=torch.eye(3)[None])
    d = err.value.diagnostics[0]
    assert (d.port, d.option, d.expected, d.found) == ("S", "sigma", 2, 3)

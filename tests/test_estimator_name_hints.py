"""Estimator names the distribution lacks: netgraph's own spelt otherwise, and the reason for a mapped name.

Found in review: the refusal's hint missed our own names in another case or with '-' or ' ' for '_', and
'REINFORCE' (netgraph's 'score_function') on a Uniform gave no reason where 'score_function' did.
"""

from __future__ import annotations

import pytest

from netgraph import (BernoulliDistribution, NormalDistribution, OptionError, PoissonDistribution, RandomArrayLayer,
                      UniformDistribution)


@pytest.mark.parametrize("distribution, given, meant", [
    (PoissonDistribution(2.0), "straight-through", "straight_through"),
    (PoissonDistribution(2.0), "Straight_Through", "straight_through"),
    (NormalDistribution(), "Pathwise", "pathwise"),
    (NormalDistribution(), "reparametrization", "pathwise"),
    (BernoulliDistribution(0.3), "Gumbel Softmax", "relaxed")])
def test_netgraph_s_estimator_names_spelt_otherwise_are_named(distribution, given, meant):
    """Found in review: our own names in another case or with '-' or ' ' for '_' got no hint."""
    with pytest.raises(OptionError, match=rf"found '{given}' \('{given}' is netgraph's '{meant}'\)$"):
        RandomArrayLayer(distribution, estimator=given)


def test_a_literature_name_the_distribution_lacks_gets_the_reason():
    """Found in review: 'REINFORCE' on a Uniform listed the estimators but gave no reason (score_function did)."""
    with pytest.raises(OptionError, match=r"found 'REINFORCE' \('REINFORCE' is netgraph's 'score_function'; its "
                                          r"parameters move the support or are integers"):
        RandomArrayLayer(UniformDistribution([0, 1]), estimator="REINFORCE")

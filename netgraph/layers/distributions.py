"""The distributions RandomArrayLayer draws from, in Wolfram's names and parameter conventions.

The 20 univariate ones of Wolfram's RandomArrayLayer, and distributions over vectors and classes
(``dist_multivariate``: Multinormal in three parameter forms, Dirichlet; ``dist_categorical``).

Each parameter is a constant, a ``"#slot"`` string (an input port of the layer), a nested list or,
in Python, a tensor. ``rsample(params, shape)`` draws with gradients flowing to the parameters by the
estimator each distribution declares (``ESTIMATORS``, the first is the default); ``mean``/``variance``
are Wolfram's closed forms. The families live in ``dist_continuous`` (pathwise), ``dist_gamma``
and ``dist_gamma_log`` (implicit reparameterization through the Gamma) and ``dist_discrete`` (score function).

>>> d = NormalDistribution("#mu", "#sigma")
>>> d.slots
('mu', 'sigma')
>>> NormalDistribution(0, 2).variance()
4.0
>>> len(DISTRIBUTIONS), GammaDistribution(2, 3).ESTIMATORS[0], PoissonDistribution(3).ESTIMATORS[0]
(25, 'implicit', 'score_function')
"""

from __future__ import annotations

from netgraph.layers import dist_continuous, dist_discrete, dist_gamma, dist_gamma_log
from netgraph.layers.dist_base import DISTRIBUTIONS, Distribution, distribution_class, noise, slot_name
from netgraph.layers.dist_continuous import (ExponentialDistribution, HalfNormalDistribution, MaxwellDistribution,
                                    NormalDistribution, RayleighDistribution, UniformDistribution,
                                    WeibullDistribution)
from netgraph.layers.dist_discrete import (BernoulliDistribution, BinomialDistribution, DiscreteUniformDistribution,
                                  NegativeBinomialDistribution, PoissonDistribution)
from netgraph.layers.dist_gamma import (ChiDistribution, ChiSquareDistribution, ErlangDistribution, GammaDistribution,
                                        NakagamiDistribution)
from netgraph.layers.dist_gamma_log import ExpGammaDistribution, InverseGammaDistribution, LogGammaDistribution
from netgraph.layers.dist_categorical import CategoricalDistribution
from netgraph.layers.dist_multivariate import (DirichletDistribution, MultinormalCholeskyDistribution,
                                               MultinormalDiagonalDistribution, MultinormalDistribution)
from netgraph.layers.dist_vector import VectorDistribution

__all__ = ["Distribution", "VectorDistribution", "DISTRIBUTIONS", "distribution_class",
           *dist_continuous.__all__, *dist_gamma.__all__, *dist_gamma_log.__all__, *dist_discrete.__all__,
           "MultinormalDistribution", "MultinormalCholeskyDistribution", "MultinormalDiagonalDistribution",
           "DirichletDistribution", "CategoricalDistribution"]
# slot_name and noise stay importable from here (used by netgraph.layers.random and older code)
_ = (slot_name, noise)

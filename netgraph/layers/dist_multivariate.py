"""Distributions over vectors: the multivariate normal (three parameter forms) and the Dirichlet.

* ``MultinormalDistribution(μ, Σ)``: Wolfram's form, mean vector μ (k,) and covariance matrix Σ (k, k),
  symmetric positive definite. Drawn pathwise as μ + L·ε with L the Cholesky factor of Σ.
* ``MultinormalCholeskyDistribution(μ, L)``: the same distribution given its Cholesky factor
  (Σ = L·Lᵀ; only the lower triangle of L is read, its diagonal must be > 0). A net that outputs a
  factor skips the factorisation, and any lower-triangular L with a positive diagonal is valid.
* ``MultinormalDiagonalDistribution(μ, σ)``: independent coordinates with standard deviations σ (k,),
  i.e. Σ = diag(σ²) (σ, not σ², as in ``NormalDistribution``), the usual VAE posterior.
* ``DirichletDistribution(α)``: concentrations α (k,) > 0. Draws are the **whole** probability vector
  (k,), summing to 1, as torch's; Wolfram's ``RandomVariate[DirichletDistribution[{α1, …, αk}]]``
  drops the last coordinate. Implicit reparameterization: G_i ~ Gamma(α_i) in log space, x = softmax(log G).

Each form is its own registered distribution, so a spec names it (``{type: MultinormalCholeskyDistribution,
args: ['#mu', '#L']}``) and the closed-form KL divergences are keyed by it. ``mean()`` is the mean vector,
``variance()`` the variance vector (Wolfram's Variance), ``covariance()`` the matrix (Wolfram's Covariance).

>>> MultinormalDistribution([1, 2], [[4, 1], [1, 2]]).variance().tolist()
[4.0, 2.0]
>>> MultinormalDiagonalDistribution([0, 0], [2, 3]).covariance().tolist()
[[4.0, 0.0], [0.0, 9.0]]
>>> DirichletDistribution([1, 3]).mean().tolist()
[0.25, 0.75]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from netgraph.core.naming_scope import quoted
from netgraph.layers.dist_base import full, log_standard_gamma, noise, tensors
from netgraph.layers.dist_constraints import POSITIVE, REAL
from netgraph.layers.dist_limits import Z_MAX
from netgraph.layers.bad_index import Piece, piece
from netgraph.layers.dist_tensors import promoted
from netgraph.layers.dist_vector import ValueProblem, VectorDistribution
from netgraph.layers.log_space_draws import LogSpaceDraws

__all__ = ["MultinormalDistribution", "MultinormalCholeskyDistribution", "MultinormalDiagonalDistribution",
           "DirichletDistribution", "SYMMETRY_TOLERANCE"]

_LOG_2PI = math.log(2 * math.pi)
#: A covariance matrix counts as symmetric when |Σij − Σji| <= SYMMETRY_TOLERANCE · max|Σ| (float32 round-off).
SYMMETRY_TOLERANCE = 1e-5


def _where(values: Mapping[str, torch.Tensor], name: str, bad: torch.Tensor, before: str, after: str,
           port: str | None) -> str | Piece:
    """``before`` ' (the matrix at index (i, ...)) of port 'S'' ``after``: the first bad matrix in a batch of them (no
    index for a single one; no port for a constant)."""
    at_port = f" {'of' if values[name].dim() > 2 else 'at'} port {quoted(port)}" if port else ""
    if values[name].dim() <= 2:
        return before + at_port + after
    flat = int(bad.reshape(-1).nonzero()[0])
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), bad.shape))
    return piece(f"{before} (the matrix at ", index, f"){at_port}{after}")


@torch.fx.wrap  # a call in fx's graph: torch.broadcast_shapes takes sizes, not fx's proxies of them
def _whitened(scale: torch.Tensor, diff: torch.Tensor) -> torch.Tensor:
    """L⁻¹·diff for lower-triangular L (..., k, k) and diff (..., k), their leading dims broadcast."""
    batch = torch.broadcast_shapes(diff.shape[:-1], scale.shape[:-2])
    return torch.linalg.solve_triangular(scale.expand(*batch, *scale.shape[-2:]),
                                         diff.expand(*batch, diff.shape[-1]).unsqueeze(-1), upper=False).squeeze(-1)


class _Multinormal(VectorDistribution):
    """What the three multinormal forms share: a draw μ + L·ε, its log-density and moments, from ``scale``."""

    ESTIMATORS = ("pathwise", "score_function")
    BAD_VALUE_HINT = ("fix the layer feeding it (e.g. build a covariance as A·Aᵀ + εI, or feed a Cholesky factor "
                      "with a Softplus'd diagonal to MultinormalCholeskyDistribution)")

    @staticmethod
    def scale(params: Sequence[torch.Tensor]) -> torch.Tensor:
        """The Cholesky factor L (..., k, k) of Σ, or for the diagonal form the standard deviations σ (..., k)."""
        raise NotImplementedError

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        mu, second = promoted(params)
        k = self.event_size(params)
        eps = noise((*shape, k), params)
        scale = self.scale([mu, second])
        if self._second_rank() == 1:  # standard deviations
            return mu + scale * eps
        return mu + (scale @ eps.unsqueeze(-1)).squeeze(-1)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """The log-density of each event x (..., k): one number per event."""
        x, mu, second = promoted([x, *tensors(params, x)])
        diff = x - mu
        scale = self.scale([mu, second])
        if self._second_rank() == 1:  # standard deviations
            z, log_diag = diff / scale, scale.log()
        else:
            z = _whitened(scale, diff)
            log_diag = scale.diagonal(dim1=-2, dim2=-1).log()
        k = x.shape[-1]
        return -0.5 * (z ** 2).sum(-1) - log_diag.sum(-1) - 0.5 * k * _LOG_2PI

    def _mean(self, mu: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return mu.expand(torch.broadcast_shapes(mu.shape, second.shape[:second.dim() - self._second_rank() + 1]))

    def _variance(self, mu: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        cov = self._covariance(mu, second)
        return cov.diagonal(dim1=-2, dim2=-1).expand(torch.broadcast_shapes(mu.shape, cov.shape[:-1]))

    def _draw_bound(self, mu: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        """|μ| + 8 standard deviations per coordinate: the largest |draw|, as a Normal's."""
        return mu.abs() + Z_MAX * self.coordinate_variances(second).sqrt()

    @staticmethod
    def coordinate_variances(second: torch.Tensor) -> torch.Tensor:
        """Each coordinate's variance (..., k), the covariance's diagonal, from the second parameter."""
        return second.diagonal(dim1=-2, dim2=-1)

    def _second_rank(self) -> int:
        return self.PARAM_EVENT_RANKS[self.PARAMS[1]]

    def covariance(self, *params: Any) -> torch.Tensor:
        """Wolfram's Covariance: the matrix Σ (..., k, k); of the constants by default."""
        return self._closed_form(self._covariance, params)

    def _covariance(self, mu: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        scale = self.scale([mu, second])
        if self._second_rank() == 2:
            return scale @ scale.mT
        return torch.diag_embed(scale ** 2)


class MultinormalDistribution(_Multinormal):
    """MultinormalDistribution(μ, Σ): mean vector μ (k,), covariance matrix Σ (k, k), symmetric positive definite.

    Pathwise: μ + L·ε, L = cholesky(Σ) (gradients reach Σ through the factorisation).

    >>> MultinormalDistribution([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]]).mean()
    tensor([0., 1.], dtype=torch.float64)
    """

    PARAMS = ("mu", "sigma")
    CONSTRAINTS = {"mu": REAL, "sigma": REAL}
    ROLES = {"mu": "mean vector", "sigma": "covariance matrix"}
    PARAM_EVENT_RANKS = {"mu": 1, "sigma": 2}
    BOUND_SLOPES = {"mu": 0, "sigma": 1}  # a positive definite matrix's largest element is on its diagonal

    @staticmethod
    def scale(params: Sequence[torch.Tensor]) -> torch.Tensor:
        return torch.linalg.cholesky_ex(params[1]).L  # never raises: the checks refuse a matrix that is not SPD

    def _covariance(self, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return sigma

    def value_problems(self, values: Mapping[str, torch.Tensor], at_ports: bool = True) -> list[ValueProblem]:
        sigma = values.get("sigma")
        if sigma is None or not sigma.numel():  # an empty batch: no matrix to check
            return []
        sigma = sigma.detach()
        size = sigma.abs().amax(dim=(-2, -1), keepdim=True)
        asymmetric = ((sigma - sigma.mT).abs() > SYMMETRY_TOLERANCE * size).any(-1).any(-1)
        if bool(asymmetric.any()):
            return [_problem(self, values, at_ports, "sigma", asymmetric, sigma,
                             f"be symmetric (within {SYMMETRY_TOLERANCE:g} of its largest entry)",
                             "a symmetric matrix")]
        info = torch.linalg.cholesky_ex(sigma).info
        if bool((info != 0).any()) or not bool(torch.isfinite(sigma).all()):
            bad = (info != 0) | ~torch.isfinite(sigma).all(-1).all(-1)
            return [_problem(self, values, at_ports, "sigma", bad, sigma,
                             "be positive definite (its Cholesky factorisation failed)", "a positive definite matrix")]
        return []


class MultinormalCholeskyDistribution(_Multinormal):
    """MultinormalCholeskyDistribution(μ, L): the Multinormal with covariance L·Lᵀ (lower triangle of L read, diagonal > 0).

    >>> MultinormalCholeskyDistribution([0.0, 1.0], [[1.0, 0.0], [0.5, 2.0]]).covariance()  # L Lᵀ
    tensor([[1.0000, 0.5000],
            [0.5000, 4.2500]], dtype=torch.float64)
    """

    PARAMS = ("mu", "L")
    CONSTRAINTS = {"mu": REAL, "L": REAL}
    ROLES = {"mu": "mean vector", "L": "Cholesky factor of the covariance"}
    PARAM_EVENT_RANKS = {"mu": 1, "L": 2}

    @staticmethod
    def scale(params: Sequence[torch.Tensor]) -> torch.Tensor:
        return params[1].tril()

    @staticmethod
    def coordinate_variances(second: torch.Tensor) -> torch.Tensor:
        return second.tril().square().sum(-1)  # the diagonal of L·Lᵀ

    def value_problems(self, values: Mapping[str, torch.Tensor], at_ports: bool = True) -> list[ValueProblem]:
        l_factor = values.get("L")
        if l_factor is None:
            return []
        diagonal = l_factor.detach().diagonal(dim1=-2, dim2=-1)
        bad = ~(diagonal > 0).all(-1)
        if bool(bad.any()):
            return [_problem(self, values, at_ports, "L", bad, diagonal.unsqueeze(-1), "have a diagonal > 0",
                             "a diagonal > 0", shown="diagonal ")]
        return []


class MultinormalDiagonalDistribution(_Multinormal):
    """MultinormalDiagonalDistribution(μ, σ): independent normal coordinates, means μ (k,), standard deviations σ (k,) > 0.

    >>> MultinormalDiagonalDistribution([0.0, 1.0], [1.0, 2.0]).covariance()  # diag(σ²)
    tensor([[1., 0.],
            [0., 4.]], dtype=torch.float64)
    """

    PARAMS = ("mu", "sigma")
    CONSTRAINTS = {"mu": REAL, "sigma": POSITIVE}
    ROLES = {"mu": "mean vector", "sigma": "standard deviations"}
    PARAM_EVENT_RANKS = {"mu": 1, "sigma": 1}

    BOUND_SLOPES = {"mu": 0, "sigma": 1}

    @staticmethod
    def scale(params: Sequence[torch.Tensor]) -> torch.Tensor:
        return params[1]

    @staticmethod
    def coordinate_variances(second: torch.Tensor) -> torch.Tensor:
        return second.square()


def _problem(dist: VectorDistribution, values: Mapping[str, torch.Tensor], at_ports: bool, name: str,
             bad: torch.Tensor, matrices: torch.Tensor, must: str, expected: str, shown: str = "") -> ValueProblem:
    """The first bad matrix of parameter ``name`` (``bad`` marks them in ``matrices``, its values as shown), which
    ``must`` be ``expected``: named at its index, and by its port where ``at_ports``."""
    first = matrices.expand(*bad.shape, *matrices.shape[-2:])[tuple(int(i) for i in bad.nonzero()[0])] if bad.dim() \
        else matrices
    message = _where(values, name, bad, f"parameter {dist.role(name)} must {must}",
                     f", found {shown}{_show(first)}", dist._slot_of(name) if at_ports else None)
    return ValueProblem(message, name, expected, first.tolist() if first.numel() <= 16 else None)


def _show(matrix: torch.Tensor) -> str:
    """A matrix (or vector) as nested lists of short numbers."""
    rows = matrix.tolist()
    if matrix.numel() > 16:
        return f"a {'×'.join(map(str, matrix.shape))} matrix"
    return repr([[float(f"{v:.4g}") for v in row] for row in rows]) if matrix.dim() == 2 else repr(rows)


class DirichletDistribution(LogSpaceDraws, VectorDistribution):
    """DirichletDistribution(α): probability vectors (k,) with concentrations α (k,) > 0 (the whole vector, as torch's).

    Implicit reparameterization through log-space Gamma draws: finite draws and gradients down to α = 0.01. Draws
    are computed in log space (``LogSpaceDraws``): a coordinate below the dtype's smallest normal number is raised to
    it, as torch does, and a log-density taken with the draw comes from its exact log.

    >>> DirichletDistribution([1.0, 2.0, 1.0]).mean()  # α / Σα
    tensor([0.2500, 0.5000, 0.2500], dtype=torch.float64)
    """

    PARAMS = ("alpha",)
    CONSTRAINTS = {"alpha": POSITIVE}
    ROLES = {"alpha": "concentrations"}
    PARAM_EVENT_RANKS = {"alpha": 1}
    ESTIMATORS = ("implicit", "score_function")

    def rsample_log(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (alpha,) = params
        return torch.log_softmax(log_standard_gamma(full(alpha, (*shape, alpha.shape[-1]), params)), -1)

    def _log_prob_log(self, log_x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """The log-density of each probability vector whose log is log_x (..., k): one number per event."""
        (alpha,) = tensors(params, log_x)
        norm = torch.lgamma(alpha.sum(-1)) - torch.lgamma(alpha).sum(-1)
        return ((alpha - 1) * log_x).sum(-1) + norm

    def _mean(self, alpha: torch.Tensor) -> torch.Tensor:
        return alpha / alpha.sum(-1, keepdim=True)

    def _variance(self, alpha: torch.Tensor) -> torch.Tensor:
        total = alpha.sum(-1, keepdim=True)
        return alpha * (total - alpha) / (total ** 2 * (total + 1))

    def covariance(self, *params: Any) -> torch.Tensor:
        """Wolfram's Covariance of the whole vector: (diag(m) − m·mᵀ) / (α0 + 1), m = α/α0."""
        return self._closed_form(self._covariance, params)

    def _covariance(self, alpha: torch.Tensor) -> torch.Tensor:
        m = self._mean(alpha)
        total = alpha.sum(-1)[..., None, None]
        return (torch.diag_embed(m) - m.unsqueeze(-1) * m.unsqueeze(-2)) / (total + 1)

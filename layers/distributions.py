"""Distributions for RandomArrayLayer, in Wolfram's names and parameter conventions.

Each parameter is a constant, a ``"#slot"`` string (an input port of the layer) or, in Python, a
tensor. ``sample(params, shape)`` draws with gradients flowing to the parameters (the estimator
each distribution declares); ``mean``/``variance`` are Wolfram's closed forms.

>>> d = NormalDistribution("#mu", "#sigma")
>>> d.slots
('mu', 'sigma')
>>> NormalDistribution(0, 2).variance()
4.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch

from netgraph.errors import OptionError, did_you_mean

__all__ = ["Distribution", "DISTRIBUTIONS", "distribution_class", "NormalDistribution", "UniformDistribution"]

DISTRIBUTIONS: dict[str, type[Distribution]] = {}
Param = Any  # float | str ("#slot") | torch.Tensor


def distribution_class(name: str) -> type[Distribution]:
    """The distribution class called ``name``; OptionError with a suggestion when unknown."""
    try:
        return DISTRIBUTIONS[name]
    except KeyError:
        raise OptionError(f"unknown distribution {name!r}{did_you_mean(name, DISTRIBUTIONS)}") from None


def slot_name(value: Param) -> str | None:
    """'mu' for the slot string '#mu', else None."""
    if isinstance(value, str):
        if value.startswith("#") and value[1:].isidentifier():
            return value[1:]
        raise OptionError(f"a distribution parameter given as a string must be a slot like '#mu', found {value!r}")
    return None


class Distribution:
    """Base class: a frozen tuple of parameters with Wolfram's meaning.

    Subclasses set ``PARAMS`` (names), ``DEFAULTS`` (values for omitted trailing parameters),
    ``ESTIMATORS`` (the first is the default), ``INTEGER_PARAMS`` (no gradient), and implement
    ``rsample(params, shape)`` on tensors plus ``mean(*params)`` / ``variance(*params)``.
    """

    PARAMS: ClassVar[tuple[str, ...]] = ()
    DEFAULTS: ClassVar[tuple] = ()
    ESTIMATORS: ClassVar[tuple[str, ...]] = ("pathwise",)
    INTEGER_PARAMS: ClassVar[tuple[str, ...]] = ()
    discrete: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        DISTRIBUTIONS[cls.__name__] = cls

    def __init__(self, *params: Param):
        n, required = len(self.PARAMS), len(self.PARAMS) - len(self.DEFAULTS)
        if not required <= len(params) <= n:
            count = f"{n}" if required == n else f"{required} to {n}"
            raise OptionError(f"{type(self).__name__} takes {count} parameters "
                              f"({', '.join(self.PARAMS)}), found {len(params)}: {list(params)!r}")
        params = tuple(params) + tuple(self.DEFAULTS[len(params) - required:])
        checked = []
        for name, value in zip(self.PARAMS, params):
            if slot_name(value) is None and not isinstance(value, torch.Tensor):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise OptionError(f"{type(self).__name__} parameter {name} must be a number, a '#slot' "
                                      f"or a tensor, found {value!r}")
                value = float(value)
            checked.append(value)
        object.__setattr__(self, "params", tuple(checked))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    @property
    def slots(self) -> tuple[str, ...]:
        """Names of the parameters given as '#slot' (the layer's input ports), in order."""
        return tuple(s for s in (slot_name(p) for p in self.params) if s is not None)

    @property
    def args(self) -> list:
        """The parameters as written in a spec (Wolfram order); list-argument forms override."""
        return [p if isinstance(p, str) else (p.tolist() if isinstance(p, torch.Tensor) else p) for p in self.params]

    def rsample(self, params: Sequence[torch.Tensor], shape: tuple) -> torch.Tensor:
        raise NotImplementedError

    def mean(self, *params: Any) -> Any:
        """Wolfram's closed-form mean; with no arguments, of this distribution's constant parameters."""
        return self._mean(*(params or self.params))

    def variance(self, *params: Any) -> Any:
        """Wolfram's closed-form variance; with no arguments, of the constant parameters."""
        return self._variance(*(params or self.params))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(a, b) for a, b in zip(self.params, other.params))

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(a) for a in self.args)})"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and bool(torch.equal(a, b))
    return a == b


def noise(shape: tuple, like: Sequence[Any], kind: str = "normal") -> torch.Tensor:
    """Standard normal or uniform noise of ``shape`` on the device/dtype of the tensor parameters."""
    ref = next((p for p in like if isinstance(p, torch.Tensor) and p.is_floating_point()), None)
    kwargs = {"dtype": ref.dtype, "device": ref.device} if ref is not None else {}
    return torch.randn(shape, **kwargs) if kind == "normal" else torch.rand(shape, **kwargs)


class NormalDistribution(Distribution):
    """NormalDistribution(μ, σ): mean μ, standard deviation σ. Pathwise: μ + σ·ε."""

    PARAMS = ("mu", "sigma")
    DEFAULTS = (0.0, 1.0)

    def rsample(self, params: Sequence[torch.Tensor], shape: tuple) -> torch.Tensor:
        mu, sigma = params
        return mu + sigma * noise(shape, params)

    def _mean(self, mu: Any, sigma: Any) -> Any:
        return mu

    def _variance(self, mu: Any, sigma: Any) -> Any:
        return sigma ** 2


class UniformDistribution(Distribution):
    """UniformDistribution([min, max]) (one list argument; default [0, 1]). Pathwise: min + (max−min)·U."""

    PARAMS = ("min", "max")
    DEFAULTS = (0.0, 1.0)

    def __init__(self, bounds: Sequence[Param] = (0.0, 1.0), *rest: Param):
        if rest or isinstance(bounds, (int, float, str)) or len(bounds) != 2:
            raise OptionError("UniformDistribution takes one list argument [min, max], e.g. "
                              f"UniformDistribution([0, 1]) or UniformDistribution(['#a', '#b']); found {bounds!r}")
        super().__init__(*bounds)

    @property
    def args(self) -> list:
        return [super().args]

    def rsample(self, params: Sequence[torch.Tensor], shape: tuple) -> torch.Tensor:
        low, high = params
        return low + (high - low) * noise(shape, params, "uniform")

    def _mean(self, low: Any, high: Any) -> Any:
        return (low + high) / 2

    def _variance(self, low: Any, high: Any) -> Any:
        return (high - low) ** 2 / 12

    def __repr__(self) -> str:
        return f"UniformDistribution({self.args[0]!r})"

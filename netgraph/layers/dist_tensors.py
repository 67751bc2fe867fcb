"""Tensor helpers for distributions: noise and parameters on the right device and dtype, gamma draws
with finite gradients at tiny shapes, and overflow- and zero-safe exp and log.

Re-exported by ``netgraph.layers.dist_base``, where distributions import them from.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import torch

from netgraph.core.tracing import no_values, vmapped
from netgraph.core.torch_state import working_dtype

__all__ = ["all_finite", "on_support", "noise", "full", "sized", "floating", "promoted", "promoted_dtype_code",
           "tensors", "standard_gamma", "log_standard_gamma", "safe_exp", "floor_normal", "xlogy", "xlogx",
           "log_or_tiny", "LOG_MAX", "tiny_of", "eps_of", "log_max_of", "is_tensor"]

# Under torch.fx.symbolic_trace a traced value is a Proxy, which has no dtype to branch on and no values: the helpers
# below that read either delegate to a ``torch.fx.wrap``ped function, called through this module's globals (which fx
# patches, not an importer's copy of the name), so the traced graph calls it and it reads them when the graph runs.


def _kwargs(like: Sequence[Any]) -> dict[str, Any]:
    """dtype and device of the floating parameters: their promoted dtype (float32 beside float64 is float64).
    A traced slot's input (a Proxy) is floating: ``floating`` made it so; its dtype is then a node of fx's graph."""
    floats = [p for p in like if isinstance(p, torch.fx.Proxy) or isinstance(p, torch.Tensor) and p.is_floating_point()]
    if not floats:
        return {}
    dtype = floats[0].dtype
    for p in floats[1:]:
        dtype = torch.promote_types(dtype, p.dtype)
    return {"dtype": dtype, "device": floats[0].device}


def promoted(params: Sequence[Any]) -> list[Any]:
    """The parameters, their floating tensors cast to the promoted dtype (torch's matmul and solve mix none)."""
    dtype = _kwargs(params).get("dtype")
    return [p.to(dtype) if isinstance(p, torch.Tensor) and p.is_floating_point() else p for p in params]


def promoted_dtype_code(names: Sequence[str]) -> str:
    """Code for the promoted dtype of the tensors ``names``, as ``promoted`` computes it (for inline draws).

    >>> promoted_dtype_code(["mu", "sigma"])
    'torch.promote_types(mu.dtype, sigma.dtype)'
    """
    return functools.reduce(lambda code, name: f"torch.promote_types({code}, {name}.dtype)", names[1:],
                            f"{names[0]}.dtype")


def noise(shape: tuple, like: Sequence[Any], kind: str = "normal", dtype: torch.dtype | None = None) -> torch.Tensor:
    """Standard normal, uniform [0, 1) or standard exponential noise in the parameters' promoted dtype (or ``dtype``),
    on their device."""
    kwargs = {**_kwargs(like), **({"dtype": dtype} if dtype else {})}
    if kind == "normal":
        return torch.randn(shape, **kwargs)
    if kind == "uniform":
        return torch.rand(shape, **kwargs)
    if vmapped():  # vmap refuses exponential_ on a fresh (unbatched) tensor; -log(1 - U) is batched as rand is
        out = -torch.log1p(-torch.rand(shape, **kwargs))
        return out.clamp(min=tiny_of(out))
    out = torch.empty(shape, **kwargs).exponential_()
    return out.clamp_(min=tiny_of(out))


def full(p: Any, shape: tuple, like: Sequence[Any]) -> torch.Tensor:
    """Parameter ``p`` (a number or a broadcastable tensor) expanded to ``shape`` as a tensor."""
    if is_tensor(p):
        return p.expand(shape)
    kwargs = _kwargs(like) or {"dtype": working_dtype()}
    return torch.full(shape, float(p), **kwargs)


def floating(x: torch.Tensor, like: torch.Tensor | None = None) -> torch.Tensor:
    """A slot's input as a float: itself if it is one, else in ``like``'s dtype (a module's) or the default dtype,
    whichever is wider: a count is never narrowed (float16 holds no 3001)."""
    if like is None:
        return _floating(x)  # through this module's globals, which fx patches (not an importer's copy of the name)
    return _floating_like(x, like)


@torch.fx.wrap  # a call in fx's graph: the dtype is read when the graph runs (fx's proxies have none to branch on)
def _floating(x: torch.Tensor) -> torch.Tensor:
    return x if x.is_floating_point() else x.to(working_dtype())


@torch.fx.wrap
def _floating_like(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return x if x.is_floating_point() else x.to(torch.promote_types(like.dtype, working_dtype()))


def tiny_of(x: torch.Tensor) -> float:
    """The smallest normal number of ``x``'s dtype (``torch.finfo(x.dtype).tiny``), also of a traced value."""
    return _tiny(x)


@torch.fx.wrap
def _tiny(x: torch.Tensor) -> float:
    return torch.finfo(x.dtype).tiny


def eps_of(x: torch.Tensor) -> float:
    """The machine epsilon of ``x``'s dtype (``torch.finfo(x.dtype).eps``), also of a traced value."""
    return _eps(x)


@torch.fx.wrap
def _eps(x: torch.Tensor) -> float:
    return torch.finfo(x.dtype).eps


def log_max_of(x: torch.Tensor) -> float:
    """``LOG_MAX`` of ``x``'s dtype (80 for another), also of a traced value."""
    return _log_max_of(x)


@torch.fx.wrap
def _log_max_of(x: torch.Tensor) -> float:
    return LOG_MAX.get(x.dtype, 80.0)


def all_finite(v: torch.Tensor) -> bool:
    """Whether every value of ``v`` is finite, read once: its sum is finite exactly when they all are or overflows
    (then told value by value). One op: ``isfinite(v).all()`` runs four (abs, ne, eq, all), 4x the time at 64 x 8."""
    return math.isfinite(v.sum()) or bool(torch.isfinite(v).all())


def is_tensor(p: Any) -> bool:
    """Whether a parameter is a tensor, or fx's proxy of one (a traced slot's input), rather than a number."""
    return isinstance(p, (torch.Tensor, torch.fx.Proxy))


def _known(d: Any) -> bool:
    """A dim given as a size: an int, or fx's proxy of the batch size (``x.shape[0]`` under symbolic tracing)."""
    return type(d) is int or isinstance(d, torch.fx.Proxy)


def sized(shape: tuple, params: Sequence[Any]) -> tuple:
    """``shape`` with each variable dim (a sequence length "n") the size the parameter tensors, aligned to it, have
    there (1 where none has that dim).

    >>> sized((2, "n", 3), [torch.zeros(2, 5, 1), 1.0])
    (2, 5, 3)
    """
    if all(_known(d) for d in shape):
        return shape
    return tuple(d if _known(d) else _largest_size(params, i) for i, d in enumerate(shape))


@torch.fx.wrap  # a call in fx's graph: a traced slot's size is known when the graph runs
def _largest_size(params: Sequence[Any], dim: int) -> int:
    sizes = [p.shape[dim] for p in params if isinstance(p, torch.Tensor) and p.dim() > dim]
    return max(sizes) if sizes else 1  # no max(..., default=): torch.compile cannot trace that keyword


def _boosted_gamma(alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(G', b) with G'·e^b ~ Gamma(alpha, 1): G' ~ Gamma(alpha + 1) and b = log(U)/alpha where alpha < 1."""
    small = (alpha < 1).to(alpha.dtype)  # 1 where boosted, else 0 (a mask without where: cheaper backward)
    g = torch._standard_gamma(alpha + small)
    log_u = torch.log1p(-torch.rand_like(alpha))  # log of (0, 1]: never -inf
    return g, log_u * small / alpha


def _all_large(alpha: torch.Tensor) -> bool:
    return not no_values(alpha) and not bool((alpha < 1).any())  # traced or meta: the general path


def standard_gamma(alpha: torch.Tensor) -> torch.Tensor:
    """G ~ Gamma(alpha, 1), differentiable in alpha (implicit reparameterization, torch's ``_standard_gamma``).

    Below alpha = 1 it draws G(alpha + 1)·U^(1/alpha): the gradient stays finite at shape 0.01, where a
    direct float32 draw clamps to the smallest float and its gradient turns 0 or NaN. Traced, one call in fx's
    graph: which path it takes depends on alpha's values (and draws differ between them).
    """
    return _standard_gamma(alpha)


@torch.fx.wrap
def _standard_gamma(alpha: torch.Tensor) -> torch.Tensor:
    alpha = alpha.contiguous()
    if _all_large(alpha):
        return torch._standard_gamma(alpha)
    g, boost = _boosted_gamma(alpha)
    return safe_exp(g.log() + boost)  # in log space: never 0 (off the support), no overflow in the backward


def log_standard_gamma(alpha: torch.Tensor) -> torch.Tensor:
    """log G with G ~ Gamma(alpha, 1), computed in log space: finite even where G underflows (tiny alpha); traced, one
    call in fx's graph, as ``standard_gamma``."""
    return _log_standard_gamma(alpha)


@torch.fx.wrap
def _log_standard_gamma(alpha: torch.Tensor) -> torch.Tensor:
    alpha = alpha.contiguous()
    if _all_large(alpha):
        g = torch._standard_gamma(alpha)
        return g.clamp(min=torch.finfo(g.dtype).tiny).log()
    g, boost = _boosted_gamma(alpha)
    return g.clamp(min=torch.finfo(g.dtype).tiny).log() + boost


#: Just below log(largest finite value) per dtype: exp of it never rounds to inf.
LOG_MAX = {t: math.log(torch.finfo(t).max) - 0.01 for t in (torch.float16, torch.bfloat16, torch.float32, torch.float64)}


def _log_tiny(dtype: torch.dtype) -> float:
    """The smallest value of ``dtype`` whose exp is a normal number, with a few ulps to spare for any device's exp.
    The log of the smallest normal number rounded to ``dtype`` can lie below that: float32's exp of it is
    1.1754907e-38 and bfloat16's 1.0e-38, subnormal, so 0 under ``torch.set_flush_denormal(True)``."""
    info = torch.finfo(dtype)
    x, up = torch.tensor(math.log(info.tiny), dtype=dtype), torch.tensor(0.0, dtype=dtype)
    while math.exp(x.item()) < info.tiny * (1 + 4 * info.eps):
        x = torch.nextafter(x, up)
    return x.item()


#: per dtype, the floor of ``safe_exp``'s argument: exp of it is a positive normal number (float32: 1.1754997e-38, a
#: shade above the smallest, 1.1754944e-38), never 0, even where subnormals are flushed to 0.
LOG_TINY = {t: _log_tiny(t) for t in (torch.float16, torch.bfloat16, torch.float32, torch.float64)}


def safe_exp(x: torch.Tensor) -> torch.Tensor:
    """exp(x) saturating just below the dtype's largest finite value and at a normal number a shade above its
    smallest (``LOG_TINY``); zero gradient there, never NaN; a positive draw never underflows to 0, off the support."""
    return _safe_exp(x)


@torch.fx.wrap
def _safe_exp(x: torch.Tensor) -> torch.Tensor:
    return x.clamp(min=LOG_TINY.get(x.dtype, -87.0), max=LOG_MAX.get(x.dtype, 80.0)).exp()


#: per dtype, ``safe_exp``'s floor itself: the smallest positive value a draw takes (float32: 1.1754997e-38).
NORMAL_FLOOR = {t: torch.tensor(v, dtype=t).exp().item() for t, v in LOG_TINY.items()}


def floor_normal(x: torch.Tensor) -> torch.Tensor:
    """``x`` (a positive draw, such as β·G) raised to ``safe_exp``'s floor where it fell below: a scale below 1 takes
    a floored draw to a subnormal number (0 where subnormals are flushed), whose log-density's gradient is inf.
    Negative values (a negative scale, with the distribution checks off) are left as the formula gives them.

    >>> floor_normal(torch.tensor([1e-39, 0.0, 2.0, -1.0])).tolist()[1:], floor_normal(torch.tensor([1e-39])).item() > 1e-38
    ([1.175499675756452e-38, 2.0, -1.0], True)
    """
    return _floor_normal(x)


@torch.fx.wrap
def _floor_normal(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, x.clamp(min=NORMAL_FLOOR.get(x.dtype, 0.0)), x)


def tensors(params: Sequence[Any], like: torch.Tensor) -> list[torch.Tensor]:
    """The parameters as tensors on ``like``'s dtype and device (numbers become 0-d tensors)."""
    return [p if is_tensor(p)  # a Proxy too: a traced slot's input
            else torch.tensor(float(p), dtype=like.dtype, device=like.device) for p in params]


def on_support(t: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """A log-density ``value`` where ``t`` (the distance into a support [0, inf)) is >= 0, and -inf below it.

    >>> on_support(torch.tensor([-1.0, 0.0]), torch.tensor([3.0, 3.0])).tolist()
    [-inf, 3.0]
    """
    return torch.where(t < 0, -math.inf, value)


def xlogy(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """x * log(y) with 0 where x == 0, and a finite gradient there even when y == 0. Where x == 0 and log y is
    finite, the gradient with respect to x is still log y (a Gamma density's (α − 1) log x at α = 1). A NaN y gives
    NaN, as ``torch.xlogy`` does (a NaN parameter is never hidden by a zero weight).

    >>> a = torch.tensor([0.0, 0.0], requires_grad=True)
    >>> xlogy(a, torch.tensor([2.0, 0.0])).sum().backward()
    >>> [round(g, 4) for g in a.grad.tolist()], xlogy(torch.zeros(2), torch.tensor([math.nan, math.inf])).tolist()
    ([0.6931, 0.0], [nan, 0.0])
    """
    return x * torch.where((x == 0) & ((y <= 0) | (y == math.inf)), 1.0, y).log()  # NaN y: neither, so log NaN


def xlogx(a: torch.Tensor) -> torch.Tensor:
    """a log a, 0 at a = 0, where its derivative log a + 1 (exactly −∞) is log(tiny) (−87.3 in float32, −708.4 in
    float64): a KL's gradient in p's probability or mean at 0 (or 1) is then finite and points into the interior,
    toward q, as the exact one (±∞) does, and a probability made by a sigmoid that rounded to 0 or 1 gets its exact
    limit, 0, through the sigmoid's zero slope (∞ · 0 would be NaN); inside, the exact derivative.

    >>> a = torch.tensor([0.0, 0.5], dtype=torch.float64, requires_grad=True)
    >>> xlogx(a).sum().backward()
    >>> [round(g, 4) for g in a.grad.tolist()]
    [-708.3964, 0.3069]
    """
    return a * log_or_tiny(a)


def log_or_tiny(y: torch.Tensor) -> torch.Tensor:
    """log(y + tiny), tiny the dtype's smallest normal number: log y wherever y >= 1e-30 (float32; the sum
    rounds to y), and finite at y == 0, so ``k * log_or_tiny(y)`` is 0 with gradient 0 where the count k
    is 0, as ``xlogy(k, y)`` is, at the cost of one add (no masks: this is the log-mass hot path).

    >>> log_or_tiny(torch.tensor([1.0, 0.0])).tolist()[0], bool(torch.isfinite(log_or_tiny(torch.zeros(1))))
    (0.0, True)
    """
    return torch.log(y + tiny_of(y))

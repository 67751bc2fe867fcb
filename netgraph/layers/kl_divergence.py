"""KLDivergenceLayer: KL(p ‖ q) between two distributions whose parameters may be input ports.

Ports come from the ``"#slot"`` parameters of p, then the new ones of q. A slot name used in both is
**one port** feeding both, exactly as a slot repeated inside one distribution is (``NormalDistribution
("#m", "#m")`` has the single port ``m``): a name means one value. Parameters broadcast elementwise
against each other (and ``shape=``, the elementwise shape, needed only when no parameter is an input);
``Output`` is the KL summed over those dims, one number per example. For distributions over vectors and
classes (Multinormal, Dirichlet, Categorical) each element is one event: the parameters' trailing event
dims (a mean (k,), a covariance (k, k)) are left out of that shape, and the KL of each event is summed.

Closed forms (``netgraph.layers.kl.KL_CLOSED_FORMS``) are used where they exist; otherwise an unbiased
Monte Carlo estimate with ``samples`` draws from p. ``method="monte_carlo"`` forces the estimate,
``method="closed_form"`` insists on a closed form.

>>> from netgraph.layers.distributions import NormalDistribution, GammaDistribution
>>> layer = KLDivergenceLayer(NormalDistribution("#mu", "#sigma"), NormalDistribution(0, 1))
>>> layer.input_ports, layer.estimate
(('mu', 'sigma'), 'closed form')
>>> KLDivergenceLayer(GammaDistribution("#a", 1), GammaDistribution(2, 1, 1.5, 0), samples=8).estimate
'Monte Carlo, 8 samples'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from netgraph.core.errors import DataError, OptionError, did_you_mean
from netgraph.core.option_problems import option_problem
from netgraph.core.option_ranges import Within
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.options import DistributionOption, Literal, Shape
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, broadcast, format_shape, unify
from netgraph.core.tracing import tracing
from netgraph.core.naming_scope import quoted
from netgraph.layers.bad_index import name_layer
from netgraph.layers.dist_tensors import is_tensor, sized
from netgraph.layers.dist_vector import VectorDistribution
from netgraph.layers.dist_base import torch_distribution_hint
from netgraph.layers.dist_params import shared_count_hint, slot_dtypes
from netgraph.layers.distributions import Distribution, slot_name
from netgraph.layers.kl import (NUMBER_FORMS, closed_form, closed_form_kl, describe_estimate, monte_carlo_kl,
                                support_mismatch)
from netgraph.layers.kl_refusals import certain_q_mismatch
from netgraph.layers.random import _label, distribution_checks
from netgraph.layers.random_checks import refuse_complex
from netgraph.layers.random_module import RandomModule
from netgraph.layers._constant_buffers import ConstantBuffers

__all__ = ["KLDivergenceLayer"]

_METHODS = ("auto", "closed_form", "monte_carlo")


class KLModule(ConstantBuffers):
    """Computes KL(p ‖ q) per example; inputs arrive in the layer's port order. Its parameter checks follow
    ``compile(checks=...)`` (set on the inner modules ``p`` and ``q``) or ``set_distribution_checks``."""

    def __init__(self, layer: KLDivergenceLayer, types: Mapping[str, PortType], shape: tuple, k: int | None):
        super().__init__()
        ranks = {s: len(types[s].shape) for s in layer.input_ports}
        self.p = RandomModule(layer.p, ranks, (*shape, *(k,) * _draw_event_rank(layer.p)))
        self.q = RandomModule(layer.q, ranks, (*shape, *(k,) * _draw_event_rank(layer.q)))
        self.p_slots = [layer.input_ports.index(s) for s in layer.p.slots]
        self.q_slots = [layer.input_ports.index(s) for s in layer.q.slots]
        self.fn = closed_form(layer.p, layer.q) if layer.resolved_method == "closed_form" else None
        self.fixed = {side: self._fixed(side, getattr(layer, side)) for side in ("p", "q")} if self.fn else {}
        self.shape, self.samples, self.label, self.path = shape, layer.samples, None, None
        self.given: dict[str, str] = {}  # its ports fed straight by the data: the net input feeding each
        self.text = f"KLDivergenceLayer({layer.p!r}, {layer.q!r})"

    def describe(self) -> str:
        return f"{self.label} ({self.text})" if self.label else self.text

    def _fixed(self, side: str, dist: Distribution) -> list[Any] | tuple[float, ...] | None:
        """Per parameter of ``dist``, what the closed form takes for it in place of its module's value: None (that
        value), a number (a constant, for ``NUMBER_FORMS`` where a port feeds the layer) or the name of a buffer
        holding the constant, made once here, not at every call. None where every value is taken as it is, a tuple
        where every one is a number: the call then builds no list (``_closed_form_params``)."""
        fixed: list[Any] = []
        for name, value in zip(dist.PARAMS, dist.params):
            if not isinstance(value, (int, float)):  # a bool is refused by the distribution
                fixed.append(None)
            elif self.fn in NUMBER_FORMS and (self.p_slots or self.q_slots):
                fixed.append(float(value))
            else:
                self._constant(f"{side}_{name}", torch.tensor(float(value), dtype=torch.float64), torch.float32)
                fixed.append(f"{side}_{name}")
        if all(fix is None for fix in fixed):
            return None
        return tuple(fixed) if all(isinstance(fix, float) for fix in fixed) else fixed

    def _closed_form_params(self, side: str, params: list[Any], like: Any, traced: bool) -> list[Any]:
        """``params`` with the constants the closed form takes (``_fixed``), in ``like``'s dtype."""
        fixed = self.fixed[side]
        if fixed is None:  # every parameter's value as it is (decided when built)
            return params
        if type(fixed) is tuple:  # every parameter a number: those numbers
            return [*fixed]
        out = []
        for value, fix in zip(params, fixed):
            if isinstance(fix, str):
                value = self.constant(fix, like)
                value = value if traced or value.dtype == like.dtype else value.to(like.dtype)
            elif fix is not None:
                value = fix
            out.append(value)
        return out

    def forward(self, *inputs: Any, label: str | None = None, path: tuple[str, ...] | None = None,
                given: tuple[tuple[str, str], ...] = ()) -> torch.Tensor:
        if label is not None and self.label is None:
            self.label, self.path, self.given = label, path, dict(given)
        if tracing():  # traced code checks nothing and raises no DataError to name
            return self._kl(inputs, True)
        try:  # not a context manager: its generator costs a microsecond a call
            return self._kl(inputs, False)
        except DataError as error:  # a check's DataError names this layer in its Diagnostic, as a random layer's
            name_layer(error, self.path)
            raise

    def _kl(self, inputs: tuple[Any, ...], traced: bool) -> torch.Tensor:
        """KL(p ‖ q) per example for this call's ``inputs`` (the batch size alone when no parameter is an input)."""
        p_module, q_module = self.p, self.q  # each module read is nn.Module's __getattr__
        if self.p_slots or self.q_slots:
            batch = inputs[0].shape[0]
            sides = {"p": tuple(inputs[i] for i in self.p_slots), "q": tuple(inputs[i] for i in self.q_slots)}
            if any(isinstance(x, torch.Tensor) and x.is_complex() for x in inputs):
                for side, module in (("p", p_module), ("q", q_module)):
                    refuse_complex(module.distribution, sides[side], lambda side=side: f"{self.describe()}, "
                                   f"distribution {side}", self.path)
            p, q = p_module.params(sides["p"], inputs[0]), q_module.params(sides["q"], inputs[0])
        else:
            batch, sides = inputs[0], {"p": (), "q": ()}
            p, q = p_module.params((), batch), q_module.params((), batch)
        checks = distribution_checks() if p_module.checks is None else p_module.checks  # compile(checks=) sets p's
        extremes: dict[str, Any] = {}  # each side's checked (min, max), for the integer check: no second read
        if checks is not False and not traced:
            for side, module, params in (("p", p_module, p), ("q", q_module, q)):
                if module.checked:
                    extremes[side] = module.distribution.check(
                        params, lambda side=side: f"{self.describe()}, distribution {side}", draws=self.fn is None,
                        inputs=sides[side], given=self.given)
        for side, module, params in (("p", p_module, p), ("q", q_module, q)):
            if module.distribution.EXACT_INTEGERS and not traced:  # bounds rounded by the dtype: draws and masses off
                module._check_integers_held(params, checks, lambda side=side: f"{self.describe()}, distribution {side}",
                                            self.path, extremes.get(side))
        shape = sized((batch, *self.shape), [*p, *q])  # a variable length ("n"): the parameters' size
        if self.fn is None:
            return monte_carlo_kl(p_module.distribution, q_module.distribution, p, q, shape, self.samples,
                                  self.describe)
        like = next(v for v in (*p, *q) if is_tensor(v))  # a floating parameter (a proxy, traced)
        p, q = self._closed_form_params("p", p, like, traced), self._closed_form_params("q", q, like, traced)
        kl = closed_form_kl(self.fn, p_module.distribution, q_module.distribution, p, q, self.describe, shape,
                            checks=checks is not False)
        if traced:
            return kl.expand(shape).unsqueeze(-1).flatten(1).sum(1)
        kl = kl if kl.shape == shape else kl.expand(shape)  # summed over the element dims: no view op where none needed
        return kl.sum(tuple(range(1, kl.dim()))) if kl.dim() > 1 else kl


def _draw_event_rank(dist: Distribution) -> int:
    """The event dims of a draw with the distribution's default estimator (0 for univariate ones)."""
    return dist.draw_event_rank(dist.ESTIMATORS[0]) if isinstance(dist, VectorDistribution) else 0


class KLDivergenceLayer(Layer):
    """KL(p ‖ q) per example, summed over the elementwise dims; closed form where one exists, else Monte Carlo.

    ``p``, ``q``: distributions (``"#slot"`` parameters become input ports; a name in both is one port).
    ``shape``: the elementwise shape when no parameter is an input (else inferred); for vector
    distributions the shape of the events, without the event dims. ``method``: "auto"
    (closed form if known, else Monte Carlo), "closed_form" or "monte_carlo". ``samples``: draws per
    Monte Carlo estimate (p's own estimator; discrete p gets a leave-one-out baseline with >= 2).

    >>> import torch
    >>> from netgraph import NormalDistribution
    >>> layer = KLDivergenceLayer(NormalDistribution("#mu", 1), NormalDistribution(0, 1))
    >>> layer.input_ports, layer(mu=torch.ones(3))  # KL(N(1, 1) ‖ N(0, 1)) = ½ per element, summed over 3
    (('mu',), tensor(1.5000))
    """

    p: DistributionOption = None
    q: DistributionOption = None
    shape: Shape = None
    method: Literal["auto", "closed_form", "monte_carlo"] = "auto"
    samples: int = 1
    NEEDS_ONE_OF = (("p",), ("q",))
    RANGES = {"samples": Within(1)}
    output_ports = ("Output",)

    def normalize(self) -> dict[str, Any]:
        p, q = (self._distribution(name) for name in ("p", "q"))
        least = self.RANGES["samples"].low
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < least:
            option_problem(OptionError(f"KLDivergenceLayer: samples= is the number of Monte Carlo draws, an integer "
                                       f">= 1; found {quoted(self.samples)}", option="samples",
                                       expected="an integer >= 1", found=self.samples), None)
        if self.method not in _METHODS:
            near = did_you_mean(self.method, _METHODS) if isinstance(self.method, str) else ""
            option_problem(OptionError(f"KLDivergenceLayer: method= is 'auto', 'closed_form' or 'monte_carlo'; found "
                                       f"{quoted(self.method)}{near}", option="method", expected=list(_METHODS),
                                       found=self.method), None)
        if p is None or q is None:
            return {}
        closed = self.method != "monte_carlo" and closed_form(p, q) is not None
        ports = tuple(dict.fromkeys((*p.slots, *q.slots)))
        return {"p": p, "q": q, "input_ports": ports, "resolved_method": "closed_form" if closed else "monte_carlo"}

    def validate(self) -> None:
        """p and q together (p's support inside q's), and the method and samples their KL takes."""
        mismatch = support_mismatch(self.p, self.q) or certain_q_mismatch(self.p, self.q)
        if mismatch:
            why, expected, found = mismatch
            raise OptionError(f"KLDivergenceLayer: {why}", option="q", expected=expected, found=found)
        if self.method == "closed_form" and self.resolved_method != "closed_form":
            raise OptionError(f"KLDivergenceLayer: method='closed_form' but no closed form is known for "
                              f"KL({self.p!r} ‖ {self.q!r}); use method='auto' (Monte Carlo)", option="method",
                              expected="method='auto' or 'monte_carlo'", found=self.method)
        if self.resolved_method == "closed_form" and self.samples != 1:
            raise OptionError(f"KLDivergenceLayer: samples={self.samples} applies to a Monte Carlo estimate, but "
                              f"KL({type(self.p).__name__} ‖ {type(self.q).__name__}) has a closed form; give "
                              "method='monte_carlo' to estimate it anyway", option="samples",
                              expected=1, found=self.samples)

    def _distribution(self, name: str) -> Distribution | None:
        dist = getattr(self, name)
        if not isinstance(dist, Distribution):
            return option_problem(OptionError(f"KLDivergenceLayer: {name}= must be a distribution such as "
                                              f"NormalDistribution(0, 1) (KLDivergenceLayer(p, q) is KL(p ‖ q)); found "
                                              f"{quoted(dist)}{torch_distribution_hint(dist)}", option=name,
                                              expected="a distribution", found=dist), None)
        return dist

    @property
    def estimate(self) -> str:
        """How the layer computes the KL: 'closed form' or 'Monte Carlo, n samples'."""
        return describe_estimate(self.resolved_method, self.samples)

    def __repr__(self) -> str:
        return f"{super().__repr__()} <{self.estimate}>"

    def declared_types(self) -> dict[str, PortType]:
        slots = slot_dtypes(self.p, self.q)  # a count's port takes Integer values too
        return {**{s: PortType(None, slots[s]) for s in self.input_ports}, "Output": PortType((), REAL)}

    def dtype_hint(self, port: str) -> str | None:
        return shared_count_hint(port, self.p, self.q) if port in self.input_ports else None

    def _shapes(self, types: Mapping[str, PortType]) -> list[tuple[str, Any, int]]:
        """(label, shape or None, event rank) of every input port and constant-array parameter."""
        ranks: dict[str, int] = {}
        named = []
        for side in ("p", "q"):
            dist = getattr(self, side)
            events = getattr(dist, "PARAM_EVENT_RANKS", {})
            for n, v in zip(dist.PARAMS, dist.params):
                if isinstance(v, str):
                    ranks.setdefault(slot_name(v), events.get(n, 0))
                elif isinstance(v, torch.Tensor):
                    named.append((f"{side} parameter {dist.role(n)}", tuple(v.shape), events.get(n, 0)))
        return [(f"port {s!r}", types[s].shape, ranks.get(s, 0)) for s in self.input_ports] + named

    def event_size(self, types: Mapping[str, PortType]) -> int | None:
        """k, the event size shared by p and q (None for univariate distributions or while unknown)."""
        k, source = None, None
        for label, shape, rank in self._shapes(types):
            if shape is None or not rank:
                continue
            if len(shape) < rank:
                what = "a vector (a list of k numbers)" if rank == 1 else "a k×k matrix"
                raise Conflict(f"KLDivergenceLayer: {label} must be {what}, found shape {format_shape(shape)}",
                               expected=what, found=shape)
            for d in shape[len(shape) - rank:]:
                if isinstance(d, int) and k is None:
                    k, source = d, f"{label} {format_shape(shape)}"
                elif isinstance(d, int) and d != k:
                    raise Conflict(f"KLDivergenceLayer: {label} has shape {format_shape(shape)}, but the event size "
                                   f"k = {k} comes from {source}: p and q must describe events of one size",
                                   expected=k, found=d)
        return k

    def elements(self, types: Mapping[str, PortType]) -> tuple | None:
        """The elementwise shape (for vector distributions: of the events) the KL is summed over (None while unknown)."""
        self.event_size(types)  # event dims that disagree are named first
        named = [(label, None if s is None else s[:len(s) - rank]) for label, s, rank in self._shapes(types)]
        shapes = [s for _, s in named]
        if any(s is None for s in shapes):
            return self.shape
        full = self.shape is not None and None not in self.shape
        try:
            out, compared = broadcast(*shapes, *([self.shape] if full else [])), None
        except Conflict as exc:
            out, compared = None, (exc.expected, exc.found)
        if out is None or (full and broadcast(out, self.shape) != self.shape):
            expected, found = compared or (self.shape, out)
            shown = ", ".join(f"{n} {format_shape(s)}" for n, s in named)
            event = " (event dims left out)" if any(rank for _, _, rank in self._shapes(types)) else ""
            target = f" to shape {format_shape(self.shape)}" if full else ""
            raise Conflict(f"KL parameter shapes{event} {shown} do not broadcast together{target}",
                           expected=expected, found=found)
        return out

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        out, k = self.elements(types), self.event_size(types)
        self._check_draws(out, k)
        given = [types[s].shape for s in self.input_ports]
        missing = [] if out is None or None in given else \
            [d for d in out if d is not None and type(d) is not int and not any(d in g for g in given)]
        if missing:
            raise Conflict(f"KLDivergenceLayer: shape {format_shape(out)} has a variable length {missing[0]!r} that none "
                           "of its input ports has, so nothing says how many elements to sum; give shape= a fixed length",
                           expected="a fixed length", found=missing[0])
        if out is not None:
            for s, (_, _, rank) in zip(self.input_ports, self._shapes(types)):  # the ports come first
                if types[s].shape is None and (k is not None or not rank):
                    types[s] = unify(types[s], PortType((*out, *(k,) * rank), types[s].dtype))
        return types

    def _check_draws(self, out: Any, k: int | None) -> None:
        """A Monte Carlo estimate draws ``samples`` times the elements of one example: at most the port_elements
        limit, like any port (``samples: 2000000000`` would exhaust the memory at the first call)."""
        if self.resolved_method != "monte_carlo" or out is None or not all(isinstance(d, int) for d in out):
            return
        drawn, limit = self.samples * math.prod(out) * (k or 1), current_limits().port_elements
        if drawn > limit:
            raise Conflict(f"KLDivergenceLayer: samples={self.samples:,} Monte Carlo draws of {format_shape(out)} "
                           f"elements make {drawn:,} per example, more than the port_elements limit ({limit:,}; "
                           f"{raise_hint('port_elements')})", expected=limit, found=drawn)

    def emit(self, ctx: EmitContext) -> str:
        args = ", ".join(ctx.args) if self.input_ports else ctx.batch
        given = f", given={ctx.given!r}" if ctx.given else ""
        return f"{ctx.module}({args}, label={_label(ctx.path)!r}, path={tuple(ctx.path)!r}{given})"

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        elements = self.elements(types)
        if elements is None:
            raise Conflict("KLDivergenceLayer: the elementwise shape is unknown; give shape= (no parameter is an input)",
                           expected="a known elementwise shape", found="unknown")
        return KLModule(self, types, elements, self.event_size(types))

"""A RandomArrayLayer's torch module: its distribution's constant parameters as buffers, the draw (or the mean in
eval mode with ``eval_mode="mean"``) of the output's shape, gradients to the parameters by the distribution's
estimator (pathwise, implicit, score function, straight-through, relaxed), and the parameter checks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import torch

from netgraph.core.errors import DataError, OptionError
from netgraph.core.torch_internals import unbatched
from netgraph.core.tracing import (forward_mode, no_values, recording_trace, symbolic_tracing, torch_func_transformed,
                                   tracing)
from netgraph.layers._constant_buffers import ConstantBuffers
from netgraph.layers._torch_compat import autocast_enabled
from netgraph.layers.bad_index import name_layer
from netgraph.layers.distributions import Distribution, slot_name
from netgraph.layers.dist_tensors import all_finite, floating, sized, tensors
from netgraph.layers.dist_held import unfit_dtypes
from netgraph.layers.dist_limits import first_unheld_integer, integer_limit, largest, range_dtype
from netgraph.layers.dist_vector import VectorDistribution
from netgraph.layers.estimators import (record_score, score_handle, straight_through, uncertain_log_mass,
                                        warn_traced_score)
from netgraph.layers.function import align
from netgraph.layers.log_space_draws import detached_draw, own_log_prob, scored_draw
from netgraph.layers.random_checks import _CHECKS, refuse_complex
from netgraph.layers.score_records import RECORD_ATTRIBUTES
from netgraph.layers.random_traced import DETACHED, traced_draw, traced_refusal

__all__ = ["RandomModule", "DEFAULT_TEMPERATURE"]

DEFAULT_TEMPERATURE = 0.5  #: the relaxed estimator's, where temperature= is not given
_EXACT = {t: integer_limit(t) for t in (torch.float16, torch.bfloat16, torch.float32, torch.float64)}  # by dtype


def _requires_grad(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.requires_grad


def _wants_grad(value: Any) -> bool:
    """Whether ``value`` requires grad, also beneath vmap's batching (a batched tensor says it does not)."""
    return isinstance(value, torch.Tensor) and unbatched(value).requires_grad


def _float64_remedy(dtype: torch.dtype, held: bool, why: str, other: str) -> str:
    """The remedy for an integer value ``dtype`` cannot hold: float64 (which ``why``) where it holds it (``held``),
    else (or drawing in float64 already) only ``other``."""
    if dtype == torch.float64 or not held:
        return other
    return f"run the layer in float64 (net(..., precision='float64') or module.double()), which {why}, or {other}"


class RandomModule(ConstantBuffers):
    """Draws ``(batch, *shape)`` samples; slot inputs arrive batched and are broadcast elementwise. ``checks``
    (True, False, "auto") is set by ``compile(checks=...)``; None follows the global setting."""

    checks: bool | str | None = None
    unfit: Mapping[torch.dtype, tuple] = MappingProxyType({})  # a module pickled before it was kept: none
    counts: tuple[tuple[int, int], ...] = ()  # (parameter, slot) indices of integer slots the cast may round

    def __init__(self, distribution: Distribution, ranks: Mapping[str, int], shape: tuple,
                 estimator: str | None = None, temperature: float | None = None, eval_mode: str = "sample",
                 log_probability: bool = False):
        super().__init__()
        self.distribution, self.shape, self.log_probability = distribution, tuple(shape), log_probability
        self.estimator = estimator or distribution.ESTIMATORS[0]
        self.temperature = DEFAULT_TEMPERATURE if temperature is None else float(temperature)
        self.eval_mode, self.label, self.baseline, self.path = eval_mode, None, None, None
        self.given: dict[str, str] = {}  # its slots fed straight by the data: the net input feeding each
        self.kinds: list[tuple[str, Any]] = []  # ("slot", index) | ("const", value) | ("buffer", name)
        slot_index = {s: i for i, s in enumerate(distribution.slots)}
        self.ranks = [ranks[s] for s in distribution.slots]
        vector = isinstance(distribution, VectorDistribution)
        self.event_rank = distribution.draw_event_rank(self.estimator) if vector else 0  # trailing k dims of a draw
        sample_rank = len(self.shape) - self.event_rank
        event_ranks = getattr(distribution, "PARAM_EVENT_RANKS", {})
        self.target_ranks = [0] * len(self.ranks)  # each slot is aligned to this rank (without the batch dim)
        for name, value in reversed(list(zip(distribution.PARAMS, distribution.params))):
            if isinstance(value, str):
                self.target_ranks[slot_index[slot_name(value)]] = sample_rank + event_ranks.get(name, 0)
        for name, value in zip(distribution.PARAMS, distribution.params):
            if isinstance(value, str):
                self.kinds.append(("slot", slot_index[slot_name(value)]))
            elif isinstance(value, torch.Tensor):
                lead = (1,) * (sample_rank + event_ranks.get(name, 0) + 1 - value.dim())
                self._constant(f"param_{name}", value.reshape(lead + tuple(value.shape)))
                self.kinds.append(("buffer", f"param_{name}"))
            else:
                self.kinds.append(("const", float(value)))
        if all(k == "const" for k, _ in self.kinds):  # a tensor that follows .to(device/dtype) sets where draws go
            self._constant("param_first", torch.tensor(self.kinds[0][1], dtype=torch.float64), torch.float32)
            self.kinds[0] = ("buffer", "param_first")
        else:  # a count fed by an Integer port: cast to the module's dtype (.double(): float64) or the default, the wider
            self._constant("slot_dtype", torch.zeros((), dtype=torch.float64), torch.float32)
        self.expands = bool(self.ranks) and not vector
        self.checked = {n for n, (k, _) in zip(distribution.PARAMS, self.kinds) if k == "slot"}
        self.unfit = unfit_dtypes(distribution)  # the dtypes its constants would overflow: refused when drawn in
        self.counts = tuple((i, v) for i, (name, (k, v)) in enumerate(zip(distribution.PARAMS, self.kinds))
                            if k == "slot" and name in distribution.INTEGER_PARAMS
                            and name not in distribution.EXACT_INTEGERS)  # those: refused beyond the exact integers
        self.no_grad = set(distribution.INTEGER_PARAMS) | (
            set(getattr(distribution, "SUPPORT_PARAMS", ())) if self.estimator == "score_function" else set())

    def __getstate__(self) -> dict[str, Any]:
        """Its state for pickle and copy.deepcopy, without the records of draws waiting for surrogate_loss."""
        return {name: value for name, value in super().__getstate__().items() if name not in RECORD_ATTRIBUTES}

    def describe(self) -> str:
        """'layer 3 (RandomArrayLayer with BernoulliDistribution('#p'))', for messages."""
        where = f"{self.label} " if self.label else ""
        return f"{where}(RandomArrayLayer with {self.distribution!r})"

    def params(self, inputs: tuple[torch.Tensor, ...], anchor: Any = None) -> list[Any]:
        """The distribution's parameters for this call, aligned to ``(batch, *shape)`` (``anchor``: see ``constant``;
        by default the first input)."""
        anchor = inputs[0] if inputs else anchor
        like = self.constant("slot_dtype", anchor) if "slot_dtype" in self._buffers else None
        aligned = [align(floating(x, like), r, target)
                   for x, r, target in zip(inputs, self.ranks, self.target_ranks)]
        return [aligned[v] if k == "slot" else (self.constant(v, anchor) if k == "buffer" else v) for k, v in self.kinds]

    def forward(self, *inputs: Any, label: str | None = None, path: tuple[str, ...] | None = None,
                given: tuple[tuple[str, str], ...] = (), unchecked: bool = False) -> Any:
        """The layer's draw; ``unchecked``: checks off for this call, as the compiled forward's inline draws (a
        pathwise Normal or Uniform under checks="auto") are, for ``interpret`` to draw as they do."""
        if label is not None and self.label is None:
            self.label, self.path, self.given = label, path, dict(given)
        refuse_complex(self.distribution, inputs if self.ranks else (), self.describe, self.path)
        if self.ranks:
            params, batch = self.params(inputs), inputs[0].shape[0]
        else:
            params, batch = self.params((), inputs[0]), inputs[0]
        shape = sized((batch, *self.shape), params)
        checks, extremes = False if unchecked else _CHECKS["enabled"] if self.checks is None else self.checks, None
        if self.unfit and symbolic_tracing():  # fx: recorded in its graph, made when the graph runs
            traced_refusal(self, params)
        elif self.unfit and not tracing():  # constants beyond this call's dtype: before the checks, which blame slots
            self.refuse_unfit(range_dtype(params))
        if self.checked and checks is not False and not tracing():
            try:  # the error names this layer, as KLModule's does (not a context manager: a microsecond a call)
                extremes = self.distribution.check(params, self.describe, inputs=inputs, given=self.given)
            except DataError as error:
                name_layer(error, self.path)
                raise
            if self.counts:
                self._refuse_rounded_counts(params, inputs, extremes)
        if self.expands:  # a slot broadcasting beyond the output: an error; one of its shape needs no call
            for i, (kind, _) in enumerate(self.kinds):  # a loop, not a list comprehension: no Python call a draw
                if kind == "slot" and (type(params[i]) is torch.fx.Proxy or params[i].shape != shape):
                    params[i] = params[i].expand(shape)
        if self.eval_mode == "mean" and not self.training:
            return self.mean(params, shape)
        if self.distribution.EXACT_INTEGERS and not tracing():
            self._check_integers_held(params, checks, extremes=extremes, inputs=inputs)
        if self.estimator in DETACHED and symbolic_tracing():
            return traced_draw(self, params, shape)  # fx: one call in its graph, made when the graph runs
        try:
            return self.drawn(params, shape)
        except NotImplementedError as exc:  # torch has no float16 gamma, binomial, cholesky, ... kernel on the CPU
            return self._draw_without_kernel(params, shape, exc)
        except RuntimeError as exc:  # a parameter value torch's sampler refuses reached it: the checks are off
            if checks is not False:
                raise
            raise DataError(f"{self.describe()}: torch refused to draw ({str(exc).splitlines()[0]}); distribution checks "
                            "are off here, so bad parameter values reach torch: turn them on "
                            "(set_distribution_checks(True) or compile(checks=True)) to have the bad parameter named",
                            kind="parameter-value", layer=self.path) from None

    def _draw_without_kernel(self, params: list[Any], shape: tuple, exc: NotImplementedError) -> torch.Tensor:
        """The draw torch refused with ``exc``: in float32 under autocast where its dtype has no kernel, else an
        error saying what is missing (a forward-mode derivative, or a kernel for the dtype)."""
        like = next(p for p in params if isinstance(p, torch.Tensor))
        if like.dtype not in (torch.float32, torch.float64) and autocast_enabled(like.device.type):
            floats = [p.float() if isinstance(p, torch.Tensor) else p for p in params]  # as autocast's float32 ops
            try:
                return self.drawn(floats, shape)
            except NotImplementedError as again:
                return self._draw_without_kernel(floats, shape, again)
        if like.dtype in (torch.float32, torch.float64) and forward_mode(*params):
            raise OptionError(f"{self.describe()}: torch has no forward-mode derivative for this draw "
                              f"({str(exc).splitlines()[0]}); differentiate it in reverse mode (torch.func.jacrev "
                              "or grad, or backward) instead of jacfwd, jvp or forward_ad", kind="forward-mode-draw",
                              layer=self.path, expected="jacrev, grad or backward", found="forward-mode AD") from None
        raise DataError(f"{self.describe()}: cannot draw in {like.dtype} on {like.device.type}, torch has no "
                        f"kernel for it ({str(exc).splitlines()[0]}); run this layer in float32 or float64 "
                        "(module.float())", kind="data-dtype", layer=self.path, found=like.dtype) from None

    def refuse_unfit(self, dtype: Any, label: str | None = None, path: tuple[str, ...] | None = None) -> None:
        """DataError naming the layer (``label`` and ``path`` from a draw written into the net's forward, which
        calls no ``forward`` here) when its distribution's constant parameters would draw beyond the range of
        ``dtype``, the one this call draws in (``unfit``); nothing for a traced value (no dtype known)."""
        if isinstance(dtype, torch.fx.Proxy) and symbolic_tracing():  # a draw written into a net's forward
            return traced_refusal(self, dtype, label, path)
        if not isinstance(dtype, torch.dtype) or dtype not in self.unfit or tracing():
            return
        if label is not None and self.label is None:
            self.label, self.path = label, path
        name, text, *remedy = self.unfit[dtype]  # a module pickled before its remedy was kept: an overflow's
        hint = "run the layer in float32 or float64 (module.float())" if torch.finfo(dtype).bits < 32 else \
            "run the layer in float64 (net(..., precision='float64') or module.double())"
        raise DataError(f"{self.describe()}: {type(self.distribution).__name__} {text}; {hint}, or "
                        f"{remedy[0] if remedy else 'give smaller constants'}", kind="parameter-value",
                        layer=self.path, option=name, hint=hint)

    def _check_integers_held(self, params: list[Any], checks: bool | str, where: Any = None,
                             path: tuple[str, ...] | None = None, extremes: dict | None = None,
                             inputs: tuple[torch.Tensor, ...] = ()) -> None:
        """DataError for an integer parameter (``EXACT_INTEGERS``) beyond the integers the draw's dtype holds exactly
        (float32: ±2**24), whose draws would round off the support: a constant's value as written, a slot's as fed
        (unchecked with the checks off). ``where`` (a callable) and ``path`` name the layer (default: this one).
        ``extremes``: the slots' (min, max) as ``distribution.check`` read them (no second read of the values);
        ``inputs``: the slots as fed, whose integer values the cast to ``dtype`` may have rounded (2**24 + 1)."""
        dist = self.distribution
        floats = [p.dtype for p in params if isinstance(p, torch.Tensor) and p.is_floating_point() and not p.is_meta]
        if not floats:
            return  # meta: no values
        dtype = functools.reduce(torch.promote_types, floats)
        exact = [given if k != "slot" else None if checks is False else inputs[v]
                 if inputs and not inputs[v].is_floating_point() else largest(extremes[name])
                 if extremes is not None and name in extremes else value
                 for name, (k, v), value, given in zip(dist.PARAMS, self.kinds, params, dist.params)]
        unheld = first_unheld_integer(dist.PARAMS, exact, dtype)
        if unheld is None:
            return
        name, value = unheld
        limit, kind = integer_limit(dtype), str(dtype).replace("torch.", "")
        wider = _float64_remedy(dtype, abs(value) <= integer_limit(torch.float64), "holds them within ±2**53",
                                "narrow the range")
        raise DataError(f"{(where or self.describe)()}: {type(dist).__name__} parameter {dist.role(name)} = "
                        f"{value:.0f} lies beyond ±{limit:.0f}, the integers {kind} holds exactly, so its draws would "
                        f"round off [{', '.join(dist.EXACT_INTEGERS)}]; {wider}", kind="parameter-value",
                        layer=path or self.path, port=dist._slot_of(name), option=name,
                        expected=f"an integer within ±{limit:.0f} ({kind})",
                        found=int(value) if math.isfinite(value) else value)

    def _refuse_rounded_counts(self, params: list[Any], inputs: tuple[torch.Tensor, ...], extremes: dict) -> None:
        """DataError for an integer parameter fed integers (a Binomial n at an Integer port) that the cast to the
        draw's dtype changed (2**24 + 1 in float32: drawn as 2**24). Read elementwise only where ``extremes`` (the
        check's min and max of the cast values) reach the dtype's exact integers (``_EXACT``): no call, no
        allocation otherwise (a check's cost)."""
        for i, v in self.counts:
            fed, cast = inputs[v], params[i]
            lo, hi = extremes.get(self.distribution.PARAMS[i], (0.0, 0.0))
            if max(-lo, hi) < _EXACT.get(cast.dtype, 0.0) or fed.is_floating_point():
                continue  # within the exact integers (NaN: read): unchanged; fed reals: the check refuses non-integers
            wide = fed.to(cast.dtype)
            changed = (wide.abs() >= 2.0 ** 63) | (wide.to(torch.int64) != fed)  # cast beyond int64: changed
            if bool(changed.any()):
                raise self._rounded_count(i, fed, wide, tuple(int(j) for j in changed.nonzero()[0]))

    def _rounded_count(self, i: int, fed: torch.Tensor, wide: torch.Tensor, index: tuple[int, ...]) -> DataError:
        """The error for parameter ``i``'s count ``fed[index]``, which the cast to ``wide``'s dtype changed."""
        dist, name = self.distribution, self.distribution.PARAMS[i]
        value, kind, slot = int(fed[index]), str(wide.dtype).removeprefix("torch."), dist._slot_of(name)
        limit = integer_limit(wide.dtype)
        other = f"give a count {kind} holds exactly (every integer up to {limit:.0f} in size is one)"
        remedy = _float64_remedy(wide.dtype, int(float(value)) == value, "holds it exactly", other)
        return DataError(f"{self.describe()}: {type(dist).__name__} parameter {dist.role(name)} = {value} at index "
                         f"{index} of port {slot!r} is no {kind} number (it would be drawn as "
                         f"{float(wide[index]):.0f}); {remedy}", kind="parameter-value", layer=self.path, port=slot,
                         option=name, expected=f"an integer {kind} holds exactly", found=value)

    def drawn(self, params: list[Any], shape: tuple) -> Any:
        """The layer's output: a draw, or (draw, log-density per example) with ``log_probability``."""
        if not self.log_probability:
            return self.draw(params, shape)
        x, logp = self.draw(params, shape, True)
        return x, logp.unsqueeze(-1).flatten(1).sum(1)  # (B,), also for B = 0

    def mean(self, params: list[Any], shape: tuple) -> torch.Tensor:
        """The closed-form mean, broadcast to ``shape`` (DataError where it is infinite)."""
        like = next(p for p in params if isinstance(p, torch.Tensor))
        mean = self.distribution._mean(*tensors(params, like))
        if not no_values(mean) and not all_finite(mean.detach()):
            raise self._infinite_mean(mean)
        return mean.expand(shape)

    def _infinite_mean(self, mean: torch.Tensor) -> DataError:
        """eval_mode='mean' refused: the first index where ``mean`` is infinite, and the ports feeding it."""
        index = tuple(int(i) for i in (~torch.isfinite(mean)).nonzero()[0])
        ports = self.distribution.slots
        fed = f" (fed by input port{'s' if len(ports) > 1 else ''} {', '.join(map(repr, ports))})" if ports else ""
        return DataError(f"{self.describe()}: eval_mode='mean' but the distribution's mean is infinite for these "
                         f"parameters{fed}, first at index {index}; use eval_mode='sample'", kind="infinite-mean",
                         layer=self.path, option="eval_mode", port=ports[0] if ports else None)

    def draw(self, params: list[Any], shape: tuple, with_log_prob: bool = False) -> Any:
        """One draw of ``shape`` (batch and all) with the layer's gradient estimator; with ``with_log_prob``,
        (draw, log-density per event: elementwise for univariate draws, over the event dims for vector ones).

        The log-density follows the estimator (see RandomArrayLayer's ``log_probability``): pathwise and
        implicit draws carry their gradient into it; discrete draws enter it as fixed values; relaxed
        draws are scored by their relaxed (Concrete) density.
        """
        dist, est = self.distribution, self.estimator
        wants = _wants_grad if torch_func_transformed() else _requires_grad  # vmap's batched tensors say they do not
        grad = torch.is_grad_enabled() and any(wants(p) for p in params)
        if grad and self.no_grad:
            self._refuse_grad(params)
        sample = shape[:len(shape) - self.event_rank]  # vector distributions add the event dims themselves
        if est == "relaxed":
            x = dist.relaxed(params, sample, self.temperature)
            return (x, dist.relaxed_log_prob(x, params, self.temperature)) if with_log_prob else x
        origin, shift = dist.at_origin(params)  # drawn at location 0 and scored there: the shift may round it away
        if est in ("pathwise", "implicit", "none"):
            z, logp = scored_draw(dist, origin, sample) if with_log_prob else (dist.rsample(origin, sample), None)
            x = z if shift is None else z + shift
            return (x, logp) if with_log_prob else x
        x = z = (drawn := detached_draw(dist, origin, sample))[0]  # a log-space draw scored by its log: exact
        with torch.no_grad():
            if isinstance(dist, VectorDistribution):
                x = z = dist.encode_draw(x, params, est)
            x = x if shift is None else x + shift
        if grad and est == "score_function" and torch_func_transformed():
            raise self._unrecorded_score()
        if grad and est == "score_function" and recording_trace():  # its record would stay here, out of the trace
            warn_traced_score(self)
            grad = False
        score = score_handle(dist, z, origin) if grad and est == "score_function" and not with_log_prob else None
        scored = with_log_prob or (grad and est == "score_function" and score is None)
        logp = own_log_prob(dist, z, origin, drawn[1]) if scored else None
        if grad and est == "straight_through":
            y = straight_through(x, dist._mean(*tensors(params, x)).expand(shape))
        elif grad:
            if score is None:
                score = uncertain_log_mass(dist, logp, origin).unsqueeze(-1).flatten(1).sum(1)
            y = record_score(self, x, score, params)
        else:
            y = x
        return (y, logp) if with_log_prob else y

    def _unrecorded_score(self) -> OptionError:
        """The score-function estimator under a torch.func transform: its record for surrogate_loss cannot leave it
        (vmap lost it, silently: no gradient; grad refused the recording autograd.Function)."""
        return OptionError(f"{self.describe()}: the score-function estimator gives its parameters their gradient by a "
                           "surrogate term recorded at each draw for surrogate_loss (net_train adds it), which a "
                           "torch.func transform (vmap, grad, jacrev, ...) cannot carry out of itself: they would get "
                           "no gradient. Draw under torch.no_grad() there, call the module outside torch.func, or "
                           "choose a differentiable estimator (estimator='straight_through' or 'relaxed')",
                           option="estimator", layer=self.path, found="score_function", kind="torch-func-score")

    def _refuse_grad(self, params: list[Any]) -> None:
        for name, p in zip(self.distribution.PARAMS, params):
            if name in self.no_grad and _wants_grad(p):
                dist = type(self.distribution).__name__
                why = (f"{dist} parameter {self.distribution.role(name)} is an integer, so it has no gradient"
                       if name in self.distribution.INTEGER_PARAMS else
                       f"{dist} parameter {self.distribution.role(name)} moves the support, so the score-function "
                       "estimator would be biased for it")
                raise OptionError(f"{self.describe()}: {why}, but the value fed to it requires grad (it comes from "
                                  "a trainable array or a computation on one). Feed it as data or a constant, or "
                                  "detach it (e.g. FunctionLayer with a constant), so training does not expect a "
                                  "gradient there.", kind="parameter-gradient", layer=self.path,
                                  port=self.distribution._slot_of(name), option=name,
                                  found="a value that requires grad")

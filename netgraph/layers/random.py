"""RandomArrayLayer: draws from a distribution whose parameters may be inputs, with gradients to them.

Unlike Wolfram's RandomArrayLayer, gradients reach every real parameter by the estimator the
distribution declares (``estimator=`` picks an opt-in one). Draws use torch's global RNG, so
``torch.manual_seed`` makes them repeatable. In eval mode the layer keeps sampling, as Wolfram's does;
``eval_mode="mean"`` makes ``module.eval()`` output the distribution's mean instead (like dropout).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Optional

import torch
from torch import nn

from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import DistributionOption, Literal, Shape
from netgraph.layers.dist_base import torch_distribution_hint
from netgraph.layers.dist_params import shared_count_hint, slot_dtypes
from netgraph.layers.distributions import DISTRIBUTIONS, Distribution, slot_name
from netgraph.layers.dist_held import unfit_dtypes
from netgraph.layers.dist_tensors import promoted_dtype_code
from netgraph.layers.dist_vector import VectorDistribution, vector_types
from netgraph.layers.function import align_code
from netgraph.layers.random_callable import call_with_slots
from netgraph.layers.random_hints import draw_dtype_hint
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import option_problem
from netgraph.core.option_ranges import Within
from netgraph.core.option_rules import Among, ChosenBy, Excludes, Not, refuses
from netgraph.core.other_layer_names import other_layer_hint
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, broadcast, format_shape, unify
from netgraph.core.wiring import join_path
from netgraph.core.naming_scope import quoted
from netgraph.layers._shapes import as_float, broadcasts_to, ranged_number
from netgraph.layers.random_checks import _CHECKS, distribution_checks, set_distribution_checks
from netgraph.layers.random_module import DEFAULT_TEMPERATURE, RandomModule

__all__ = ["RandomArrayLayer", "set_distribution_checks", "distribution_checks"]

EVAL_MODES = ("sample", "mean")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class RandomArrayLayer(Layer):
    """Random draws of shape ``output`` from ``distribution``; Wolfram's RandomArrayLayer, differentiable.

    Parameters written ``"#name"`` become input ports, broadcast elementwise against ``output``;
    ``RandomArrayLayer(lambda mu, sigma: NormalDistribution(mu, sigma))`` does the same with the
    function's parameter names. Gradients reach every real parameter by the distribution's default
    estimator (``distribution.ESTIMATORS[0]``), or the one named by ``estimator=`` ("pathwise",
    "implicit", "score_function", "straight_through", "relaxed" with ``temperature=``). Discrete
    draws need ``module.surrogate_loss(losses)`` in a custom loop (see ``netgraph.layers.estimators``).
    Distributions over vectors and classes (Multinormal, Dirichlet, Categorical) draw events: ``output``
    is then ``(*sample, k)`` (class indices: ``sample``), see ``netgraph.layers.dist_vector``.
    ``eval_mode="mean"``: after ``module.eval()`` output the mean instead of a draw.
    ``log_probability=True`` adds the port ``LogProbability``: log p(draw), summed per example. Pathwise and
    implicit draws carry their gradient into it; discrete draws are scored as fixed values (the score term
    comes once, from the surrogate), so ``f(x) + c * LogProbability`` has an unbiased gradient.

    >>> from netgraph.layers.distributions import NormalDistribution
    >>> RandomArrayLayer(NormalDistribution("#mu", "#sigma")).input_ports
    ('mu', 'sigma')
    >>> RandomArrayLayer(lambda a, b: NormalDistribution(a, b), output=3).input_ports
    ('a', 'b')
    >>> RandomArrayLayer(NormalDistribution(0, 1), output=3, log_probability=True).output_ports
    ('Output', 'LogProbability')
    """

    distribution: DistributionOption
    output: Shape = None
    estimator: Optional[Literal["pathwise", "score_function", "straight_through", "relaxed", "implicit", "none"]] = None
    temperature: Optional[float] = None
    eval_mode: Literal["sample", "mean"] = "sample"
    RANGES = {"temperature": Within(0.0, open_low=True, open_high=True)}  # positive and finite
    RULES = (Excludes("temperature", Not(Among(None)), "estimator", Not(Among("relaxed"))),  # a relaxation's
             Excludes("log_probability", Among(True), "eval_mode", Among("mean")),  # a mean is no draw to score
             ChosenBy("estimator", "distribution", "ESTIMATORS", lambda: DISTRIBUTIONS))  # those it supports
    log_probability: bool = False
    POSITIONAL = "distribution"

    def normalize(self) -> dict[str, Any]:
        dist = self.distribution
        if not isinstance(dist, Distribution):
            if not callable(dist) or isinstance(dist, Layer):  # a layer is callable too (layer(x))
                dist = option_problem(OptionError(f"RandomArrayLayer needs a distribution such as NormalDistribution(0, "
                                                  f"1), found {quoted(dist)}{other_layer_hint(dist)}"
                                                  f"{torch_distribution_hint(dist)}", option="distribution",
                                                  expected="a distribution", found=dist), None)
            else:
                dist = call_with_slots(dist)
                if not isinstance(dist, Distribution):
                    dist = option_problem(OptionError(f"RandomArrayLayer's function must return a distribution, "
                                                      f"returned {quoted(dist)}", option="distribution",
                                                      expected="a distribution", found=dist), None)
        if self.eval_mode not in EVAL_MODES:
            option_problem(OptionError(f"RandomArrayLayer: eval_mode must be 'sample' (keep drawing, as Wolfram) or "
                                       f"'mean'; found {quoted(self.eval_mode)}"
                                       f"{did_you_mean(self.eval_mode, EVAL_MODES)}",
                                       option="eval_mode", expected=list(EVAL_MODES), found=self.eval_mode), None)
        if self.temperature is not None:  # the shared check: "must be a positive finite number"
            ranged_number(self, "temperature")
        if dist is None:
            return {}
        outputs = ("Output", "LogProbability") if self.log_probability else ("Output",)
        return {"distribution": dist, "input_ports": dist.slots, "output_ports": outputs}

    def validate(self) -> None:
        """The options together, each good alone: those the distribution takes; log_probability with eval_mode."""
        dist, name = self.distribution, type(self.distribution).__name__
        if refuses(self, "estimator"):
            raise OptionError(f"RandomArrayLayer: {name} supports estimator= {', '.join(map(repr, dist.ESTIMATORS))} "
                              f"(the first is the default); found {quoted(self.estimator)}"
                              f"{_estimator_hint(self.estimator, dist.ESTIMATORS) or _near(self.estimator, dist)}",
                              option="estimator",
                              expected=tuple(dist.ESTIMATORS), found=self.estimator)
        t = self.temperature
        good_value = as_float(t) is not None and t in self.RANGES["temperature"]  # a bad one: normalize's OptionError
        if t is not None and good_value and refuses(self, "temperature"):
            raise OptionError(f"RandomArrayLayer: temperature= applies only to estimator='relaxed'; found "
                              f"temperature={quoted(t)} with estimator={quoted(self.estimator)}",
                              option="temperature")
        if self.eval_mode == "mean" and isinstance(dist, VectorDistribution) and dist.draw_dtype(
                self.estimator or dist.ESTIMATORS[0]) != REAL:
            raise OptionError(f"RandomArrayLayer: eval_mode='mean' but {name} draws class indices, which have no mean; "
                              "use estimator='straight_through' or 'relaxed' (one-hot draws, whose mean is p)",
                              option="eval_mode")
        if self.eval_mode == "mean" and not dist.slots and not bool(torch.isfinite(torch.as_tensor(dist.mean())).all()):
            raise OptionError(f"RandomArrayLayer: eval_mode='mean' but {dist!r} has an infinite mean",
                              option="eval_mode", expected="a finite mean", found=repr(dist))
        if refuses(self, "log_probability"):
            raise OptionError("RandomArrayLayer: log_probability=True needs eval_mode='sample': with eval_mode='mean' "
                              "an eval-mode net outputs the mean, not a draw, so there is no drawn value to score",
                              option="log_probability",
                              expected="eval_mode='sample'", found=self.eval_mode)

    @property
    def estimate(self) -> str:
        """'NormalDistribution('#mu', '#sigma'), pathwise (default)': what is drawn and how gradients pass (a relaxed
        estimator's temperature too)."""
        default = " (default)" if self.estimator is None else ""
        if self.estimator == "relaxed":  # the temperature sets the relaxed draws' bias
            temperature = DEFAULT_TEMPERATURE if self.temperature is None else self.temperature
            default = f", temperature {temperature:g}{' (default)' if self.temperature is None else ''}"
        return f"{self.distribution!r}, {self.estimator or self.distribution.ESTIMATORS[0]}{default}"

    def dtype_hint(self, port: str) -> str | None:
        if port != "Output":
            return shared_count_hint(port, self.distribution)
        return draw_dtype_hint(self.distribution, self.estimator, self.declared_types()["Output"].dtype)

    def shape_hint(self, port: str) -> str | None:
        if port != "Output":
            return None
        return ("nothing fixes how many values to draw: give output=, e.g. output=3, output=(2, 3), or output=() for "
                "one value per example (Wolfram's \"Output\" -> dims), or feed a parameter through a port of that "
                "shape")

    def declared_types(self) -> dict[str, PortType]:
        dist = self.distribution
        dtype = dist.draw_dtype(self.estimator or dist.ESTIMATORS[0]) if isinstance(dist, VectorDistribution) else REAL
        slots = slot_dtypes(dist)  # a count's port takes Integer values too
        types = {**{s: PortType(None, slots[s]) for s in self.input_ports}, "Output": PortType(self.output, dtype)}
        if self.log_probability:
            types["LogProbability"] = PortType((), REAL)
        return types

    def _const_shapes(self) -> list[tuple]:
        return [tuple(p.shape) for p in self.distribution.params if isinstance(p, torch.Tensor)]

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        if isinstance(self.distribution, VectorDistribution):
            types = vector_types(self.distribution, self.estimator or self.distribution.ESTIMATORS[0], types)
        else:
            types = self._univariate_types(types)
        _check_lengths(types, self.input_ports)
        return types

    def _univariate_types(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        shapes = [types[s].shape for s in self.input_ports] + self._const_shapes()
        out = types["Output"].shape
        if shapes and all(s is not None for s in shapes):
            full = out is not None and None not in out
            try:
                params, compared = broadcast(*shapes, *([out] if full else [])), None
            except Conflict as exc:
                params, compared = None, (exc.expected, exc.found)
            if params is None or (full and broadcast(params, out) != out):
                names = [*(f"{s!r}" for s in self.input_ports), *("constant array" for _ in self._const_shapes())]
                shown = ", ".join(f"{n} {format_shape(s)}" for n, s in zip(names, shapes))
                port = next((p for p in self.input_ports if full and not broadcasts_to(types[p].shape, out)), None)
                expected, found = (out, types[port].shape) if port else compared or (out, params)
                raise Conflict(f"{type(self.distribution).__name__} parameter shapes {shown} do not broadcast "
                               f"{f'to output {format_shape(out)}' if full else 'together'} (each parameter must "
                               "broadcast to the output shape)", port=port, expected=expected, found=found)
            if out is None:
                types["Output"] = unify(types["Output"], PortType(params, REAL))
        out = types["Output"].shape
        for s in self.input_ports:
            if types[s].shape is None and out is not None:
                types[s] = PortType(out, types[s].dtype)
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        ranks = {s: len(types[s].shape) for s in self.input_ports}
        return RandomModule(self.distribution, ranks, types["Output"].shape, self.estimator, self.temperature,
                            self.eval_mode, self.log_probability)

    def emit_block(self, ctx: EmitContext, outputs: tuple[str, ...]) -> list[str]:
        checks = _CHECKS["enabled"] if ctx.checks is None else ctx.checks
        inline = None if checks is True or self.eval_mode != "sample" or self.log_probability else self._inline_draw(ctx)
        if inline is None:
            return super().emit_block(ctx, outputs)
        constants, draw = inline
        return [*constants, f"{outputs[0]} = {draw}"]

    def emit(self, ctx: EmitContext) -> str:
        args = ", ".join(ctx.args) if self.input_ports else ctx.batch
        given = f", given={ctx.given!r}" if ctx.given else ""
        return f"{ctx.module}({args}, label={_label(ctx.path)!r}, path={tuple(ctx.path)!r}{given})"

    def _inline_draw(self, ctx: EmitContext) -> tuple[list[str], str] | None:
        """A pathwise draw written straight into the forward, as a user would (``mu + sigma * randn``): the
        statements reading its constant parameters, and the draw. They are read by a call on the layer's module
        beside a traced value (``RandomModule.constant``), so that a graph traced by fx reads them there, keeping
        them out of its state dict and following its casts, as the module's own draws do."""
        dist = self.distribution
        estimator = self.estimator or dist.ESTIMATORS[0]
        if estimator != "pathwise" or dist.INTEGER_PARAMS or not hasattr(dist, "rsample_code"):
            return None
        out = ctx.types["Output"].shape
        full = [a for s, a in zip(self.input_ports, ctx.args) if ctx.types[s].shape == out]
        if not full and any(type(d) is not int for d in out):
            return None  # a variable length ("n") with no slot of the output's shape: the module's draw sizes it
        slots = {s: align_code(a, len(ctx.types[s].shape), len(out)) for s, a in zip(self.input_ports, ctx.args)}
        anchor, reads = ctx.args[0] if ctx.args else ctx.batch, []

        def constant(name: str) -> str:
            reads.append((ctx.local(name), f"{ctx.module}.constant({name!r}, {anchor})"))
            return reads[-1][0]
        params, consts = [], []
        for name, value in zip(dist.PARAMS, dist.params):
            if isinstance(value, str):
                params.append(slots[slot_name(value)])
            elif isinstance(value, torch.Tensor):
                params.append(constant(f"param_{name}"))
                consts.append(params[-1])
            else:
                params.append(repr(float(value)))
        like = [*ctx.args, *consts] or [constant("param_first")]  # noise in the parameters' promoted dtype
        batch = f"{ctx.args[0]}.shape[0]" if ctx.args else ctx.batch
        every_slot_full = bool(ctx.args) and len(full) == len(ctx.args)
        plain = every_slot_full and not consts and not unfit_dtypes(dist)
        if plain and _module_dtype_slots(ctx, self.input_ports, out):
            return [], dist.rsample_code(params, lambda kind: f"torch.{_NOISE[kind]}_like({full[0]})")  # by hand
        reads.append((promoted := ctx.local("promoted"), promoted_dtype_code(like)))  # int or bool slots: the default
        widest = f"torch.promote_types({ctx.module}.constant('slot_dtype', {anchor}).dtype, working_dtype())"
        dtype = (f"({promoted} if not isinstance({promoted}, torch.dtype) or {promoted}.is_floating_point else "
                 f"{widest})")  # as the module draws (_floating_like); a traced one (a Proxy) is floating
        lengths = full[0] if full else None
        if full and not every_slot_full and len(ctx.args) > 1 and any(type(d) is not int for d in out):
            lengths = ctx.local("lengths")  # every slot's variable lengths, broadcast: a slot of 1 repeats no noise
            reads.append((lengths, f"torch.broadcast_tensors({', '.join(slots.values())})[0]"))
        dims = "".join(f", {d}" if type(d) is int else f", {lengths}.shape[{i}]" for i, d in enumerate(out, 1))
        shape = f"({batch}{dims or ','})"

        def noise_code(kind: str) -> str:  # of the declared output's shape, as the module's draws (not a slot's)
            fn = _NOISE[kind]
            if every_slot_full:  # mu + sigma * torch.randn_like(mu): handwritten torch's cost (unchecked, as any op)
                return f"torch.{fn}_like({_broadcast_code(full)}, dtype={dtype})"
            return f"torch.{fn}({shape}, dtype={dtype}, device={like[0]}.device)"
        draw = dist.rsample_code(params, noise_code)
        statements = [f"{local} = {read}" for local, read in reads]
        if unfit_dtypes(dist):  # constants that overflow a narrower dtype than float64: refused when drawn in it
            statements.append(f"{ctx.module}.refuse_unfit({dtype}, {_label(ctx.path)!r}, {tuple(ctx.path)!r})")
        if not ctx.args or every_slot_full:
            return statements, draw
        # slots that broadcast beyond the output (an extra dim, a size where it has 1) are an error, as in the module
        sizes = "".join(f", {d}" if type(d) is int else ", -1" for d in out)
        return statements, f"({draw}).expand({batch}{sizes})"


_NOISE = {"normal": "randn", "uniform": "rand"}  #: an inline draw's noise kind: torch's function


def _module_dtype_slots(ctx: EmitContext, ports: tuple[str, ...], out: tuple) -> bool:
    """Whether every slot is a layer's Real output of the draw's fixed shape ``out``: values in the module's dtype
    (a net input, which checks=False leaves unchecked, or an Integer may be another), of that one shape at run time,
    so the noise is ``randn_like`` of any slot, with no promotion or broadcast (handwritten torch's line)."""
    return all(type(d) is int for d in out) and all(
        ctx.types[s].dtype == REAL and ctx.types[s].shape == out and ctx.producer(s) is not None
        for s in ports)


def _broadcast_code(full: list[str]) -> str:
    """The draw's shape, as a tensor: ``mu``, or for more slots of the output's declared shape, ``mu`` where they all
    have its shape and else their broadcast (a slot of length 1 beside one of n: noise along n, not one repeated).

    >>> _broadcast_code(["mu"])
    'mu'
    >>> _broadcast_code(["mu", "sigma"])
    '(mu if not symbolic_tracing() and mu.shape == sigma.shape else torch.broadcast_tensors(mu, sigma)[0])'
    """
    if len(full) == 1:
        return full[0]
    same = " and ".join(f"{full[0]}.shape == {a}.shape" for a in full[1:])
    return f"({full[0]} if not symbolic_tracing() and {same} else torch.broadcast_tensors({', '.join(full)})[0])"


#: the estimators' names, netgraph's own and the literature's, in the spelling _estimator_key makes: netgraph's name
_ESTIMATOR_NAMES = {"reinforce": "score_function", "likelihood_ratio": "score_function", "sf": "score_function",
                    "score_function": "score_function", "pathwise": "pathwise", "reparameterization": "pathwise",
                    "reparametrization": "pathwise", "reparameterized": "pathwise", "reparametrized": "pathwise",
                    "rsample": "pathwise", "implicit": "implicit", "implicit_reparameterization": "implicit",
                    "implicit_reparametrization": "implicit", "straight_through": "straight_through",
                    "st": "straight_through", "relaxed": "relaxed", "concrete": "relaxed",
                    "gumbel_softmax": "relaxed", "none": "none"}

#: why a distribution lacks an estimator, by netgraph's name
_UNSUPPORTED_BECAUSE = {
    "score_function": "its parameters move the support or are integers, so a score-function gradient would be "
                      "biased or meaningless",
    "relaxed": "a relaxed draw exists only for BernoulliDistribution and CategoricalDistribution"}


def _estimator_key(name: object) -> str:
    """``name`` lower case, with '-', ' ' and '_' runs made one '_'.

    >>> _estimator_key(" Straight-Through"), _estimator_key("gumbel softmax")
    ('straight_through', 'gumbel_softmax')
    """
    return "_".join(str(name).lower().replace("-", " ").replace("_", " ").split())


def _near(given: object, dist: Any) -> str:
    """' (did you mean ...?)' for a misspelt name ('pathwse') of an estimator ``dist`` supports, else ''."""
    return did_you_mean(given, dist.ESTIMATORS) if isinstance(given, str) else ""


def _estimator_hint(given: object, supported: tuple[str, ...]) -> str:
    """The parenthesis after "found 'given'" in the refusal: which of netgraph's names ``given`` means (another
    spelling or the literature's name), and why the distribution lacks it; empty for an unknown name.

    >>> _estimator_hint("Straight-Through", ("score_function", "straight_through")), _estimator_hint("mine", ())
    (" ('Straight-Through' is netgraph's 'straight_through')", '')
    """
    known = _ESTIMATOR_NAMES.get(_estimator_key(given))
    known = "implicit" if known == "pathwise" and "implicit" in supported else known  # the Gamma family's
    if known is None:
        return ""
    said = [] if known == given else [f"{given!r} is netgraph's {known!r}"]
    said += [] if known in supported else [_UNSUPPORTED_BECAUSE.get(known, f"it has no {known!r} estimator")]
    return f" ({'; '.join(said)})"


def _check_lengths(types: Mapping[str, PortType], ports: tuple[str, ...]) -> None:
    """Conflict where Output has a variable length ("n") that no input port has: nothing says how many to draw."""
    out, given = types["Output"].shape, [types[p].shape for p in ports]
    if out is None or any(s is None for s in given):
        return
    missing = [d for d in out if d is not None and type(d) is not int and not any(d in s for s in given)]
    if missing:
        raise Conflict(f"output {format_shape(out)} has a variable length {missing[0]!r} that none of its "
                       "input ports has, so nothing says how many values to draw (one would be repeated along it); "
                       "give output= a fixed length, or feed a parameter through a port of that length (e.g. "
                       "NormalDistribution('#mu', 1.0) with mu fed zeros shaped like the sequence)",
                       port="Output", expected="a fixed length", found=missing[0])


def _label(path: tuple[str, ...]) -> str:
    """'layer 3' or "layer 'enc' > layer 'noise'": the layer at ``path`` of the compiled net, for its messages.

    >>> _label(("enc", "1")), _label(("noise",))
    ("layer 'enc' > layer 1", "layer 'noise'")
    """
    return join_path([f"layer {p}" if p.isdigit() else f"layer {p!r}" for p in path])

"""The Distribution base class: parameters in Wolfram's conventions, checks, and sampling helpers.

A distribution is a frozen tuple of parameters, each a number, a ``"#slot"`` string (an input port of
the RandomArrayLayer that draws from it), a nested list of numbers, or a tensor. Subclasses declare
their parameters (``PARAMS``, ``ARITIES``, ``CONSTRAINTS``, ``ROLES``), their gradient estimators
(``ESTIMATORS``; the first is the default) and implement ``rsample`` / ``log_prob`` and Wolfram's
closed-form ``_mean`` / ``_variance`` on float64 tensors.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import torch

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.other_layer_names import other_layer_hint
from netgraph.core.attribute_hints import frozen_distribution_error
from netgraph.core.layer import frozen_init
from netgraph.core.layer_making import drop_dataclass_frozen
from netgraph.core.option_problems import ARGUMENT_KIND
from netgraph.core.registry import Registry
from netgraph.core.torch_state import cpu_tensors, working_dtype
from netgraph.core.wording import counted_either
from netgraph.layers.bad_index import Where, bad_text, first_bad_at, located_error, piece_text
from netgraph.layers.dist_constraints import REAL, Constraint, raise_constant_problems, read_extremes, unbroadcastable
from netgraph.layers.dist_params import Param, as_constructed, as_param, plain_param, same_param, slot_name, whole
from netgraph.layers.dist_order import Ordered, in_order_by_extremes, order_facts, order_problem
from netgraph.layers.dist_advice import bad_value_advice
from netgraph.layers.dist_held import below_normal, constant_extremes
from netgraph.layers.dist_limits import FLOAT_MAX, named_overflow_problems, overflow_problems, param_max, range_dtype
from netgraph.layers.dist_tensors import (full, is_tensor, log_or_tiny, log_standard_gamma, noise, safe_exp,  # noqa: F401
                                           standard_gamma, tensors, xlogy)  # re-exported for the distributions

__all__ = ["Distribution", "DISTRIBUTIONS", "distribution_class", "slot_name", "noise", "full", "tensors",
           "Constraint", "standard_gamma", "log_standard_gamma", "safe_exp", "xlogy", "log_or_tiny"]

DISTRIBUTIONS: Registry = Registry("distribution")


def torch_distribution_hint(value: Any) -> str:
    """For torch's distribution given where netgraph's is taken: netgraph's of that name, else ''.

    >>> torch_distribution_hint(torch.distributions.Normal(0.0, 1.0))
    " (torch's distributions.Normal is NormalDistribution(mu, sigma) here, its parameters by position in Wolfram's order)"
    """
    if not isinstance(value, torch.distributions.Distribution):
        return ""
    name = type(value).__name__
    ours = DISTRIBUTIONS.get(f"{name}Distribution")
    if ours is None:
        return (f" (torch's distributions.{name} is no netgraph distribution; netgraph's are listed in the README's "
                f"'Random layers')")
    return f" (torch's distributions.{name} is {ours._usage()} here, its parameters by position in Wolfram's order)"


def distribution_class(name: str) -> type[Distribution]:
    """The distribution class called ``name``; OptionError with a suggestion when unknown.

    >>> distribution_class("GammaDistribution").PARAMS[:2]
    ('alpha', 'beta')
    """
    try:
        return DISTRIBUTIONS[name]
    except KeyError:
        hint = other_layer_hint(name) or did_you_mean(name, DISTRIBUTIONS)
        raise OptionError(f"{DISTRIBUTIONS.unknown(name)}{hint}; known: {', '.join(sorted(DISTRIBUTIONS))}",
                          kind="unknown-distribution", expected=sorted(DISTRIBUTIONS), found=name) from None


_DATACLASS = {"frozen": True, "init": False, "eq": False, "repr": False}


@dataclasses.dataclass(**_DATACLASS)
class Distribution:
    """Base class: a frozen dataclass of parameters (``params``, ``nargs`` of them given) with Wolfram's meaning.

    >>> from netgraph.layers.distributions import NormalDistribution
    >>> d = NormalDistribution("#mu", "#sigma")
    >>> d.slots
    ('mu', 'sigma')
    >>> NormalDistribution(0, 2).variance()
    4.0
    """

    PARAMS: ClassVar[tuple[str, ...]] = ()
    ARITIES: ClassVar[tuple[int, ...]] = ()  # allowed argument counts (default: all PARAMS)
    ONE_LIST: ClassVar[bool] = False  # the parameters are given as one list: UniformDistribution([min, max])
    DEFAULTS: ClassVar[dict[str, float]] = {}  # values of the parameters an arity leaves out
    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {}
    ROLES: ClassVar[dict[str, str]] = {}  # Wolfram's meaning, for messages: {"beta": "scale"}
    ESTIMATORS: ClassVar[tuple[str, ...]] = ("pathwise", "score_function")
    INTEGER_PARAMS: ClassVar[tuple[str, ...]] = ()  # never get a gradient
    COUNT_PARAMS: ClassVar[tuple[str, ...]] = ()  # real counts (NegativeBinomial's n): an Integer port may feed them
    EXACT_INTEGERS: ClassVar[tuple[str, ...]] = ()  # draws are these integers: the draw's dtype must hold them exactly
    SUPPORT_PARAMS: ClassVar[tuple[str, ...]] = ()  # move the support: no score-function gradient
    NORMAL_SCALES: ClassVar[tuple[str, ...]] = ()  # scales of draws held >= the smallest normal number: none below it
    NORMAL_RATES: ClassVar[tuple[str, ...]] = ()  # rates whose reciprocal is such a scale: none above 1 / that number
    LOCATION: ClassVar[str | None] = None  # a parameter that only shifts the draws (see ``at_origin``)
    ORDERED: ClassVar[Ordered | None] = None  # (lo, hi, strict): lo < hi (<=), the default relation
    discrete: ClassVar[bool] = False
    DRAW_LIMIT: ClassVar[float] = FLOAT_MAX  # the largest |draw| the sampler gives correctly (dist_limits)
    BAD_VALUE_HINT: ClassVar[str] = ("fix the layer feeding it (e.g. pass a scale through Softplus or Exp, a "
                                     "probability through LogisticSigmoid)")
    params: tuple
    nargs: int

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(cls, **_DATACLASS)  # frozen like its base, for every attribute
        drop_dataclass_frozen(cls, Distribution)  # its base's refusals say how to make another
        if register and not cls.__name__.startswith("_"):
            DISTRIBUTIONS.add(cls)

    def __init__(self, *params: Param, **named: Any):
        if named:
            self._refuse_named(named)
        arities, name = self.ARITIES or (len(self.PARAMS),), type(self).__name__
        if len(params) not in arities:
            raise OptionError(f"{name} takes {counted_either(arities, 'parameter')} ({', '.join(self._described(self.PARAMS))}), "
                              f"found {len(params)}: {list(params)!r}", kind=ARGUMENT_KIND)
        with cpu_tensors():  # the parameters and their checks' tensors on the CPU, whatever torch's default device
            given = [as_param(name, n, v) for n, v in zip(self.PARAMS, params)]
            full = given + [self.DEFAULTS[n] for n in self.PARAMS[len(given):]]
            frozen_init(self, params=tuple(full), nargs=len(given))
            self._check_constants()

    @classmethod
    def _refuse_named(cls, named: Mapping[str, Any]) -> None:
        """OptionError for parameters given by name (``NormalDistribution(mu=0, sigma=1)``, torch's ``loc=``):
        Wolfram's distributions take them by position."""
        found = ", ".join(f"{k}={v!r}" for k, v in named.items())
        raise OptionError(f"{cls.__name__} takes its parameters by position, in Wolfram's order: {cls._usage()} "
                          f"({', '.join(cls._described(cls.PARAMS))}); found {found}", option=next(iter(named)),
                          found=found, kind="layer-argument")

    @classmethod
    def _usage(cls) -> str:
        listed = ", ".join(cls.PARAMS)
        return f"{cls.__name__}({f'[{listed}]' if cls.ONE_LIST else listed})"

    # -- description ----------------------------------------------------------------------------------
    @classmethod
    def _described(cls, names: Sequence[str]) -> list[str]:
        return [f"{n} ({cls.ROLES[n]})" if n in cls.ROLES else n for n in names]

    def role(self, name: str) -> str:
        """'beta (scale)': a parameter's name with Wolfram's meaning."""
        return self._described([name])[0]

    @property
    def slots(self) -> tuple[str, ...]:
        """Names of the parameters given as '#slot' (the layer's input ports), in order, without repeats."""
        out: list[str] = []
        for p in self.params:
            s = slot_name(p) if isinstance(p, str) else None
            if s is not None and s not in out:
                out.append(s)
        return tuple(out)

    @property
    def args(self) -> list:
        """The parameters as written in a spec (Wolfram order), an integer parameter's as whole numbers; list-argument
        forms override."""
        return [whole(plain_param(p)) if self.CONSTRAINTS.get(n, REAL).integer and not isinstance(p, str) else plain_param(p)
                for n, p in zip(self.PARAMS, self.params[:self.nargs])]

    # -- checks ---------------------------------------------------------------------------------------
    def _check_constants(self) -> None:
        errors: list[tuple] = []  # (the parameter, None for several together; the problem[; expected, found])
        for n, v in zip(self.PARAMS, self.params):
            c = self.CONSTRAINTS.get(n, REAL)
            if isinstance(v, float) and not c.ok(v):
                errors.append((n, f"parameter {self.role(n)} must be {c.text}, found {v!r}", c.text, v))
            elif isinstance(v, torch.Tensor) and v.numel() == 0:  # a draw would have a 0-size dim: no port may
                errors.append((n, f"parameter {self.role(n)} must not be empty, found an array of shape "
                                  f"{tuple(v.shape)}; give a number or a non-empty list"))
            elif isinstance(v, torch.Tensor) and not c.ok_tensor(v):
                bad = first_bad_at(v, c)
                errors.append((n, f"parameter {self.role(n)} must be {c.text}, found {bad_text(v, bad)}", c.text,
                               None if bad is None else bad[0]))
        errors = errors or unbroadcastable(self._described(self.PARAMS), self.params) or below_normal(
            self, self.held_extremes, self.params)
        if not errors and all(not isinstance(v, str) for v in self.params):
            if problem := self.relation([torch.as_tensor(v, dtype=torch.float64) for v in self.params]):
                errors.append((None, piece_text(problem)))
        raise_constant_problems(type(self).__name__, errors or named_overflow_problems(self, self.params))

    def _draw_bound(self, *params: torch.Tensor) -> torch.Tensor | None:
        """The largest |draw| these float64 parameters practically give (compared with ``DRAW_LIMIT``); None: bounded.

        A subclass whose bound is monotone in each parameter over its allowed range says so in ``BOUND_SLOPES``
        (name -> +1 nondecreasing, -1 nonincreasing, 0 nondecreasing in the size |value|): runtime checks then
        evaluate it once, at the worst corner of the parameters' ranges."""
        return None

    @functools.cached_property
    def held_extremes(self) -> dict[str, tuple[float, float]]:
        """``dist_held.constant_extremes``, read once: for the build's check and ``unfit_dtypes``."""
        return constant_extremes(self)

    def relation(self, params: Sequence[torch.Tensor], at_ports: bool = True) -> str | None:
        """A message when the parameters violate a joint condition (e.g. min < max), else None; here, ``ORDERED``'s
        pair out of order. ``at_ports``: a value is named at the port of its parameter's slot (not for values given
        to a closed form)."""
        return None if self.ORDERED is None else order_problem(self.ORDERED, self.PARAMS, params)

    def relation_facts(self, params: Sequence[Any]) -> dict[str, Any]:
        """The Diagnostic's option, expected and found of ``relation``'s problem (``ORDERED``'s: the order and pair)."""
        return order_facts(self.ORDERED, self.PARAMS, params, self._slot_of) if self.ORDERED else {}

    def check(self, values: Sequence[Any], where: str | Callable[[], str], draws: bool = True,
              inputs: Sequence[torch.Tensor] | None = None,
              given: Mapping[str, str] | None = None) -> dict[str, tuple[float, float]]:
        """Runtime check of tensor parameter values; DataError naming ``where`` (or ``where()``) and the parameter.
        Returns each checked tensor parameter's (min, max), read in the check's one host sync.

        ``draws=False`` skips the checks that a draw could overflow or be held at the smallest normal number (for uses
        that only evaluate formulas).
        ``inputs``: the slot tensors as given (in ``slots`` order), so that a bad value is named at its index there
        and by its port (``values`` are those tensors broadcast against the draw). ``given``: the slots fed straight by
        the data (the net input feeding each), whose bad values get advice about the data, not about a layer.
        """
        if any(isinstance(v, torch.Tensor) and v.is_meta for v in values):
            return {}  # module.to('meta'): shapes without values, nothing to check
        errors: list[Any] = []  # messages, or for a value found in a port's data, (text, Where, text) around its index
        integers, nonfinite, ports = False, set(), []
        facts: dict[str, Any] = {}  # the first bad parameter's option, expected and found, for the Diagnostic
        checked = [(n, v) for n, v in zip(self.PARAMS, values) if isinstance(v, torch.Tensor) and v.numel()]
        constraints = [self.CONSTRAINTS.get(n, REAL) for n, _ in checked]
        if checked:  # one min/max pass per tensor (and integer test) and a single host sync for all of them
            pairs, fractions = read_extremes([v for _, v in checked], constraints)
            for (n, v), c, (lo, hi), fraction in zip(checked, constraints, pairs, fractions):
                if not (c.ok(lo) and c.ok(hi)) or fraction:
                    slot = self._slot_of(n) if inputs is not None else None
                    text = f"parameter {self.role(n)} must be {c.text}, found "
                    found = first_bad_at(v if slot is None else inputs[self.slots.index(slot)], c)
                    if slot is None:
                        errors.append(text + bad_text(v, found))
                    elif found is None:
                        errors.append(f"{text}values that are not valid together of port {slot!r}")
                    else:
                        errors.append((f"{text}{found[0]!r} at ", found[1], f"{found[2]} of port {slot!r}"))
                    ports += [slot] if slot else []
                    integers |= c.integer
                    facts = facts or {"option": n, "expected": c.text, "found": None if found is None else found[0]}
                    nonfinite |= {"inf" if math.isinf(b) else "nan" for b in (lo, hi) if not math.isfinite(b)}
        extremes = {n: pair for (n, _), pair in zip(checked, pairs)} if checked else {}
        dtype = range_dtype(values)
        subnormal = [] if errors or not draws else below_normal(self, extremes, values, dtype)  # held at the floor
        for n, text, expected, found in subnormal:
            errors.append(text + (f" at port {slot!r}" if (slot := self._slot_of(n)) else ""))
            ports += [slot] if slot else []
            facts = facts or {"option": n, "expected": expected, "found": found}
        if not errors and not (self.ORDERED and in_order_by_extremes(self.ORDERED, self.PARAMS, values, extremes)):
            problem = self.relation(values)
            if problem:
                errors.append(problem)
                facts = self.relation_facts(values)
                if self.ORDERED:  # the pair's ports (the first names the Diagnostic's)
                    ports = [s for n in self.ORDERED[:2] if (s := self._slot_of(n))]
                else:  # the port of the parameter a joint condition names, else the only one
                    named = self._slot_of(facts["option"]) if facts else None
                    ports += [named] if named else [*self.slots] if len(self.slots) == 1 and inputs is not None else []
        # a parameter whose min and max lie within ±param_max needs no elementwise range check
        largest = param_max(dtype)
        beyond = [n for n, (lo, hi) in extremes.items() if not max(abs(lo), abs(hi)) <= largest]
        overflow = [] if errors or not draws else overflow_problems(self, values, beyond, extremes, dtype)
        if errors or overflow:
            where = where() if callable(where) else where
            # the ports of the bad values; of an overflow, those beyond ±param_max, else all (a bound of them together)
            fed = ports if errors else [s for n in beyond or self.PARAMS if (s := self._slot_of(n))]
            of_data = [given[p] for p in fed] if fed and given and set(fed) <= set(given) else []
            why = bad_value_advice(of_data, integers=integers, overflow=bool(overflow), subnormal=bool(subnormal),
                                   nonfinite=nonfinite, bad_value_hint=self.BAD_VALUE_HINT, float64=dtype.itemsize == 8)
            # values grown too large (or to inf, NaN), not ones outside a constraint: the tag training's advice reads
            grown = not (of_data and not integers) and (overflow or (nonfinite and not integers))
            pieces = errors or overflow

            def render(wheres: list[Where]) -> str:
                at = iter(wheres)
                parts = [p if isinstance(p, str) else f"{p[0]}{next(at)}{p[2]}" for p in pieces]
                return f"{where}: {type(self).__name__} " + "; ".join(parts) + f". {why}."
            raise located_error([p[1] for p in pieces if not isinstance(p, str)], render,
                                kind="parameter-overflow" if grown else "parameter-value",
                                port=fed[0] if fed else None, **facts)
        return extremes

    def _slot_of(self, name: str) -> str | None:
        """The port feeding parameter ``name``, or None for a constant."""
        value = self.params[self.PARAMS.index(name)]
        return slot_name(value) if isinstance(value, str) else None

    # -- sampling (subclasses) ------------------------------------------------------------------------
    def at_origin(self, params: Sequence[Any]) -> tuple[list[Any], Any]:
        """(``params`` with the location ``LOCATION`` at 0, the location; None without one). A draw there, shifted
        after, is the same draw; scored before the shift, its offset is not rounded away (mu + 1e-9 is mu in
        float32, where a density bounded below by mu may be infinite)."""
        if self.LOCATION is None:
            return list(params), None
        i = self.PARAMS.index(self.LOCATION)
        mu = params[i]
        return [*params[:i], torch.zeros_like(mu) if isinstance(mu, torch.Tensor) else 0.0, *params[i + 1:]], mu

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        """A draw of ``shape`` with gradients to the parameters (pathwise or implicit), or none if discrete."""
        raise NotImplementedError

    def log_prob(self, x: Any, params: Sequence[Any] = ()) -> torch.Tensor:
        """Elementwise log-density (or log-mass) of ``x`` under ``params``, the values of an argument list the
        constructor takes (default: this distribution's constants), differentiable in them."""
        x = x if is_tensor(x) else torch.as_tensor(x, dtype=working_dtype())  # a traced one too
        values = self._values("log_prob", tuple(params))
        outside = self._outside(x, values)
        logp = self._log_prob(x, values)
        return logp if outside is None else torch.where(outside, -math.inf, logp)

    def draw_log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """``log_prob`` of this distribution's own draws ``x`` from ``params``, on the support by construction: without
        the off-support mask (which made a discrete log-mass 20-70% slower); the same values and gradients."""
        return self._log_prob(x, self._values("log_prob", tuple(params)))

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """``log_prob`` with every parameter's value (subclasses)."""
        raise NotImplementedError

    def _outside(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor | None:
        """Where ``x`` is off the support that ``params`` give, for a ``_log_prob`` written without masks that is
        finite there (a discrete one's log-mass; NaN stays NaN); None where ``_log_prob`` itself gives -inf."""
        return None

    # -- closed forms ---------------------------------------------------------------------------------
    def mean(self, *params: Any) -> Any:
        """Wolfram's closed-form mean; with no arguments, of this distribution's constant parameters."""
        return self._closed_form(self._mean, params)

    def variance(self, *params: Any) -> Any:
        """Wolfram's closed-form variance (``inf`` where it diverges); of the constants by default."""
        return self._closed_form(self._variance, params)

    def _closed_form(self, fn: Any, params: tuple) -> Any:
        params = self._values(fn.__name__.lstrip("_"), params)
        tensors = [p if is_tensor(p) else torch.tensor(float(p), dtype=torch.float64, device="cpu") for p in params]
        out = fn(*tensors)  # a float where every value was a number
        return float(out) if out.dim() == 0 and not any(isinstance(p, torch.Tensor) for p in params) else out

    def _values(self, method: str, params: tuple) -> tuple:
        """``params``, an argument list the constructor takes, completed with the defaults (none: this distribution's
        own parameters); OptionError for another count, a slot left without one, or lists the constructor refuses."""
        arities = [a for a in self.ARITIES or (len(self.PARAMS),) if a]
        if listed := any(isinstance(v, (list, tuple)) for v in params):  # as_constructed changes only lists
            params = as_constructed(self, params)
        if params and len(params) not in arities:
            raise OptionError(f"{self!r}.{method} takes {counted_either(arities, 'parameter value')} "
                              f"({', '.join(self._described(self.PARAMS[:max(arities)]))}, in Wolfram's order, "
                              f"as {type(self).__name__}(...) takes them), found {len(params)}",
                              kind="layer-argument", expected=arities, found=len(params))
        params = tuple(given := params or self.params) + tuple(self.DEFAULTS[n] for n in self.PARAMS[len(given):])
        if any(isinstance(p, str) for p in params):
            raise OptionError(f"{self!r} has slot parameters; pass their values: .{method}(value, ...)",
                              kind="layer-argument", expected="values for the slot parameters")
        if listed and (problem := self.relation(params, at_ports=False)):  # as made: values of no slot's port
            raise_constant_problems(type(self).__name__, [(None, piece_text(problem))])
        return params

    def _mean(self, *params: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _variance(self, *params: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # -- values ---------------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(same_param(a, b) for a, b in zip(self.params, other.params))  # omitted = default values

    def __hash__(self) -> int:
        return hash((type(self), tuple(("tensor", tuple(p.shape)) if isinstance(p, torch.Tensor) else p
                                       for p in self.params)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(a) for a in self.args)})"


def _refuse_set(self: Distribution, name: str, value: Any) -> None:
    raise frozen_distribution_error(self, name)


def _refuse_delete(self: Distribution, name: str) -> None:
    raise frozen_distribution_error(self, name, deleting=True)


# set after @dataclass (frozen: it refuses a class's own): words saying how to make another, not "cannot assign"
Distribution.__setattr__, Distribution.__delattr__ = _refuse_set, _refuse_delete  # type: ignore[method-assign]


"""net_train's options: the optimisation method, learning-rate multipliers, device, progress (stopping: stopping.py).

Method (``method=``): ``"Adam"`` (default), ``"AdamW"``, ``"SGD"`` or ``"RMSProp"`` (any case), alone,
as ``(name, {suboptions})`` or as a dict with a ``"name"`` key. Suboptions are the torch optimizer's
keyword arguments (``momentum``, ``betas``, ``eps``, ``weight_decay``, ``nesterov``, ``alpha``, ...)
or Wolfram's names for them (``Momentum``; ``Beta1``, ``Beta2`` and ``Epsilon`` for Adam; ``Beta`` and
``Epsilon`` for RMSProp), each checked (a bad value is an OptionError naming it and its range),
plus Wolfram's, in snake_case or Wolfram's own spelling: ``l2_regularization`` (weight decay),
``gradient_clipping`` (clip each gradient element to ±c), ``max_gradient_norm`` (clip the global
norm), ``weight_clipping`` (clamp every array whose own rate is not 0 to ±c after each step),
``learning_rate_schedule`` (``"cosine"``, ``"linear"``, ``"polynomial"``, or as Wolfram ``"Cosine"``..., or
``f(fraction_done) -> factor``; None, ``"None"`` or ``"Automatic"``: none) and ``learning_rate``.

>>> m = parse_method(("SGD", {"momentum": 0.9, "L2Regularization": 1e-4}), None)
>>> m.name, m.learning_rate, m.kwargs
('SGD', 0.01, {'momentum': 0.9, 'weight_decay': 0.0001})
>>> parse_method(("ADAM", {"Beta1": 0.8, "Epsilon": 1e-5}), None).kwargs
{'eps': 1e-05, 'betas': (0.8, 0.999)}
>>> parse_method(("SGD", {"Momentum": -1}), None)
Traceback (most recent call last):
netgraph.core.errors.OptionError: method 'SGD' suboption Momentum must be a number in [0, 1), found -1
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
import re
import reprlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.multiplier_rates import array_multipliers
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.plain_numbers import plain_number
from netgraph.train.method_suboptions import check_suboptions
from netgraph.train.option_keys import snake, snake_keys  # snake: kept here too
from netgraph.train.optimizers import SGD, Adam, AdamW, RMSprop
from netgraph.train.other_names import TORCH_SUBOPTIONS
from netgraph.train.torch_objects import refuse_torch_optimizer
from netgraph.train.callables import call_user, refuse_misfit

__all__ = ["Method", "canonical_method", "parse_method", "resolve_multipliers", "parse_progress",
           "check_number", "snake", "schedule_factor", "clipped_step", "NETS"]

NETS = "a NetGraph, a NetChain or a layer"  # what net_train and net_measurements take as the net
#: Options where Wolfram's "Automatic" means more than the default: random_seed's is a fresh seed per call.
OWN_AUTOMATIC = ("random_seed",)


#: numeric options whose default is Wolfram's Automatic (no text but that word means anything there): what they take
_NUMBERS = {"batch_size": "an integer > 0", "max_training_rounds": "an integer > 0", "num_workers": "an integer >= 0",
            "max_training_time": "a number > 0", "learning_rate": "a number >= 0",
            "distributed_timeout": "a number > 0"}


def automatic_default(key: str, value: Any, defaults: Mapping[str, Any]) -> Any:
    """``value`` (a numpy bool as Python's, as ``all=`` reads it: ``resume=np.False_``), or option ``key``'s default
    in ``defaults`` where it is Wolfram's "Automatic" (not for the ``OWN_AUTOMATIC`` options, whose "Automatic" means
    more); a numeric option's text close to that word (another case, spaces around it, a typo) is an OptionError."""
    value = bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, str) and value != "Automatic" and key in _NUMBERS \
            and did_you_mean(value.strip(), ("Automatic",)):
        detail = f"must be {_NUMBERS[key]} or 'Automatic' (Wolfram's word, spelled so: the default), found {value!r}"
        raise OptionError(f"{key} {detail}", option=key, kind=VALUE_KIND, expected="Automatic", found=value,
                          detail=detail)
    return defaults[key] if isinstance(value, str) and value == "Automatic" and key not in OWN_AUTOMATIC else value


def without_automatic(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` without those given as Wolfram's "Automatic" (the default: not given), but for the
    ``OWN_AUTOMATIC`` options, whose "Automatic" means more."""
    return {k: v for k, v in options.items() if k in OWN_AUTOMATIC or not (isinstance(v, str) and v == "Automatic")}


#: canonical name, optimizer class, default learning rate (torch's for Adam and AdamW; SGD's 0.01 and RMSProp's
#: 1e-3 are ours: torch's RMSprop takes 0.01). The classes
#: are torch's own without the torch._dynamo import (netgraph.train.optimizers).
METHODS: dict[str, tuple[str, type, float]] = {
    "adam": ("Adam", Adam, 1e-3), "adamw": ("AdamW", AdamW, 1e-3),
    "sgd": ("SGD", SGD, 1e-2), "rmsprop": ("RMSProp", RMSprop, 1e-3),
}
SCHEDULES: dict[str, Callable[[float], float]] = {
    "constant": lambda f: 1.0, "cosine": lambda f: 0.5 * (1 + math.cos(math.pi * min(f, 1.0))),
    "linear": lambda f: max(0.0, 1 - f), "polynomial": lambda f: max(0.0, 1 - f) ** 2,
}
SCHEDULES.update({"Cosine": SCHEDULES["cosine"], "Linear": SCHEDULES["linear"],  # Wolfram's spellings
                  "Polynomial": SCHEDULES["polynomial"]})
_OURS = ("l2_regularization", "gradient_clipping", "max_gradient_norm", "weight_clipping",
         "learning_rate_schedule", "learning_rate", "initial_learning_rate")


def check_number(value: Any, option: str, *, integer: bool = False, minimum: float = 0.0,
                 strict: bool = True, maximum: float | None = None, unit: str = "", keyword: str | None = None) -> Any:
    """``value`` when it is a (positive) number (numpy's too), at most ``maximum`` (in ``unit``s) when given, else
    OptionError naming ``option``, with the fields ``option`` (``keyword``, default ``option``: the keyword it
    belongs to), kind ``"option-value"``, ``expected``, ``found`` and ``detail`` (the message without its subject).
    A 0-d real tensor is its number (``torch.tensor(0.01)``), as numpy's scalars are."""
    value = value if isinstance(value, torch.Tensor) and value.is_meta else plain_number(value)
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or value < minimum or (strict and value == minimum):
        kind = "an integer" if integer else "a number"
        expected = f"{kind} {'>' if strict else '>='} {minimum:g}"
        raise _number_refused(option, keyword, f"must be {expected}, found {value!r}", expected, value)
    if integer and value > sys.maxsize:  # torch's samplers and range() take no larger count
        raise _number_refused(option, keyword, f"must be at most {sys.maxsize}, found {value!r}",
                              f"at most {sys.maxsize}", value)
    if maximum is not None and value > maximum:
        raise _number_refused(option, keyword, f"must be at most {maximum:g}{unit}, found {value:g}",
                              f"at most {maximum:g}{unit}", value)
    return int(value) if integer else float(value)


def _number_refused(option: str, keyword: str | None, detail: str, expected: str, found: Any) -> OptionError:
    """``check_number``'s OptionError "``option`` ``detail``" (a value that is no hashable number: its repr)."""
    try:
        hash(found)
    except TypeError:
        found = reprlib.repr(found)
    return OptionError(f"{option} {detail}", option=keyword or option, kind=VALUE_KIND, expected=expected,
                       found=found, detail=detail)


@dataclasses.dataclass(frozen=True)
class Method:
    """A parsed ``method=``: the optimizer class and arguments, and the suboptions net_train applies."""

    name: str
    cls: type
    kwargs: dict
    learning_rate: float
    gradient_clipping: float | None = None
    max_gradient_norm: float | None = None
    weight_clipping: float | None = None
    schedule: Callable[[float], float] | None = None

    def optimizer(self, groups: list[dict]) -> torch.optim.Optimizer:
        """The torch optimizer; its fused kernel when torch has one for these parameters (the same update,
        about 1.3x faster per step on a small net) unless ``fused``/``foreach`` was chosen explicitly."""
        if "fused" not in self.kwargs and "foreach" not in self.kwargs and self.cls in _FUSABLE:
            try:
                return self.cls(groups, lr=self.learning_rate, fused=True, **self.kwargs)
            except (RuntimeError, TypeError, ValueError):  # older torch, or a device/dtype without a fused kernel
                pass
        try:
            return self.cls(groups, lr=self.learning_rate, **self.kwargs)
        except (TypeError, ValueError, RuntimeError) as exc:  # suboptions torch checks and we do not (a newer torch's)
            raise OptionError(f"method {self.name!r}: torch refuses the suboptions {self.kwargs}: {exc}",
                              kind="method-suboption", option="method", found=self.kwargs, detail=str(exc)) from exc


_FUSABLE = (Adam, AdamW, SGD)


def _method_parts(method: Any) -> tuple[Any, dict]:
    if isinstance(method, str):
        return method, {}
    if isinstance(method, (tuple, list)) and len(method) == 2 and isinstance(method[1], Mapping):
        return method[0], dict(method[1])
    if isinstance(method, Mapping):
        options = dict(method)
        names = [k for k in options if isinstance(k, str) and snake(k) in ("name", "type", "method")]
        named = {k: options.pop(k) for k in names}
        name = _one_name(named)  # Wolfram's CamelCase too: {"Name": "SGD", "Momentum": 0.9}
        if name is None:  # "unknown method None" read as if None were the name given
            raise OptionError(f"method {dict(method)!r} names no method: a dict gives it under 'name', e.g. "
                              f"{ {'name': 'SGD', **options}!r}", option="method", kind="option-value",
                              expected="a dict with a 'name' key", found=dict(method))
        return name, options
    refuse_torch_optimizer(method)  # torch.optim.SGD: its name is the method
    expected = "a name ('Adam', 'SGD', 'RMSProp', 'AdamW'), (name, {suboptions}) or a dict with a 'name' key"
    raise OptionError(f"method must be {expected}; found {method!r}", option="method", kind="option-value",
                      expected=expected, found=method)


def _one_name(named: dict[str, Any]) -> Any:
    """The method a dict's name keys ('name', 'type', 'method', any case) give; an OptionError where they differ."""
    spelled = {str(v).lower().replace("-", "").replace("_", "") for v in named.values()}
    if len(spelled) > 1:
        raise OptionError(f"method dict names two methods, {' and '.join(f'{k!r}: {v!r}' for k, v in named.items())}; "
                          f"give one name", option="method", kind="option-value", expected="one method name",
                          found=tuple(named.values()))
    return next(iter(named.values()), None)


def _torch_suboption(name: str) -> str:
    return f" (torch's {name} is {TORCH_SUBOPTIONS[name]})" if name in TORCH_SUBOPTIONS else ""


def canonical_method(name: Any, flag: str | None = None) -> str:
    """The canonical name of the method ``name`` (any case, ``-`` and ``_`` ignored); an "unknown-method" OptionError
    where no method has it, worded for the command line's ``flag`` where one is given.

    >>> canonical_method("adam_w"), canonical_method("rms-prop")
    ('AdamW', 'RMSProp')
    >>> canonical_method("Adma", flag="--method")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: --method Adma: unknown method (did you mean 'Adam'?); use Adam, AdamW, ...
    """
    found = METHODS.get(re.sub(r"[^a-z]", "", str(name).lower()))
    if found is not None:
        return found[0]
    names = tuple(dict.fromkeys(m[0] for m in METHODS.values()))
    shown = [n if flag else repr(n) for n in names]  # the command line's words are unquoted
    subject = f"{flag} {name}: unknown method" if flag else f"unknown method {name!r}"
    raise OptionError(f"{subject}{did_you_mean(name, list(names))}; use {', '.join(shown[:-1])} or {shown[-1]}",
                      option="method", kind="unknown-method", expected=names, found=name)


def parse_method(method: Any, learning_rate: Any) -> Method:
    """Parse ``method=`` and ``learning_rate=`` (see the module docstring)."""
    name, options = _method_parts("Adam" if method is None else method)
    canonical, cls, default_lr = METHODS[canonical_method(name).lower()]
    options, spelled = snake_keys(options, "method")  # spelled: the user's spelling of each, for messages
    options = _torch_names(canonical, options, spelled)
    ours = {k: options.pop(k) for k in _OURS if k in options}
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "params", "lr")]
    unknown = [k for k in options if k not in allowed]
    if unknown:
        hint = _torch_suboption(unknown[0]) or did_you_mean(unknown[0], [*allowed, *_OURS])
        raise OptionError(f"method {canonical!r} has no suboption {unknown[0]!r}{hint}; it takes "
                          f"{', '.join(allowed)} and {', '.join(_OURS)}", option="method", kind="unknown-key",
                          expected=(*allowed, *_OURS), found=unknown[0])
    if "l2_regularization" in ours:
        if "weight_decay" in options:
            raise OptionError("give either l2_regularization or weight_decay in method=, not both", option="method",
                              kind="option-combination", found=("l2_regularization", "weight_decay"))
        options["weight_decay"] = check_number(ours["l2_regularization"], "l2_regularization", strict=False)
    check_suboptions(canonical, options, spelled)
    lr = _learning_rate(learning_rate, ours, spelled)
    # 0 as torch and Keras allow: a frozen or debugging run, a schedule that starts at 0
    lr = default_lr if lr is None else check_number(lr, "learning_rate", strict=False)
    clip = {k: check_number(ours[k], k) if ours.get(k) is not None else None
            for k in ("gradient_clipping", "max_gradient_norm", "weight_clipping")}
    return Method(canonical, cls, options, lr, schedule=_schedule(ours.get("learning_rate_schedule")), **clip)


def _learning_rate(option: Any, ours: dict[str, Any], spelled: dict[str, str]) -> Any:
    """net_train's learning_rate= or the method's learning_rate suboption; OptionError when two values differ."""
    given = [(f"the method's suboption {spelled[k]!r}: {ours[k]!r}", ours[k])
             for k in ("learning_rate", "initial_learning_rate") if ours.get(k) is not None]
    if option is not None:
        given.insert(0, (f"learning_rate={option!r}", option))
    if any(v != given[0][1] for _, v in given[1:]):
        found = " and ".join(where for where, _ in given)
        raise OptionError(f"the learning rate is given twice with different values, {found}; give one of them",
                          option="learning_rate", kind="option-combination", found=tuple(v for _, v in given))
    return given[0][1] if given else None


def _torch_names(method: str, options: dict[str, Any], spelled: dict[str, str]) -> dict[str, Any]:
    """Wolfram's suboption names as torch's: epsilon -> eps, beta1/beta2 -> betas (Adam), beta -> alpha (RMSProp);
    ``spelled`` learns the user's spelling under the torch name ("Beta (torch's alpha)")."""
    renames = {"epsilon": "eps", **({"beta": "alpha"} if method == "RMSProp" else {})}
    for wolfram, torch_name in renames.items():
        if wolfram in options:
            if torch_name in options:
                raise OptionError(f"method {method!r}: give either {wolfram} or {torch_name}, not both",
                                  option="method", kind="option-combination", found=(wolfram, torch_name))
            options[torch_name] = options.pop(wolfram)
            spelled[torch_name] = f"{spelled[wolfram]} (torch's {torch_name})"
    if method in ("Adam", "AdamW") and ("beta1" in options or "beta2" in options):
        if "betas" in options:
            raise OptionError(f"method {method!r}: give either beta1/beta2 or betas, not both", option="method",
                              kind="option-combination", found=("beta1/beta2", "betas"))
        options["betas"] = (options.pop("beta1", 0.9), options.pop("beta2", 0.999))
    return options


#: Wolfram's words for learning_rate_schedule's default (no schedule), as net_train's options take "None"/"Automatic"
_NO_SCHEDULE = ("None", "Automatic")


def _schedule(value: Any) -> Callable[[float], float] | None:
    if value is None or callable(value):
        refuse_misfit(value, "learning_rate_schedule", "f(fraction_done)")
        return value
    if isinstance(value, str) and value in _NO_SCHEDULE:
        return None
    if isinstance(value, str) and value in SCHEDULES:  # as listed
        return SCHEDULES[value]
    expected = (f"None or 'None'/'Automatic' (the default: no schedule), {', '.join(map(repr, SCHEDULES))} or a "
                f"function f(fraction_done) -> factor")
    hint = did_you_mean(value, [*SCHEDULES, *_NO_SCHEDULE])
    raise OptionError(f"learning_rate_schedule must be {expected}; found {value!r}{hint}",
                      option="learning_rate_schedule", kind="option-value", expected=expected, found=value)


def schedule_factor(schedule: Callable[[float], Any], fraction: float, where: Callable[[], str]) -> float:
    """``schedule(fraction)`` as a factor on the learning rate; OptionError naming ``where()`` (the round and batch,
    formatted only for an error) unless it is a finite number >= 0 (a negative factor would climb the loss, a string
    fail deep in the step), or where it raises (``call_user``)."""
    value = call_user(schedule, fraction, option="learning_rate_schedule",
                      where=lambda: f"at {where()} (fraction_done {fraction:.4g})")
    factor = math.nan
    if not isinstance(value, (str, bytes, bool)):
        try:
            factor = float(value)
        except (TypeError, ValueError, RuntimeError):  # RuntimeError: a tensor of several elements
            pass
    if not math.isfinite(factor) or factor < 0:
        raise OptionError(f"learning_rate_schedule returned {repr(value)[:80]} at {where()} (fraction_done "
                          f"{fraction:.4g}); it must return a finite number >= 0, the factor on learning_rate",
                          kind="option-value", option="learning_rate_schedule", expected="a finite number >= 0",
                          found=value)
    return factor


def clipped_step(m: Method, optimizer: Any, params: list, fraction: Callable[[], float],
                 where: Callable[[], str]) -> float | None:
    """The optimizer's step with the method's clipping and learning-rate schedule (of ``fraction()`` of training
    done); the schedule's factor, or None without a schedule."""
    factor = None
    if m.gradient_clipping is not None:
        torch.nn.utils.clip_grad_value_(params, m.gradient_clipping)
    if m.max_gradient_norm is not None:
        torch.nn.utils.clip_grad_norm_(params, m.max_gradient_norm)
    if m.schedule is not None:
        factor = schedule_factor(m.schedule, fraction(), where)
        for g in optimizer.param_groups:
            g["lr"] = g["base_lr"] * factor
    optimizer.step()
    if m.weight_clipping is not None:  # on the arrays training moves: their own rate of 0 (not the schedule's
        with torch.no_grad():  # factor of 0 at this step) leaves them as they are
            for p in (p for g in optimizer.param_groups if g["base_lr"] > 0 for p in g["params"]):
                p.clamp_(-m.weight_clipping, m.weight_clipping)
    return factor


# -- learning-rate multipliers ------------------------------------------------------------------------
def _rules(spec: Any) -> list[tuple[Any, float]]:
    spec = plain_number(spec)  # a numpy scalar, a 0-d tensor: its number
    if spec is None:
        return []
    if isinstance(spec, numbers.Real) and not isinstance(spec, bool):
        return [("*", check_number(spec, "learning_rate_multipliers", strict=False))]  # as a dict's rule
    items = list(spec.items()) if isinstance(spec, Mapping) else spec
    if not isinstance(items, Sequence) or not all(isinstance(i, (tuple, list)) and len(i) == 2 for i in items):
        expected = "a number, a dict {layer: r} or a list of (layer, r) rules"
        raise OptionError(f"learning_rate_multipliers must be {expected}; found {spec!r}",
                          option="learning_rate_multipliers", kind="option-value", expected=expected, found=spec)
    out = []
    for key, value in items:
        r = 0.0 if value is None else check_number(value, f"learning_rate_multipliers[{key!r}]", strict=False,
                                                      keyword="learning_rate_multipliers")
        out.append((key, r))
    return out


def resolve_multipliers(net: Any, names: list[str], spec: Any) -> dict[str, float]:
    """Each parameter name's learning-rate multiplier: the first matching rule wins, default 1.

    Keys: a layer name, a path 'outer/inner' or ('outer', 'inner') (optionally ending in an array
    name such as 'lin/Weights'), shell-style globs ('enc*'), a 1-based layer position, or '*' for
    everything. A value 0 or None freezes. The rules stored on the net
    (``net_set_learning_rate_multipliers``) follow those of ``spec``.
    """
    return array_multipliers(net, names, _rules(spec))


# -- device and progress -----------------------------------------------------------------------------------
def parse_progress(value: Any) -> Any:
    """'auto' (a tqdm bar on a terminal, quiet otherwise), True/'bar', 'print', False/None, or f(info)."""
    if callable(value):
        refuse_misfit(value, "progress", "f(info)")
        return value
    if value in ("auto", "Automatic"):
        return "auto"
    if value is True or value in ("bar", "Panel", "ProgressIndicator"):
        return "bar"
    if value in ("print", "Print"):
        return "print"
    if value is False or value is None or value in ("none", "None"):
        return None
    expected = "'auto', True (a progress bar), 'print', False or a function f(info)"
    raise OptionError(f"progress must be {expected}; found {value!r}", option="progress", kind="option-value",
                      expected=expected, found=value)

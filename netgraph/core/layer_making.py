"""What making a layer runs (``Layer.__post_init__``): its options normalised and checked, every bad value named
in one OptionError (``option_problems``), and checked again with Python's numbers when numpy's were given.

A 100k-layer net makes 100k layers, so the work per layer is kept small: what to check is found once per class
(``MakingPlan``), and the options as given are kept as a tuple of values (not a copy of the layer's ``__dict__``,
which would also make Python build that dict) in case numpy's numbers call for a second pass.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from netgraph.core.errors import OptionError
from netgraph.core.layer_checks import check_made_arrays, leave_out_removed
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.naming_scope import quoted
from netgraph.core.option_checks import (check_choices, check_plain_types, check_port_names, check_strict_choices,
                                         normalized, plain_typed, restore, strict_choices)
from netgraph.core.option_problems import checked_together, collected, reported_options
from netgraph.core.options import option_plan, removable_fields
from netgraph.core.plain_numbers import plain_numbers
from netgraph.core.value_extent import value_extent

__all__ = ["MakingPlan", "making_plan", "make_layer", "drop_dataclass_frozen"]


class MakingPlan(NamedTuple):
    """What making a layer of one class checks, found once per class (``making_plan``)."""

    choices: tuple  # Literal options and their choices
    normalizers: tuple  # (option, normalising function) by the option's kind
    array_fields: tuple[str, ...]  # fields that may be given as NetSharedArray
    removable: frozenset[str]  # RemovableArray fields (False leaves the array out)
    strict: tuple  # options typed Literal alone: a value outside the choices is refused
    plain: tuple  # options typed float, int, bool or str
    given: Callable[[Any], tuple] | None  # the field values (as given); None: copy __dict__ (``_fields_alone``)
    names: tuple[str, ...]  # the dataclass fields, in order
    unset_arrays: Callable[[Any], bool] | None  # whether every field of the class's ARRAYS is None (no arrays given)


_PLANS: dict[type, MakingPlan] = {}


def making_plan(cls: type, base_post_init: Any) -> MakingPlan:
    """``cls``'s plan; ``base_post_init``: Layer's, which alone is known to leave nothing but fields (and a
    ``_shared``) in a layer before its checks."""
    plan = _PLANS.get(cls)
    if plan is None:
        drop_dataclass_frozen(cls, next(b for b in cls.__mro__ if b.__dict__.get("__post_init__") is base_post_init))
        choices, normalizers, array_fields = option_plan(cls)
        fields = dataclasses.fields(cls)
        names = tuple(f.name for f in fields)
        given = (operator.attrgetter(*names) if len(names) > 1 else (lambda layer: (getattr(layer, names[0]),))
                 if names else (lambda layer: ())) if _fields_alone(cls, fields, base_post_init) else None
        plan = _PLANS[cls] = MakingPlan(choices, normalizers, array_fields, removable_fields(cls),
                                        strict_choices(cls) if choices else (), plain_typed(cls), given, names,
                                        _unset_arrays(tuple(cls.ARRAYS.values())))
    return plan


def _unset_arrays(fields: tuple[str, ...]) -> Callable[[Any], bool] | None:
    """Whether a layer holds None in each of the array ``fields`` (one C call: an attrgetter and a comparison)."""
    if not fields:
        return None
    values, unset = operator.attrgetter(*fields), (None,) * len(fields) if len(fields) > 1 else None
    return lambda layer: values(layer) == unset


def drop_dataclass_frozen(cls: type, root: type) -> None:
    """Remove dataclasses' own ``__setattr__`` and ``__delattr__`` from ``cls`` and its bases up to ``root`` (Layer),
    so that root's explain what to use (``layer.replace``). Layer's ``__init_subclass__`` removes them, but an explicit
    ``@dataclass(frozen=True)`` on top of a class adds them back after it: ``making_plan`` removes them again, when
    the first layer of the class is made. Only a frozen dataclass's are removed (such a class cannot define its own);
    a base that is no subclass of ``root`` (a mixin) keeps its own."""
    for base in cls.__mro__:
        params = base.__dict__.get("__dataclass_params__") if base is not root and issubclass(base, root) else None
        if params is not None and params.frozen:
            for name in ("__setattr__", "__delattr__"):
                if name in base.__dict__:
                    delattr(base, name)


def _fields_alone(cls: type, fields: tuple, base_post_init: Any) -> bool:
    """Whether a ``cls`` just made holds its fields, each of them, and nothing else (but a ``_shared``)."""
    return cls.__post_init__ is base_post_init and all(
        f.init or f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING for f in fields)


def make_layer(layer: Any, plan: MakingPlan, base_with_arrays: Any) -> None:
    """Normalise and check ``layer``'s options (``check_options``); on an OptionError, when numpy's numbers were
    given (``np.int64(3)``), once more with Python's, from the options as given (not the stand-ins of bad ones)."""
    given = _given(layer, plan)
    nested = False
    for value in given if type(given) is tuple else given.values():
        if type(value).__module__ == "numpy":  # rare: numpy's arrays as lists, and the fields read again
            _numpy_arrays_as_lists(layer, plan)
            given, nested = _given(layer, plan), True
            break
        nested = nested or isinstance(value, (list, tuple, dict))
    if nested:  # measured before any walk over the options (checks, freezing, printing)
        for name, value in zip(plan.names, given) if type(given) is tuple else given.items():
            if isinstance(value, (list, tuple, dict)):
                _check_extent(type(layer).__name__, name, value)
    shared = layer._shared  # an instance's own when given NetSharedArray arrays, else the class's (no __dict__ made)
    try:
        try:
            collected(type(layer).__name__, check_options, layer, plan, base_with_arrays)
        except OptionError:
            restore(layer, given if type(given) is dict else _as_given(plan.names, given, shared, type(layer)))
            if not plain_numbers(layer):
                raise
            collected(type(layer).__name__, check_options, layer, plan, base_with_arrays)
    except RecursionError:  # an option nested deeper than any real one (checking or printing it recursed)
        options = zip(plan.names, given) if type(given) is tuple else given.items()
        name = _deepest_option(options)
        raise OptionError(f"{type(layer).__name__}: option {quoted(name)} is nested too deeply", option=name,
                          kind="option-value") from None


def _check_extent(layer_type: str, name: str, value: Any) -> None:
    """OptionError for option ``name``'s ``value`` holding itself (endless), or holding more elements (members not
    lists, tuples or dicts), each repeat of a list held many times counted, than the port_elements limit (``x = [x,
    x]`` thirty times: 2**30), which every walk over it after (checks, printing, writing) would meet; measured once
    per distinct list (``value_extent``)."""
    extent, limit = value_extent(value), current_limits().port_elements
    if extent.cyclic:
        raise OptionError(f"{layer_type}: option {quoted(name)} is nested too deeply: it holds itself (a list, tuple "
                          f"or dict inside itself)", option=name, kind="option-value")
    if extent.elements > limit:
        raise OptionError(f"{layer_type}: option {quoted(name)} holds {extent.elements} values, each repeat of a list "
                          f"it holds more than once counted, more than the port_elements limit ({limit}; "
                          f"{raise_hint('port_elements')})", option=name, kind="limit", expected=limit,
                          found=extent.elements)


def _deepest_option(options: Any) -> str:
    """The name of the option, of ``(name, value)`` pairs, whose lists, tuples and dicts nest deepest (measured
    without recursion, each distinct list once: ``value_extent``)."""
    def depth(value: Any) -> float:
        extent = value_extent(value)
        return math.inf if extent.cyclic else extent.depth
    return max(((depth(value), name) for name, value in options if not name.startswith("_")), default=(0, ""))[1]


def _given(layer: Any, plan: MakingPlan) -> tuple | dict:
    """The options as given: the field values (``plan.given``), else a copy of the layer's ``__dict__``."""
    return plan.given(layer) if plan.given is not None else dict(layer.__dict__)


def _numpy_arrays_as_lists(layer: Any, plan: MakingPlan) -> None:
    """A numpy array given to an option that is no array (``output=np.array([2, 3])``, ``part=``) as its list: the
    checks compare options with names ("All", "Automatic"), which an array answers elementwise (numpy's "truth value
    of an array is ambiguous" escaped)."""
    for name in plan.names:
        value = getattr(layer, name)
        if type(value).__module__ == "numpy" and getattr(value, "ndim", 0) > 0 and name not in plan.array_fields:
            object.__setattr__(layer, name, value.tolist())


def _as_given(names: tuple[str, ...], values: tuple, shared: Any, cls: type) -> dict[str, Any]:
    """The layer's ``__dict__`` as it was before its checks: its fields (and the shared arrays' names, when its own)."""
    given = dict(zip(names, values))
    if shared is not cls._shared:
        given["_shared"] = shared
    return given


def check_options(layer: Any, plan: MakingPlan, base_with_arrays: Any, problems: list) -> None:
    """Normalise and check the options, reporting each bad value (``option_problem``) into ``problems``; the checks
    of several options together (``validate``) run only when each option alone is good."""
    if plan.choices:
        check_choices(layer, plan.choices)
    for option, normalize in plan.normalizers:
        if (value := getattr(layer, option)) is not None:  # an unset option (None) stays None
            object.__setattr__(layer, option, normalized(normalize, value, type(layer).__name__, option))
    changed = layer.normalize()
    if changed:
        for name, value in changed.items():
            object.__setattr__(layer, name, value)
        if "input_ports" in changed or "output_ports" in changed:
            check_port_names(layer)
    if plan.removable:
        leave_out_removed(layer, plan.removable)
    reported = reported_options(problems) if problems else ()
    alone_good = not problems
    if plan.plain:  # before validate: a problem it raises comes with these, not instead of them
        check_plain_types(layer, plan.plain, reported)
    if alone_good:
        checked_together(layer.validate)
    if plan.strict:  # after validate: a layer's own words for a choice (CrossEntropyLossLayer's form) come first
        check_strict_choices(layer, plan.strict, reported_options(problems) if problems else ())
    arrays = layer.ARRAYS  # the class's (unless normalize() or removed arrays set the layer's own)
    if arrays and not problems and not (arrays is type(layer).ARRAYS and plan.unset_arrays(layer)):  # (no arrays:
        check_made_arrays(layer, base_with_arrays)  # nothing to check, known without a call)

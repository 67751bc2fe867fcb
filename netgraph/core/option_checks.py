"""The checks every layer's options pass by their annotation, once the layer's own checks have run: a
``Literal[...]`` option holds one of its values, a ``float`` (``int``, ``bool``, ``str``) option a value of that
type. Each bad value is reported through ``option_problem``, so that one OptionError names them all.
"""

from __future__ import annotations

import dataclasses
import typing
import warnings
from collections.abc import Callable, Collection
from typing import Any, Literal, Union

import numpy as np

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import option_problem
from netgraph.core.options import literal_values, option_fields, option_hints
from netgraph.core.user_frame import user_stacklevel

__all__ = ["UnusedOption", "refuse_unused", "strict_choices", "check_strict_choices", "plain_typed",
           "check_plain_types", "check_choices", "normalized", "check_port_names", "restore", "true_or_false"]


class UnusedOption(UserWarning):
    """An option given at its default value where it has no effect: ``option`` (the keyword), the value ``found``
    and ``detail``, the message without its subject, for a reader that names the option its own way (a flag)."""

    def __init__(self, subject: str, option: str, found: Any, detail: str):
        super().__init__(f"{subject} {detail}")
        self.option, self.found, self.detail = option, found, detail


def refuse_unused(option: str, subject: str, found: Any, needs: str, why: str, *, default: bool = False,
                  other_run: bool = False) -> None:
    """``option``, given as ``subject`` (``"distributed_timeout=5"``, ``"--workers 2"``), has no effect without
    ``needs`` (what to give, ``"distributed=True"``), for the reason ``why``: an OptionError of kind
    "option-combination" naming both (``detail``: the message without its subject); a warning (UnusedOption) instead
    where the value given is the option's ``default``, which changes nothing, or where ``needs`` was given off and
    the value is for a run that gives it on (``other_run``: ``distributed="WORLD_SIZE" in os.environ``)."""
    detail = f"has no effect without {needs} ({why})"
    if default or other_run:
        detail += "; it is the default: leave it out" if default else f"; it takes effect in a run with {needs}"
        warnings.warn(UnusedOption(subject, option, found, detail), stacklevel=user_stacklevel())
        return
    detail += f"; give {needs}, or leave it out"
    raise OptionError(f"{subject} {detail}", option=option, kind="option-combination", expected=needs, found=found,
                      detail=detail)


def true_or_false(value: Any, option: str, caller: str) -> bool:
    """``value`` as a bool where it is True or False (a numpy bool too); otherwise an OptionError about ``caller``'s
    ``option`` (kind "option-value", expected "True or False")."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise OptionError(f"{caller} option {option}= must be True or False, found {value!r}", option=option,
                      kind="option-value", expected="True or False", found=value)


def normalized(normalize: Callable[[Any, str, str], Any], value: Any, layer: str, option: str) -> Any:
    """``normalize(value, layer, option)`` (an option's kind: ``Shape``, ``Array``, ...); a bad value is reported
    (``option_problem``) and unset (None) while the other options are checked."""
    try:
        return normalize(value, layer, option)
    except OptionError as exc:
        return option_problem(exc, None)


def restore(layer: Any, given: dict) -> None:
    """Put back ``layer``'s attributes as they were given (before its options were normalised, or stood in for)."""
    layer.__dict__.clear()
    layer.__dict__.update(given)


def check_port_names(layer: Any) -> None:
    """Ports named by options (FunctionLayer's ``#x``, a distribution's slots) are named apart from the outputs."""
    clash = [p for p in layer.input_ports if p in layer.output_ports]
    if clash:
        raise OptionError(f"{layer.type_name}: {clash[0]!r} would name both an input port and an output port (inputs "
                          f"{list(layer.input_ports)}, outputs {list(layer.output_ports)}); name the input otherwise, "
                          f"e.g. #{clash[0]}In", kind="name-clash")


_STRICT: dict[type, tuple] = {}


def strict_choices(cls: type) -> tuple:
    """The options of ``cls`` typed ``Literal[...]`` alone (or ``Optional`` of one), with their choices, found once."""
    plan = _STRICT.get(cls)
    if plan is None:
        def pure(h: Any) -> bool:
            return typing.get_origin(h) is Literal or (typing.get_origin(h) is Union and all(
                a is type(None) or typing.get_origin(a) is Literal for a in typing.get_args(h)))
        plan = _STRICT[cls] = tuple((n, literal_values(h)) for n, h in option_hints(cls).items() if pure(h))
    return plan


def check_strict_choices(layer: Any, plan: tuple, reported: Collection[str] = ()) -> None:
    """OptionError for an option typed ``Literal[...]`` holding none of its values (once the layer's own checks,
    which may say more, have passed; those in ``reported`` are bad already)."""
    for name, choices in plan:
        value = getattr(layer, name)
        if value not in choices and name not in reported:
            shown = [c for c in choices if c is not None]
            option_problem(OptionError(f"{layer.type_name} option {name}= must be one of {shown}, found "
                                       f"{quoted(value)}{did_you_mean(value, shown) if isinstance(value, str) else ''}",
                                       option=name, expected=shown, found=value, kind="option-value"), None)


_PLAIN: dict[type, tuple] = {}
_PLAIN_TYPES = {float: (int, float), int: (int,), bool: (bool,), str: (str,)}


def plain_typed(cls: type) -> tuple:
    """The options of ``cls`` annotated ``float``, ``int``, ``bool`` or ``str`` (or ``Optional`` of one), with the
    Python types they take (an int is a float; a bool is no number), found once."""
    plan = _PLAIN.get(cls)
    if plan is None:
        def taken(h: Any) -> tuple | None:
            args = typing.get_args(h) if typing.get_origin(h) is Union else (h,)
            plain = [a for a in args if a is not type(None)]
            return (*_PLAIN_TYPES[plain[0]], *((type(None),) if len(args) > 1 else ())) \
                if len(plain) == 1 and any(plain[0] is t for t in _PLAIN_TYPES) else None
        plan = _PLAIN[cls] = tuple((n, t) for n, h in option_hints(cls).items() if (t := taken(h)))
    return plan


def check_plain_types(layer: Any, plan: tuple, reported: Collection[str] = ()) -> None:
    """OptionError for an option annotated ``float`` (``int``, ``bool``, ``str``) holding another kind of value (a
    string, a list), as a built-in layer's own checks refuse it (once the layer's own checks have passed; those in
    ``reported`` are bad already)."""
    for name, types in plan:
        value = getattr(layer, name)
        if (not isinstance(value, types) or isinstance(value, bool) and bool not in types) and name not in reported:
            kind = {float: "a number", int: "an integer", bool: "True or False", str: "a string"}
            wanted = next(k for t, k in kind.items() if t in types and (t is not int or float not in types))
            wanted += " or None" if type(None) in types else ""
            option_problem(OptionError(f"{layer.type_name} option {name}= must be {wanted}, found "
                                       f"{quoted(value)}", option=name, expected=wanted, found=value,
                                       kind="option-value"), None)


def check_choices(layer: Any, choices: tuple) -> None:
    """An option typed ``Literal[...]`` holding an unhashable value (a list, a dict) is an OptionError naming it
    (hashable wrong values are left to the layer, which suggests the nearest choice); while problems are collected,
    the option's default stands in for it."""
    for name, choices in choices:
        value = getattr(layer, name)
        if not _hashable(value):
            error = OptionError(f"{layer.type_name} option {name}= must be one of {list(choices)}, found "
                                f"{quoted(value)}", option=name, expected=list(choices), found=value,
                                kind="option-value")
            field = option_fields(type(layer)).get(name)
            default = field.default if field is not None else None
            object.__setattr__(layer, name, option_problem(error, None if default is dataclasses.MISSING else default))


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True

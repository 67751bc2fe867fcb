"""Rules between two options of a layer, declared once on its class (``RULES``) for the layer's check and the spec
schema alike: ``Excludes("temperature", Not(Among(None)), "estimator", Not(Among("relaxed")))`` refuses a
temperature beside any estimator but "relaxed".

>>> rule = Excludes("scheme", Among("Point"), "resampling", Among("Nearest"))
>>> rule.schema({"scheme": "Bin", "resampling": "Linear"})["then"]
{'not': {'required': ['resampling'], 'properties': {'resampling': {'enum': ['Nearest']}}}}
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Among", "Not", "Matching", "ListsNotOf", "CountsNotOf", "PythonOnly", "Excludes", "ChosenBy", "refuses"]


def _same(value: Any, declared: Any) -> bool:
    """``value`` (any: a tensor too) equals the ``declared`` one (None, a number, a string) as JSON values are (a
    boolean is no number)."""
    if value is None or declared is None:
        return value is declared
    return isinstance(value, (bool, int, float, str)) and value == declared and \
        isinstance(value, bool) == isinstance(declared, bool)


@dataclasses.dataclass(frozen=True)
class Among:
    """One of ``values``; ``each``: also a list of them (an int-list option's ``1`` or ``[1, 1]``)."""

    values: tuple
    each: bool = False

    def __init__(self, *values: Any, each: bool = False):
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "each", each)

    def holds(self, value: Any) -> bool:
        if self.each and isinstance(value, (list, tuple)):
            return all(self.holds(v) for v in value)
        return any(_same(value, v) for v in self.values)

    @property
    def schema(self) -> dict:
        one = {"enum": list(self.values)}
        return {"anyOf": [one, {"type": "array", "items": one}]} if self.each else one


@dataclasses.dataclass(frozen=True)
class Not:
    """Any value but those of ``values``."""

    values: Any

    def holds(self, value: Any) -> bool:
        return not self.values.holds(value)

    @property
    def schema(self) -> dict:
        return {"not": self.values.schema}


@dataclasses.dataclass(frozen=True)
class Matching:
    """A string in which the regular expression ``pattern`` is found (an expression: a ``#`` or ``Function[``); the
    schema's ``pattern`` is the same text (JSON Schema patterns search too)."""

    pattern: str

    def holds(self, value: Any) -> bool:
        return isinstance(value, str) and re.search(self.pattern, value) is not None

    @property
    def schema(self) -> dict:
        return {"type": "string", "pattern": self.pattern}


@dataclasses.dataclass(frozen=True)
class ListsNotOf:
    """A list of other than ``count`` items."""

    count: int

    def holds(self, value: Any) -> bool:
        return isinstance(value, (list, tuple)) and len(value) != self.count

    @property
    def schema(self) -> dict:
        return {"type": "array", "not": {"minItems": self.count, "maxItems": self.count}}


@dataclasses.dataclass(frozen=True)
class CountsNotOf:
    """A count of other than ``count`` (ports' ``inputs``: a number, a list of names, a mapping of them)."""

    count: int

    def holds(self, value: Any) -> bool:
        if isinstance(value, (list, tuple, dict)):
            return len(value) != self.count
        return isinstance(value, int) and not isinstance(value, bool) and value != self.count

    @property
    def schema(self) -> dict:
        n = self.count
        return {"anyOf": [{"type": "integer", "not": {"const": n}}, ListsNotOf(n).schema,
                          {"type": "object", "not": {"minProperties": n, "maxProperties": n}}]}


@dataclasses.dataclass(frozen=True)
class PythonOnly:
    """Values ``test`` holds that a spec cannot hold (a Python function): in a spec, none."""

    test: Callable[[Any], bool]

    def holds(self, value: Any) -> bool:
        return self.test(value)

    @property
    def schema(self) -> dict:
        return {"not": {}}


@dataclasses.dataclass(frozen=True)
class Excludes:
    """``option`` holding one of ``values`` refuses ``other`` holding one of ``others`` (each good alone)."""

    option: str
    values: Any
    other: str
    others: Any

    def broken(self, layer: Any, *found: Any) -> bool:
        """Whether ``layer``'s options break this rule (``found``: the value of ``other`` to judge, if not its own)."""
        other = found[0] if found else getattr(layer, self.other)
        return self.values.holds(getattr(layer, self.option)) and self.others.holds(other)

    def schema(self, defaults: Mapping[str, Any]) -> dict:
        """if/then: ``option`` among ``values`` (given, or left out with such a default) makes ``other`` none of
        ``others``; ``defaults``: each option's default (absent: none, the option is required)."""
        def among(option: str, values: Any) -> dict:
            held = {"properties": {option: values.schema}}
            left_out = option in defaults and values.holds(defaults[option])  # left out: its default holds
            return held if left_out else {"required": [option], **held}
        return {"if": among(self.option, self.values), "then": {"not": among(self.other, self.others)}}


@dataclasses.dataclass(frozen=True)
class ChosenBy:
    """``option``, when given, one of the choices (attribute ``choices``) that the type of ``other``'s value declares:
    RandomArrayLayer's estimator, one of its distribution's ``ESTIMATORS``. ``types``: those types by name (a
    registry, read when the schema is made); in a spec, ``other`` is ``{type: Name, ...}`` or ``Name``."""

    option: str
    other: str
    choices: str
    types: Callable[[], Mapping[str, type]]

    def broken(self, layer: Any, *found: Any) -> bool:
        value = found[0] if found else getattr(layer, self.option)
        allowed = getattr(getattr(layer, self.other), self.choices, None)
        return value is not None and allowed is not None and value not in allowed

    def schema(self, defaults: Mapping[str, Any]) -> dict:
        """For each type: ``other`` of that type makes ``option`` one of its choices, or null (left out)."""
        def typed(name: str) -> dict:
            return {"anyOf": [{"const": name}, {"type": "object", "required": ["type"],
                                                "properties": {"type": {"const": name}}}]}
        return {"allOf": [{"if": {"required": [self.other], "properties": {self.other: typed(name)}},
                           "then": {"properties": {self.option: {"enum": [*getattr(cls, self.choices), None]}}}}
                          for name, cls in sorted(self.types().items())]}


def refuses(layer: Any, option: str, other: str | None = None, *found: Any) -> bool:
    """Whether ``layer`` breaks a rule of its class's ``RULES`` of ``option`` (its first option; with ``other`` only,
    that option ``found`` if given)."""
    return any(rule.broken(layer, *found) for rule in type(layer).RULES
               if rule.option == option and other in (None, rule.other))

"""A graph's ``learning_rate_multipliers:`` read onto its net, each rule's problem at its own key or value.

A mapping's rules are checked one by one first (a multiplier that is no number >= 0 at its value, a key that matches
no array at the key), so that every bad rule is told at its place; then stored together, in order, as
``net_set_learning_rate_multipliers`` stores them.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from netgraph.core.errors import NetGraphError
from netgraph.core.multipliers import net_set_learning_rate_multipliers
from netgraph.core.wording import value_kind
from netgraph.spec.problems import FAILED, sole
from netgraph.spec.yaml_nodes import YMap

__all__ = ["read_multipliers"]

def read_multipliers(reader: Any, net: Any, spec: YMap) -> Any:
    """``net`` with the spec's ``learning_rate_multipliers:`` stored (FAILED, with each problem placed, if bad)."""
    value, loc = spec["learning_rate_multipliers"], spec.value_locs["learning_rate_multipliers"]
    if _number(value):  # {All: r}, as net_train takes it
        return _stored(reader, net, value, loc)
    if not isinstance(value, YMap):
        return reader.error(loc, f"learning_rate_multipliers is a number or a mapping {{layer: multiplier}}, "
                            f"found {value_kind(value)}", kind="value-type", found=value_kind(value))
    bad = [key for key in value if _stored(reader, net, {key: value[key]},
                                           value.value_locs[key] if not _number(value[key], 0) else value.key_locs[key])
           is FAILED]
    return FAILED if bad else _stored(reader, net, {key: value[key] for key in value}, loc)


def _stored(reader: Any, net: Any, rules: Any, loc: Any) -> Any:
    try:
        return net_set_learning_rate_multipliers(net, rules, header="learning_rate_multipliers")
    except NetGraphError as exc:
        return reader.error(loc, str(exc), source=sole(exc), kind="option-value")


def _number(value: Any, least: float = -math.inf) -> bool:
    """Whether ``value`` is a YAML number (not a boolean), finite and at least ``least`` when that is given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return least == -math.inf or (math.isfinite(value) and value >= least)

"""Variadic layers' input ports: ``inputs=`` as a count of ports ``Input1..n`` or a list of their names.

>>> _port_names(3, "TotalLayer"), _port_names(["a", "b"], "TotalLayer"), _port_names(None, "TotalLayer")
(('Input1', 'Input2', 'Input3'), ('a', 'b'), ('Input1', 'Input2'))
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from netgraph.core.errors import OptionError
from netgraph.core.layer import Layer
from netgraph.core.option_problems import option_problem
from netgraph.core.option_words import NAME_REF
from netgraph.core.options import OptionKind
from netgraph.core.naming_scope import quoted
from netgraph.layers._shapes import is_int, positive_int

__all__ = ["MAX_INPUTS", "PortNames"]

MAX_INPUTS = 10_000  # a port count beyond any real net (and beyond memory when spelled out)
_TWO = ("Input1", "Input2")  # the ports of a variadic layer not told how many (and the stand-in for a bad count)
PortNames = Annotated[Any, OptionKind("port-names", None, {"anyOf": [
    {"type": "integer", "minimum": 1, "maximum": MAX_INPUTS},
    {"type": "array", "minItems": 1, "uniqueItems": True, "items": NAME_REF},
    {"type": "null"}]})]
"""A variadic layer's ``inputs``: a count of ports (at most MAX_INPUTS), or distinct port names (``_port_names``)."""


def _port_names(inputs: Any, layer: str) -> tuple[str, ...]:
    """Port names from ``inputs`` (None -> 2 ports, n -> Input1..n, or a list of names)."""
    if inputs is None:
        return _TWO
    if is_int(inputs):
        if inputs > MAX_INPUTS:  # before positive_int, whose 2**63 rule would hide the bound that holds here
            return option_problem(OptionError(f"{layer} option inputs= takes at most {MAX_INPUTS} ports, found "
                                              f"{quoted(inputs)}", option="inputs", expected=f"at most {MAX_INPUTS} "
                                              "ports", found=inputs), _TWO)
        count = positive_int(inputs, layer, "inputs")
        return tuple(f"Input{i}" for i in range(1, count + 1))
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(p, str) and p.isidentifier() for p in inputs):
        if len(set(inputs)) != len(inputs):
            return option_problem(OptionError(f"{layer} option inputs= has repeated port names: {quoted(list(inputs))}",
                                              option="inputs", expected="distinct port names", found=inputs), _TWO)
        return tuple(inputs)
    return option_problem(OptionError(f"{layer} option inputs= must be a number of ports or a list of port names "
                                      f"(identifiers), found {quoted(inputs)}", option="inputs",
                                      expected="a number of ports or a list of port names", found=inputs), _TWO)


class _Variadic(Layer):
    variadic = True

    def _ports(self) -> dict[str, Any]:
        """The normalised ``inputs`` option and the input ports it names."""
        value = list(self.inputs) if isinstance(self.inputs, tuple) else self.inputs
        return {"inputs": value, "input_ports": _port_names(value, self.type_name)}

    def with_input_count(self, n: int) -> Layer:
        return self if self.inputs is not None else dataclasses.replace(self, inputs=n)

"""The port names a ``NetGraph`` is given: shape keywords that name no port, graph inputs no keyword can name, and
empty graph output names.

>>> [p.kind for p in port_name_problems({"Inptu": 3}, ("Input", "in put"), ("Output",), "NetGraph", ())]
['unknown-graph-port', 'graph-input-name']
"""

from __future__ import annotations

from collections.abc import Iterable

from netgraph.core.attribute_hints import shape_keyword_hint
from netgraph.core.errors import Diagnostic, did_you_mean
from netgraph.core.names import usable_input_name
from netgraph.core.naming_scope import quoted

__all__ = ["port_name_problems"]


def port_name_problems(given: Iterable[str], inputs: tuple[str, ...], outputs: tuple[str, ...], type_name: str,
                       aliases: tuple[str, ...]) -> list[Diagnostic]:
    """A problem for each name in ``given`` (port shape keywords) that is no port of the ``type_name`` net (with a
    hint, ``aliases``: its other keywords), and for each input name that is no usable keyword argument."""
    ports = (*inputs, *outputs)
    errors = []
    for name in given:
        if name not in ports:  # (a NetChain's keywords input=, output= are suggested too)
            hint = shape_keyword_hint(name, inputs) or did_you_mean(name, ports + aliases)
            errors.append(Diagnostic(f"{quoted(name)} is neither an input nor an output port of this "
                                     f"{type_name}{hint}; its ports are inputs {list(inputs)}, outputs {list(outputs)}",
                                     "unknown-graph-port", layer=(), port=name))
    errors += [Diagnostic(f"graph input {quoted(name)} must be a Python identifier that Python reads as written (it "
                          f"becomes a keyword argument)", "graph-input-name", layer=(), port=name)
               for name in inputs if not usable_input_name(name)]
    errors += [Diagnostic(f"a graph output of this {type_name} is named {quoted(name)}: port names are "
                          f"non-empty strings",
                          "graph-output-name", layer=(), port=name, found=name)
               for name in outputs if name == ""]
    return errors

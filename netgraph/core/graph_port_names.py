"""The port names a ``NetGraph`` is given: shape keywords that name no port, graph inputs no keyword can name, and
empty graph output names.

>>> [p.kind for p in port_name_problems({"Inptu": 3}, ("Input", "in put"), ("Output",), "NetGraph", ())]
['unknown-graph-port', 'graph-input-name']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netgraph.core.attribute_hints import shape_keyword_hint
from netgraph.core.errors import Diagnostic, did_you_mean
from netgraph.core.names import usable_input_name
from netgraph.core.naming_scope import quoted

__all__ = ["port_name_problems", "unused_port_words"]


def port_name_problems(given: Iterable[str], inputs: tuple[str, ...], outputs: tuple[str, ...], type_name: str,
                       aliases: tuple[str, ...], layers: Iterable[Any] = ()) -> list[Diagnostic]:
    """A problem for each name in ``given`` (port shape keywords) that is no port of the ``type_name`` net (with a
    hint, ``aliases``: its other keywords; ``layers``: the net's, read only for a name no other hint fits), and for
    each input name that is no usable keyword argument."""
    ports = (*inputs, *outputs)
    errors = []
    for name in given:
        if name not in ports:  # (a NetChain's keywords input=, output= are suggested too)
            hint = shape_keyword_hint(name, inputs) or did_you_mean(name, ports + aliases)
            if not hint and type_name == "NetGraph" and not any(  # (a chain's ports are its ends': no edge to add)
                    name in (*layer.input_ports, *layer.output_ports) for layer in layers):
                hint = f": {unused_port_words(f'(NetPort({quoted(name)}), layer)')}"
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


def unused_port_words(example: str) -> str:
    """Why a port a graph is told of (a keyword, a YAML ``inputs:`` entry) is none of its ports, and what to do:
    ``example`` an edge that would connect it, as the user writes one."""
    return f"no edge uses it and no layer has a port of that name; connect it (e.g. {example}) or remove it"

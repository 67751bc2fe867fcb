"""The advice a core message gives (``netgraph.core.advice``: ports and edges to write, remedies by topic) said in a
spec's terms: a port as an edge names it, an edge as a spec writes it (a list ``[src, dst]`` where a name holds '->',
which would split the string form), a remedy in YAML's words.

>>> from netgraph.core.advice import COMBINING_LAYER, EdgeAdvice, PortAdvice
>>> in_yaml(EdgeAdvice(PortAdvice(None, "Input2"), PortAdvice("b", "Input"))), in_yaml(EdgeAdvice(PortAdvice("b")))
("'Input2 -> b.Input'", "'b -> None'")
>>> in_yaml(EdgeAdvice(PortAdvice(None, "I2"), PortAdvice("x -> y", "Input"))), in_yaml(EdgeAdvice(PortAdvice("a->b")))
("['I2', 'x -> y.Input']", "['a->b', null]")
>>> in_yaml(PortAdvice(None, "Result")), in_yaml(COMBINING_LAYER)
("'Result'", "{type: FunctionLayer, function: '#a + #b'}")
"""

from __future__ import annotations

from netgraph.core.advice import COMBINING_LAYER, OUTPUT_TO_OUTPUT, Advice, EdgeAdvice, PortAdvice

__all__ = ["in_yaml"]

_REMEDIES = {  # each remedy's words in a spec, by topic (one not here is said as Python says it)
    OUTPUT_TO_OUTPUT.topic: "an edge must go from an output port to an input port. To expose a layer's output as a "
                            "graph output, write 'layer.Output -> Name' and declare 'outputs: {Name: null}'; to feed "
                            "another layer, name one of its input ports, e.g. 'a.Output -> b.Input'.",
    COMBINING_LAYER.topic: "{type: FunctionLayer, function: '#a + #b'}",
}


def in_yaml(advice: Advice) -> str:
    """``advice`` in a spec's terms: a port or an edge quoted as a spec's edge writes it, a remedy in its words."""
    if isinstance(advice, EdgeAdvice):
        ends = (_endpoint(advice.source), None if advice.target is None else _endpoint(advice.target))
        if any(end is not None and "->" in end for end in ends):  # a name the string form would split: a list
            return "[" + ", ".join("null" if end is None else _quoted(end) for end in ends) + "]"
        return _quoted(f"{ends[0]} -> {'None' if ends[1] is None else ends[1]}")
    if isinstance(advice, PortAdvice):
        return _quoted(_endpoint(advice))
    return _REMEDIES.get(advice.topic, advice.python)


def _endpoint(port: PortAdvice) -> str:
    """``port`` as an edge's endpoint names it: ``layer.Port``, a graph port's or a layer's (its first output) name."""
    if port.layer is None or port.port is None:
        return str(port.port if port.layer is None else port.layer)
    return f"{port.layer}.{port.port}"


def _quoted(text: str) -> str:
    """``text`` single-quoted, as YAML quotes it (a quote in it doubled)."""
    return "'" + text.replace("'", "''") + "'"

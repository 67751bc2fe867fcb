"""An operator's inner net built again with other port options (``redeclared``), and the clash of a type the operator
gives it with what its declared output made of its inputs: a declared ``Output: 5`` after a Tanh makes its input 5,
so a map fed 3 clashes at the input, though the declared output is what is wrong (``declared_output_conflict``).

>>> from netgraph import NetGraph, ElementwiseLayer
>>> from netgraph.core.types import PortType
>>> inner = NetGraph({"t": ElementwiseLayer("Tanh")}, [], Output=5)
>>> declared_output_conflict(inner, {"Input": PortType((3,))}, "net").port
'Output'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.chain import NetChain
from netgraph.core.conflicts import Conflict
from netgraph.core.errors import NetGraphError
from netgraph.core.graph import NetGraph
from netgraph.core.guessed_lengths import GuessedLength, LocalLength
from netgraph.core.names import numbered
from netgraph.core.naming_scope import quoted
from netgraph.core.port_paths import layer_at
from netgraph.core.problem_parts import problem_parts
from netgraph.core.types import PortType, unify

__all__ = ["redeclared", "declared_output_conflict", "declared_key", "refused_types"]


def redeclared(net: NetGraph, declared: Mapping[str, Any]) -> NetGraph:
    """``net`` built again with its port options ``declared``, as the kind of net it is: a chain stays a chain
    (numbered or named as given), so whatever shows the net its operator runs (a repr, a compiled module's
    ``to_net``) shows the kind the user gave."""
    if isinstance(net, NetChain):
        return NetChain(list(net.layers.values()) if numbered(net.layers) else dict(net.layers), **declared)
    return NetGraph(dict(net.layers), net.explicit_edges(), **declared)


def declared_output_conflict(net: NetGraph, types: Mapping[str, PortType], option: str | None) -> Conflict | None:
    """The Conflict at the first declared output of ``net`` (the inner net in the operator's ``option``) whose type
    is not the one ``net`` gives from the input ``types`` its operator gives; None where none is (``net`` without
    its declared outputs refuses those types too, or gives what they say)."""
    options = net.port_shape_options()
    outputs = [p for p in net.output_ports if p in options]
    given = {p: t for p, t in types.items() if p in net.input_ports and (t.shape is not None or t.dtype is not None)}
    if not outputs or not given:
        return None
    try:
        free = redeclared(net, {**given, **{p: o for p, o in options.items() if p not in outputs}})  # (its own win)
    except NetGraphError:
        return None  # the inputs do not fit the net's layers either: the clash is theirs
    for port in outputs:
        try:
            unify(free.port_types[port], net.port_types[port])
        except Conflict as exc:
            shown = ", ".join(f"{p} {t}" for p, t in given.items())
            return Conflict(f"its inner net's declared output {quoted(port)}: {exc} (the expected one: what its layers "
                            f"give for {shown})", port=port, inner=(option,) if option else (), kind=exc.kind,
                            expected=exc.expected, found=exc.found, inner_ports=(port,))
    return None


def declared_key(declared: Mapping[str, Any]) -> tuple:
    """Port options ``declared`` (port -> PortType, or a coder) as a key that tells lengths apart as inference does,
    not by their text: a user's name by its text, a name inference made (``FreshLength``) by its class and text, a
    nested graph's (``ScopedLength``) with its scope too, and a guess (``GUESSED``, an inner net's ``LocalLength``,
    one length per object, all spelled ``n``) by the order its object is first met in: one object at two ports is
    one length, two objects two."""
    objects: dict[int, int] = {}

    def dim(d: Any) -> Any:
        if type(d) is str or not isinstance(d, str):
            return d
        met = objects.setdefault(id(d), len(objects)) if type(d) in (GuessedLength, LocalLength) else None
        return type(d).__name__, str(d), getattr(d, "base", None), getattr(d, "scope", None), met

    return tuple((port, (None if t.shape is None else tuple(map(dim, t.shape)), t.dtype, t.range)
                  if isinstance(t, PortType) else t) for port, t in sorted(declared.items(), key=lambda kv: kv[0]))


def refused_types(net: NetGraph, declared: Mapping[str, PortType], d: Any, option: str | None) -> Conflict:
    """The Conflict for an inner net that refuses the port types ``declared`` with the problem ``d``: the path to
    the problem and the problem itself once, as ``d`` has them from however deep it lies (not each level's message),
    its advice kept in its ``parts``. ``inner``: that path from the operator (its ``option``, then the layers and
    options inside); ``port`` and ``option``: the port and option of the layer there that ``d`` names."""
    inner = tuple(d.layer or ())
    path = (*((option,) if option else ()), *inner)
    parts = problem_parts(d, inner=bool(inner))
    problem = "".join(map(str, parts))
    where = ""
    if inner:
        try:
            layer = layer_at(net, inner)
            kind = "" if isinstance(layer, NetGraph) else f" ({layer.type_name})"
        except NetGraphError:
            kind = ""
        where = f"{'/'.join(path)}{kind}: "
    shown = ", ".join(f"{p} {t}" for p, t in declared.items())
    head = f"its inner net does not accept the port types {shown}: {where}"
    return Conflict(head + problem, inner=path, problem=problem, parts=(head, *parts), port=d.port,
                    expected=d.expected, found=d.found, kind=d.kind if d.kind != "error" else None,
                    option=d.option if d.layer is not None else None, inner_ports=tuple(declared))

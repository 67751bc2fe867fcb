"""Nested port paths: ``NetPort(("enc", "l1", "Output"))`` names a port of a layer inside nested nets.

``resolve`` checks a path against a net (each part a layer name or 1-based index, the last a port) and
names the missing part and what exists there; ``expose`` gives the net with that inner output made a graph
output of every net on the way (so edges, probing and ``net_take`` reach it with the ordinary machinery).
A path goes through NetGraph and NetChain layers and into an operator's inner net by its option
(``("map", "net", "l1", "Output")``); the operator says whether it can give that port's values
(``with_inner_output``: a NetMapOperator gives one per element; an operator that runs its net per step does not).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.names import INDEX_RULE, fresh_name, indexed
from netgraph.core.errors import WiringError, did_you_mean, with_article
from netgraph.core.ports import NetPort, PortRef
from netgraph.core.wording import few_names, first_few
from netgraph.core.naming_scope import (  # noqa: F401 - elided, shown_path re-exported: callers import them here
    elided, quoted, scoped_name, scoped_path, shown_path)

__all__ = ["resolve", "expose", "layer_at", "named_path", "shown_path", "elided", "no_inner_net", "inner_net_first",
           "no_output"]


def _is_graph(layer: Any) -> bool:
    return hasattr(layer, "explicit_edges") and hasattr(layer, "layers")


def _unresolved(ref: NetPort, detail: str, **fields: Any) -> WiringError:
    """The WiringError of a path ``ref`` that does not resolve: ``detail`` says why, after the path."""
    return WiringError(f"{quoted(ref)}: {detail}", detail=detail, **fields)


def resolve(layers: Any, port: NetPort, want: str = "output") -> tuple[tuple[str, ...], str]:
    """The layer names along ``port``'s path (from the graph whose ``layers`` mapping is given) and its port
    name; WiringError naming the first missing part and what exists there."""
    where, current, names = "the net", None, []
    for part in port.path:
        if current is not None and not _is_graph(current):
            inner = current.inner_nets()
            if not inner:
                raise _unresolved(port, f"{where} is {with_article(current.type_name)}, not a NetGraph or "
                                  f"NetChain (nor an operator holding nets); a path goes into those only "
                                  f"(cannot look up {quoted(part)} inside it)", kind="layer-path", layer=tuple(names))
            if part not in inner:
                raise _unresolved(port, f"{where} ({current.type_name}) has no inner net {quoted(part)}"
                                  f"{did_you_mean(part, inner)}; its inner nets are {few_names(list(inner))}",
                                  kind="unknown-layer", layer=tuple(names), found=part)
            names.append(part)
            current, where = inner[part], f"layer {quoted(scoped_name('/'.join(names)))}"
            continue
        table = layers if current is None else current.layers
        names_here = list(table)
        if isinstance(part, int):
            if (name := indexed(names_here, part)) is None:
                raise _unresolved(port, f"{where} has no layer {part} (its layers are "
                                  f"{INDEX_RULE.format(n=len(names_here))}: {few_names(names_here)})",
                                  kind="unknown-layer", layer=tuple(names), found=part)
            part = name
        if part not in table:
            states = (" (Wolfram's NetPort[All, \"States\"], every recurrent layer's final states, is "
                      "net(x, return_states=True) here)") if part == "All" and port.port == "States" else ""
            raise _unresolved(port, f"{where} has no layer {quoted(part)}{did_you_mean(part, names_here)}; its "
                              f"layers are {few_names(names_here)}{states}", kind="unknown-layer", layer=tuple(names),
                              found=part)
        names.append(part)
        current, where = table[part], f"layer {quoted(scoped_name('/'.join(names)))}"
    ports = current.output_ports if want == "output" else current.input_ports
    if port.port not in ports:
        hint = current.port_hint(port.port, want) if hasattr(current, "port_hint") else ""  # a recurrent state's
        raise _unresolved(port, f"{where} has no {want} port {quoted(port.port)}{hint}"
                          f"{did_you_mean(port.port, ports)}; its {want}s are {few_names(list(ports))}",
                          kind="unknown-port",
                          layer=tuple(names), port=port.port)
    return tuple(names), port.port


def named_path(net: Any, path: tuple) -> tuple:
    """``path`` with each 1-based index of a layer in a nested graph (``(1, 3)``) replaced by that layer's name, as
    ``NetPort`` paths and ``replace_layers`` read them; other parts (and any past an operator) are kept."""
    if all(type(p) is str for p in path):
        return path
    out, current = [], net
    for part in path:
        graph = _is_graph(current)
        if graph:
            part = indexed(current.layers, part) or part
        out.append(part)
        current = current.layers.get(part) if graph else None
    return tuple(out)


def layer_at(net: Any, path: tuple) -> Any:
    """The layer at ``path`` through nested graphs' layers and operators' inner nets (by option name);
    WiringError naming where the path stops and what is there. A name or index alone is a one-step path."""
    current: Any = net
    if isinstance(path, (str, int)):
        path = (path,)
    elif not isinstance(path, (tuple, list)):
        raise WiringError(f"a layer path is a name, a 1-based index or a tuple of them, found {type(path).__name__} "
                          f"{quoted(path)}", kind="layer-path")
    path = list(named_path(net, tuple(path)))
    for depth, name in enumerate(path):
        parts = current.layers if _is_graph(current) else current.inner_nets()
        if _is_graph(current) and type(name) is int:  # an index inside an inner net
            name = path[depth] = indexed(parts, name) or name
        if name not in parts:
            where = "the net" if depth == 0 else \
                f"layer {scoped_path(path[:depth])!r} ({current.type_name})"
            shown = first_few(list(parts), text=quoted, most=20)
            what = f"its layers are {shown}" if _is_graph(current) else (
                f"its inner nets are {shown}" if parts else "it holds no layers")
            raise WiringError(f"no layer at {shown_path(path)!r}: {where} has no layer {quoted(name)}"
                              f"{did_you_mean(name, parts)}; {what}", kind="unknown-layer",
                              layer=tuple(map(str, path[:depth])), found=name)
        current = parts[name]
    return current


def expose(net: Any, names: tuple[str, ...], port: str, graph: type, at: tuple[str, ...] = ()) -> tuple[Any, str]:
    """``net`` (a graph, at path ``at`` in the net asked) with output ``port`` of the layer at ``names`` also a graph
    output, and that output's name (an existing graph output fed by the same port is reused); through an operator,
    its ``with_inner_output``. ``graph`` is NetGraph."""
    head = names[0]
    layers = dict(net.layers)
    if len(names) > 1:
        inner = layers[head]
        layers[head], port = expose(inner, names[1:], port, graph, (*at, head)) if _is_graph(inner) else \
            inner.with_inner_output(names[1:], port, (*at, head))
    source = PortRef(head, port)
    for edge in net.edges if len(names) == 1 or layers[head] is net.layers[head] else ():
        if edge.src == source and edge.dst.layer is None:
            return net, edge.dst.port
    taken = {*net.input_ports, *net.output_ports}
    name = fresh_name(f"{head}_{port}", taken)
    edges = [e for e in net.explicit_edges() if e[1] is not None or e[0] != NetPort(head, port)]
    return graph(layers, [*edges, (NetPort(head, port), NetPort(name))], **net.port_shape_options()), name


def inner_net_first(part: Any, nets: list[str]) -> str:
    """What a path into an operator whose inner nets are ``nets`` must start with, ``part`` being what it starts with.

    >>> inner_net_first("nte", ["net"])
    "names its inner net first, one of ['net'], not 'nte' (did you mean 'net'?)"
    """
    return f"names its inner net first, one of {nets}, not {quoted(part)}{did_you_mean(part, nets)}"


def no_output(name: str, outputs: Any) -> str:
    """Why graph output ``name`` is none of the net's ``outputs``: the name and those outputs, each shortened."""
    return (f"the net has no output port {quoted(name)}{did_you_mean(name, outputs)}; its outputs are "
            f"{few_names(list(outputs))}")


def no_inner_net(path: tuple, i: int, operator: Any, inner: Mapping[str, Any]) -> WiringError:
    """The error for ``path`` whose part ``i`` names no inner net of ``operator``, the layer at ``path[:i]``."""
    what = (f"has no inner net {quoted(path[i])}{did_you_mean(path[i], inner)}; its inner nets are "
            f"{few_names(list(inner))}")
    where = f"layer {scoped_path(path[:i])!r} ({operator.type_name})"
    return WiringError(f"no layer at {shown_path(path)!r}: {where} {what if inner else 'holds no layers'}",
                       kind="unknown-layer", layer=tuple(map(str, path[:i])), found=path[i])

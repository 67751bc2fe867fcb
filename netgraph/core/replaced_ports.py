"""A layer ``net_replace_part`` puts in place that lacks a port its net declares (a chain's ``input=4`` on its first
layer's ``Input``, replaced by a ``ThreadingLayer("Plus")`` with ``Input1``, ``Input2``): one error naming the
layer, its new ports and the declared port, not the rebuilt net's complaint about a port it no longer has. A nested
graph that outer port paths read inside (``NetPort(("enc", "l1", "Output"))``), replaced by one without that layer:
an error naming the layer it lacks (the edge too where the replaced graph is the top net's own layer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.errors import EdgeRef, NetGraphError, WiringError, with_article
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.wording import few_names
from netgraph.core.layer import Layer

__all__ = ["lost_declared_port", "lost_path_layer"]


def lost_declared_port(net: Any, layers: Mapping[tuple, Layer], error: NetGraphError) -> WiringError | None:
    """The WiringError saying which of the new ``layers`` (path -> layer) took away the declared graph port that
    ``error`` (the rebuild's) finds no more, naming the graph at its diagnostic's path; None for another error."""
    problem = next((d for d in error.diagnostics if d.kind == "unknown-graph-port"), None)
    if problem is None or problem.port is None:
        return None
    where = tuple(problem.layer or ())
    for path, new in layers.items():
        old = net.layer_at(path)
        lost = problem.port in (*old.input_ports, *old.output_ports) \
            and problem.port not in (*new.input_ports, *new.output_ports)
        if path[:len(where)] == where and lost:
            graph = net.layer_at(where) if where else net
            declared = graph.port_shape_options().get(problem.port)
            side = "inputs" if problem.port in old.input_ports else "outputs"
            shown = shown_path(path)
            return WiringError(
                f"net_replace_part: {shown!r} becomes {with_article(new.type_name)} with {side} "
                f"{few_names(list(getattr(new, f'{side[:-1]}_ports')))}, which lack {quoted(problem.port)}, the port "
                f"the "
                f"{graph.type_name}{' ' + repr(shown_path(where)) if where else ''} declares as {declared}; replace "
                f"{shown!r} by a layer with that port, or build the net anew declaring the new ports",
                kind="unknown-graph-port", layer=path, port=problem.port, expected=problem.port,
                found=list(getattr(new, f"{side[:-1]}_ports")))
    return None


def lost_path_layer(net: Any, layers: Mapping[tuple, Layer], error: NetGraphError) -> WiringError | None:
    """The WiringError saying that a new nested graph of ``layers`` (path -> layer) lacks the layer an outer edge's
    port path (``NetPort(("enc", "l1", "Output"))``, held as the old graph's output ``l1_Output``) reads, where the
    rebuild's ``error`` finds no such output; None for another error."""
    problem = next((d for d in error.diagnostics if d.kind == "unknown-port"), None)
    if problem is None or problem.layer is None or tuple(problem.layer) not in layers:
        return None
    path = tuple(problem.layer)
    old, new = net.layer_at(path), layers[path]
    inner = next((e.src.layer for e in getattr(old, "edges", ()) if e.dst.layer is None and e.dst.port == problem.port
                  and e.src.layer is not None), None)
    if inner is None or not hasattr(new, "layers") or inner in new.layers:
        return None
    edge = next((str(part) for part in problem.parts if isinstance(part, EdgeRef)), None)
    shown = shown_path(path)
    needing = f"the edge {edge}" if edge and len(path) == 1 else \
        f"a port path to {shown_path((*path, inner))!r}"  # deeper, the edge is one the rebuild made, not the user's
    return WiringError(f"net_replace_part: the new {shown!r} ({new.type_name}) has no layer {quoted(inner)}, "
                       f"which {needing} needs (reading inside {shown!r}); its layers are "
                       f"{few_names(list(new.layers))}", kind="unknown-layer", layer=path, found=inner,
                       expected=list(new.layers))

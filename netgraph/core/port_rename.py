"""Renaming a net's own ports, as Wolfram's ``NetRename[net, NetPort["old"] -> NetPort["new"]]``.

The renamed net has the same layers, arrays, port types, encoders, decoders and port order; every graph
port becomes an explicit edge, so no unwired port's name can shift when another one is renamed. A chain's
ports are its first and last layers' own, so renaming one gives the equivalent NetGraph.

>>> from netgraph import NetGraph, NetPort, LinearLayer
>>> net = NetGraph({"a": LinearLayer(3)}, [], Input=4)
>>> rename_ports(net, {"Input": "x", "Output": "y"}).input_shapes
{'x': (4,)}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.edge_text import pair_renamer, with_mutes, written
from netgraph.core.errors import OptionError, WiringError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.graph import NetGraph
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.ports import NetPort, PortRef
from netgraph.core.surgery_lead import function_lead
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["split_port_renames", "rename_ports"]


def split_port_renames(net: NetGraph, rename: Mapping[Any, Any]) -> tuple[dict[Any, Any], dict[str, str]]:
    """``net_rename``'s dict as (layer renames, graph port renames ``{old: new}``)."""
    layers: dict[Any, Any] = {}
    ports: dict[str, str] = {}
    for old, new in rename.items():
        if isinstance(old, str) and old not in net.layers and old in (*net.input_ports, *net.output_ports):
            raise OptionError(f"net_rename: {old!r} is a port of the net, not a layer: rename it as "
                              f"{{NetPort({old!r}): NetPort({new!r})}}", option="rename", kind=VALUE_KIND)
        if not isinstance(old, NetPort):
            layers[old] = new
            continue
        if old.layer is not None:
            raise OptionError(f"net_rename renames the net's own ports (NetPort('Name')); {quoted(old)} is a port of a "
                              f"layer inside it, whose name its layer defines", option="rename", kind=VALUE_KIND)
        if isinstance(new, NetPort) and new.layer is None:
            new = new.port
        if not isinstance(new, str) or not new:
            raise OptionError(f"net_rename: the new name of port {quoted(old.port)} must be NetPort('name') or a "
                              f"non-empty string, found {quoted(new)}", option="rename", kind=VALUE_KIND)
        ports[old.port] = new
    return layers, ports


def rename_ports(net: NetGraph, renames: Mapping[str, str]) -> NetGraph:
    """``net`` with graph ports renamed by ``{old: new}``; every other name and the port order kept."""
    inputs, outputs = net.input_ports, net.output_ports
    for old in renames:
        if old not in (*inputs, *outputs):
            raise WiringError(f"{function_lead('net_rename')}the net has no port {old!r}"
                              f"{did_you_mean(old, (*inputs, *outputs))}; "
                              f"its inputs are {list(inputs)}, its outputs {list(outputs)}", kind="unknown-port",
                              layer=(), port=old)
    new_inputs = [renames.get(p, p) for p in inputs]
    new_outputs = [renames.get(p, p) for p in outputs]
    names = new_inputs + new_outputs
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise WiringError(f"{function_lead('net_rename')}two ports would be named {dup!r}; the inputs would be "
                          f"{new_inputs}, the "
                          f"outputs {new_outputs}", kind="name-clash", layer=(), port=dup)
    edges = _ordered_edges(net, renames)
    declared = {renames.get(p, p): value for p, value in net.port_shape_options().items()}
    renamed = NetGraph(dict(net.layers), edges, **declared)
    # an invariant, not a user's error: _ordered_edges lists the net's own edges in an order that names the ports
    # as the net's wiring named them (unwired outputs first, then the edges as wired, then unwired inputs)
    assert (renamed.input_ports, renamed.output_ports) == (tuple(new_inputs), tuple(new_outputs)), (
        f"net_rename reordered the ports: {renamed.input_ports} -> {renamed.output_ports}, not {new_inputs} -> "
        f"{new_outputs}")
    return carry_multipliers([net], renamed)


def _ordered_edges(net: NetGraph, renames: Mapping[str, str]) -> list[tuple]:
    """Every edge explicit, listed so that the graph ports are first named in the net's own port order: a net's
    outputs are the unwired layer outputs (edges made for them, ``implicit``) then those its edges name, and its
    inputs those its edges read then the unwired layer inputs, so the same edges in that order name them alike."""
    def end(ref: PortRef) -> NetPort:
        return NetPort(renames.get(ref.port, ref.port)) if ref.layer is None else NetPort(ref.layer, ref.port)

    unwired_outputs = [e for e in net.edges if e.implicit and e.dst.layer is None]
    unwired_inputs = [e for e in net.edges if e.implicit and e.src.layer is None and e.dst.layer is not None]
    listed = {id(e) for e in (*unwired_outputs, *unwired_inputs)}
    ordered = unwired_outputs + [e for e in net.edges if id(e) not in listed] + unwired_inputs
    renamed = pair_renamer(ports=renames)
    return with_mutes(net, [renamed(written(e), (end(e.src), end(e.dst))) for e in ordered])

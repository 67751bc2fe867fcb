"""Net surgery's NetRename: layers renamed at any level (by a dict of names or paths, or a function of a
layer's name), the net's own ports renamed, learned arrays, behaviour and port order unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.chain import NetChain
from netgraph.core.edge_text import renamed_edges
from netgraph.core.errors import OptionError, WiringError
from netgraph.core.graph import NetGraph
from netgraph.core.layer_moves import Moves, recorded
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.nesting import deep_walk
from netgraph.core.operator_surgery import edit_operators, layer_in
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.peripheral_coders import still_stripped
from netgraph.core.port_rename import rename_ports, split_port_renames
from netgraph.core.rename_levels import level_range, renames_at_levels
from netgraph.core.rewiring import check_net, layer_path, listed
from netgraph.core.surgery_lead import function_lead, led_by

__all__ = ["net_rename"]


@deep_walk
def net_rename(net: NetGraph, rename: Any, level: Any = 1) -> NetGraph:
    """Rename layers: ``{"old": "new"}`` at the top level, ``{("enc", "old"): "new"}`` inside a nested graph;
    the net's own ports: ``{NetPort("Input"): NetPort("x")}``; or every top-level layer by a function of its name.

    ``level`` (Wolfram's levelspec) lets a name or function reach nested layers: ``2`` is levels 1 and 2, ``[2]``
    level 2 only, ``[1, math.inf]`` every level (``rename_levels``). Names must stay unique within their graph;
    learned arrays, behaviour and port order are unchanged.
    """
    check_net(net, "net_rename")
    rename = renames_at_levels(net, rename, level_range(level))
    if not isinstance(rename, Mapping):
        raise OptionError(f"net_rename takes a dict {{old name, path or NetPort: new name}} or a function of a "
                          f"layer's name, found {type(rename).__name__}", option="rename", kind=VALUE_KIND)
    layers, ports = split_port_renames(net, rename)
    with led_by("net_rename"):  # a layer or port the net lacks, a name clash, a port name refused: named once
        renamed = _rename(net, layers, ())[0] if layers else net
        return rename_ports(renamed, ports) if ports else renamed


def _rename(net: NetGraph, rename: Mapping[Any, str], prefix: tuple) -> tuple[NetGraph, Moves]:
    """``net_rename`` of the graph at ``prefix`` (which its errors name), and where its layers went."""
    found: dict[tuple, Moves] = {}
    original, (net, items) = net, edit_operators(net, rename.items(), "net_rename", recorded(
        found, lambda inner, group, *_: _rename(inner, {layer_in(r): n for r, n in group}, ())), placed=True)
    here: dict[str, str] = {}
    nested: dict[str, dict[tuple, str]] = {}
    rules: dict[tuple, tuple] = {}  # a layer's path -> (the rule naming it, its new name)
    for old, new in items:
        path = layer_path(net, old)
        if not isinstance(new, str):
            raise OptionError(f"{function_lead('net_rename')}the new name of {shown_path(path)!r} must be a string, "
                              f"found {quoted(new)}", option="rename", kind=VALUE_KIND)
        _one_new_name(rules.setdefault(path, (old, new)), (old, new), (*prefix, *path))
        if len(path) == 1:
            here[path[0]] = new
        else:
            nested.setdefault(path[0], {})[path[1:]] = new
    inner = {name: _rename(net.layers[name], renames, (*prefix, name)) for name, renames in nested.items()}
    found.update({(name,): moves for name, (_, moves) in inner.items()})
    layers = {name: inner[name][0] if name in inner else layer for name, layer in net.layers.items()}
    names = [here.get(n, n) for n in layers]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        moves = ", ".join(f"{shown_path((*prefix, o))!r} to {quoted(n)}" for o, n in here.items() if n == dup)
        where = f"layer {shown_path(prefix)!r}" if prefix else "the net"
        raise WiringError(f"renaming {moves} would give two layers the same name {quoted(dup)} in {where}; "
                          f"its layers would be {listed(names)}", kind="name-clash", layer=tuple(prefix), found=dup)
    renamed = {here.get(n, n): layer for n, layer in layers.items()}
    moves = Moves(levels={(): here}, inside=found)
    given = net.port_shape_options()  # with the coders taken from inner nets, known as taken again
    rebuilt = NetChain(renamed, **given) if isinstance(net, NetChain) else \
        NetGraph(renamed, renamed_edges(net.explicit_edges(), here, list(net.layers)), **given)
    return carry_multipliers([original], still_stripped(net, rebuilt, here), [moves]), moves


def _one_new_name(first: tuple, rule: tuple, path: tuple) -> None:
    """OptionError naming both rules where two (a name and an index, ``{1: "x", "a": "y"}``) rename one layer apart."""
    if first[1] != rule[1]:
        raise OptionError(f"{function_lead('net_rename')}layer {shown_path(path)!r} gets two new names, "
                          f"{quoted(first[1])} by rule {quoted(first[0])} and {quoted(rule[1])} by rule "
                          f"{quoted(rule[0])}; give it one", layer=path,
                          option="rename", expected="one new name per layer", found=(first[0], rule[0]),
                          kind=VALUE_KIND)

"""Net surgery (Wolfram's NetExtract, NetReplacePart, NetRename, NetTake, NetDrop, NetJoin, NetFlatten).

Every function returns a new NetGraph (or a value); the input is never changed. A layer is named
by its name, its 1-based index, or a tuple path into nested graphs; an array by ``(layer, "Weights")``.

>>> from netgraph import NetGraph, LinearLayer, net_initialize
>>> net = net_initialize(NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=4), seed=0)
>>> tuple(net_extract(net, ("a", "Weights")).shape)
(3, 4)
>>> net_rename(net, {"a": "encoder"}).input_shapes
{'Input': (4,)}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import torch

from netgraph.core.layer import Layer
from netgraph.core.errors import OptionError, WiringError, did_you_mean
from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.information import all_arrays, information
from netgraph.core.ir import Value
from netgraph.core.ports import NetPort

__all__ = ["net_extract", "net_replace_part", "net_rename", "net_take", "net_drop", "net_join", "net_flatten",
           "information"]


def _layer_path(net: NetGraph, spec: Any) -> tuple[str, ...]:
    """A layer spec (name, 1-based index, or a tuple path of those) -> a tuple of names."""
    parts = spec if isinstance(spec, tuple) else (spec,)
    path, current = [], net
    if not parts:
        raise WiringError("an empty path names no layer; name a layer, its index, or a tuple path")
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, (int, str)):
            raise WiringError(f"a layer is named by a string, a 1-based index or a tuple path of those; "
                              f"found {part!r:.60} in {spec!r:.80}")
        if not isinstance(current, NetGraph):
            raise WiringError(f"{'/'.join(path)!r} is not a graph; cannot look up {part!r} inside it")
        names = list(current.layers)
        if isinstance(part, int) and not isinstance(part, bool):
            if not 1 <= part <= len(names):
                raise WiringError(f"there is no layer {part} (layers are numbered 1 to {len(names)})")
            part = names[part - 1]
        if part not in current.layers:
            raise WiringError(f"there is no layer {part!r}{did_you_mean(part, names)}")
        path.append(part)
        current = current.layers[part]
    return tuple(path)


def _split_array_spec(net: NetGraph, spec: Any) -> tuple[tuple[str, ...], str | None]:
    """(layer path, array name or None) for a spec such as "lin", ("lin", "Weights") or ("enc", "lin")."""
    if isinstance(spec, tuple) and len(spec) >= 2 and isinstance(spec[-1], str):
        try:
            path = _layer_path(net, spec)
            return path, None
        except WiringError:
            path = _layer_path(net, spec[:-1])
            layer = net.layer_at(path)
            if spec[-1] not in layer.ARRAYS:
                raise WiringError(f"{net.describe((path, None))} has no array {spec[-1]!r}"
                                  f"{did_you_mean(spec[-1], layer.ARRAYS)}; its arrays are {list(layer.ARRAYS)}") from None
            return path, spec[-1]
    return _layer_path(net, spec), None


def net_extract(net: NetGraph, spec: Any = "All") -> Any:
    """A layer, an array (``(layer, "Weights")``, None when uninitialised) or, for ``"All"``, every array by path."""
    _check_net(net, "net_extract")
    if isinstance(spec, str) and spec == "All":
        return all_arrays(net)
    path, array = _split_array_spec(net, spec)
    layer = net.layer_at(path)
    return layer if array is None else layer.arrays[array]


def net_replace_part(net: NetGraph, changes: Mapping[Any, Any]) -> NetGraph:
    """Replace layers (``{"lin": LinearLayer(5)}``), arrays (``{("lin", "Weights"): w}``, same shape) or graph port
    shapes (``{"Input": 3}``); the result is re-validated, so incompatible shapes raise a ShapeError."""
    _check_net(net, "net_replace_part")
    if not isinstance(changes, Mapping):
        raise OptionError(f"net_replace_part takes a dict {{part: new value}}, found {type(changes).__name__}")
    layers: dict[tuple, Layer] = {}
    ports: dict[str, Any] = {}
    for spec, value in changes.items():
        if isinstance(spec, str) and spec in (*net.input_ports, *net.output_ports) and spec not in net.layers:
            ports[spec] = value
            continue
        path, array = _split_array_spec(net, spec)
        if array is None:
            layers[path] = value
            continue
        layer = layers.get(path, net.layer_at(path))
        old = net.layer_at(path).arrays[array]
        new = torch.as_tensor(value, dtype=torch.float32)
        if old is not None and tuple(old.shape) != tuple(new.shape):
            raise OptionError(f"{net.describe((path, None))} array {array!r}: expected shape {tuple(old.shape)}, "
                              f"found {tuple(new.shape)}")
        layers[path] = layer.with_arrays({array: new})
    result = net.replace_layers(layers) if layers else net
    if ports:
        declared = {**result.port_shape_options(), **ports}
        result = NetGraph(dict(result.layers), result.explicit_edges(), **declared)
    return result


def _rename_edges(edges: list[tuple], rename: Mapping[str, str]) -> list[tuple]:
    def port(p: NetPort | None) -> NetPort | None:
        if p is None or p.layer is None:
            return p
        return NetPort(rename.get(p.layer, p.layer), p.port)
    return [(port(a), port(b)) for a, b in edges]


def net_rename(net: NetGraph, rename: Mapping[Any, str]) -> NetGraph:
    """Rename layers: ``{"old": "new"}`` at the top level, ``{("enc", "old"): "new"}`` inside a nested graph.

    Names must stay unique within their graph; learned arrays and behaviour are unchanged.
    """
    _check_net(net, "net_rename")
    if not isinstance(rename, Mapping):
        raise OptionError(f"net_rename takes a dict {{old name or path: new name}}, found {type(rename).__name__}")
    here: dict[str, str] = {}
    nested: dict[str, dict[tuple, str]] = {}
    for old, new in rename.items():
        path = _layer_path(net, old)
        if not isinstance(new, str):
            raise OptionError(f"net_rename: the new name of {'/'.join(path)!r} must be a string, found {new!r}")
        if len(path) == 1:
            here[path[0]] = new
        else:
            nested.setdefault(path[0], {})[path[1:]] = new
    layers = {name: net_rename(layer, nested[name]) if name in nested else layer for name, layer in net.layers.items()}
    names = [here.get(n, n) for n in layers]
    if len(set(names)) != len(names):
        raise WiringError(f"renaming {dict(rename)} would give two layers the same name: {names}")
    renamed = {here.get(n, n): layer for n, layer in layers.items()}
    if isinstance(net, NetChain):
        return NetChain(renamed, **net.port_shape_options())
    return NetGraph(renamed, _rename_edges(net.explicit_edges(), here), **net.port_shape_options())


def _check_net(net: Any, function: str) -> None:
    if not isinstance(net, NetGraph):
        raise OptionError(f"{function} takes a NetGraph or NetChain as its first argument, found "
                          f"{type(net).__name__} {net!r:.60}")


def _layer_graph(net: NetGraph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(net.layers)
    g.add_edges_from((e.src.layer, e.dst.layer) for e in net.edges if e.src.layer and e.dst.layer)
    return g


def _subgraph(net: NetGraph, keep: set[str]) -> NetGraph:
    """The layers in ``keep`` with the wiring among them.

    Input ports that lose their producer become new graph inputs (named after the port, numbered when a
    kept graph input has that name already, so they are never silently fed another port's data); outputs
    that fed only removed layers are muted rather than turned into new graph outputs.
    """
    if not keep:
        raise WiringError("the result would have no layers")
    if isinstance(net, NetChain):
        return _subchain(net, keep)
    kept_edges = [e for e in net.edges if (e.src.layer is None or e.src.layer in keep)
                  and (e.dst.layer is None or e.dst.layer in keep)]
    edges: list[tuple] = [(a, b) for a, b in net.explicit_edges()
                          if (a.layer is None or a.layer in keep) and (b is None or b.layer is None or b.layer in keep)]
    inputs = {e.src.port for e in kept_edges if e.src.layer is None}
    shapes = {p: s for p, s in net.port_shape_options().items() if p in inputs}
    used = {(e.src.layer, e.src.port) for e in kept_edges}
    for e in net.edges:
        if e.dst.layer in keep and e.src.layer is not None and e.src.layer not in keep:
            name = _free_name(e.dst.port, inputs)
            inputs.add(name)
            edges.append((NetPort(name), NetPort(e.dst.layer, e.dst.port)))
        if e.src.layer in keep and e.dst.layer is not None and e.dst.layer not in keep \
                and (e.src.layer, e.src.port) not in used:
            used.add((e.src.layer, e.src.port))
            edges.append((NetPort(e.src.layer, e.src.port), None))
    return NetGraph({n: l for n, l in net.layers.items() if n in keep}, edges, **shapes)


def _free_name(port: str, taken: set[str]) -> str:
    if port not in taken:
        return port
    return next(f"{port}{i}" for i in range(2, len(taken) + 3) if f"{port}{i}" not in taken)


def _subchain(chain: NetChain, keep: set[str]) -> NetChain:
    """A chain stays a chain: the remaining layers, in order, each feeding the next."""
    names = [n for n in chain.layers if n in keep]
    first_inputs = set(chain.layers[names[0]].input_ports)
    shapes = {p: s for p, s in chain.port_shape_options().items()
              if names[0] == next(iter(chain.layers)) and p in first_inputs}
    layers: Any = [chain.layers[n] for n in names] if list(chain.layers) == [str(i) for i in range(1, len(chain.layers) + 1)] \
        else {n: chain.layers[n] for n in names}
    return NetChain(layers, **shapes)


def net_take(net: NetGraph, outputs: Any) -> NetGraph:
    """The subgraph needed to compute the given outputs: layer specs or graph output names (a list for several)."""
    _check_net(net, "net_take")
    specs = outputs if isinstance(outputs, list) else [outputs]
    targets = set()
    for spec in specs:
        if isinstance(spec, str) and spec in net.output_ports and spec not in net.layers:
            targets |= {e.src.layer for e in net.edges if e.dst.layer is None and e.dst.port == spec and e.src.layer}
        else:
            targets.add(_layer_path(net, spec)[0])
    g = _layer_graph(net)
    keep = set(targets).union(*(nx.ancestors(g, t) for t in targets))
    return _subgraph(net, keep)


def net_drop(net: NetGraph, layers: Any) -> NetGraph:
    """The net without the given layers (a spec or a list); their neighbours' ports become graph ports."""
    _check_net(net, "net_drop")
    specs = layers if isinstance(layers, list) else [layers]
    drop = {_layer_path(net, s)[0] for s in specs}
    return _subgraph(net, set(net.layers) - drop)


def net_join(*nets: Any) -> NetGraph:
    """Sequential composition: each net's single output feeds the next net's single input (as nested layers)."""
    if len(nets) < 2:
        raise WiringError("net_join needs at least two nets or layers")
    for i, n in enumerate(nets, 1):
        if not isinstance(n, Layer):
            raise OptionError(f"net_join: argument {i} must be a net or a layer, found {type(n).__name__} {n!r:.60}")
        if i > 1 and len(n.input_ports) != 1:
            raise WiringError(f"net_join: net {i} must have exactly one input, found {list(n.input_ports)}")
        if i < len(nets) and len(n.output_ports) != 1:
            raise WiringError(f"net_join: net {i} must have exactly one output, found {list(n.output_ports)}")
    names = [str(i) for i in range(1, len(nets) + 1)]
    return NetGraph(dict(zip(names, nets)), [tuple(names)])


def net_flatten(net: NetGraph) -> NetGraph:
    """One level: nested graphs' layers are inlined with names ``outer/inner``; behaviour is unchanged."""
    _check_net(net, "net_flatten")
    def name(path: tuple) -> str:
        return "/".join(path)

    def source(value: Value) -> NetPort:
        return NetPort(value.port) if value.node is None else NetPort(name(value.node), value.port)

    ir = net.ir
    edges = [(source(value), NetPort(node.name, port)) for node in ir.nodes for port, value in node.inputs.items()]
    edges += [(source(value), NetPort(port)) for port, value in ir.outputs.items()]
    edges += [(NetPort(node.name, v.port), None) for node in ir.nodes for v in node.output_values if not ir.consumers(v)]
    return NetGraph({node.name: node.layer for node in ir.nodes}, edges, **net.port_shape_options())

"""Swapping a graph's leaf layers for copies that differ in arrays only, keeping its inferred types and IR.

``same_structure`` is the test ``NetGraph.replace_layers`` applies to every changed layer; ``replace_leaves`` is
``replace_layers`` for changes already keyed by the paths of the graph's IR nodes (``net_initialize``'s): no name
to resolve, and the new graph's IR is the old one with the changed nodes holding their new layers, not a walk
over every leaf. ``split_changes`` resolves ``replace_layers``' names and paths into the layers replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import zip_longest
from typing import Any

import torch

from netgraph.core.errors import NetGraphError, WiringError, did_you_mean, plain_class
from netgraph.core.ir import with_node_layers
from netgraph.core.layer import Layer, _same
from netgraph.core.layer_table import layer_key
from netgraph.core.naming_scope import naming_prefix, quoted
from netgraph.core.names import describe_layer
from netgraph.core.nesting import Inference, deep_walk, infer_net
from netgraph.core.options import copy_plan
from netgraph.core.shared import is_graph
from netgraph.core.wiring import join_path
from netgraph.core.wording import few_names

__all__ = ["reinferred", "same_structure", "replace_leaves", "replace_inside", "split_changes", "types_fixed"]


def same_structure(old: Layer, new: Layer, options: bool = True) -> bool:
    """True when ``new`` differs from ``old`` only in arrays that keep every port type as it was (``options=False``:
    the caller made ``new`` from ``old`` with arrays of its shapes, as net_initialize does; they are not compared)."""
    if type(new) is not type(old) or is_graph(old):
        return False
    nets = getattr(type(old), "NETS", ())  # an operator: its inner nets' port types decide its own
    if nets and any(getattr(new, f) is not getattr(old, f) and not getattr(new, f)._same_ports(getattr(old, f))
                    for f in nets):
        return False
    return (old.input_ports == new.input_ports and old.output_ports == new.output_ports
            and old.declared_types() == new.declared_types() and (not options or _same_options(old, new, nets)))


def _same_options(old: Layer, new: Layer, nets: tuple) -> bool:
    """The options other than arrays and inner nets alike (``PartLayer(1)`` -> ``PartLayer("1;;2")`` changes the
    output type with no port declared), and each array given to both of one shape (a ``LinearLayer`` without
    ``output=`` takes its size from ``weights=``)."""
    arrays = old.ARRAYS.values()
    for name in copy_plan(type(old))[0]:  # the dataclass fields' names, found once per class
        a, b = getattr(old, name), getattr(new, name)
        if a is b or name in nets:
            continue
        if name in arrays:
            if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape != b.shape:
                return False
        elif not (type(a) is type(b) and type(a) in _PLAIN and _plain_equal(a, b)) and not _same(a, b):
            return False
    return True


_PLAIN = (tuple, int, float, str, bool)  # an option's common values: == first (``_same`` walks them slowly)


def _plain_equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except RuntimeError:  # a tuple holding tensors: ``_same`` compares them
        return False


def replace_inside(graph: Any, name: str, layer: Any, changes: Mapping[tuple, Layer]) -> Any:
    """``layer.replace_layers(changes)`` for ``graph``'s layer ``name`` (a nested graph or an operator); an error
    raised inside it names where, as ``layer 1 'enc' (NetGraph)``, before its message and its diagnostics' (their
    paths made ``graph``'s), once: an error from a graph nested deeper is named by the whole path, ``a > b``. Of its
    class where that takes a message alone (see ``plain_class``)."""
    try:
        return layer.replace_layers(changes)
    except NetGraphError as exc:
        path, message = (name, *getattr(exc, "inside", ())), getattr(exc, "inner_message", str(exc))
        diagnostics = [d.within(name) for d in getattr(exc, "inner_diagnostics", exc.diagnostics)]
        parts = _path_words(graph, name, layer, exc)
        header = f"in {join_path(parts) if parts else graph.describe((path, None))}: "
        outer = plain_class(exc)(header + message, diagnostics=[d.prefixed(header) for d in diagnostics])
        outer.inside, outer.inner_message, outer.inner_diagnostics = path, message, diagnostics
        outer.inside_words = parts
        raise outer from None


def inner_net_replaced(net: Any, field: str, changes: Mapping[tuple, Layer]) -> Any:
    """``net.replace_layers(changes)`` for an operator's inner net ``field``: an error raised in it keeps ``field`` in
    its path (``replace_inside`` above names ``('m', 'net', 'b')``, not ``('m', 'b')``, a layer 'm' does not have)."""
    try:
        return net.replace_layers(changes)
    except NetGraphError as exc:
        exc.inside = (field, *getattr(exc, "inside", ()))
        exc.inner_message = getattr(exc, "inner_message", str(exc))
        exc.inner_diagnostics = [d.within(field) for d in getattr(exc, "inner_diagnostics", exc.diagnostics)]
        words = getattr(exc, "inside_words", None) if len(exc.inside) > 1 else []
        exc.inside_words = None if words is None else [f"inner net {field!r}", *words]  # a link, as the path has
        raise


def _path_words(graph: Any, name: str, layer: Any, exc: NetGraphError) -> list[str] | None:
    """The words for each layer along the path of an error from ``graph``'s nested graph ``name`` (``layer``): its
    own, then those the error from inside it has (each level adds one: described whole at each, a deep path's
    layers were described the depth's square times; an operator's inner net, ``inner net 'net'``); None where they are
    not known (a spec's naming scope, an error raised with no path): ``describe`` names the path whole."""
    inner = getattr(exc, "inside_words", None) if getattr(exc, "inside", ()) else []
    if inner is None or naming_prefix() is not None:
        return None
    return [describe_layer(graph.layer_positions, graph.layers, name), *inner]


def split_changes(net: Any, changes: Mapping[Any, Layer]) -> tuple[dict[str, Layer], set[str], dict]:
    """``net.replace_layers``' ``changes`` resolved, keyed by names or paths: (``net``'s layers, those named replaced
    and the nested ones that paths go into replaced inside; the names of the layers replaced whole; the changes
    inside nested layers, ``{name: {path: layer}}``). The coders ``net`` took from them: ``retaken``."""
    nested: dict[str, dict] = {}
    layers, whole = dict(net._layers), set()
    names = list(layers)  # once: a list per change made initialising n layers take n² steps
    for key, layer in changes.items():
        path = layer_key(key, names)
        if path[0] not in layers:
            raise WiringError(f"no layer {quoted(path[0])}{did_you_mean(path[0], layers)} in the net; its layers are "
                              f"{few_names(names)}", kind="unknown-layer", layer=(), found=path[0])
        if len(path) == 1:
            layers[path[0]] = layer
            whole.add(path[0])
        else:
            nested.setdefault(path[0], {})[path[1:]] = layer
    for name, inner in nested.items():
        if not hasattr(layers[name], "replace_layers"):  # a graph, or an operator (into its inner nets)
            key = next(iter(inner))
            raise WiringError(f"{net.describe(((name,), None))} holds no layers: the path {(name, *key)!r} "
                              f"goes on into it with {quoted(key[0])}", kind="layer-path", layer=(name,))
        layers[name] = replace_inside(net, name, layers[name], inner)  # its errors name the layer
    return layers, whole, nested


def replace_leaves(net: Any, changes: Mapping[tuple, Layer], replaced: Iterable[Layer] = ()) -> Any:
    """``net.replace_layers(changes)`` for ``changes`` keyed by paths of leaves (no operators on the way), each new
    layer the old one with arrays of its shapes (net_initialize's; options not compared). When every
    new layer has ``same_structure`` as the old and keeps its shared arrays (and the graph has none), the new graph,
    and each nested graph on the way, is ``net`` with the layers swapped, sharing its inferred types and holding its
    IR (if built) with the changed nodes renewed; otherwise ``replace_layers`` does the work (and its checks).
    ``replaced``: the layers now at those paths, in the order of ``changes``, where the caller holds them (not looked
    up again by path)."""
    for (path, new), old in zip_longest(changes.items(), replaced):
        if old is None:
            old = net._layers[path[0]]
            for name in path[1:]:  # through nested graphs
                old = old._layers[name]
        if not (same_structure(old, new, False) and type(new).shared is Layer.shared and new._shared == old._shared):
            return net.replace_layers(changes)
    if net._shared_users:  # users to unify: replace_layers' way
        return net.replace_layers(changes)
    ir = net.__dict__.get("_ir")
    return _swapped(net, changes, None if ir is None else with_node_layers(ir, changes))


@deep_walk
def _swapped(net: Any, changes: Mapping[tuple, Layer], ir: Any) -> Any:
    """``net`` holding the new layers (checked by ``replace_leaves``), and ``ir`` (None: none yet)."""
    layers, nested = dict(net._layers), {}
    for path, layer in changes.items():
        if len(path) == 1:
            layers[path[0]] = layer
        else:
            nested.setdefault(path[0], {})[path[1:]] = layer
    for name, inner in nested.items():  # each a nested graph whose leaves changed: its types inferred when first
        # read (nothing refused then: net_initialize drew the arrays to fit the solved types, net_replace_part's were
        # checked against the old arrays or the types, check_fits)
        layers[name] = reinferred(layers[name], _swapped(layers[name], inner, None), later=True)
    return net._holding(layers, net._shared_users, ir)  # no shared arrays: the users stay none


def reinferred(old: Any, new: Any, later: bool = False) -> Any:
    """``new``, graph ``old`` holding other arrays (the same structure), with its types inferred again where ``old``
    left a port unknown (the new arrays may size it; ``later``: when first read): only the inference, the graph is
    not built again."""
    inferred = old._inference
    if inferred.ports is not None and all(t.known for t in inferred.ports.values()):
        return new
    new.__dict__.update(_inference=Inference.deferred() if later else infer_net(new), _ir=None)  # an IR built anew
    return new


def types_fixed(net: Any, paths: Iterable[tuple]) -> bool:
    """Whether every port of the leaves at ``paths`` (through nested graphs only; no operator) has a known type in
    ``net``'s solution: arrays that fit those types size nothing, so every type stays (``replace_leaves``)."""
    solution = net._inference.solution(net)  # (kept: a path's leaf is found by a table made once)
    for path in paths:
        layer = net
        for name in path:
            if not is_graph(layer) or (layer := layer._layers.get(name)) is None:
                return False
        if hasattr(layer, "replace_layers") or not all(solution.type_of((path, port)).known
                                                       for port in (*layer.input_ports, *layer.output_ports)):
            return False
    return True

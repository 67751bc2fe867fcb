"""Checks of a loaded spec's arrays against its layers (``check_arrays``) and of its sizes against the
``port_elements`` limit (``check_sizes``), each problem recorded on the reader at the YAML it is about."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from netgraph.core.errors import Diagnostic, NetGraphError
from netgraph.core.layer_checks import array_shape_problems
from netgraph.core.layer_surgery import alone, is_lone_layer
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.naming_scope import naming_under, quoted
from netgraph.core.summary import node_elements
from netgraph.core.conflicts import Conflict
from netgraph.core.types import element_count
from netgraph.core.walk import map_nodes, nested_nodes
from netgraph.spec.dump import shown_layer
from netgraph.spec.problems import at_layer
from netgraph.spec.yaml_nodes import Loc

__all__ = ["check_arrays", "check_sizes", "missing_arrays", "array_misfits"]


def _error(reader: Any, path: tuple, message: str, kind: str, field: str | None = None,
           source: Diagnostic | None = None) -> None:
    """Record ``message`` (a problem of ``kind``) at the layer at ``path``'s option ``field`` (else at the layer);
    ``source``: the problem it came from."""
    file, loc = reader.layer_locs.get(path, (reader.file, Loc(1, 1)))
    spec = reader.layer_specs.get(path)
    if field is not None and field in getattr(spec, "value_locs", {}):
        loc = spec.value_locs[field]
    reader.error(loc, message, file, source, kind=kind, layer=path, option=field)


def check_arrays(reader: Any, net: Any, graph: Any) -> None:
    """Record a problem for each array that does not fit its layer and each array missing from a weights file
    that gives others of its layer (shared arrays whose users need different shapes: NetGraph refuses them).
    ``graph``: what ``check_sizes`` checked (of a layer alone, the net of it alone; None when none could be built)."""
    if graph is None:
        return
    drop = int(is_lone_layer(net))  # a layer alone: the spec's paths lack its net's one layer name
    for path, node in ((path[drop:], node) for path, node in nested_nodes(graph)):
        layer = node.layer
        if getattr(layer, "NETS", None) or not layer.ARRAYS:
            continue  # an operator: its inner layers are visited themselves
        arrays, fields = layer.arrays, layer.ARRAYS
        label = _label(path, layer)
        weights, taken = reader.arrays_from.get(path, (None, ()))  # (the missing arrays' message names the file)
        given = reader.layer_specs.get(path, {})  # 'biases: null': saved uninitialised, on purpose
        missing = [name for name, value in arrays.items()
                   if value is None and name not in layer.shared and fields[name] not in given]
        if taken and missing:
            _error(reader, path, f"{missing_arrays(label, path, weights, missing)}, or give the missing "
                   f"array{'s' if len(missing) > 1 else ''}", "missing-array")
        _shape_misfits_told(reader, node, path, layer)


def _label(path: tuple, layer: Any) -> str:
    """How a message names ``layer`` at ``path``: "layer 'a/b' (LinearLayer)"."""
    return f"layer {shown_layer(path, layer)!r} ({layer.type_name})"


def _shape_misfits_told(reader: Any, node: Any, path: tuple, layer: Any, under: tuple | None = None) -> None:
    """Each array of ``layer`` (at ``node``) whose shape does not fit the types inferred there recorded at its array's
    option in the YAML, with the weights file's key where the array came from one (none where a type is unknown:
    compiling reports it); ``under``: the prefix messages name layers under (``naming_under``)."""
    if not all(t.known for t in node.types.values()):
        return
    label = _label(path, layer)
    try:
        with naming_under(under) if under is not None else contextlib.nullcontext():
            problems = array_shape_problems(node, lambda: label, layer.arrays)
    except (NetGraphError, Conflict):
        return
    weights, taken = reader.arrays_from.get(path, (None, ()))
    names = {field: name for name, field in layer.ARRAYS.items()}
    for problem in problems:
        name = names[problem.option]
        origin = f" (key {quoted('.'.join((*path, name)))} of the weights file {quoted(weights)})" \
            if name in taken else ""
        _error(reader, path, f"{label} {problem.detail}{origin}", "array-shape", problem.option,
               at_layer(problem, path))


def bare_layers(table: dict[str, Any]) -> dict[str, Any] | None:
    """``table`` (a graph's layers) with each layer's own given arrays left out (shared ones kept; a layer that needs
    them whole); None where no layer gives one."""
    given = {name: {n: None for n, v in layer.arrays.items() if v is not None and n not in layer.shared}
             for name, layer in table.items() if not getattr(layer, "NETS", None) and getattr(layer, "ARRAYS", None)}
    given = {name: arrays for name, arrays in given.items() if arrays}
    return {**table, **{name: _bare(table[name], arrays) for name, arrays in given.items()}} if given else None


def _bare(layer: Any, arrays: dict[str, None]) -> Any:
    """``layer`` without ``arrays``; as it is where its options come from them (an EmbeddingLayer's weights=)."""
    try:
        return layer.with_arrays(arrays)
    except NetGraphError:
        return layer


def array_misfits(reader: Any, problems: list[Diagnostic], shapes: dict, prefix: tuple, made: Any,
                  table: dict[str, Any]) -> bool:
    """Where one of ``problems`` (a graph's refusal) comes from a layer's array, record each array of ``table``'s
    layers that does not fit the graph ``made(bare_layers(table), shapes)`` makes without them, as ``check_arrays``
    does: every one, each with the shape the net needs (an array stopped inference: the first alone was told).
    Whether any was recorded (else the refusal is to be told)."""
    if not any(p.option in getattr(table.get((p.layer or ("",))[0]), "ARRAYS", {}).values() for p in problems) \
            or (bare := bare_layers(table)) is None:
        return False
    try:
        with naming_under(prefix):
            graph = made(bare, shapes)
    except NetGraphError:
        return False
    before = len(reader.errors)
    for name, layer in table.items():
        node = graph.ir.node((name,)) if name in graph.layers else None
        if node is not None and layer.ARRAYS:
            path = (*prefix, name)
            _shape_misfits_told(reader, node, path, layer, prefix)
    return len(reader.errors) > before


def missing_arrays(label: str, path: tuple, weights: str | None, missing: list[str]) -> str:
    """The problem of a layer (``label``) at ``path`` whose weights file gives some of its arrays, not ``missing``."""
    keys = ", ".join(repr(".".join((*path, name))) for name in missing)
    return (f"{label} has no array {', '.join(map(repr, missing))}: the weights file {quoted(weights)} gives its other "
            f"arrays but has no {keys}; save the net again")


def _graph(reader: Any, net: Any) -> Any:
    """``net``, or of a layer alone the net of it alone (None, its problems recorded at the layer, when it cannot be
    built: arrays of other shapes than its options give)."""
    if not is_lone_layer(net):
        return net
    try:
        return alone(net)
    except NetGraphError as exc:
        for problem in exc.diagnostics:
            path = (problem.layer or ())[1:]
            _error(reader, path, problem.message, problem.kind, problem.option, dataclasses.replace(problem, layer=path))
        return None


def check_sizes(reader: Any, net: Any) -> Any:
    """Refuse arrays or per-example port values over the port_elements limit (a typo such as output: 10000000000);
    the net checked (``_graph``), for ``check_arrays``."""
    limit, drop = current_limits().port_elements, int(is_lone_layer(net))  # a layer alone: its net's layer name

    def check(node: Any) -> None:
        big = [f"port {quoted(p)} {t}" for p, t in node.types.items()
               if (element_count(t.shape) or 0) > limit]
        count = node_elements(node)
        if count is not None and count > limit:
            big.append(f"arrays of {count:.3g} elements")
        if big:
            _error(reader, node.path[drop:], f"layer {quoted(node.name)} ({node.layer.type_name}) is too large: "
                   f"{'; '.join(big)} (more than {limit} elements, the port_elements limit; "
                   f"{raise_hint('port_elements')}); check its sizes", "limit")
    graph = _graph(reader, net)
    if graph is not None:
        map_nodes(graph, check)
    return graph

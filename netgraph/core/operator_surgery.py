"""Surgery inside operators' inner nets, as ``layer_types`` and learning-rate multipliers read them.

A path ``("map", "net", "lin")`` names layer ``lin`` of the inner net that operator ``map`` holds in its option
``net``; ``("map", "net")`` names the inner net itself. ``net_extract`` reads there; ``net_replace_part``,
``net_rename``, ``net_delete`` and ``net_drop`` edit the inner net and rebuild the operator around it (which
checks the inner net's ports again), then put the operator back.

>>> from netgraph import NetGraph, NetMapOperator, LinearLayer
>>> net = NetGraph({"map": NetMapOperator(NetGraph({"lin": LinearLayer(3)}, []))}, [], Input=(5, 4))
>>> into_operator(net, ("map", "net", "lin"))
(('map',), 'net', ('lin',))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from netgraph.core.declared_inputs import inner_as_given
from netgraph.core.drop_fits import fits_checked
from netgraph.core.errors import NetGraphError, OptionError, at_layer, headed, nested
from netgraph.core.names import indexed
from netgraph.core.graph import NetGraph
from netgraph.core.layer_moves import Moves, recorded
from netgraph.core.multipliers import carry_multipliers
from netgraph.core.operator import NetOperator, specialised
from netgraph.core.conflicts import Conflict
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.rewiring import check_net, edit_at
from netgraph.core.surgery_lead import function_lead, inside_inner_net

__all__ = ["carried_edit", "into_operator", "edit_operators", "layer_in", "within", "removal_specs", "removed_layers",
           "running_inner"]


def into_operator(net: NetGraph, spec: Any) -> tuple[tuple[str, ...], str, tuple] | None:
    """(the operator's path, the option holding its inner net, the rest of ``spec``) when the tuple ``spec`` goes
    into an operator's inner net through nested graphs; None otherwise (then ``layer_path`` judges it)."""
    if not isinstance(spec, tuple):
        return None
    current: Any = net
    path: list[str] = []
    for i, part in enumerate(spec):
        if isinstance(current, NetOperator):
            return (tuple(path), part, tuple(spec[i + 1:])) if part in current.NETS else None
        if not isinstance(current, NetGraph):
            return None
        part = indexed(current.layers, part) or part
        if not isinstance(part, str) or part not in current.layers:
            return None
        path.append(part)
        current = current.layers[part]
    return None


def running_inner(net: NetGraph, path: tuple, field: str) -> NetGraph | None:
    """The inner net ``field`` of the operator at ``path`` as the net around feeds it (its inputs' types, which
    the operator's port types give, declared); None where those are not all known or do not fit (said elsewhere)."""
    node = net.ir.node(path) if net.ir.has_node(path) else None
    if node is None or not all(t.known for t in node.types.values()):
        return None
    inner = getattr(node.layer, field)
    try:
        fed = node.layer.inner_types(node.types).get(field, {})
        return specialised(inner, {p: t for p, t in fed.items() if p in inner.input_ports}, field)
    except (NetGraphError, Conflict):
        return None


def carried_edit(inner: NetGraph, as_run: NetGraph, edited: NetGraph) -> NetGraph | None:
    """``inner`` with the layers that ``edited`` (net_replace_part of ``as_run``, ``running_inner``'s ``inner``) holds
    in place of ``as_run``'s; None where the edit changed more: a port's type or coder, a rule, the layers' names."""
    if as_run is inner:
        return edited
    ports, edited_ports = as_run.port_shape_options(), edited.port_shape_options()
    if list(edited.layers) != list(as_run.layers) or ports.keys() != edited_ports.keys() or \
            any(edited_ports[port] is not value for port, value in ports.items()) or \
            edited.learning_rate_multipliers != as_run.learning_rate_multipliers:
        return None
    layers = {(name,): layer for name, layer in edited.layers.items() if layer is not as_run.layers[name]}
    return inner.replace_layers(layers) if layers else inner


def edit_operators(net: NetGraph, items: Iterable[tuple[Any, Any]], function: str,
                   edit: Callable[..., NetGraph], placed: bool = False) -> tuple[NetGraph, list]:
    """``net`` with ``edit(inner net, [(rest of spec, payload), ...])`` made in each operator that the specs of
    ``items`` ((spec, payload) pairs) go into, and the items that go into no operator, for the caller; ``placed``:
    ``edit`` also takes the operator's path and the option holding the inner net."""
    groups: dict[tuple, list[tuple[tuple, Any]]] = {}
    others = []
    for spec, payload in items:
        inside = into_operator(net, spec)
        if inside is None:
            others.append((spec, payload))
        else:
            groups.setdefault(inside[:2], []).append((inside[2], payload))
    if not groups:
        return net, others
    changes: dict[tuple, Any] = {}
    for (path, field), group in groups.items():
        op = changes.get(path, net.layer_at(path))  # an operator's other inner net may be edited already
        inner = within(net, path, field, function, lambda: edit(getattr(op, field), group,
                                                                *((path, field) if placed else ())))
        changes[path] = _operator_holding(net, path, field, function, op, inner)
    try:  # the operators' port types are inferred again, and the net around them
        return net.replace_layers(changes), others
    except NetGraphError as exc:
        lead = function_lead(function)
        if isinstance(exc, OptionError) and exc.kind == "array-shape":  # it names the array and where it lies
            raise headed(exc, lead) from None
        where = ", ".join(f"{net.describe((path, None))} (inner net {field!r})" for path, field in groups)
        raise headed(exc, f"{lead}the edit inside {where} does not fit the net around it: ") from None


def within(net: NetGraph, path: tuple, field: str, function: str, call: Callable[[], Any]) -> Any:
    """``call()``, its errors prefixed with the operator and inner net they arose in, their Diagnostics kept with
    the paths in them (relative to the inner net) made ``net``'s: ``path``, then ``field``, before them."""
    where = _inside(net, path, field, function)
    try:
        with inside_inner_net():
            return call()
    except NetGraphError as exc:
        raise nested(exc, (*path, field), where) from None


def _inside(net: NetGraph, path: tuple, field: str, function: str) -> str:
    """The header of errors arising in the inner net ``field`` of the operator at ``path``."""
    return f"{function_lead(function)}inside {net.describe((path, None))}, inner net {field!r}: "


def _operator_holding(net: NetGraph, path: tuple, field: str, function: str, op: NetOperator,
                      inner: Any) -> NetOperator:
    """Operator ``op`` (at ``path``) holding ``inner`` in ``field``; its own check's errors name it and ``field``."""
    where = _inside(net, path, field, function)
    try:
        return dataclasses.replace(op, **{field: inner})
    except NetGraphError as exc:  # about the operator (no layer named) or a layer of its inner net (below it)
        raise at_layer(nested(exc, path, where), path) from None
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{where}{exc}", kind="option-value", layer=tuple(path), option=field) from None


def layer_in(rest: tuple) -> tuple:
    """``rest`` (a path inside an inner net) when it names a layer; OptionError when it is empty, naming the
    inner net itself, which only net_replace_part can change."""
    if not rest:
        raise OptionError("the path names the inner net itself, not a layer in it; name a layer inside it "
                          "(net_replace_part replaces a whole inner net)", kind="layer-path", layer=())
    return rest


def removal_specs(net: Any, layers: Any, function: str) -> list:
    """``layers`` (one spec, or a list of them) as a list, for ``function`` (net_delete, net_drop) to remove from
    ``net``; an OptionError when ``net`` is not a net or the list is empty."""
    check_net(net, function)
    specs = layers if isinstance(layers, list) else [layers]
    if not specs:
        raise OptionError(f"{function_lead(function)}layers= is an empty list; name at least one layer",
                          option="layers", kind=VALUE_KIND)
    return specs


def removed_layers(net: NetGraph, specs: list, function: str, inside: Callable[..., tuple[NetGraph, Moves]],
                   remove: Callable[[NetGraph, list], NetGraph]) -> tuple[NetGraph, Moves]:
    """``net`` without the layers ``specs`` name, and where its layers went: those in an operator's inner net
    removed by ``inside(inner net, group, path, field) -> (new inner net, its Moves)``, the others by ``remove``
    (``edit_at``'s edit); the learning-rate multipliers carried to the new net."""
    found: dict[tuple, Moves] = {}
    edited, others = edit_operators(net, [(s, None) for s in specs], function,
                                    recorded(found, _judged_as_given(net, inside)), placed=True)
    levels: dict[tuple, dict] = {}
    removed = edit_at(edited, [s for s, _ in others], remove, function, levels) if others else edited
    moves = Moves(levels=levels, inside=found)
    return carry_multipliers([net], removed, [moves]), moves


def _judged_as_given(net: NetGraph, inside: Callable[..., tuple[NetGraph, Moves]]) -> Callable[..., Any]:
    """``inside``, whether a bridged layer's neighbours fit judged first on the inner net with the input types the
    operator gives it (alone its ports may be of unknown shape: a producer's '?'), then made on the inner net as it
    is, its own declarations kept."""
    def edit(inner: NetGraph, group: list, path: tuple, field: str) -> tuple[NetGraph, Moves]:
        given = inner_as_given(net, path, field, inner)
        if given is inner:  # the operator adds nothing: the one run judges the fits itself
            return inside(inner, group, path, field)
        inside(given, group, path, field)
        with fits_checked():
            return inside(inner, group, path, field)
    return edit

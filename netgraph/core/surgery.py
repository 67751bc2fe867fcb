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

import torch

from netgraph.core.layer import Layer
from netgraph.core.layer_surgery import (alone, as_layer_errors, by_array_name, is_lone_layer, part_in_alone,
                                        replaced_layer)
from netgraph.core.errors import OptionError, ShapeError, WiringError, did_you_mean
from netgraph.core.chain import NetChain
from netgraph.core.declared_inputs import inner_as_given, with_declared_inputs
from netgraph.core.extracted_inputs import with_input_shapes
from netgraph.core.graph import NetGraph, coerce_layer
from netgraph.core.information import information
from netgraph.core.layer_checks import removed_note
from netgraph.core.torch_array_names import array_name_hint, array_name_note
from netgraph.core.layer_moves import Moves, joined_moves
from netgraph.core.leaf_swap import replace_leaves, types_fixed
from netgraph.core.multipliers import carry_into, carry_multipliers, container_path, drop_rules_below, \
    prune_rules
from netgraph.core.operator_surgery import (carried_edit, edit_operators, into_operator, layer_in, removal_specs,
                                           removed_layers, running_inner, within)
from netgraph.core.port_options import with_port_options
from netgraph.core.replaced_arrays import (arrays_inside, arrays_named_by_caller, check_fits, check_fits_without,
                                           net_needs, refused_array)
from netgraph.core.replaced_ports import lost_declared_port, lost_path_layer
from netgraph.core.shared import NetSharedArray, check_joined_shared, shared_values
from netgraph.core.surgery_values import (array_value, check_one_value_per_shared, in_order, keys_given, port_change,
                                          users_with_changes)
from netgraph.core.surgery_lead import led_by
from netgraph.core.flattening import net_flatten
from netgraph.core.rewiring import chain_items, chain_of, check_net, drop_layers, layer_path, no_layer_or_port
from netgraph.core.surgery_rename import net_rename
from netgraph.core.surgery_take import net_take
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["net_extract", "net_replace_part", "net_rename", "net_take", "net_drop", "net_join", "net_flatten",
           "information"]


def _split_array_spec(net: NetGraph, spec: Any) -> tuple[tuple[str, ...], str | None]:
    """(layer path, array name or None) for a spec such as "lin", ("lin", "Weights") or ("enc", "lin")."""
    if isinstance(spec, tuple) and len(spec) >= 2 and isinstance(spec[-1], str):
        try:
            path = layer_path(net, spec)
            return path, None
        except WiringError as first:
            try:
                path = layer_path(net, spec[:-1])
            except WiringError:
                raise first from None  # the whole path's error says where it fails
            layer = net.layer_at(path)
            if isinstance(layer, NetGraph) and not layer.ARRAYS:  # a graph holds layers, not arrays: say which
                raise first from None
            names = layer.settable_arrays  # its arrays and the optional ones it may be given
            if spec[-1] not in names:
                nets = list(getattr(layer, "NETS", ()))
                into = f"; a path into it names its inner net first, one of {nets}" if nets else ""
                note = removed_note(layer, spec[-1]) or f"{array_name_note(spec[-1], names)}; its arrays are " \
                                                        f"{list(names)}"
                raise WiringError(f"{net.describe((path, None))} has no array {spec[-1]!r}{note}{into}",
                                  kind="unknown-array", layer=path, found=spec[-1],
                                  hint=array_name_hint(spec[-1], names, "name the array {!r}")) from None
            return path, spec[-1]
    return layer_path(net, spec), None


def net_extract(net: NetGraph, spec: Any = "All") -> Any:
    """A layer, an array (``(layer, "Weights")``, None when uninitialised) or, for ``"All"``, every array by path
    (``net.arrays``: a shared array once).
    Of a layer alone, its array by name (``"Weights"``) or every array by name."""
    if is_lone_layer(net):  # Wolfram's NetExtract[layer, "Weights"]
        with led_by("net_extract"), as_layer_errors(net):
            found = net_extract(alone(net), part_in_alone(net, spec))
        return by_array_name(found, net) if isinstance(spec, str) and spec == "All" else found
    check_net(net, "net_extract")
    if isinstance(spec, str) and spec == "All":
        return net.arrays  # a shared array once, at its first user, as information("Arrays") lists it
    with led_by("net_extract"):  # a part the net lacks, a spec naming none: the lookups' errors name no function
        return extracted(net, spec)


def extracted(net: NetGraph, spec: Any) -> Any:
    """``net_extract`` of a part of ``net`` (not "All"), its errors not led by the function's name (``net[key]``)."""
    if isinstance(spec, NetSharedArray):
        return _shared_value(net, spec.name)
    inside = into_operator(net, spec)
    if inside is not None:  # ("map", "net", "lin"): inside an operator's inner net
        path, field, rest = inside  # the inner net takes the rules naming its layers, and hands them on
        inner = carry_into(net, (*path, field), getattr(net.layer_at(path), field))
        inner = inner_as_given(net, path, field, inner)  # its layers take the shapes they have there
        return within(net, path, field, "net_extract", lambda: net_extract(inner, rest)) if rest else inner
    path, array = _split_array_spec(net, spec)
    layer = net.layer_at(path)
    if array is not None:
        return layer.arrays[array]
    part = carry_into(net, path, layer)
    if isinstance(part, NetGraph):  # the input shapes it had here
        return with_declared_inputs(part, lambda: net.layer_types(path))
    return _kept_with_input_shapes(net, path, part)


def _kept_with_input_shapes(net: NetGraph, path: tuple[str, ...], part: Any) -> Any:
    """``with_input_shapes`` of ``part``, the layer at ``path``: one object for every access (``net["t"] is
    net["t"]``), kept in the net while it holds that layer with those types (a copy of the net may share the dict)."""
    kept = net.__dict__.setdefault("_extracted", {})
    layer, inference, found = kept.get(path, (None, None, None))
    if layer is not part or inference is not net._inference:
        found = with_input_shapes(part, lambda: net.layer_types(path))
        kept[path] = (part, net._inference, found)
    return found


def _state_dict_key_note(net: NetGraph, name: str) -> tuple[str, str | None]:
    """(the message's ending, the hint) for a compiled module's state_dict key (``enc.fc.Weights``, or
    ``enc/fc/Weights``) that names an array of ``net`` by its path (layer names hold no ``.``; a flattened net's hold
    ``/``: ``enc/fc.Weights`` is tried split at ``.`` first); else ('', None)."""
    for path in dict.fromkeys([tuple(name.split(".")), tuple(name.replace("/", ".").split("."))]):
        if _is_array_path(net, path):
            return (f"; {name!r} is the array {path!r}: give that path (a whole state dict goes in by module = "
                    f"net.compile(); module.load_state_dict(state_dict), then module.to_net())",
                    f"net_replace_part(net, {{{path!r}: ...}})")
    return "", None


def _is_array_path(net: NetGraph, path: tuple[str, ...]) -> bool:
    """Whether ``path`` reaches an array of ``net`` (into operators' nets too)."""
    try:
        return len(path) >= 2 and not isinstance(net_extract(net, path), Layer)
    except WiringError:
        return False


def net_replace_part(net: NetGraph, changes: Mapping[Any, Any]) -> NetGraph:
    """Replace layers (``{"lin": LinearLayer(5)}``), arrays (``{("lin", "Weights"): w}``, same shape) or graph port
    shapes (``{"Input": 3}``); the result is re-validated once, so incompatible shapes raise a ShapeError. The keys
    apply in order (netgraph's own rule): a later one for the same part wins, one inside a layer an earlier key puts in
    changes that new layer; two setting one shared array apart (users' paths, ``NetSharedArray``) are an OptionError.
    Of a layer alone, its arrays by name (``{"Weights": w}``): the new layer."""
    if is_lone_layer(net):  # Wolfram's NetReplacePart[layer, "Weights" -> w]
        return replaced_layer(net, changes, net_replace_part)
    check_net(net, "net_replace_part")
    if not isinstance(changes, Mapping):
        raise OptionError(f"net_replace_part takes a dict {{part: new value}}, found {type(changes).__name__}",
                          option="changes", kind=VALUE_KIND)
    changes, replaced_later, inside, sources = in_order(net, changes, net_replace_part,  # a later key wins
                                                        lambda at, layer, inner: net_needs(net, at, layer, inner))
    replaced = [p for spec in changes if (p := container_path(net, spec))]  # their inner rules go with them
    shared = [(_shared_key(net, spec), (spec, value)) for spec, value in changes.items()]  # in every user, any depth
    net, items = edit_operators(net, shared, "net_replace_part", lambda inner, group, path, field: _replace_inside(
        inner, [(rest, value) for rest, (_, value) in group], lambda: running_inner(net, path, field)), placed=True)
    layers: dict[tuple, Layer] = {}
    ports: dict[str, Any] = {}
    fits: list[tuple] = []  # each array given: (path, array, value, shared name)
    later: list[list[tuple]] = []  # of each array given: the paths of the layers later keys put in
    given: list[tuple] = []  # each array given: (the user's key, shared name, the part it names, value)
    with led_by("net_replace_part"):  # a part the net lacks, a value that does not fit: named by the function
        for spec, (key, value) in items:
            change, path, array = _replaced_part(net, spec, value)
            if change is not None:
                ports.update([change])
                continue
            shared = None if array is None else net.layer_at(path).shared.get(array)
            if array is None:
                layers[path] = value
                continue
            new = array_value(net, path, array, value, spec.name if isinstance(spec, NetSharedArray) else None)
            fits.append((path, array, new, shared))
            later.append(replaced_later(spec))
            given += keys_given(net, key, path, array, shared, new, sources)
        check_one_value_per_shared(given)  # two users' keys with different values: one edit would be lost
        resizing = bool(ports or layers)  # a new layer or port type: arrays checked against the net changed
        new_layers = dict(layers)
        if not resizing:  # only arrays change: each against the one it replaces
            check_fits(net, fits)
        for (path, array, new, shared), skipped in zip(fits, later):
            users: dict[tuple, dict[str, torch.Tensor]] = {}  # every user of a shared array (an operator: all too)
            for user, name in users_with_changes(net, new_layers, shared, skipped) if shared else [(path, array)]:
                users.setdefault(user, {})[name] = new
            for user, arrays in users.items():
                try:
                    layers[user] = layers.get(user, net.layer_at(user)).with_arrays(arrays)
                except OptionError as exc:  # a new layer's options refuse it: told with the shape the net needs
                    if exc.kind == "array-shape" and user in new_layers:
                        check_fits_without(net, new_layers, [(path, array, new, shared)],
                                           {**net.port_shape_options(), **ports} if ports else {})
                    raise
    declared = {**net.port_shape_options(), **ports}
    if ports and layers:  # {layer: new, "Output": n} (Wolfram's way to change both): the old port types go first
        net = with_port_options(net, {p: t for p, t in net.port_shape_options().items() if p not in ports})
    try:
        # the net rebuilt: its ShapeErrors and coder-clashes name the function; an array that does not fit: below
        with led_by("net_replace_part"), arrays_named_by_caller():
            if layers and not resizing and types_fixed(net, layers):  # fitted arrays whose layers' types are known
                result = replace_leaves(net, layers)  # (the types stay: no inference, no walk over the layers)
            else:
                result = net.replace_layers(layers) if layers else net
            result = with_port_options(result, declared) if ports else result
            if resizing:  # against the types of the net with every change made
                check_fits(result, fits, fresh=True)
    except WiringError as exc:
        raise lost_declared_port(net, layers, exc) or lost_path_layer(net, layers, exc) or exc from None
    except ShapeError:  # an array given that does not fit: said as its key alone says it, else the conflict
        with led_by("net_replace_part"):  # the net rebuilt once without the arrays given and the layers' own
            refused = refused_array(net, layers, "net_replace_part", [*fits, *arrays_inside(layers, inside)],
                                    declared if ports else {})
            if refused is not None:
                raise refused from None
        raise
    return prune_rules(drop_rules_below(result, replaced) if replaced else result)  # a layer now without arrays


def _replaced_part(net: NetGraph, spec: Any, value: Any) -> tuple[tuple[str, Any] | None, tuple, str | None]:
    """What ``spec`` names in ``net``: ``(port change, (), None)`` for a graph port, else ``(None, layer path,
    array name or None)``; WiringError when it names nothing there."""
    if (change := port_change(net, spec, value)) is not None:
        return change, (), None
    if isinstance(spec, str) and spec not in net.layers:
        raise no_layer_or_port(net, spec, (*net.input_ports, *net.output_ports), "graph port",
                               *_state_dict_key_note(net, spec))
    if isinstance(spec, NetSharedArray):  # a lookup in the net's table: no copy of every shared array's per key
        if spec.name not in net._shared_users:
            _shared_value(net, spec.name)  # an unknown name is an error
        return None, *net._shared_users[spec.name][0]
    return None, *_split_array_spec(net, spec)


def _shared_key(net: NetGraph, spec: Any) -> Any:
    """``NetSharedArray(name)`` for a spec naming a shared array in an operator's inner net (its users may lie
    outside that net), else ``spec``."""
    inside = into_operator(net, spec)
    if inside is None or not inside[2]:
        return spec
    path, field, rest = inside
    inner = getattr(net.layer_at(path), field)
    key = _shared_key(inner, rest)
    if key is not rest:
        return key
    try:
        layer_at, array = _split_array_spec(inner, rest)
    except WiringError:
        return spec  # the edit itself reports it, naming the operator
    name = inner.layer_at(layer_at).shared.get(array) if array else None
    return NetSharedArray(name) if name else spec


def _replace_inside(inner: NetGraph, group: list[tuple[tuple, Any]], running: Any) -> NetGraph:
    """net_replace_part inside an operator: a whole new inner net (an empty path), then the parts in it; parts in
    the inner net given made once in it as the operator's ports make it run (``running()``: its ports' types
    declared), so that an array is checked against the shapes the net around gives it (``carried_edit``)."""
    whole = [value for rest, value in group if not rest]
    new = whole[-1] if whole else inner
    parts = {rest: value for rest, value in group if rest}
    if parts and not whole and (as_run := running()) is not None:
        if (carried := carried_edit(inner, as_run, net_replace_part(as_run, parts))) is not None:
            return carried
    return net_replace_part(new, parts) if parts else new


def _shared_value(net: NetGraph, name: str) -> Any:
    values = shared_values(net)
    if name not in values:
        raise WiringError(f"the net has no shared array {name!r}{did_you_mean(name, values)}; "
                          f"its shared arrays: {sorted(values)}", kind="unknown-array", found=name)
    return values[name]


def net_drop(net: NetGraph, layers: Any) -> NetGraph:
    """The net without the given layers (a name, 1-based index or tuple path; a list for several).

    An interior layer's producer then feeds its consumers directly, when its input and output have the
    same type; otherwise a ShapeError names the layer and both types (never a silent rewiring). Dropped
    heads leave their consumers' ports as graph inputs, dropped tails their producers' outputs as graph outputs.
    """
    check_net(net, "net_drop")
    with led_by("net_drop"):  # a layer the net lacks, one that cannot be bridged: the errors name the function
        return _dropped(net, layers)[0]


def _dropped(net: NetGraph, layers: Any) -> tuple[NetGraph, Moves]:
    """``net_drop``, and where the layers went."""
    return removed_layers(net, removal_specs(net, layers, "net_drop"), "net_drop",
                          lambda inner, group, *_: _dropped(inner, [layer_in(r) for r, _ in group]), drop_layers)


def net_join(*nets: Any) -> NetChain:
    """Sequential composition (NetJoin): a NetChain of the arguments' layers in order.

    Chains are spliced (their layers join the result), graphs, layers and shorthands come in as one layer each.
    Every argument but the first needs one input, every one but the last one output. Layer names that
    repeat are renamed ``name_2``, ``name_3``, ... (Wolfram's auto-renaming); numbered layers are renumbered.
    One list or tuple given alone is the nets: ``net_join([a, b])`` is ``net_join(a, b)``.
    """
    if len(nets) == 1 and isinstance(nets[0], (list, tuple)):
        nets = tuple(nets[0])
    if len(nets) < 2:
        raise WiringError("net_join needs at least two nets or layers", kind="layer-argument")
    nets = tuple(coerce_layer(n, f"net_join: argument {i}") for i, n in enumerate(nets, 1))
    for i, n in enumerate(nets, 1):
        if i > 1 and len(n.input_ports) != 1:
            raise WiringError(f"net_join: net {i} must have exactly one input, found {list(n.input_ports)}",
                              kind="port-count", expected=1, found=len(n.input_ports))
        if i < len(nets) and len(n.output_ports) != 1:
            raise WiringError(f"net_join: net {i} must have exactly one output, found {list(n.output_ports)}",
                              kind="port-count", expected=1, found=len(n.output_ports))
    check_joined_shared(nets)
    items = [item for n in nets for item in (chain_items(n) if isinstance(n, NetChain) else [(None, n)])]
    with led_by("net_join"):  # the joined chain's ShapeErrors name the function
        joined = chain_of(items, _end_shapes(nets[0], nets[-1]))
        if any(isinstance(n, NetChain) and n.port_shape_options() for n in nets):
            NetChain(list(nets))  # a spliced chain's declared ports must still hold: the nested chain checks them
    spliced = [list(n.layers) if isinstance(n, NetChain) else None for n in nets]
    return carry_multipliers(nets, joined, joined_moves(spliced, list(joined.layers)))


def _end_shapes(first: Any, last: Any) -> dict[str, Any]:
    """The declared types of the first net's inputs and the last net's outputs."""
    shapes = {}
    if isinstance(first, NetGraph):
        shapes.update({p: t for p, t in first.port_shape_options().items() if p in first.input_ports})
    if isinstance(last, NetGraph):
        shapes.update({p: t for p, t in last.port_shape_options().items() if p in last.output_ports})
    return shapes

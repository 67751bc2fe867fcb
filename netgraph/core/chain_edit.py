"""NetChain editing (Wolfram's NetAppend, NetPrepend, NetInsert, NetDelete) and NetReplace by layer type.

Every function returns a new, re-validated net; the input is unchanged. Numbered chains stay numbered,
named chains keep their names (added layers are named by position unless given as ``{"name": layer}``; a name
a layer has is refused).

>>> from netgraph import NetChain, LinearLayer, ElementwiseLayer
>>> chain = NetChain([LinearLayer(3), "Ramp"], input=2)
>>> net_append(chain, LinearLayer(1)).output_shapes
{'Output': (1,)}
>>> net_replace(chain, {ElementwiseLayer: "Tanh"}).layers["2"].function
'Tanh'
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.chain import NetChain
from netgraph.core.errors import (NetGraphError, OptionError, ShapeError, WiringError, at_layer, did_you_mean,
                                  headed, nested, with_article)
from netgraph.core.graph import NetGraph, coerce_layer
from netgraph.core.integers import plain_int
from netgraph.core.layer import REGISTRY, Layer
from netgraph.core.layer_moves import Moves, recorded
from netgraph.core.multipliers import carry_multipliers, prune_rules
from netgraph.core.operator import NetOperator
from netgraph.core.peripheral_coders import coders_back
from netgraph.core.operator_surgery import edit_operators, layer_in, removal_specs, removed_layers
from netgraph.core.naming_scope import quoted
from netgraph.core.port_paths import no_output, shown_path
from netgraph.core.ports import NetPort, declared_where_needed
from netgraph.core.port_options import with_port_options
from netgraph.core.rewiring import chain_items, chain_of, check_net, drop_layers, layer_path, put_back, subgraph
from netgraph.core.surgery import net_replace_part
from netgraph.core.surgery_take import taken
from netgraph.core.surgery_lead import editing_inner_net, function_lead, headed_here, led_by
from netgraph.core.types import PortType
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.user_functions import called_for_layer
from netgraph.core.wording import few_names

__all__ = ["net_append", "net_prepend", "net_insert", "net_delete", "net_replace"]


def net_append(chain: NetGraph, layers: Any, at: Any = None) -> NetGraph:
    """The chain with ``layers`` (a layer or shorthand, a list of them, or a dict by name) added at the end;
    ``at`` (a name, 1-based index or tuple path, as ``net_delete`` takes) names a chain nested in ``chain``."""
    return _edit_chain(chain, at, "net_append", lambda inner: _insert(inner, layers, None, "net_append"))[0]


def net_prepend(chain: NetGraph, layers: Any, at: Any = None) -> NetGraph:
    """The chain with ``layers`` (as for ``net_append``) added at the front; the chain's input takes their input."""
    return _edit_chain(chain, at, "net_prepend", lambda inner: _insert(inner, layers, 1, "net_prepend"))[0]


def net_insert(chain: NetGraph, layers: Any, position: Any) -> NetGraph:
    """The chain with ``layers`` inserted before layer ``position`` (1-based index or name; ``len + 1`` appends);
    a negative index counts from the end, as Wolfram's NetInsert (as Insert): the layers land after that layer
    (``-1`` appends, ``-(len + 1)`` prepends). A tuple path ``("enc", "act")`` inserts into the chain ``enc``
    nested in ``chain``, as ``net_delete`` reaches it (the outer net may be a NetGraph)."""
    if isinstance(position, tuple) and position:
        at, position = position[:-1] or None, position[-1]  # (its errors say which chain: see ``_edited_at``)
        return _edit_chain(chain, at, "net_insert", lambda inner: _insert_at(inner, layers, position))[0]
    return _insert_at(chain, layers, position)[0]


def _insert_at(chain: NetChain, layers: Any, position: int | str) -> tuple[NetChain, Moves]:
    """``net_insert`` into ``chain``."""
    _check_chain(chain, "net_insert")
    count = len(chain.layers)
    position = plain_int(position)  # numpy's integers too
    if isinstance(position, str):
        if position not in chain.layers:
            raise OptionError(f"{function_lead('net_insert')}position= {quoted(position)}"
                              f"{did_you_mean(position, chain.layers)} is no layer of this chain; its "
                              f"layers are {few_names(list(chain.layers))}", option="position", kind=VALUE_KIND,
                              layer=())
        position = list(chain.layers).index(position) + 1
    elif isinstance(position, bool) or not isinstance(position, int) or not -count - 1 <= position <= count + 1 \
            or position == 0:
        raise OptionError(f"{function_lead('net_insert')}position= must be a layer name or an index from 1 to "
                          f"{count + 1} (the end), or from {-count - 1} (before the first) to -1 (the end) counting "
                          f"from the end as Wolfram's NetInsert; found {position!r:.60}", option="position",
                          kind=VALUE_KIND, layer=())
    elif position < 0:
        position += count + 2  # Insert's rule: the new layers land at that position counted from the end
    return _insert(chain, layers, position, "net_insert")


def _edit_chain(net: NetGraph, at: Any, function: str,
                edit: Callable[[NetChain], tuple[NetChain, Moves]]) -> tuple[NetGraph, Moves]:
    """``edit`` made to ``net`` (``at`` None) or to the chain at path ``at`` inside it (through nested graphs and
    operators' inner nets), which keeps its place and its ports' names, and where the layers went; an OptionError
    when no chain is there."""
    if at is None:
        return edit(net)
    check_net(net, function)
    found: dict[tuple, Moves] = {}
    edited, others = edit_operators(net, [(at, None)], function, recorded(
        found, lambda inner, group, *_: _edit_chain(inner, group[0][0] or None, function, edit)), placed=True)
    if not others:
        return carry_multipliers([net], edited, [Moves(inside=found)]), Moves(inside=found)
    path = layer_path(net, at, function)
    inner = coders_back(net, path)  # as built: the edit keeps its coders as it would alone
    if not isinstance(inner, NetChain):
        raise OptionError(f"{function_lead(function)}the layer at {shown_path(path)!r} is "
                          f"{with_article(inner.type_name)}, not a NetChain; at= (or a path position=) names a chain "
                          f"to edit", option="at", kind=VALUE_KIND, layer=tuple(path))
    new, moves = _edited_at(path, edit, inner, function)
    renamed_inputs = set(new.input_ports) != set(inner.input_ports)
    if renamed_inputs:  # as a flat chain's declared input: the new inputs take what the chain's input took here
        new, moves = _edited_at(path, edit, _with_placed_inputs(net, path, inner), function)
    moves, placed = Moves(inside={path: moves}), [Moves(prefix=path)]
    try:  # the chain keeps its place; the net around it infers its types again
        if renamed_inputs or set(new.output_ports) != set(inner.output_ports):  # rewired as a closed-up chain, but
            return carry_multipliers([net, new], put_back(net, path, new, _new_head(inner, new)), [moves, *placed]), \
                moves  # a new head is fed
        return carry_multipliers([net, new], net.replace_layers({path: new}), [moves, *placed]), moves
    except NetGraphError as exc:
        header = (f"{function_lead(function)}the edited chain at {shown_path(path)!r} does not fit the net "
                  f"around it: ")
        raise headed(exc, header) from None


def _edited_at(path: tuple, edit: Callable[[NetChain], tuple[NetChain, Moves]], chain: NetChain, function: str
               ) -> tuple[NetChain, Moves]:
    """``edit(chain)`` for the chain at ``path``: its errors say they arose in that chain, and the layers they name
    (``()``: the chain) are named from the net holding it."""
    header = f"{function_lead(function)}in the chain {shown_path(path)!r}: "
    try:
        with headed_here(function):
            return edit(chain)
    except NetGraphError as exc:
        raise nested(exc, path, header) from None


def _new_head(old: NetChain, new: NetChain) -> dict[str, str]:
    """The chain's one input -> the edited chain's one input of another name (a head put in front): what fed the
    chain feeds that, as in a flat chain; none when either has several (which new input would take it?)."""
    gone, added = set(old.input_ports) - set(new.input_ports), set(new.input_ports) - set(old.input_ports)
    return {gone.pop(): added.pop()} if len(gone) == len(added) == 1 == len(new.input_ports) else {}


def _with_placed_inputs(net: NetGraph, path: tuple, chain: NetChain) -> NetChain:
    """``chain`` (at ``path`` in ``net``) with the input shapes it has there declared, where it knows less alone."""
    types, own = net.layer_types(path), chain.port_types
    shapes = {p: types[p].shape for p in chain.input_ports
              if types[p].shape is not None and types[p].shape != own[p].shape}
    return with_port_options(chain, {**chain.port_shape_options(), **shapes}) if shapes else chain


def _check_chain(chain: Any, function: str) -> None:
    check_net(chain, function)
    if not isinstance(chain, NetChain):  # inside an operator's inner net: its errors are headed by the function
        what = "the inner net is" if editing_inner_net() else f"{function} edits a NetChain; found"
        raise OptionError(f"{what} a NetGraph, whose layers are placed by its edges (build a new NetGraph, or use "
                          f"net_join)", option="chain", kind=VALUE_KIND, layer=())


def _new_items(layers: Any, function: str) -> list[tuple[str | None, Layer]]:
    """The layers to add as ``(name or None, layer)``; an OptionError naming ``layers`` for anything else."""
    if isinstance(layers, Mapping):
        bad = [k for k in layers if not isinstance(k, str)]
        if bad or not layers:
            raise OptionError(f"{function_lead(function)}layers= as a dict maps names (strings) to layers, found "
                              f"{dict(layers)!r:.80}", option="layers", kind=VALUE_KIND)
        return [(name, coerce_layer(layer, f"{function_lead(function)}layers[{quoted(name)}]"))
                for name, layer in layers.items()]
    listed = layers if isinstance(layers, list) else [layers]
    if not listed:
        raise OptionError(f"{function_lead(function)}layers= is an empty list; give a layer, a list or a dict of "
                          f"layers",
                          option="layers", kind=VALUE_KIND)
    lead = function_lead(function)
    return [(None, coerce_layer(layer, f"{lead}layers[{i}]" if isinstance(layers, list) else f"{lead}layers="))
            for i, layer in enumerate(listed)]


def _insert(chain: NetChain, layers: Any, position: int | None, function: str) -> tuple[NetChain, Moves]:
    _check_chain(chain, function)
    items = chain_items(chain)
    at = len(items) if position is None else position - 1
    added = _new_items(layers, function)
    _check_names(items, at, added, function)
    kept = _kept_shapes(chain, keep_inputs=at > 0, keep_outputs=at < len(items))
    fed = _fed_inputs(chain, [layer for _, layer in added], function) if at == 0 else {}
    with led_by(function):  # the rebuilt chain's ShapeErrors name the function
        result = declared_where_needed(lambda types: chain_of(items[:at] + added + items[at:], {**kept, **types}), fed)
    names = list(result.layers)
    moves = Moves(levels={(): dict(zip(chain.layers, names[:at] + names[at + len(added):]))})
    placed = [Moves(prefix=(name,)) for name in names[at:at + len(added)]]
    return carry_multipliers([chain, *[n for _, n in added]], result, [moves, *placed]), moves


def _check_names(items: list[tuple[str | None, Layer]], at: int, added: list[tuple[str | None, Layer]],
                 function: str) -> None:
    """An OptionError for an added name that a layer of the chain has, or takes as its number in a numbered chain
    (Wolfram's NetInsert refuses an existing key; renaming the chain's layer instead would surprise)."""
    held = {}
    for i, (name, layer) in enumerate(items, 1):
        if name is not None:
            held[name] = f"the chain has a layer named {quoted(name)} ({layer.type_name})"
        else:
            number = str(i + len(added) if i > at else i)
            held[number] = (f"the name {number!r} is the number the chain's layer {i} ({layer.type_name}) takes "
                            f"after the edit (a numbered chain is renumbered)")
    for name, _ in added:
        if name in held:
            raise OptionError(f"{function_lead(function)}{held[name]}; give the added layer another name, as a "
                              f"chain's layer names are unique", option="layers", kind="name-clash", layer=())


def _fed_inputs(chain: NetChain, added: list[Layer], function: str) -> dict[str, Any]:
    """Input types for a chain with ``added`` in front: the chain's declared input (now fed by the added layers)
    still holds for its first layer, as Wolfram's layers keep their inferred types, so the added layers' inputs
    take what it implies (a Plus in front of ``input=2`` takes two 2-vectors); ShapeError when they cannot feed it."""
    first = next(iter(chain.layers))
    declared = {p: t for p, t in chain.port_shape_options().items() if p in chain.layers[first].input_ports}
    if not declared:
        return {}
    try:
        guide = NetChain([*added, chain])  # the chain nested keeps its declaration; its types are the flat chain's
    except ShapeError:
        shown = ", ".join(f"{p} {_type_text(chain.port_types[p])}" for p in declared)
        try:
            alone = NetChain(added)
            gives = f"give {_type_text(alone.port_types[alone.output_ports[0]])}"
        except NetGraphError:
            gives = "cannot give that"
        raise ShapeError(f"{function_lead(function)}the chain's first layer {quoted(first)} "
                         f"({chain.layers[first].type_name}) takes "
                         f"{shown} (the chain's declared input, which stays its layer's), but the added layers "
                         f"{gives}; declare the input anew with a NetChain of all the layers", kind="shape",
                         layer=(first,)) from None
    except NetGraphError:
        return {}  # not a shape the added layers miss: the flat chain says what is wrong, if anything
    return {p: t for p, t in guide.port_types.items() if p in guide.input_ports and t.shape is not None}


def _type_text(t: PortType) -> str:
    """A port type as messages write it, its dtype said when the shape is unknown (an encoder's ``() Integer``)."""
    return f"{t} {t.dtype}" if t.shape is None and t.dtype is not None else str(t)


def _kept_shapes(chain: NetChain, keep_inputs: bool, keep_outputs: bool) -> dict[str, Any]:
    """The chain's declared port types that still describe the same layer's ports after an edit."""
    first, last = next(iter(chain.layers.values())), list(chain.layers.values())[-1]
    kept = {}
    for port, t in chain.port_shape_options().items():
        if port in first.input_ports and not keep_inputs or port in last.output_ports and not keep_outputs:
            continue
        kept[port] = t
    return kept


def net_delete(net: NetGraph, layers: Any) -> NetGraph:
    """The net without ``layers`` (a name, 1-based index or tuple path; a list for several), or without graph
    output ports (``NetPort("Output1")``: Wolfram's NetDelete[graph, NetPort[...]]).

    In a chain the remaining layers close up and their shapes are inferred again; in a graph it is
    ``net_drop`` (an interior layer is bridged only when its neighbours' ports fit).
    """
    check_net(net, "net_delete")
    with led_by("net_delete"):  # a layer the net lacks, one that cannot be bridged: the errors name the function
        return _deleted(net, layers, "net_delete")[0]


def _deleted(net: NetGraph, layers: Any, function: str) -> tuple[NetGraph, Moves]:
    """``net_delete`` for the public ``function`` (net_delete, net_replace deleting), and where the layers went."""
    specs = removal_specs(net, layers, function)
    if any(isinstance(s, NetPort) and s.layer is None for s in specs):
        return _without_outputs(net, specs, function)
    return removed_layers(net, specs, function,
                          lambda inner, group, *_: _deleted(inner, [layer_in(r) for r, _ in group], function),
                          _close_up)


def _without_outputs(net: NetGraph, specs: list, function: str) -> tuple[NetGraph, Moves]:
    """Wolfram's NetDelete[graph, NetPort["name"]]: the net without those graph outputs, and without the layers
    that computed only them (``net_take`` of the other outputs, which keep their names)."""
    lead = function_lead(function)
    if not all(isinstance(s, NetPort) and s.layer is None for s in specs):
        raise WiringError(f"{lead}layers= takes layers or graph output ports, not both in one call; found "
                          f"{quoted(specs)}",
                          kind="endpoint-form", found=specs)
    outputs = net.output_ports
    unknown = [s.port for s in specs if s.port not in outputs]
    if unknown:
        raise WiringError(f"{lead}{no_output(unknown[0], outputs)}", kind="unknown-port", layer=(), port=unknown[0])
    rest = [o for o in outputs if o not in {s.port for s in specs}]
    if not rest:
        raise WiringError(f"{lead}deleting {quoted(specs)} would remove every output of the net "
                          f"({few_names(list(outputs))})",
                          kind="no-output", found=specs)
    return taken(net, rest)


def _close_up(inner: NetGraph, names: list[str]) -> NetGraph:
    if isinstance(inner, NetChain):
        return subgraph(inner, set(inner.layers) - set(names))
    return drop_layers(inner, names)


def net_replace(net: NetGraph, rules: Any) -> NetGraph:
    """Replace layers by type at any depth (NetReplace): ``{ElementwiseLayer: ElementwiseLayer("Tanh")}``.

    ``rules`` maps a layer class (or a tuple of classes) to a layer or shorthand, to a function of the
    matched layer giving its replacement, or to None (delete the layer); the first matching rule wins.
    ``rules`` may also be one function of a layer, returning a replacement or None (keep the layer). A
    matched graph or operator is replaced whole; others (operators' inner nets too) are searched inside.
    Matching nothing warns, as Wolfram does.
    """
    check_net(net, "net_replace")
    rule = _rule(rules)
    changes: dict[tuple, Layer] = {}
    deleted: list[tuple] = []
    _collect(net, (), rule, changes, deleted)
    if not changes and not deleted:
        warnings.warn(f"net_replace: no layer matched {rules!r:.100}; the net is unchanged", stacklevel=2)
        return net
    result, others = edit_operators(net, changes.items(), "net_replace",
                                    lambda inner, group: net_replace_part(inner, dict(group)))
    with led_by("net_replace"):  # the rebuild, and deleting (a layer that cannot be bridged)
        result = prune_rules(result.replace_layers(dict(others))) if others else result
        return _deleted(result, deleted, "net_replace")[0] if deleted else result


_KEEP = object()


def _rule(rules: Any) -> Callable[[Layer], Any]:
    """``rules`` as one function: layer -> replacement layer, None (delete) or _KEEP."""
    if callable(rules) and not isinstance(rules, (type, Layer)):
        return lambda layer: _KEEP if (new := rules(layer)) is None or new is layer else new
    if not isinstance(rules, Mapping) or not rules:
        raise OptionError(f"net_replace: rules= must be a dict {{layer class: replacement}} or a function of a layer, "
                          f"found {rules!r:.80}", option="rules", kind=VALUE_KIND)
    for key in rules:
        classes = key if isinstance(key, tuple) else (key,)
        if not classes or not all(isinstance(c, type) and issubclass(c, Layer) for c in classes):
            bad = next(c for c in classes if not (isinstance(c, type) and issubclass(c, Layer))) if classes else key
            raise OptionError(f"net_replace: each rule's key must be a layer class or a tuple of them, found "
                              f"{key!r:.60}; {_class_hint(bad)}", option="rules", kind=VALUE_KIND)

    def apply(layer: Layer) -> Any:
        for key, value in rules.items():
            if isinstance(layer, key):
                if value is None:
                    return None
                return value(layer) if callable(value) and not isinstance(value, (type, Layer)) else value
        return _KEEP
    return apply


def _class_hint(key: Any) -> str:
    """What to write for a rule key that is no layer class: the class it names or makes, else a registered one."""
    if isinstance(key, str) and isinstance(REGISTRY.get(key), type):
        return f"use the class {key} itself, not its name"
    try:
        layer = key if isinstance(key, Layer) else \
            coerce_layer(key, "a rule key") if isinstance(key, (str, int)) else None
    except NetGraphError:
        layer = None
    if layer is not None:
        name = type(layer).__name__
        return (f"{key!r:.40} gives a layer of class {name}: use that class (every {name} matches), or a function "
                f"rule to pick some: net_replace(net, lambda layer: new_layer if layer == {layer!r:.60} else None)")
    example = REGISTRY.get("ElementwiseLayer") or next(iter(REGISTRY.values()))
    hint = did_you_mean(key, list(REGISTRY)) if isinstance(key, str) else ""
    return f"use a class such as {example.__name__}{hint}"


def _collect(net: NetGraph, prefix: tuple, rule: Callable[[Layer], Any], changes: dict, deleted: list) -> None:
    for name, layer in net.layers.items():
        new = called_for_layer(rule, layer, (*prefix, name), "net_replace: the replacement function", "rules",
                               layer.type_name)
        if new is None:
            deleted.append((*prefix, name))
        elif new is not _KEEP:
            try:
                changes[(*prefix, name)] = coerce_layer(new, f"net_replace: the replacement for {layer.type_name}")
            except OptionError as exc:  # named by the layer it was to replace
                raise at_layer(exc, (*prefix, name)) from None
        elif isinstance(layer, NetGraph):
            _collect(layer, (*prefix, name), rule, changes, deleted)
        elif isinstance(layer, NetOperator):  # an operator not matched itself: its inner nets are searched
            for field in layer.NETS:
                _collect(getattr(layer, field), (*prefix, name, field), rule, changes, deleted)

"""Surgery on a layer alone, as on the net of that layer alone: Wolfram's ``NetExtract[layer, "Weights"]`` and
``NetReplacePart[layer, "Weights" -> w]``. An array is named by its name (``"Weights"``), or by a path into an
operator's inner net (``("net", "layer", "Weights")``), as ``layer.information()`` keys them.

>>> from netgraph import LinearLayer
>>> net, spec = alone(LinearLayer(3, input=2)), in_alone(LinearLayer(3), "Weights")
>>> list(net.layers), spec
(['LinearLayer'], ('LinearLayer', 'Weights'))
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from netgraph.core.array_rules import WILDCARDS, matches, rule_pattern
from netgraph.core.errors import NetGraphError, OptionError, WiringError, did_you_mean
from netgraph.core.given_shapes import given_shapes, with_given_shapes
from netgraph.core.graph import NetGraph
from netgraph.core.information import all_arrays
from netgraph.core.layer import Layer
from netgraph.core.naming_scope import quoted
from netgraph.core.port_paths import inner_net_first
from netgraph.core.shared import NetSharedArray
from netgraph.core.surgery_lead import led_by
from netgraph.core.surgery_values import array_value

__all__ = ["is_lone_layer", "alone", "as_net", "in_alone", "part_in_alone", "by_array_name", "replaced_layer",
           "rules_in_alone", "as_layer_errors"]


def is_lone_layer(value: Any) -> bool:
    """Whether ``value`` is a layer that is no net (a NetGraph or NetChain is a layer too)."""
    return isinstance(value, Layer) and not isinstance(value, NetGraph)


def alone(layer: Layer) -> NetGraph:
    """The net of ``layer`` alone, named by its type, with the port shapes it had where it was taken from."""
    return NetGraph({layer.type_name: layer}, [], **given_shapes(layer))


def as_net(value: Any) -> Any:
    """``value``, or the net of it alone when it is a layer that is no net (``alone``)."""
    return alone(value) if is_lone_layer(value) else value


def in_alone(layer: Layer, spec: Any) -> Any:
    """``spec`` about ``layer`` (an array name, a path into it, a shared array, ``"All"``) as the same spec about
    its net ``alone(layer)``."""
    if isinstance(spec, NetSharedArray) or (isinstance(spec, str) and spec == "All"):
        return spec
    return (layer.type_name, *spec) if isinstance(spec, tuple) else (layer.type_name, spec)


def part_in_alone(layer: Layer, spec: Any) -> Any:
    """``in_alone(layer, spec)`` for a spec naming a part of ``layer`` (net_extract, net_replace_part); a layer path
    is a WiringError about the layer: one into a layer that holds no layers, or not starting at an operator's inner
    net (the path into ``alone(layer)`` would name that net, which the caller never wrote)."""
    parts = spec if isinstance(spec, tuple) else (spec,)
    nets, by_name = list(getattr(layer, "NETS", ())), isinstance(spec, (str, NetSharedArray))  # an array's name
    if nets and not by_name and parts and parts[0] not in nets:
        raise WiringError(f"a path into {layer.type_name} {inner_net_first(parts[0], nets)}", kind="layer-path",
                          layer=(), found=parts[0])
    if not nets and not by_name and (len(parts) > 1 or parts and not isinstance(parts[0], str)):
        arrays = list(layer.settable_arrays)
        shown = ", ".join(map(repr, arrays[:-1])) + " or " * (len(arrays) > 1) + repr(arrays[-1]) if arrays else ""
        which = f"name one of its arrays, {shown}" if arrays else "it has no arrays"
        raise WiringError(f"{layer.type_name} is a layer, not a net: it holds no layers, so {spec!r:.80} names "
                          f"nothing in it; {which}", kind="layer-path", layer=(), found=spec)
    return in_alone(layer, spec)


@contextmanager
def as_layer_errors(layer: Layer) -> Iterator[None]:
    """Errors raised about ``alone(layer)`` as about ``layer``: its description there ("layer 1 'LinearLayer'
    (LinearLayer)", a net the caller never wrote) becomes the layer's type, and the Diagnostics' layer paths lose it."""
    try:
        yield
    except NetGraphError as exc:
        name = layer.type_name
        said = alone(layer).describe(((name,), None))

        def mine(d: Any) -> Any:
            path = d.layer[1:] if d.layer and d.layer[0] == name else d.layer
            return dataclasses.replace(d, message=d.message.replace(said, name), layer=path)
        new = copy.copy(exc)
        new.args = (str(exc).replace(said, name), *exc.args[1:])
        new.errors, new.diagnostics = [e.replace(said, name) for e in exc.errors], [mine(d) for d in exc.diagnostics]
        raise new from None


def by_array_name(arrays: dict, layer: Layer) -> dict:
    """``alone(layer)``'s arrays by path as ``layer``'s: ``"Weights"``, a path below an operator without the layer."""
    name = layer.type_name
    return {(k[1] if len(k) == 2 else k[1:]) if k[:1] == (name,) else k: v for k, v in arrays.items()}


def replaced_layer(layer: Layer, changes: Any, replace: Any) -> Layer:
    """``layer`` with the arrays ``changes`` names replaced by ``replace`` (net_replace_part) in ``alone(layer)``; a
    port name is an OptionError (a layer's port shapes are its options), as is anything but a dict."""
    if not isinstance(changes, Mapping):
        raise OptionError(f"net_replace_part takes a dict {{part: new value}}, found {type(changes).__name__}",
                          kind="value-type", expected="a dict", found=type(changes).__name__)
    for spec in changes:
        if isinstance(spec, str) and spec in (*layer.input_ports, *layer.output_ports):
            raise OptionError(f"net_replace_part of a layer replaces its arrays; {spec!r} is a port of "
                              f"{layer.type_name}: give the shape as the layer's option or to a net of it "
                              f"(NetGraph(layer, {spec}=...))", option=spec, kind="unknown-array", found=spec)
    with led_by("net_replace_part"), as_layer_errors(layer):
        net = alone(layer)
        for spec, value in changes.items():  # a NetSharedArray for one of its arrays: the advice names the layer
            if isinstance(value, NetSharedArray) and isinstance(spec, str) and spec in layer.settable_arrays:
                array_value(net, (layer.type_name,), spec, value, lone=True)  # (no net's key: the user wrote none)
        net = replace(net, {part_in_alone(layer, spec): value for spec, value in changes.items()})
    return with_given_shapes(net.layers[layer.type_name], given_shapes(layer))


def rules_in_alone(layer: Layer, rules: Any, option: str) -> Any:
    """Array rules about ``layer`` (learning-rate multipliers: a dict or (key, r) pairs; a number as given) as the
    same rules about ``alone(layer)``. A key that names no array of the layer is an OptionError naming its arrays
    (the net's own check would name the net's layer, which the caller never wrote)."""
    pairs = isinstance(rules, Sequence) and not isinstance(rules, str) and all(
        isinstance(i, (tuple, list)) and len(i) == 2 for i in rules)
    if not (isinstance(rules, Mapping) or pairs):
        return rules  # a number, or a form the net's own check refuses
    items = list(rules.items()) if isinstance(rules, Mapping) else [tuple(i) for i in rules]
    paths = [[str(p) for p in path] for path in all_arrays(alone(layer))]
    for key, _ in items:
        pattern = rule_pattern(in_alone(layer, key), {layer.type_name: layer})
        if pattern is not None and not (isinstance(key, str) and key in WILDCARDS) and \
                not any(matches(pattern, path) for path in paths):
            names = list(by_array_name({tuple(p): None for p in paths}, layer))
            hint = did_you_mean(key, [n for n in names if isinstance(n, str)]) if isinstance(key, str) else ""
            raise OptionError(f"{option}: key {quoted(key)} matches no array of {layer.type_name}{hint}; its arrays: "
                              f"{names}", option=option, kind="unknown-array", expected=names, found=key)
    translated = [(key if isinstance(key, str) and key in WILDCARDS else in_alone(layer, key), r) for key, r in items]
    return dict(translated) if isinstance(rules, Mapping) else translated

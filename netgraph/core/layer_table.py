"""A graph's layer table: names checked, Wolfram shorthands turned into layers.

>>> names, table = named_layers([3, "Tanh"])
>>> names, type(table["2"]).__name__
(['1', '2'], 'ElementwiseLayer')
"""

from __future__ import annotations

import dataclasses
import enum
import numbers
from itertools import repeat
from operator import contains
from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.other_layer_names import layer_name_hint
from netgraph.core.errors import MAX_LISTED, Diagnostic, NetGraphError, OptionError, WiringError, raise_all
from netgraph.core.given_shapes import given_shapes
from netgraph.core.layer import Layer
from netgraph.core.names import INDEX_RULE, indexed, numbered, split_paths
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.plugins import stage
from netgraph.core.net_arguments import compiled_module_hint, compiled_module_note
from netgraph.core.ports import NetPort, WrittenEdge

__all__ = ["RESERVED_NAMES", "NETGRAPH_PREFIX", "reserved_name", "NOT_GIVEN", "coerce_layer", "named_layers", "given_by_keyword", "graph_parts", "layer_key"]


class _NotGiven(enum.Enum):
    """The default of an argument left out (one value, shown by name in ``help`` and signatures)."""
    NOT_GIVEN = "not given"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


#: NetGraph(...) / NetChain(...) called without positional layers or edges, or a net without positional data
NOT_GIVEN: Any = _NotGiven.NOT_GIVEN

#: The prefix of netgraph's own attributes of a compiled module (``_netgraph_route``, ...): no layer name takes it.
NETGRAPH_PREFIX = "_netgraph_"
#: A compiled module's public methods and attributes (README), and its class's other ones.
_COMPILED_MODULE_NAMES = frozenset({
    "code", "code_layers", "net", "to_net", "surrogate_loss", "cached_by_net", "__deepcopy__", "__prepare_scriptable__",
    "_filename", "_code_lines", "_code_globals", "_learned", "_shared_length_error", "_empty_length_error",
    "_derived_length_error", "_listed", "_warn_inline"})
#: Names a layer may not take (besides any starting with NETGRAPH_PREFIX): attributes of the compiled nn.Module, which
#: would hide the layer's module from torch.fx (it reads ``getattr(module, name)``): torch.nn.Module's (its class's, and
#: those every module sets in ``__init__``: ``training``, ``_modules``, ...) and the compiled module's own methods.
RESERVED_NAMES = frozenset(dir(torch.nn.Module)) | frozenset(vars(torch.nn.Module())) | _COMPILED_MODULE_NAMES


def reserved_name(name: str) -> bool:
    """Whether a layer may not be named ``name`` (an attribute of the compiled module: torch's, or netgraph's).

    >>> reserved_name("training"), reserved_name("_netgraph_route"), reserved_name("route")
    (True, True, False)
    """
    return name in RESERVED_NAMES or name.startswith(NETGRAPH_PREFIX)


def coerce_layer(value: Any, where: str, guess: bool = True) -> Layer:
    """A layer from a layer or a Wolfram shorthand (int -> LinearLayer, 'Tanh' -> ElementwiseLayer, ...); ``guess``:
    whether a refused name's message guesses the name meant (False for a problem no message lists)."""
    layer = value if isinstance(value, Layer) else stage("shorthand")(value)
    if layer is None:
        hint = ""
        if isinstance(value, str) and guess:
            hint = layer_name_hint(value, stage("layer_names")())
        if isinstance(value, type) and issubclass(value, (Layer, torch.nn.Module)):  # the class, not an instance
            hint = f" (a class: give an instance, {value.__name__}(...))"
        elif callable(value) and not isinstance(value, torch.nn.Module):  # Wolfram's Tanh symbol; here a name
            hint = (" (a Python function is no shorthand: give a function name such as 'Tanh' or 'Ramp', or wrap "
                    "it: FunctionLayer(lambda Input: f(Input)), whose parameter names are its ports)")
        raise OptionError(f"{where} is not a layer or a layer shorthand (an int, a function name such as "
                          f"'Tanh', a list for a chain, a torch.nn.Module): found {quoted(value)}{hint}",
                          kind="not-a-layer", found=value)
    return layer


class MissingLayersError(WiringError, TypeError):
    """``NetGraph()`` or ``NetChain()`` without layers: a WiringError, and a TypeError as any missing argument is
    (a layer type whose construction needs options is no shorthand)."""


def named_layers(layers: Any, kind: str = "NetGraph") -> tuple[list[str], dict[str, Layer]]:
    """The layer names in order and the layers by name (shorthands coerced); every bad name or layer
    collected into one WiringError. ``kind`` (NetGraph or NetChain) is the net the errors name."""
    if isinstance(layers, Mapping):
        names, given = list(layers), list(layers.values())
    elif isinstance(layers, (list, tuple)):
        names, given = list(map(str, range(1, len(layers) + 1))), layers  # no (name, layer) pair kept per layer
    else:
        raise WiringError(f"{kind} layers must be a list or a dict, found {type(layers).__name__}"
                          f"{compiled_module_note(layers)}", kind="option-value", option="layers",
                          hint=compiled_module_hint(layers))
    if not names:
        raise WiringError(f"{kind} needs at least one layer, found an empty {type(layers).__name__}: {_usage(kind)}",
                          kind="option-value", option="layers")
    table = _plain_table(names, given, layers)
    if table is None:
        table = _checked_table(names, given)
    if given is not layers:  # (numbers, a list's names, hold no '/')
        _refuse_path_clash(table)
    return names, table


def _plain_table(names: list, given: Any, layers: Any) -> dict[str, Layer] | None:
    """The table when every name is a plain allowed one and every layer a Layer (the common case), checked by C loops
    with no Python step a layer; None otherwise. A dict given is copied whole (no insertion a layer)."""
    if not all(map(isinstance, given, repeat(Layer))):
        return None
    if given is not layers and not (all(map(isinstance, names, repeat(str))) and all(names)  # (numbers: allowed)
                                    and RESERVED_NAMES.isdisjoint(names) and _plain_text("\0".join(names))):
        return None
    return dict(layers) if type(layers) is dict else dict(zip(names, given))


def _name_rule(name: Any) -> str:
    """Why ``name`` may be no layer's name, and what to do."""
    if isinstance(name, str) and name in RESERVED_NAMES:
        owner = "torch.nn.Module's" if hasattr(torch.nn.Module(), name) else "netgraph's compiled module's"
        return f"it is {owner} attribute, which would hide the layer's module: rename the layer"
    if isinstance(name, str) and name.startswith(NETGRAPH_PREFIX):
        return f"names starting {NETGRAPH_PREFIX!r} are netgraph's own attributes of the compiled module: rename it"
    return "names are non-empty strings without '.'"


def _plain_text(joined: str) -> bool:
    """Whether names joined by NUL hold no '.' and none starts with NETGRAPH_PREFIX (one C search each; a NUL inside a
    name may only say no, and the per-name check decides)."""
    return "." not in joined and f"\0{NETGRAPH_PREFIX}" not in f"\0{joined}"


def _checked_table(names: list, given: Any) -> dict[str, Layer]:
    """The table, shorthands coerced; every bad name or layer collected into one WiringError."""
    errors: list[Diagnostic] = []
    table = {}
    for i, (name, layer) in enumerate(zip(names, given), 1):
        at = (name,) if isinstance(name, str) else None
        if not isinstance(name, str) or not name or "." in name or reserved_name(name):
            errors.append(Diagnostic(f"layer {i}: name {quoted(name)} is not allowed "
                                     f"({_name_rule(name)})", "layer-name",
                                     layer=at))
            continue
        if isinstance(layer, Layer):  # the common case, without writing a label per layer
            table[name] = layer
            continue
        label = f"layer {i}" if name == str(i) else f"layer {i} {quoted(name)}"
        try:
            guess = i - 1 - len(table) < MAX_LISTED  # items refused so far: a message lists the first MAX_LISTED
            table[name] = coerce_layer(layer, label, guess=guess)  # (each item's problems are its own lines)
        except OptionError as exc:
            errors += [_shorthand_problem(d, label, at) for d in exc.diagnostics]
        except NetGraphError as exc:  # a shorthand built a graph (a list -> NetChain) that refused its parts
            inner = [d.within(name).prefixed(f"{label}: ") for d in exc.diagnostics]
            raise type(exc)(f"{label}: {exc}", inner) from None
    raise_all(errors, WiringError, "invalid layers")
    return table


_GENERIC_KINDS = frozenset({"error", "option-value"})
"""Kinds that only say a shorthand made no layer (``0`` -> ``LinearLayer(0)``): reported as ``not-a-layer``."""


def _shorthand_problem(problem: Diagnostic, label: str, at: tuple | None) -> Diagnostic:
    """A refused shorthand's problem, named by ``label``; its own kind kept where specific (``nesting-depth``)."""
    named = problem if problem.message.startswith(label) else problem.prefixed(f"{label}: ")
    kind = "not-a-layer" if problem.kind in _GENERIC_KINDS else problem.kind
    return dataclasses.replace(named, kind=kind, layer=at)


def _refuse_path_clash(table: Mapping[str, Any]) -> None:
    """A name with '/' (as ``net_flatten`` gives) must not spell the path of a nested layer: ``'enc/l1'`` beside a
    graph ``enc`` holding ``l1`` would make the key ``'enc/l1'`` (multipliers, ``method=``) name both."""
    if not any(map(contains, table, repeat("/"))):  # (a C loop: no Python step a name)
        return
    seen: dict[tuple, tuple] = {}
    for here, parts in split_paths(table):
        if parts in seen:
            a, b = (p[0] if len(p) == 1 else p for p in sorted([seen[parts], here], key=len))
            shown = repr(shown_path(parts))
            raise WiringError(f"layers {quoted(a)} and {quoted(b)} have the same path {shown}, so a key such as "
                              f"{shown} (learning-rate multipliers, net_initialize method=) would "
                              "name both; rename one (a name may hold '/' only where it spells no other layer's "
                              "path)", layer=here, kind="layer-name")
        seen[parts] = here


def given_by_keyword(kind: str, layers: Any, edges: Any, port_shapes: dict[str, Any]) -> tuple[Any, Any]:
    """``NetGraph(layers=..., edges=...)``: the layers and edges given as keywords (the keywords are otherwise port
    shapes). Without positional layers, ``layers=`` and ``edges=`` are they; beside positional layers, ``edges=`` is
    the edges when it holds edges (a dict, or a list of pairs: no shape looks like that). ``port_shapes`` loses them."""
    if layers is NOT_GIVEN:
        if "layers" not in port_shapes:
            raise MissingLayersError(f"{kind} needs its layers: {kind}(layers{', edges' if kind == 'NetGraph' else ''}, "
                                     f"**port_shapes), e.g. {_usage(kind)}", kind="layer-argument", option="layers")
        layers = port_shapes.pop("layers")
        if edges is NOT_GIVEN and kind == "NetGraph" and "edges" in port_shapes:
            edges = port_shapes.pop("edges")
    value = port_shapes.get("edges")
    if edges is NOT_GIVEN and kind == "NetGraph" and (isinstance(value, Mapping) or isinstance(value, (list, tuple))
                                                     and (any(not isinstance(v, (int, str, type(None))) for v in value)
                                                          or not value and not _has_port(layers, "edges"))):
        edges = port_shapes.pop("edges")
    return layers, () if edges is NOT_GIVEN else edges


def _has_port(layers: Any, port: str) -> bool:
    """Whether a layer given (not a name still to be read) has a port named ``port``: ``edges=[]`` beside them is
    the (no) edges, unless it can be that port's shape (a scalar)."""
    given = layers.values() if isinstance(layers, Mapping) else layers if isinstance(layers, (list, tuple)) else ()
    return any(port in (*getattr(layer, "input_ports", ()), *getattr(layer, "output_ports", ())) for layer in given)


def graph_parts(layers: Any, edges: Any, port_shapes: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], tuple]:
    """NetGraph's layers, edges, port options and stored learning-rate rules; for Wolfram's ``NetGraph[chain]`` /
    ``NetGraph[layer]`` (a layer, no edges), those of the equivalent graph: a chain's or graph's own layers and
    wiring, or the layer alone (declaring the port shapes it had where it was extracted, when none are given)."""
    if not isinstance(layers, Layer):
        return layers, edges, port_shapes, ()
    if not isinstance(edges, (list, tuple)) or edges:
        raise WiringError(f"NetGraph({type(layers).__name__}) is the equivalent graph and takes no edges; to wire "
                          f"the layer to others, list it: NetGraph([layer, ...], edges)", kind="layer-argument",
                          option="edges")
    if not hasattr(layers, "explicit_edges"):
        return [layers], [], port_shapes or given_shapes(layers), ()
    names = list(layers.layers)
    listed = numbered(names)

    def end(p: NetPort | None) -> NetPort | None:  # a numbered net's edges name layers by number, as its own do
        return NetPort(int(p.layer), p.port) if listed and p is not None and p.layer is not None else p

    def pair(edge: tuple) -> tuple:  # the user's edge kept: its text names layers as the user did
        return WrittenEdge(end(edge[0]), end(edge[1]), edge.text, edge.index, edge.hop, edge.link) \
            if type(edge) is WrittenEdge else (end(edge[0]), end(edge[1]))

    return ([layers.layers[n] for n in names] if listed else dict(layers.layers),
            [pair(e) for e in layers.explicit_edges()], {**layers.port_shape_options(), **port_shapes},
            layers._multipliers)


def _usage(kind: str) -> str:
    return f"{kind}([LinearLayer(3), 'Tanh']{', [(1, 2)], Input=4' if kind == 'NetGraph' else ', input=4'})"


def layer_key(key: Any, names: list[str]) -> tuple:
    """A ``replace_layers`` key as a path whose first part is a name: a name, a 1-based index (numpy's too) or a
    tuple path of those; anything else is a WiringError (it was a TypeError)."""
    path = key if isinstance(key, tuple) and key else (key,)
    first = path[0]
    if isinstance(first, numbers.Integral) and not isinstance(first, bool):
        if (name := indexed(names, int(first))) is None:
            raise WiringError(f"replace_layers: there is no layer {first} (layers are "
                              f"{INDEX_RULE.format(n=len(names))})", kind="unknown-layer", layer=(), found=first)
        return (name, *path[1:])
    if not isinstance(first, str):
        raise WiringError(f"replace_layers: a layer is named by a string, a 1-based index or a tuple path of those; "
                          f"found {key!r:.80}", kind="layer-path")
    return path

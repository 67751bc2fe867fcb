"""Wolfram's rule for the coders of nested nets: "encoders and decoders are stripped from interior nodes and kept only
on the periphery". An inner graph's encoder on an input that an outer graph input feeds, or its decoder on an output
that gives an outer graph output, becomes that outer port's coder (unless the outer port is given a coder, which wins,
or a shape, checked against the inner port's type); every other coder of a nested graph is stripped (an encoder leaves
the port the type it gave). Restricted index ranges are port types, not stripped: an outer port shows and checks them
as before.

>>> from netgraph import NetChain, LinearLayer, SoftmaxLayer, ClassDecoder
>>> inner = NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(["a", "b"]))
>>> outer = NetChain({"g": inner})
>>> outer.coders, outer.layers["g"].coders
({'Output': ClassDecoder(labels=('a', 'b'))}, {})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.coders import Coder, Encoder, Restricted
from netgraph.core.errors import WiringError
from netgraph.core.shared import is_graph

__all__ = ["peripheral_coders", "without_coders", "without_taken", "keeping_taken"]


def _strippable(net: Any) -> dict[str, Coder]:
    """A nested graph's coders that the periphery rule moves or strips (all but Restricted ranges)."""
    return {port: c for port, c in net.coders.items() if not isinstance(c, Restricted)}


def peripheral_coders(layers: dict[str, Any], edges: Any, given: Mapping[str, Any], depth: int) -> tuple:
    """``(layers with nested graphs' coders stripped, the graph's port options, where each coder taken came from)``:
    the options ``given``, and at each port given nothing (a shape given is checked against the stripped port's type,
    as before), the coder of the nested port it feeds or is fed by; the third item maps each port that took a coder
    to the names of the layers it came from (``replace_layers`` works it out again when they are replaced). A
    WiringError (kind
    ``"coder-clash"``) where one outer input feeds nested inputs whose encoders differ, naming both: the net could not
    read a value at it one way. ``depth``: the graph's nesting depth (1: no nested graph, nothing to do)."""
    if depth == 1:
        return layers, given, {}  # nearly every net: no pass over the layers
    coded = {name: layer for name, layer in layers.items() if is_graph(layer) and _strippable(layer)}
    if not coded:
        return layers, given, {}  # no nested graph with coders: no pass over the edges
    found: dict[str, dict[tuple, Coder]] = {}
    for edge in edges:
        inner, outer = (edge.dst, edge.src) if edge.src.layer is None else (edge.src, edge.dst)
        coder = _strippable(coded[inner.layer]).get(inner.port) if inner.layer in coded and outer.layer is None \
            else None
        if coder is not None and (not isinstance(coder, Encoder) or inner is edge.dst):
            found.setdefault(outer.port, {})[(inner.layer, inner.port)] = coder
    # the outer net's own option wins, as a port option given in Wolfram's NetGraph replaces the inner net's
    taken = {port: _one_coder(port, coders) for port, coders in found.items() if given.get(port) is None}
    sources = {port: frozenset(layer for layer, _ in found[port]) for port in taken}
    return {**layers, **{name: without_coders(layer) for name, layer in coded.items()}}, {**given, **taken}, sources


def _one_coder(port: str, coders: dict[tuple, Coder]) -> Coder:
    """The one coder the nested ports ``coders`` (by ``(layer, port)``) next to graph ``port`` give it; WiringError
    naming two that differ."""
    (place, coder), *others = coders.items()
    for other, clash in others:
        if clash != coder:
            raise WiringError(f"graph input {port!r} feeds {place[0]}.{place[1]} with {coder!r} and "
                              f"{other[0]}.{other[1]} with {clash!r}; give {port!r} one encoder",
                              kind="coder-clash", layer=(), port=port, expected=coder, found=clash)
    return coder


def without_taken(options: Mapping[str, Any], taken: Mapping[str, frozenset], layer: str) -> dict[str, Any]:
    """The port ``options`` less the coders ``taken`` (``peripheral_coders``' third item) from nested ``layer``.

    >>> without_taken({"Input": 3, "Output": "dec"}, {"Output": frozenset({"g"})}, "g")
    {'Input': 3}
    """
    return {port: value for port, value in options.items() if layer not in taken.get(port, ())}


def keeping_taken(net: Any, taken: Mapping[str, frozenset], given: Mapping[str, Any],
                  names: Mapping[str, str] | None = None) -> Any:
    """``net``, just rebuilt from the port options ``given``, remembering where the coders it was given back came
    from (``taken``, an old build's third item of ``peripheral_coders``; layer names moved by ``names``, a rename):
    a later replacement of those layers then works them out again, as after the first build."""
    moved = names or {}
    kept = {port: frozenset(moved.get(n, n) for n in layers) for port, layers in taken.items() if port in given}
    net._taken = {**kept, **net._taken}
    return net


def without_coders(net: Any) -> Any:
    """``net`` without its encoders and decoders (Restricted ranges kept): a copy holding the same layers and types,
    since neither changes a port's type (an encoder's port declares the type it gave, as when it was given)."""
    copy = net._holding(net._layers, net._shared_users, net.__dict__.get("_ir"))
    copy._coders = {port: coder for port, coder in net.coders.items() if isinstance(coder, Restricted)}
    return copy

"""``net[key]``: a net's layers by position (from 0, as Python's sequences and torch's ``nn.Sequential``), by name,
by a tuple path into nested nets (``net["enc", "l1", "Weights"]``, as Wolfram's ``net[["enc", "l1", "Weights"]]``),
and a chain's layers by a slice (Wolfram's ``NetTake[chain, {m, n}]``). The value is what ``net_extract`` gives.

>>> from netgraph import NetChain, LinearLayer
>>> chain = NetChain([LinearLayer(8), "Ramp", LinearLayer(3), "Tanh"], input=4)
>>> chain[0], chain["2"], chain[1:3].input_shapes, chain[-1] == chain[3] == chain["4"]
(LinearLayer(8, input=4), ElementwiseLayer('Ramp', input=8), {'Input': (8,)}, True)
"""

from __future__ import annotations

from typing import Any

from netgraph.core.chain import NetChain
from netgraph.core.errors import WiringError, did_you_mean, with_article
from netgraph.core.graph import NetGraph
from netgraph.core.layer_sequence import LayerIndexError, NetItemError
from netgraph.core.rewiring import listed
from netgraph.core.surgery import extracted, net_drop, net_take
from netgraph.core.integers import is_int, plain_int
from netgraph.core.naming_scope import quoted, shown_layer, shown_path

__all__ = ["net_item"]

_KEYS = "a layer's position (an int, from 0), its name, a tuple path of those, or a slice of a NetChain"


def net_item(net: NetGraph, key: Any) -> Any:
    """``net[key]`` (see the module docstring)."""
    if isinstance(key, slice):
        return _sliced(net, key)
    parts = key if isinstance(key, tuple) else (key,)
    if not parts:
        raise NetItemError(f"net[()] names no layer: give {_KEYS}", kind="net-index", layer=())
    return extracted(net, _names(net, parts))


def _names(net: NetGraph, parts: tuple) -> tuple[str, ...]:
    """The path ``parts`` with each position in a nested net replaced by its layer's name. Past a layer that is
    no net, a part names an operator's inner net or an array, which ``net_extract`` checks."""
    names: list[str] = []
    current: Any = net
    for depth, part in enumerate(parts):
        if isinstance(current, NetGraph):
            names.append(_layer_name(current, part, parts, tuple(names)))
        elif isinstance(part, str):
            names.append(part)
        else:
            raise NetItemError(f"{_shown(parts)}: layer {shown_path(names)!r} is "
                               f"{with_article(current.type_name)}, not a net: past it a path names an inner net or "
                               f"an array by its name, found {quoted(part)}",
                               kind="net-index", layer=tuple(names))
        if depth < len(parts) - 1:
            current = net.layer_at(tuple(names))  # its WiringError says where the path stops
    return tuple(names)


def _layer_name(graph: NetGraph, part: Any, parts: tuple, at: tuple) -> str:
    """The name of ``graph``'s layer at position ``part`` (from 0, negative from the end) or named ``part``."""
    names = list(graph.layers)
    where = f"{_shown(parts)}: " + (shown_layer(at, graph.type_name) if at else f"the {graph.type_name}")
    if is_int(part := plain_int(part)):  # numpy's integers too
        n = len(names)
        if not -n <= part < n:
            raise LayerIndexError(f"{where} has {n} layer{'s' if n > 1 else ''}, at positions 0 to {n - 1} (or {-n} to "
                                  f"-1 from the end; net_extract counts from 1, as Wolfram's net[[i]]), found {part}; "
                                  f"its layers are {listed(names)}", kind="layer-index", layer=at, found=int(part),
                                  expected=(-n, n - 1))
        return names[part]
    if isinstance(part, str):
        if part not in graph.layers:
            raise WiringError(f"{where} has no layer {quoted(part)}{did_you_mean(part, names)}; its layers are "
                              f"{listed(names)}", kind="unknown-layer", layer=at, found=part)
        return part
    raise NetItemError(f"{_shown(parts)}: a layer is named by {_KEYS}; found {type(part).__name__} {part!r:.60}",
                       kind="net-index", layer=at, found=part)


def _sliced(net: NetGraph, key: slice) -> NetGraph:
    """``chain[i:j]``: layers i to j - 1 as a chain, its first layer's inputs of the types they took (``net_drop``)."""
    if not isinstance(net, NetChain):
        raise NetItemError(f"net[{_slice_text(key)}]: a NetGraph's layers are wired by edges, not in sequence, so a "
                           f"slice of them is no net: net_take(net, outputs) keeps what computes some outputs, "
                           f"net_drop(net, layers) removes layers", kind="net-slice", layer=())
    n = len(net)
    start, stop, step = key.indices(n)
    if step != 1:
        raise NetItemError(f"chain[{_slice_text(key)}]: a chain's slice takes consecutive layers in order (step 1), "
                           f"found step {step}", kind="net-slice", layer=(), found=step)
    if start >= stop:
        raise LayerIndexError(f"chain[{_slice_text(key)}] takes no layer of the chain's {n} (positions 0 to {n - 1}); "
                              f"its layers are {listed(list(net.layers))}", kind="net-slice", layer=())
    taken = net_take(net, stop) if stop < n else net  # net_take and net_drop count from 1
    return net_drop(taken, list(range(1, start + 1))) if start else taken


def _slice_text(key: slice) -> str:
    text = ":".join("" if v is None else str(v) for v in (key.start, key.stop))
    return text if key.step is None else f"{text}:{key.step}"


def _shown(parts: tuple) -> str:
    return f"net[{', '.join(repr(p) for p in parts)}]"

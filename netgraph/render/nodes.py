"""The boxes of layers: title, type, key options, warnings and markings (see ``model.Node``)."""

from __future__ import annotations

from typing import Any

from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.names import printable, printable_path
from netgraph.core.summary import layers_text
from netgraph.core.walk import nested_nodes
from netgraph.layers.losses import LOSS_LAYERS
from netgraph.render.model import BORDER, FILL, Node, ellipsized, name_label, shorten
from netgraph.render.probability import (divergence_lines, format_value, is_divergence, is_random, random_lines,
                                         score_mark)

__all__ = ["layer_node", "option_lines", "operator_options", "coder_line"]


def option_lines(layer: Any, width: int = 48) -> list[str]:
    """The key options of a layer as short lines (arrays and shapes shown elsewhere are left out); ``key=value``
    pairs wrap onto lines of at most ``width`` characters (where each fits), so none is cut off."""
    try:
        options = layer.options()
    except Exception:  # noqa: BLE001 - a user layer whose options() fails must not stop the diagram
        return []
    skip = {*getattr(layer, "ARRAYS", {}).values(), "input", "state_input", "state_output"}
    positional = getattr(layer, "POSITIONAL", None)
    if positional != "output":
        skip.add("output")
    if is_random(layer):
        skip |= {"distribution", "estimator"}
    if is_divergence(layer):
        skip |= {"p", "q", "method", "samples"}
    lines, pairs = [], []
    for key, value in options.items():
        if key in skip:
            continue
        if key == positional and (isinstance(value, str) or _function_or_net(value)):
            lines.append(format_value(value))  # an expression, an activation name, a function or an inner net
        else:
            pairs.append(f"{key}={format_value(value)}")
    return lines + _wrapped(pairs, width) + _state_lines(layer)


def _wrapped(pairs: list[str], width: int) -> list[str]:
    """``pairs`` joined by ", " into lines of at most ``width`` characters (a longer pair alone on its line)."""
    out: list[str] = []
    for pair in pairs:
        if out and len(out[-1]) + 2 + len(pair) + 1 <= width:  # room for ", pair" and the "," that may follow
            out[-1] += f", {pair}"
        else:
            out.append(pair)
    return [line + ("," if i < len(out) - 1 else "") for i, line in enumerate(out)]


def operator_options(layer: Any) -> str:
    """An operator's own options, its inner nets left out (they are drawn inside it): ``'n=3'``."""
    try:
        options, nets = layer.options(), layer.inner_nets()
    except Exception:  # noqa: BLE001 - as option_lines: the diagram goes on without them
        return ""
    return ", ".join(f"{key}={format_value(value)}" for key, value in options.items() if key not in nets)


def _state_lines(layer: Any) -> list[str]:
    """A recurrent layer's states, and where each starts and ends (its state ports are drawn as slots)."""
    states = getattr(layer, "STATES", ())
    if not states or not hasattr(layer, "state_input"):
        return []
    start = "given" if layer.state_input else "zeros"
    return [f"states: {', '.join(states)} (from {start}{', final out' if layer.state_output else ''})"]


def _leaves_inside(layer: Any) -> list[tuple[tuple, Any]]:
    """(path, layer) of each leaf layer inside a nested graph or an operator's inner nets (an inner net's path starts
    with its option, ``net``, as Information's "Layers" keys do), for a collapsed box to name them in one style."""
    if is_random(layer) or is_divergence(layer):
        return []
    try:
        nets = [((), layer)] if isinstance(layer, NetGraph) else [((f,), n) for f, n in layer.inner_nets().items()]
    except Exception:  # noqa: BLE001 - a user layer whose inner_nets() fails must not stop the diagram
        return []
    return [((*at, *path), node.layer) for at, net in nets for path, node in nested_nodes(net) if not node.inner]


def _uninitialized(layer: Any) -> list[str]:
    try:
        return [name for name, value in layer.arrays.items() if value is None]
    except Exception:  # noqa: BLE001 - a user layer with a broken arrays property: nothing to flag
        return []


def _shared(layer: Any) -> dict[str, str]:
    try:
        return {} if isinstance(layer, NetGraph) else dict(layer.shared)
    except Exception:  # noqa: BLE001 - a user layer with a broken shared property: nothing to mark
        return {}


def layer_node(node_id: str, name: str, layer: Any, compact: bool, cluster: tuple, tooltip: str,
               marks: dict | None = None) -> Node:
    """The box of a layer (or of a collapsed nested graph) named ``name``."""
    width = 24 if compact else 48
    kind, classes, fill, border, rounded = "layer", ["layer"], FILL["layer"], BORDER["default"], False
    inside = _leaves_inside(layer)  # a collapsed graph's or operator's layers, named 'd/dd/z', 'net/2.Weights'
    missing = [f"{printable_path(path)}.{a}" for path, leaf in inside for a in _uninitialized(leaf)]
    if isinstance(layer, NetGraph):
        lines = [layers_text(layer)]  # information's LayersCount: an operator's inner layers in its stead
        kind, classes, fill = "graph", ["graph"], FILL["graph"]
    else:
        lines = option_lines(layer, width)
        missing = missing if inside else _uninitialized(layer)
        if getattr(layer, "ARRAYS", None):
            fill = FILL["arrays"]
        if _is_loss(layer):
            classes, fill = [*classes, "loss"], FILL["loss"]
    if is_random(layer):
        lines = random_lines(layer) + ([] if compact else lines)
        classes, fill, border, rounded = [*classes, "random"], FILL["random"], BORDER["random"], True
    elif is_divergence(layer):
        lines = divergence_lines(layer)[-1:] if compact else divergence_lines(layer) + lines
        classes, fill = [*classes, "divergence"], FILL["loss"]
        if layer.resolved_method == "monte_carlo":
            classes, border, rounded = [*classes, "random"], BORDER["random"], True
    elif compact:
        lines = []
    drawing = [printable_path(path) for path, leaf in inside if _draws(leaf)]
    if drawing:  # a collapsed graph or operator holding random layers is marked as they are, and names them
        lines = [*lines, "random inside: " + ", ".join(drawing)]
        classes, border, rounded = [*classes, "random"], BORDER["random"], True
    shared = _shared(layer)
    if shared:  # a shared array (NetSharedArray) is marked on every layer using it, with its name
        lines, classes = [*lines, "shared " + ", ".join(f"{a}={n}" for a, n in shared.items())], [*classes, "shared"]
    warning = ""
    if missing:
        classes, border = [*classes, "uninitialized"], BORDER["uninitialized"]
        warning = shorten("uninitialised: " + ", ".join(missing), width)
    return Node(id=node_id, kind=kind, title=name_label(printable(name), width),
                type=shorten(getattr(layer, "type_name", type(layer).__name__), width),
                lines=tuple(shorten(line, width) for line in lines),
                inputs=tuple(layer.input_ports), outputs=tuple(layer.output_ports), classes=tuple(classes),
                fill=fill, border=border, rounded=rounded, warning=warning,
                tooltip=tooltip, cluster=cluster,
                marked=tuple(p for p in layer.output_ports if score_mark(layer, p, marks)))


def _draws(layer: Any) -> bool:
    """Whether ``layer`` draws random numbers when run: a random layer, or a Monte Carlo KL estimate."""
    return is_random(layer) or (is_divergence(layer) and layer.resolved_method == "monte_carlo")


def _is_loss(layer: Any) -> bool:
    return isinstance(layer, LOSS_LAYERS)


def coder_line(coder: Any, width: int = 48) -> str:
    """A port's encoder or decoder in a few words: ``ImageEncoder 28×28 Grayscale``, ``ClassDecoder: cat, dog``; its
    labels cut at ``width`` characters, as option lines are (ImageNet's are ~60 characters each).

    >>> from netgraph.core.coders import ClassDecoder
    >>> coder_line(ClassDecoder(["great white shark, white shark, man-eater", "tiger shark"]))
    'ClassDecoder: great white shark, white shark, m…'
    """
    if hasattr(coder, "labels"):
        labels = [printable(str(v)) for v in coder.labels]  # a newline as \n, as names are shown
        line = f"{coder.type_name}: {', '.join(labels[:4])}{', …' if len(labels) > 4 else ''}"
        return ellipsized(line, width)
    if hasattr(coder, "size"):
        return f"{coder.type_name} {coder.size[0]}×{coder.size[1]} {coder.color_space}"
    if hasattr(coder, "vocabulary"):
        return f"{coder.type_name} ({len(coder.vocabulary)} tokens)"
    if hasattr(coder, "range_text"):  # Restricted: as Wolfram's port summary, "index (range: 1..10)"
        return f"index (range: {coder.range_text})"
    return coder.type_name


def _function_or_net(value: Any) -> bool:
    """A function or a net (callable), not a plain layer (callable too since ``layer(x)``, but shown as an option)."""
    return callable(value) and (isinstance(value, NetGraph) or not isinstance(value, Layer))

"""Summaries of a net: parameter counts, a one-line description, and the ``netgraph summary`` table.

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph({"lin": LinearLayer(3), "act": "Tanh"}, [("lin", "act")], Input=4)
>>> parameter_count(net)
15
>>> one_line(net)
'inputs Input (4) -> outputs Output (3); 2 layers, 15 parameters'
>>> print(summary_table(net))
#  layer  type              inputs           outputs           parameters
1  lin    LinearLayer       Input (4)        Output (3)                15
2  act    ElementwiseLayer  Input (3)        Output (3)                 0
   total                    Input (4)        Output (3)                15
"""

from __future__ import annotations

import unicodedata
from typing import Any

from netgraph.core.ir import Node
from netgraph.core.multiplier_rates import array_multipliers, module_frozen, stored_multipliers
from netgraph.core.names import printable
from netgraph.core.naming_scope import elided
from netgraph.core.shared import shared_users, shared_values
from netgraph.core.types import element_count, numel
from netgraph.core.walk import map_nodes, nested_nodes

__all__ = ["layer_parameters", "node_parameters", "node_elements", "parameter_count", "buffer_count", "frozen_count",
           "walked_layers", "layers_text", "one_line", "ports_line", "parameters_text", "sizes_text", "summary_table"]


def layer_parameters(net: Any, path: tuple) -> int | None:
    """Elements in the parameters (the arrays that train) of the leaf layer at ``path``; None while a shape is
    unknown."""
    return node_parameters(net.ir.node(tuple(path)))


def node_parameters(node: Node) -> int | None:
    """Elements in the parameters of a graph IR node's layer: its arrays but its buffers; None while a shape is
    unknown."""
    return node_elements(node, buffers=False)


def node_elements(node: Node, buffers: bool | None = None) -> int | None:
    """Elements in the arrays of a graph IR node's layer: all of them (``buffers=None``), its parameters (False) or
    its buffers (True: ``layer.BUFFERS``, state that does not train, as a BatchNorm's moving statistics); None while a
    shape is unknown (0 when the layer has no such arrays: a LinearLayer's buffers, whatever its shapes)."""
    if buffers is not None and all((name in node.layer.BUFFERS) != buffers for name in node.layer.ARRAYS):
        return 0
    sizes = _array_sizes(node)
    if sizes is None:
        return None
    return sum(n for name, n in sizes.items() if buffers is None or (name in node.layer.BUFFERS) == buffers)


def _array_sizes(node: Node) -> dict[str, int] | None:
    """Elements of each array of a node's layer, by name; None while a shape is unknown."""
    layer = node.layer
    if not layer.ARRAYS:
        return {}
    sizes = {name: int(value.numel()) for name, value in layer.arrays.items() if value is not None}
    if len(sizes) < len(layer.ARRAYS):
        types = node.types
        if not all(t.known for t in types.values()):
            return None
        try:
            shapes = layer.array_shapes(types)
        except Exception:  # noqa: BLE001 - a layer that cannot size its arrays yet counts as unknown
            return None
        for name, shape in shapes.items():
            count = 0 if shape is None or name in sizes else element_count(shape)
            if count is None:
                return None  # a variable length ("n") or unknown dim: no size yet (net_initialize says why)
            sizes.setdefault(name, count)
    return sizes


def parameter_count(net: Any) -> int | None:
    """Elements in the parameters of ``net`` (its arrays but the buffers), a shared array once; None while a shape
    is unknown."""
    return _count(net, buffers=False)


def buffer_count(net: Any) -> int | None:
    """Elements in the buffers of ``net`` (arrays that do not train: a BatchNorm's moving statistics), a shared
    array once; None while a shape is unknown."""
    return _count(net, buffers=True)


def _count(net: Any, buffers: bool) -> int | None:
    counts = map_nodes(net, lambda node: node_elements(node, buffers))
    if None in counts:
        return None
    values = shared_values(net)
    repeated = sum((len(users) - 1) * _shared_size(net, values[name], *users[0])
                   for name, users in shared_users(net).items() if _is_buffer(net, *users[0]) == buffers)
    return sum(counts) - repeated


def frozen_count(net: Any) -> int | None:
    """Elements in the parameters that the rules stored on ``net`` or their own modules freeze (rate 0: Keras's
    non-trainable params), a shared array once; None while a shape is unknown."""
    if not stored_multipliers(net) and not module_frozen(net):
        return 0
    repeated = {(tuple(path), array) for users in shared_users(net).values() for path, array in users[1:]}
    sizes: dict[str, int] = {}
    for node in net.ir.nodes:
        counts = _array_sizes(node)
        if counts is None:
            return None
        sizes.update({".".join((*node.path, name)): n for name, n in counts.items()
                      if name not in node.layer.BUFFERS and (node.path, name) not in repeated})
    rates = array_multipliers(net, list(sizes))
    return sum(n for name, n in sizes.items() if not rates[name])


def _is_buffer(net: Any, path: tuple, array: str) -> bool:
    node = net.ir.node(tuple(path)) if net.ir.has_node(tuple(path)) else None
    return node is not None and array in node.layer.BUFFERS


def _shared_size(net: Any, value: Any, path: tuple, array: str) -> int:
    """Elements of a shared array: its value's, or (uninitialised) the shape its first user gives it."""
    if value is not None:
        return int(value.numel())
    node = net.ir.node(tuple(path)) if net.ir.has_node(tuple(path)) else None
    shape = node.layer.array_shapes(node.types).get(array) if node is not None else None
    return numel(tuple(shape)) if shape is not None else 0


#: Terminal columns a cell of the layer table takes at most (as a diagram cuts its labels): a merge of thousands of
#: branches listed every input in every row, a path 200 levels deep took 1,745 characters.
CELL_WIDTH = 48
#: Terminal columns the header's list of inputs (or of outputs) takes at most: 2,100 inputs made one line of about
#: 30,000 characters.
HEADER_WIDTH = 120


def _ports(net: Any, names: tuple) -> str:
    """The header's list of ``names`` with their types, cut and counted past ``HEADER_WIDTH`` columns."""
    return _listed(_port_items(net.port_types, names), "none", HEADER_WIDTH)


def _port_items(types: Any, names: tuple) -> list[tuple[str, str]]:
    """Each port of ``names`` and its type ('Input', '(3)'), as the header and the table's cells list them."""
    return [(p, str(types[p])) for p in names]


def _listed(items: list[tuple[str, str]], empty: str = "-", columns: int = CELL_WIDTH) -> str:
    """Ports and types (``_port_items``) joined by commas, at most ``columns`` columns: whole items, those past the
    room left out and counted ('… 27 more'); a first item too long for it has its name cut, never its type.

    >>> _listed([(f"Input{i}", "(3)") for i in range(1, 31)])
    'Input1 (3), Input2 (3), Input3 (3), … 27 more'
    """
    kept, used = [], 0
    for i, (name, shape) in enumerate(items):
        more = _width(f", … {len(items) - i - 1:,} more") if i < len(items) - 1 else 0  # the count, if it stops after
        item = f"{name} {shape}"
        width = _width(item)
        if not kept and width > columns - more:  # the name cut to leave room for its type and the count
            shape_width = width - _width(name)  # the space and the type
            name, name_width = _clipped_width(name, max(columns - more - shape_width, 2))
            item, width = f"{name} {shape}", name_width + shape_width
        elif kept and (used + width > columns - 10 or used + width + more > columns):  # room for the count
            break
        kept.append(item)
        used += width + 2
    rest = len(items) - len(kept)
    return ", ".join([*kept, *([f"… {rest:,} more"] if rest else [])]) or empty


def _path_cell(path: tuple) -> str:
    """A layer's path for its row: past 8 levels its first and last 3 ('a/b/c/... 194 levels .../x/y/z'), as errors
    name it, or where that passes ``CELL_WIDTH`` characters its first and last name (the layer's own, cut to half
    the cell at most) only, the first cut to the room left; at most ``CELL_WIDTH`` columns in all."""
    names = [printable(p) for p in path]
    text = "/".join(elided(names))
    cut = _clipped(text, CELL_WIDTH)
    if len(names) < 2 or cut is text:  # one name, or a path that fits
        return cut
    middle = "/" if len(names) == 2 else f"/... {len(names) - 2:,} levels .../"
    last = _clipped(names[-1], CELL_WIDTH // 2)
    room = CELL_WIDTH - _width(middle) - _width(last)
    return f"{_clipped(names[0], room if len(names) == 2 else min(room, CELL_WIDTH // 4))}{middle}{last}"


def one_line(net: Any) -> str:
    """'inputs Input (4) -> outputs Output (3); 2 layers, 15 parameters' (the layers as ``layers_text``, the sizes as
    ``sizes_text``)."""
    return f"{ports_line(net)}; {layers_text(net)}, {sizes_text(net)}"


def walked_layers(net: Any) -> list[Any]:
    """The layers Wolfram's LayersCount and LayerTypeCounts count: the leaf layers, those inside operators' nets in
    place of the operators."""
    return [node.layer for _, node in nested_nodes(net) if not node.inner]


def layers_text(net: Any) -> str:
    """'12 layers (8 in 3 operators)': LayersCount's number, and how many of them are inside the operators that
    are each one row of the table.

    >>> from netgraph import NetChain, NetMapOperator, LinearLayer
    >>> layers_text(NetChain([NetMapOperator(NetChain([LinearLayer(2), "Tanh"])), "Tanh"], input=(3, 4)))
    '3 layers (2 in 1 operator)'
    """
    n = len(walked_layers(net))
    operators = sum(1 for node in net.ir.nodes if node.inner)
    inside = n - (len(net.ir.nodes) - operators)
    within = f" ({inside:,} in {operators:,} operator{'s' * (operators != 1)})" if operators else ""
    return f"{n:,} layer{'s' * (n != 1)}{within}"


def sizes_text(net: Any) -> str:
    """'15 parameters', ' (10 frozen)' where stored rules freeze some, and ', 8 buffer elements' where ``net`` has
    buffers."""
    buffers, frozen = buffer_count(net), frozen_count(net)
    kept = "" if buffers == 0 else f", {'unknown number of' if buffers is None else f'{buffers:,}'} buffer elements"
    still = "" if frozen == 0 else f" ({'unknown number' if frozen is None else f'{frozen:,}'} frozen)"
    return parameters_text(parameter_count(net)) + still + kept


def ports_line(net: Any) -> str:
    """'inputs Input (4) -> outputs Output (3)'."""
    return f"inputs {_ports(net, net.input_ports)} -> outputs {_ports(net, net.output_ports)}"


def parameters_text(count: int | None) -> str:
    """'15 parameters', '1 parameter', 'unknown number of parameters'."""
    return f"{'unknown number of' if count is None else f'{count:,}'} parameter{'s' * (count != 1)}"


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (CJK) characters two, combining marks none."""
    return sum(map(_char_width, text))


def _char_width(c: str) -> int:
    return 0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1


def _clipped(text: str, columns: int) -> str:
    """``text``, or where it passes ``columns`` terminal columns its head and an ellipsis, at most ``columns`` in all
    (at least the first character); a combining mark stays with its letter.

    >>> _clipped("宽字符层", 6), _clipped("宽字符层", 8), _clipped("cafe\u0301s!", 5) == "cafe\u0301…"
    ('宽字…', '宽字符层', True)
    """
    return _clipped_width(text, columns)[0]


def _clipped_width(text: str, columns: int) -> tuple[str, int]:
    """``_clipped``'s text and the columns it takes."""
    width = _width(text)
    if width <= columns:
        return text, width
    used, end = _char_width(text[0]), 1
    while end < len(text) and used + _char_width(text[end]) <= columns - 1:
        used, end = used + _char_width(text[end]), end + 1
    return text[:end] + "…", used + 1


def _summary_row(node: Node, repeated: dict[tuple, set[str]]) -> tuple[str, ...]:
    """A layer's row; ``repeated``: by layer path, the arrays it uses as a later user of a shared array, whose
    elements count in the first user's row only (shown apart here: '0 (+56 shared)'), so the rows add up to the
    total."""
    return (_path_cell(node.path), _clipped(printable(node.layer.type_name), CELL_WIDTH),
            _listed(_port_items(node.types, node.input_ports)),
            _listed(_port_items(node.types, node.output_ports)),
            *(_own_count(node, buffers, repeated) for buffers in (False, True)))


def _own_count(node: Node, buffers: bool, repeated: dict[tuple, set[str]]) -> str:
    later = repeated.get(node.path)
    if not later:
        return _number(node_elements(node, buffers))
    sizes = _array_sizes(node)
    if sizes is None:
        return "?"
    sizes = {name: n for name, n in sizes.items() if (name in node.layer.BUFFERS) == buffers}
    shared = sum(n for name, n in sizes.items() if name in later)
    own = f"{sum(sizes.values()) - shared:,}"
    return f"{own} (+{shared:,} shared)" if shared else own


def _number(count: int | None) -> str:
    return "?" if count is None else f"{count:,}"


def summary_table(net: Any, rows_shown: int | None = None) -> str:
    """A table of the leaf layers (nested ones by path): type, port types, parameter counts, and buffer counts
    where the net has buffers; a cell at most ``CELL_WIDTH`` columns (a long path elided, ports past it counted).
    With ``rows_shown``, a longer table is cut in the middle; only the rows shown are padded (a wide total row padded
    every row)."""
    rows = [("#", "layer", "type", "inputs", "outputs", "parameters", "buffers")]
    repeated: dict[tuple, set[str]] = {}
    for users in shared_users(net).values():
        for path, array in users[1:]:
            repeated.setdefault(tuple(path), set()).add(array)
    rows += [(str(i), *row) for i, row in enumerate(map_nodes(net, lambda node: _summary_row(node, repeated)), 1)]
    buffers = buffer_count(net)
    types = net.port_types
    rows.append(("", "total", "", *(_listed(_port_items(types, ports), "none")
                                    for ports in (net.input_ports, net.output_ports)),
                 _number(parameter_count(net)), _number(buffers)))
    columns = 7 if buffers != 0 else 6
    rows = [r[:columns] for r in rows]
    widths = [max(_width(r[c]) for r in rows) for c in range(columns)]
    widths[3], widths[4] = max(widths[3], 15), max(widths[4], 16)
    marker = None
    if rows_shown is not None and len(rows) > rows_shown + 2:
        marker, half = f"   ... {len(rows) - rows_shown - 1} more layers ...", len(rows) - rows_shown // 2
        rows = [*rows[:rows_shown // 2 + 1], None, *rows[half:]]
    lines = []
    for r in rows:
        if r is None:
            lines.append(marker)
            continue
        pads = [" " * (widths[c] - _width(r[c])) for c in range(columns)]
        cells = [r[c] + pads[c] for c in range(5)] + [pads[c] + r[c] for c in range(5, columns)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)

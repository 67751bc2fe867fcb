"""A graph's declared ports in a spec: ``inputs:`` / ``outputs:`` (and a NetChain's ``input:`` / ``output:``) read,
then checked against the edges that use them and the graph built."""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import Diagnostic
from netgraph.core.graph_port_names import unused_port_words
from netgraph.core.names import printable, usable_input_name
from netgraph.core.naming_scope import quoted, shortened
from netgraph.core.conflicts import Conflict
from netgraph.core.wording import value_kind
from netgraph.spec.options import part_loc, port_type
from netgraph.spec.quoted_numbers import text_hint
from netgraph.spec.yaml_nodes import YMap

__all__ = ["read_ports", "check_unused", "check_declared"]


def read_ports(reader: Any, spec: YMap, loc_of: Any, kind: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Declared graph ports (name -> 'inputs'/'outputs'; usable in edges) and the port types given."""
    names, shapes = {}, {}
    for group in ("inputs", "outputs", *(("input", "output") if kind == "NetChain" else ())):
        value = spec.get(group)
        if group in ("input", "output") and group in spec:
            value = YMap.made({group: value}, spec.value_locs[group], spec.key_locs[group])
        if value is None and group not in spec:
            continue
        if not isinstance(value, YMap):  # None: 'inputs:' with nothing after it
            found = f"nothing (leave '{group}:' out for none)" if value is None else repr(value)
            reader.error(spec.written_at(group), f"'{group}:' maps port names to shapes (or null), e.g. "
                         f"'{group}: {{{'Input: 784' if group == 'inputs' else 'Output: null'}}}'; found {found}",
                         kind="value-type", layer=loc_of.prefix, found=value_kind(value))
            continue
        for name, shape in value.items():
            if name in names:
                reader.error(value.key_locs[name], f"port {quoted(name)} is declared in both inputs: and outputs:",
                             kind="port-declaration", layer=loc_of.prefix, port=name)
                continue
            alias = not group.endswith("s")  # a NetChain's input:/output: (no port name)
            if alias and name.capitalize() in names:
                reader.error(value.key_locs[name], f"'{group}:' and '{group}s: {{{name.capitalize()}: ...}}' both "
                             f"give the shape of port {name.capitalize()!r}; keep one",
                             kind="port-declaration", layer=loc_of.prefix, port=name.capitalize())
                continue
            # a graph port at its name; a NetChain's input:/output: (no name) at its shape, not at the key
            loc_of.port_locs[name] = value.value_locs[name] if alias else value.key_locs[name]
            if isinstance(shape, YMap) and "range" in shape:  # a layer refusing the range: told there
                loc_of.range_locs[name] = shape.value_locs["range"]
            if alias:  # the NetChain's errors name the port it sets ('Input', 'Output')
                loc_of.port_locs.setdefault(name.capitalize(), value.value_locs[name])
                if name in loc_of.range_locs:
                    loc_of.range_locs.setdefault(name.capitalize(), loc_of.range_locs[name])
            names.update({} if alias else {name: group})
            try:
                if shape is not None or alias:
                    shapes[name] = port_type(shape)
            except Conflict as exc:
                port = name.capitalize() if alias else name
                for part in getattr(exc, "each", [exc]):  # a coder's bad options: each at its own value
                    problem = Diagnostic(str(part), "port-shape", layer=loc_of.prefix, port=port,
                                         option=part.option, expected=part.expected, found=part.found,
                                         item=part.item, count=getattr(part, "count", 1))
                    reader.error(part_loc(value, name, part), f"{group if alias else f'{group[:-1]} {quoted(name)}'}: "
                                 f"{part}{text_hint(shape)}", source=problem, kind="port-shape")
    return names, shapes


def check_unused(reader: Any, table: dict, ports: dict[str, str], shapes: dict, loc_of: Any) -> dict[str, str]:
    """Report (and drop the shapes of) declared ports that no edge or layer port names; the declared ports left."""
    if not all(hasattr(x, "input_ports") for x in table.values()):
        return ports
    layer_ports = {p for layer in table.values() for p in (*layer.input_ports, *layer.output_ports)}
    left = {}
    for name, group in ports.items():
        if name in loc_of.used_ports or name in layer_ports:
            left[name] = group
            continue
        if group == "inputs" and not usable_input_name(name):  # no edge could name it: say what is wrong with it
            reader.error(loc_of.port_locs[name], f"graph input {quoted(name)} must be a Python identifier that Python "
                         f"reads as written (it becomes a keyword argument)", kind="graph-input-name",
                         layer=loc_of.prefix,
                         port=name)
            shapes.pop(name, None)
            continue
        shown = shortened(printable(name))
        example = f"'{shown} -> layer'" if group == "inputs" else f"'layer.Output -> {shown}'"
        reader.error(loc_of.port_locs[name], f"{quoted(name)} is declared under {group}: but "
                     f"{unused_port_words(example)}",
                     kind="unused-port", layer=loc_of.prefix, port=name)
        shapes.pop(name, None)
    return left


def check_declared(reader: Any, net: Any, ports: dict[str, str], loc_of: Any) -> None:
    """Declared ports (without a shape, so the NetGraph did not check them) must be ports of the graph."""
    for name, group in ports.items():
        kind = "inputs" if name in net.input_ports else "outputs" if name in net.output_ports else None
        if kind is None:
            reader.error(loc_of.port_locs[name], f"{quoted(name)} is declared under {group}: but is not a port of "
                         f"this graph (no edge uses it); its ports are inputs {list(net.input_ports)}, outputs "
                         f"{list(net.output_ports)}",
                         kind="unknown-graph-port", layer=loc_of.prefix, port=name,
                         expected=(*net.input_ports, *net.output_ports))
        elif kind != group:
            reader.error(loc_of.port_locs[name], f"{quoted(name)} is declared under {group}: but it is "
                         f"{'an input' if kind == 'inputs' else 'an output'} of this graph; move it to {kind}:",
                         kind="port-declaration", layer=loc_of.prefix, port=name, expected=kind, found=group)

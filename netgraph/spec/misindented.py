"""An option written as a layer of its own: its key indented as far as the layer names, not as the options of the
layer above it, so YAML reads ``output: 8`` as a layer 'output' (LinearLayer(8)) that no edge names::

    layers:
      enc:
          type: LinearLayer
      output: 8
"""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.layer import REGISTRY
from netgraph.core.options import option_fields
from netgraph.core.ports import NetPort
from netgraph.spec.options import FAILED
from netgraph.spec.yaml_nodes import YMap, YSeq

__all__ = ["misindented_option", "check_misindented"]


def misindented_option(layers: YMap, name: str) -> str:
    """A hint when the layer ``name`` of ``layers``, written as a scalar, is named as an option of a layer type and
    its key is indented less than the block-style options of the layer written just above it; else ''."""
    names = list(layers)
    at = names.index(name)
    if at == 0 or isinstance(layers[name], (YMap, YSeq)):
        return ""
    above, spec = names[at - 1], layers[names[at - 1]]
    if not isinstance(spec, YMap) or not spec:
        return ""
    first = min(spec.key_locs.values(), key=lambda loc: (loc.line, loc.col))
    if first.line <= layers.key_locs[above].line or layers.key_locs[name].col >= first.col:
        return ""  # a flow mapping {type: ...} on the name's line, or the key indented as far as the options
    owner = _owner(name, spec.get("type"))
    return "" if owner is None else (f"an option of the layer {above!r} above, indented too little? ({owner} has an "
                                     f"option {name!r}; the options of {above!r} start in column {first.col})")


def check_misindented(reader: Any, layers: YMap, table: dict, edges: list) -> None:
    """Report each layer that no edge of ``edges`` names and that reads as an option of the layer above it."""
    named = set()
    for edge in edges:
        for end in edge:
            for ref in end if isinstance(end, (list, tuple)) else (end,):
                layer = ref.layer if isinstance(ref, NetPort) else ref
                named.add(layer[0] if isinstance(layer, tuple) else layer)
    for name in (n for n, layer in table.items() if n not in named and layer is not FAILED):  # failed: told
        hint = misindented_option(layers, name)
        if hint:
            reader.error(layers.key_locs[name], f"layer {name!r} is in no edge: {hint}")


def _owner(option: str, type_name: Any) -> str | None:
    """The layer type that has ``option``: the one named (when it has it), else the first registered one."""
    named = REGISTRY.get(type_name) if isinstance(type_name, str) else None
    for name, cls in ([(type_name, named)] if named is not None else []) + [(n, REGISTRY[n]) for n in REGISTRY]:
        if dataclasses.is_dataclass(cls) and option in option_fields(cls):
            return name
    return None

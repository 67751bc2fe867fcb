"""An option written as a layer of its own: its key indented as far as the layer names, not as the options of the
layer above it, so YAML reads ``output: 8`` as a layer 'output' (LinearLayer(8)) that no edge names::

    layers:
      enc:
          type: LinearLayer
      output: 8
"""

from __future__ import annotations

from typing import Any

from netgraph.core.layer import REGISTRY
from netgraph.core.naming_scope import quoted
from netgraph.core.options import option_fields
from netgraph.spec.problems import FAILED
from netgraph.spec.yaml_nodes import YMap, YSeq

__all__ = ["misindented_option", "check_misindented", "option_owners"]

_OWNERS: dict[int, dict[str, str]] = {}  # by the number of layer types: option -> the first type that has it


def misindented_option(layers: YMap, name: str, anywhere: bool = True) -> str:
    """A hint when the layer ``name`` of ``layers`` is written as a scalar, named as an option of the type of the
    layer written just above it (``anywhere``: or of any layer type), and indented less than that layer's
    block-style options; else ''."""
    names = list(layers)
    at = names.index(name)
    return _hint(layers, names[at - 1], name, anywhere) if at else ""


def check_misindented(reader: Any, layers: YMap, table: dict, named: set[str], wired: bool, graph: tuple = ()) -> None:
    """Report each layer that no edge names (``named``: the layers the edges name, good edges or bad) and that
    reads as an option of the layer above it; ``wired``: the graph (at path ``graph``) has edges."""
    names = list(layers)
    for above, name in zip(names, names[1:]):
        if name in named or table.get(name, FAILED) is FAILED:  # a failed one: told already
            continue
        hint = _hint(layers, above, name, anywhere=wired)  # no edges: all are unwired, on purpose or not
        if hint:
            reader.error(layers.key_locs[name], f"layer {quoted(name)} is in no edge: {hint}", kind="layout",
                         layer=(*graph, name))


def _hint(layers: YMap, above: str, name: str, anywhere: bool) -> str:
    spec = layers[above]
    if isinstance(layers[name], (YMap, YSeq)) or not isinstance(spec, YMap) or not spec:
        return ""
    first = min(spec.key_locs.values(), key=lambda loc: (loc.line, loc.col))
    if first.line <= layers.key_locs[above].line or layers.key_locs[name].col >= first.col:
        return ""  # a flow mapping {type: ...} on the name's line, or the key indented as far as the options
    owner = _owner(name, spec.get("type"), anywhere)
    return "" if owner is None else (f"an option of the layer {quoted(above)} above, indented too little? ({owner} "
                                     f"has an option {quoted(name)}; the options of {quoted(above)} start in column "
                                     f"{first.col})")


def _owner(option: str, type_name: Any, anywhere: bool) -> str | None:
    """The layer type that has ``option``: the one named (when it has it), else (``anywhere``) the first one."""
    if isinstance(type_name, str) and option in option_fields(REGISTRY.get(type_name)):
        return type_name
    return option_owners().get(option) if anywhere else None


def option_owners() -> dict[str, str]:
    """Each option of any layer type -> the first type that has it (every layer module imported: seconds, once)."""
    if len(REGISTRY) not in _OWNERS:  # types are only added: a new count, a new table
        owners: dict[str, str] = {}
        for name, cls in REGISTRY.items():
            owners.update((key, name) for key in option_fields(cls) if key not in owners)
        _OWNERS[len(REGISTRY)] = owners
    return _OWNERS[len(REGISTRY)]

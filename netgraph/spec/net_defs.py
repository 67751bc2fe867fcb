"""A spec file's ``nets:`` (named nets that ``{ref: name}`` uses): kept when the file is read, and each definition
no reference used read at the end for its problems only (``SpecReader`` in ``load`` is the reader)."""

from __future__ import annotations

from typing import Any

from netgraph.core.layer_being_read import reading_again
from netgraph.core.wording import value_kind
from netgraph.spec.layer_specs import read_layer
from netgraph.spec.yaml_nodes import YMap

__all__ = ["read_net_defs", "check_unused_nets"]


def read_net_defs(reader: Any, data: YMap) -> None:
    """Keep the file's ``nets:`` mapping (each definition is read where a ``{ref: name}`` uses it)."""
    nets = data.get("nets", YMap.made({}, data.loc))
    if not isinstance(nets, YMap):
        reader.error(data.written_at("nets"), f"'nets:' is a mapping of names to nets (NetGraph or NetChain "
                     f"specs, or any layer) that '{{ref: name}}' uses; found {value_kind(nets)}",
                     kind="value-type", found=value_kind(nets))
        nets = YMap.made({}, data.loc)
    reader.net_defs[reader.file] = nets


def check_unused_nets(reader: Any, prefix: tuple) -> None:
    """Read each ``nets:`` definition no ``{ref: name}`` used, for its problems only (the net and what reading
    it recorded are discarded)."""
    defs = reader.net_defs.get(reader.file, {})
    for name in defs:
        if (reader.file, name) in reader.refs_used:
            continue
        kept = dict(reader.layer_locs), dict(reader.layer_specs), dict(reader.locators), dict(reader.arrays)
        reader.ref_chain.append((reader.file, name))
        reader.refs_used.add((reader.file, name))
        try:
            with reading_again():  # in no net: its layers do not warn
                read_layer(reader, defs[name], defs.value_locs[name], (*prefix, name))
        finally:
            reader.ref_chain.pop()
            reader.layer_locs, reader.layer_specs, reader.locators, reader.arrays = kept

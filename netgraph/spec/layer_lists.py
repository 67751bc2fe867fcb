"""Mappings written as YAML lists of one-key mappings, a slip of block style: ``layers:`` as ``- enc: {...}`` items
(the layers' names lost), or a layer's options as ``- type: LinearLayer`` / ``- output: 8``. Each is one problem,
at the first item, and the mapping meant is read on, so the names the edges use and the options' own problems are
found as written.
"""

from __future__ import annotations

from typing import Any

from netgraph.spec.misindented import option_owners
from netgraph.spec.yaml_nodes import YMap, YSeq

__all__ = ["named_layers", "listed_options"]

_LAYER_KEYS = ("type", "file", "ref")  # keys of a layer's own mapping


def _joined(value: Any) -> YMap | None:
    """The one mapping of ``value``'s items when it is a list of one-key mappings with distinct keys, else None."""
    if not isinstance(value, YSeq) or not value or not all(isinstance(i, YMap) and len(i) == 1 for i in value):
        return None
    out = YMap({k: v for item in value for k, v in item.items()})
    if len(out) != len(value):
        return None
    out.loc = value.loc
    out.key_locs = {k: item.key_locs[k] for item in value for k in item}
    out.value_locs = {k: item.value_locs[k] for item in value for k in item}
    return out


def named_layers(reader: Any, value: Any) -> Any:
    """``value`` (a ``layers:`` value), or, for a list of one-key mappings naming layers, the mapping meant (the
    problem recorded). A one-key item that is a layer's own key is no name, nor are items that all are options
    (``- output: 8``); among names (``- enc: {...}``), one named like an option is a layer as in the mapping meant."""
    joined = _joined(value)
    if joined is None or any(k in _LAYER_KEYS or not isinstance(k, str) for k in joined):
        return value
    owners = option_owners()
    options = [k for k in joined if k in owners]
    if len(options) == len(joined):
        return value
    also = (f"; '- {options[0]}: ...' is read as the layer {options[0]!r} too (an option of the layer above goes "
            f"inside its mapping)") if options else ""
    reader.error(value.item_locs[0], f"'layers:' is a list of one-key mappings ('- {next(iter(joined))}: ...'); "
                 f"layers are named in a mapping: remove the '- ' before each name (a list of layers, numbered from "
                 f"1, has no names){also}", kind="layout")
    return joined


def listed_options(reader: Any, value: Any, label: str) -> YMap | None:
    """For a layer written as a list of one-key mappings of which one is ``type:`` (its options as list items): the
    mapping meant (the problem recorded); else None."""
    joined = _joined(value)
    if joined is None or "type" not in joined or len(joined) < 2:
        return None
    keys = "', '".join(f"- {k}: ..." for k in list(joined)[:2])
    reader.error(value.item_locs[0], f"{label}: its options are written as list items ('{keys}'); the options of one "
                 f"layer are one mapping: remove the '- ' before each", kind="layout")
    return joined

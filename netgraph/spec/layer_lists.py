"""Mappings written as YAML lists of one-key mappings, a slip of block style: ``layers:`` as ``- enc: {...}`` items
(the layers' names lost), or a layer's options as ``- type: LinearLayer`` / ``- output: 8``. Each is one problem,
at the first item, and the mapping meant is read on, so the names the edges use and the options' own problems are
found as written. Also ``without_keys``: a spec of a layer alone, its options without the spec's own keys.
"""

from __future__ import annotations

from typing import Any

from netgraph.core.naming_scope import quoted
from netgraph.spec.misindented import option_owners
from netgraph.spec.yaml_nodes import YMap, YSeq

__all__ = ["named_layers", "listed_options", "without_keys"]

_LAYER_KEYS = ("type", "file", "ref")  # keys of a layer's own mapping


def _located(entries: list[tuple[Any, YMap]], loc: Any) -> YMap:
    """A mapping of each key in ``entries`` (key, the mapping holding it), its key and value placed as there."""
    out = YMap({k: held[k] for k, held in entries})
    out.loc, out.key_locs = loc, {k: held.key_locs[k] for k, held in entries}
    out.value_locs = {k: held.value_locs[k] for k, held in entries}
    return out


def without_keys(data: YMap, keys: tuple) -> YMap:
    """``data`` without ``keys`` (a spec's own keys, beside a layer alone's options), each place kept."""
    return _located([(k, data) for k in data if k not in keys], data.loc)


def _joined(value: Any) -> YMap | None:
    """The one mapping of ``value``'s items when it is a list of one-key mappings with distinct keys, else None."""
    if not isinstance(value, YSeq) or not value or not all(isinstance(i, YMap) and len(i) == 1 for i in value):
        return None
    out = _located([(k, item) for item in value for k in item], value.loc)
    return out if len(out) == len(value) else None


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
    also = (f"; '- {options[0]}: ...' is read as the layer {quoted(options[0])} too (an option of the layer above goes "
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

"""Which layer's entry a position in a spec file lies in (``layer_at``): for problems found while reading the YAML,
before any layer is read (duplicate keys, merge keys, values that cannot be read), whose Diagnostics name that layer
as the reader's other problems do.

>>> from netgraph.spec.yaml_nodes import read_yaml
>>> data = read_yaml("layers:\\n  box:\\n    type: NetChain\\n    layers: [Tanh, {type: LinearLayer}]\\n"
...                  "inputs: {Input: 2}\\n", "net.yaml")
>>> layer_at(data, Loc(4, 26)), layer_at(data, Loc(3, 11)), layer_at(data, Loc(5, 10))
(('box', '2'), ('box',), None)
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from netgraph.spec.yaml_nodes import OUT_OF_RANGE, Loc, YMap, YSeq

__all__ = ["layer_at", "option_at", "port_at", "unread_fields"]

_PLAIN_SCALAR = re.compile(r"[^\s,\]}#]*")  # a number as written, to the end of its flow item


def layer_at(spec: Any, loc: Loc, prefix: tuple = ()) -> tuple | None:
    """The path (below ``prefix``, the file's own) of the innermost layer whose entry under a 'layers:' (a net's,
    a nested net's, or a chain written as a list) holds ``loc``; else ``prefix``, or None at the top file."""
    found = _inner_layer(spec, _at(loc), prefix, (0, 0), None)
    return found[0] if found else prefix or None


def unread_fields(spec: Any, loc: Loc, kind: str, line: str) -> tuple[str, dict[str, Any]]:
    """The kind (and the other fields: option or port, found) of a value the YAML reader could not read at ``loc`` on
    ``line``: an integer beyond 64 bits as a layer's option is an option-value problem, as in Python, and in a port's
    shape a port-shape one (found: the integer as written)."""
    if kind != OUT_OF_RANGE:
        return kind, {}
    found = _PLAIN_SCALAR.match(line, loc.col - 1).group(0)
    if (option := option_at(spec, loc)) is not None:
        return "option-value", {"option": option, "found": found}
    if (port := port_at(spec, loc)) is not None:  # a port's shape: as 1e400 there, not the YAML's own problem
        return "port-shape", {"port": port, "found": found}
    return "yaml-syntax", {}


def port_at(spec: Any, loc: Loc) -> str | None:
    """The port whose shape is written at ``loc``: one under the innermost net's ``inputs:`` or ``outputs:``, or a
    chain's ``input:`` or ``output:`` (``Input``, ``Output``); else None (a plain layer's options are no ports)."""
    found, at = _inner_layer(spec, _at(loc), (), (0, 0), None), _at(loc)
    net = found[1] if found else spec
    if not _is_net(net):
        return None
    key = _key_at(net, at)
    if key in ("input", "output"):
        return key.title()
    if key not in ("inputs", "outputs") or not isinstance(net[key], YMap):
        return None
    return _key_at(net[key], at)


def option_at(spec: Any, loc: Loc) -> str | None:
    """The option whose value holds ``loc`` (``output: 10**30``, ``input: [2, 10**30]``) in the innermost layer entry
    holding it, else None (a layer's shorthand, its type, a net's keys)."""
    found = _inner_layer(spec, _at(loc), (), (0, 0), None)
    layer = found[1] if found else None
    if not isinstance(layer, YMap) or _is_net(layer):
        return None
    key = _key_at(layer, _at(loc))
    return None if key in (None, "type", "file", "ref") else key


def _is_net(entry: Any) -> bool:
    """Whether a layer's entry (or the file's own) is a net's: a mapping with ``layers:`` (as ``_inner_layer``)."""
    return isinstance(entry, YMap) and isinstance(entry.get("layers"), (YMap, YSeq))


def _key_at(mapping: YMap, at: tuple) -> str | None:
    """The key of ``mapping`` whose entry (from its key to the next key, or the mapping's end) holds ``at``."""
    starts = sorted(_at(key_loc) for key_loc in mapping.key_locs.values())
    return next((str(key) for key, key_loc in mapping.key_locs.items()
                 if _at(key_loc) <= at < _next(starts, _at(key_loc), None)), None)


def _at(loc: Any) -> tuple[int, int]:
    return loc.line, loc.col


def _inner_layer(spec: Any, at: tuple, path: tuple, begin: tuple, end: tuple | None) -> tuple | None:
    """(path, entry) of the layer holding position ``at`` among those of ``spec`` (a net's mapping, or a chain as a
    list), written from ``begin`` to before ``end`` (None: the file's end); None when none holds it, or when
    ``spec`` is written elsewhere (an alias's anchor: its layers are told there)."""
    if not isinstance(spec, (YMap, YSeq)) or _at(spec.loc) < begin:
        return None
    if isinstance(spec, YMap):
        starts = sorted(_at(loc) for loc in spec.key_locs.values())
        start = _at(spec.key_locs["layers"]) if isinstance(spec.get("layers"), (YMap, YSeq)) else None
        if start is None or start < begin or not start <= at < _next(starts, start, end):
            return None  # no 'layers:' written here (one merged from an anchor is told there), or not within it
        spec, begin, end = spec["layers"], start, _next(starts, start, end)
        if not isinstance(spec, (YMap, YSeq)) or _at(spec.loc) < begin:
            return None
    if isinstance(spec, YMap):
        entries = [(str(name), _at(spec.key_locs[name]), value) for name, value in spec.items()]
    else:
        entries = [(str(i), _at(spec.alias_locs.get(i - 1, loc)), value)
                   for i, (value, loc) in enumerate(zip(spec, spec.item_locs), 1)]
    entries = [entry for entry in entries if entry[1] >= begin]  # keys a merge key gives: written at their anchor
    starts = sorted(start for _, start, _ in entries)
    for name, start, value in entries:
        stop = _next(starts, start, end)
        if start <= at < stop:  # within this layer's entry: within a net it holds, if any
            return _inner_layer(value, at, (*path, name), start, stop) or ((*path, name), value)
    return None


def _next(starts: list, start: tuple, end: tuple | None) -> tuple:
    """The first of ``starts`` (sorted) after ``start`` (the next entry's), else ``end``; no end: past every
    position. Found by bisection: a file's layers are each asked for in turn."""
    i = bisect.bisect_right(starts, start)
    return (starts[i] if i < len(starts) else end) or (float("inf"),)

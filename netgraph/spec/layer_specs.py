"""Layers of a spec: ``{type: LinearLayer, output: 3}`` (options read by ``options.codec``), shorthands (``3``,
``Tanh``, a list for a NetChain), nested graphs, ``file:`` and ``ref:``; a layer's error is placed at its option."""

from __future__ import annotations

import dataclasses
import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, Optional

from netgraph.core.other_layer_names import layer_name_hint
from netgraph.spec.saving import MODULE_ARRAYS, reference_refusal
from netgraph.core.errors import NetGraphError, did_you_mean, nearest_name
from netgraph.core.graph import NetGraph
from netgraph.core.layer import REGISTRY
from netgraph.core.layer_being_read import reading_again, reading_layer
from netgraph.core.layer_checks import shapes_checked_elsewhere
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.names import unquoted
from netgraph.core.naming_scope import numbers_as_written, quoted
from netgraph.core.nesting import recursion_room
from netgraph.core.options import option_fields as layer_fields, option_hints
from netgraph.core.port_paths import shown_path
from netgraph.core.shared import NetSharedArray
from netgraph.core.torch_option_names import torch_option_hint
from netgraph.core.wording import value_kind
from netgraph.layers.expression import ExpressionError
from netgraph.layers.function import ELEMENTWISE
from netgraph.layers.shorthand import from_shorthand, known_names
from netgraph.spec.array_checks import missing_arrays
from netgraph.spec.array_values import array_item_at, faulty_item_at
from netgraph.spec.layer_lists import listed_options
from netgraph.spec.options import option_codecs
from netgraph.spec.problems import FAILED, TooManyProblems, at_layer, sole
from netgraph.spec.spec_keys import CHAIN_KEYS, GRAPH_KEYS
from netgraph.spec.quoted_numbers import NO_TUPLES, split_tuples, text_hint, tuple_list
from netgraph.spec.written_numbers import written_floats
from netgraph.spec.yaml_nodes import Loc, YMap, YSeq

__all__ = ["read_layer", "layer_fields", "required", "is_lone_layer_type", "unknown_type_hint", "GRAPH_KEYS",
           "CHAIN_KEYS"]

MAX_REFERENCES = 10_000  # 'ref:' uses read for one load (nets naming each other many times: a reference bomb)
READ_FRAMES = 3  # recursion_room levels per nesting level of reading a spec (frames: ~3 times a net walk's)
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}  # booleans in YAML 1.1, text in YAML 1.2


def required(f: dataclasses.Field) -> bool:
    """Whether the option has no default."""
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def is_lone_layer_type(kind: Any) -> bool:
    """Whether a spec's top-level ``type:`` names a layer that is no net (the spec is then that layer alone)."""
    cls = REGISTRY.get(kind) if isinstance(kind, str) else None
    return cls is not None and not issubclass(cls, NetGraph)


def read_layer(reader: Any, spec: Any, loc: Loc, path: tuple, at: Loc | None = None,
               slip: Callable[[], str] | None = None) -> Any:
    """One layer from its spec value at ``loc`` (``at``: the value's, when elsewhere: ``name: 3``), else FAILED;
    ``slip()``: why a value that is no layer may be an option of the layer above (``misindented_option``)."""
    reader.layer_locs[path] = (reader.file, loc)
    if isinstance(spec, YMap) and ("file" in spec or "ref" in spec):
        # a reference nests nets the YAML's own depth (yaml_depth) does not count: bounded, and given the room
        if len(path) > current_limits().nesting_depth:  # that the recursive reading of so deep a net needs
            reader.error(loc, f"layer {_name(path[:1])} nests nets more than {current_limits().nesting_depth} levels "
                         f"deep through 'ref:' or 'file:' (the nesting_depth limit; {raise_hint('nesting_depth')})",
                         kind="limit", layer=path[:1])
            raise TooManyProblems  # alone: reading on would read each deeper definition again, to no end
        with recursion_room(READ_FRAMES * len(path)):
            return _reference(reader, spec, path) if "file" in spec else _named_net(reader, spec, path)
    if isinstance(spec, YMap):
        return _typed(reader, spec, loc, path)
    if isinstance(spec, YSeq):
        return _chain_shorthand(reader, spec, loc, path)
    return _shorthand(reader, spec, loc, path, at or loc, slip)


def _name(path: tuple) -> str:
    """A layer's path for a message, quoted: 'm/net/2' for layer 2 of operator m's inner net; ``alone`` for the
    layer a spec is alone (path ``()``)."""
    return repr(shown_path(path)) if path else "alone"


def _shorthand(reader: Any, spec: Any, loc: Loc, path: tuple, at: Loc, slip: Callable[[], str] | None = None) -> Any:
    cls = REGISTRY.get(spec) if isinstance(spec, str) else None
    if cls is not None and dataclasses.is_dataclass(cls) and not any(map(required, layer_fields(cls).values())):
        return _construct(reader, cls, reader.take_arrays(path, cls), YMap.made({}, loc), loc, path)
    try:
        with reading_layer(path):  # a warning its constructor gives names it
            layer = from_shorthand(spec) if isinstance(spec, (int, str)) and not isinstance(spec, bool) else None
    except NetGraphError as exc:  # LinearLayer(-3): at the value, with the file's other problems
        return reader.error(at, f"layer {_name(path)}: {exc}", source=sole(exc, path),
                            kind="option-value", layer=path, found=spec)
    if layer is not None:  # its saved arrays ('arrays:'), as a layer written out in full gets them
        arrays = reader.take_arrays(path, type(layer))
        return _construct(reader, type(layer), {**layer.options(), **arrays}, YMap.made({}, at), at, path) \
            if arrays else layer
    if isinstance(spec, str) and spec in reader.net_defs.get(reader.file, {}):  # a named net used without 'ref:'
        return reader.error(at, f"layer {_name(path)}: {quoted(spec)} is not a layer; {quoted(spec)} is a net of this "
                            f"file's 'nets:': use it as {{ref: {unquoted(spec)}}}", kind="not-a-layer",
                            layer=path, found=spec)
    hint = slip() if slip is not None else ""  # asked only here: it may import every layer module
    if hint:  # 'biases: None' under-indented below its layer's options
        return reader.error(loc, f"layer {_name(path)}: {quoted(spec)} is not a layer: {hint}",
                            kind="not-a-layer", layer=path, found=spec)
    others = [n for n in (*ELEMENTWISE, *REGISTRY) if n != spec]  # 'NetGraph' is no slip for itself
    hint = layer_name_hint(spec, others) if isinstance(spec, str) else ""
    if not hint and isinstance(spec, str) and spec in REGISTRY:  # a type with no shorthand ('NetGraph')
        hint = f" by its name alone (it needs options): write it as {{type: {spec}, ...}}"
    return reader.error(at, f"layer {_name(path)}: {quoted(spec)} is not a layer{hint}; write a mapping such as "
                        f"{{type: LinearLayer, output: 3}}, or a shorthand (an int for LinearLayer, a function name "
                        f"such as Tanh, a list for a NetChain)", kind="not-a-layer", layer=path, found=spec)


def _chain_shorthand(reader: Any, spec: YSeq, loc: Loc, path: tuple) -> Any:
    """A list of layers: read as a NetChain spec with those layers."""
    if not spec:
        return reader.error(loc, f"layer {_name(path)}: an empty list is not a NetChain",
                            kind="not-a-layer", layer=path, found=[])
    options = listed_options(reader, spec, f"layer {_name(path)}")
    if options is not None:
        reader.layer_specs[path] = options
        return _typed(reader, options, loc, path)
    return reader.graph(YMap.made({"layers": spec}, loc), path, "NetChain")


def _reference(reader: Any, spec: YMap, path: tuple) -> Any:
    f = reader.file
    reader.check_keys(spec, ("file", "type"), "a layer given by 'file:'", layer=path)
    target, loc = spec["file"], spec.value_locs["file"]
    if spec.get("type", "NetGraph") not in ("NetGraph", "NetChain"):
        reader.error(spec.value_locs["type"], "a layer given by 'file:' is a NetGraph or NetChain spec",
                     kind="unknown-layer-type", layer=path, found=spec["type"])
    if not isinstance(target, str) or not target:
        return reader.error(loc, f"'file:' takes a path to another spec, relative to this file; found {quoted(target)}",
                            kind="value-type", layer=path, found=value_kind(target))
    try:
        refusal, full = reference_refusal(f.folder, target), Path(f.folder, target)
        resolved, found = full.resolve(), full.is_file()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a name too long, a symlink loop
        return reader.error(loc, f"'file:' names no readable path: {getattr(exc, 'strerror', None) or exc}",
                            kind="reference", layer=path, found=target)
    if refusal is not None:
        return reader.error(loc, refusal, kind="reference", layer=path, found=target)
    shown = os.path.normpath(str(full))
    if resolved in f.chain:
        cycle = " -> ".join([*(p.name for p in f.chain[f.chain.index(resolved):]), full.name])
        return reader.error(loc, f"spec files refer to each other in a cycle: {cycle}",
                            kind="reference-cycle", layer=path, found=target)
    if not found:
        what = ("is a folder" if full.is_dir() else "is not a regular file (a device, pipe or socket)"
                if os.path.exists(full) else None)
        return reader.error(loc, f"'file:' names a spec file; {quoted(shown)} {what}" if what else f"no spec file "
                            f"{quoted(shown)} (paths in 'file:' are relative to the file that names them)",
                            kind="reference", layer=path, found=target)
    return reader.read_file(full, path, f.chain, shown, loc, target)


def _named_net(reader: Any, spec: YMap, path: tuple) -> Any:
    """``{ref: name}``: the net defined as ``name`` under this file's ``nets:``, read anew at ``path`` (each use
    has arrays of its own); problems inside it are placed at the definition, those of this use (its shapes, its
    size) at the use. Cycles are refused."""
    reader.check_keys(spec, ("ref",), "a layer given by 'ref:'", layer=path)
    name, loc = spec["ref"], spec.value_locs["ref"]
    f, defs = reader.file, reader.net_defs.get(reader.file, {})
    if not isinstance(name, str) or name not in defs:
        known = f"its 'nets:' defines {', '.join(map(str, defs))}" if defs else "this file has no 'nets:'"
        return reader.error(loc, f"'ref:' names no net of this file: {quoted(name)}"
                            f"{did_you_mean(name, defs) if isinstance(name, str) else ''}; {known}",
                            kind="reference", layer=path, found=name, expected=tuple(defs))
    if (f, name) in reader.ref_chain:
        cycle = [n for _, n in reader.ref_chain[reader.ref_chain.index((f, name)):]]
        return reader.error(loc, f"nets refer to each other in a cycle: {' -> '.join([*cycle, name])}",
                            kind="reference-cycle", layer=path, found=name)
    size, reached = _uses_reading(reader, f, name)
    if reader.refs_read + size > MAX_REFERENCES:  # refused unread: a bomb of 2**30 uses is not read up to the limit
        reader.refs_used |= {(f, n) for n in reached}  # nor read again as unused definitions
        return reader.error(loc, f"more than {MAX_REFERENCES} 'ref:' uses read for one net: this use of {quoted(name)} "
                            f"reads {size if size <= MAX_REFERENCES else f'more than {MAX_REFERENCES}'} (its nets' "
                            f"own uses included): do the nets refer to each other many times over?", kind="limit",
                            layer=path, expected=MAX_REFERENCES, found=size)
    reader.refs_read += 1  # within MAX_REFERENCES: ``size`` counts this use itself
    reader.ref_chain.append((f, name))
    again, use = (f, name) in reader.refs_used, reader.layer_locs[path]
    reader.refs_used.add((f, name))
    try:
        with reading_again() if again else nullcontext():  # its layers' warnings: told at the first use
            return read_layer(reader, defs[name], defs.value_locs[name], path)
    finally:  # the layer is where it is used (its own layers stay inside the definition, as its options do)
        reader.ref_chain.pop()
        reader.layer_locs[path] = use


def _uses_reading(reader: Any, f: Any, name: str) -> tuple[int, set[str]]:
    """How many 'ref:' uses reading the net ``name`` of file ``f`` takes, itself included (past MAX_REFERENCES: one
    more), and the nets it reaches; worked out from the definitions before any is read (a cycle counts once: it is
    refused where it closes)."""
    defs, sizes = reader.net_defs.get(f, {}), reader.ref_sizes.setdefault(f, {})
    targets: dict[str, list[str]] = {}
    reached, on_path, stack = set(), set(), [(name, False)]
    while stack:  # depth-first, without recursion: definitions may chain a thousand deep
        net, done = stack.pop()
        if done:
            on_path.discard(net)
            sizes[net] = min(MAX_REFERENCES + 1, 1 + sum(sizes.get(t, 1) for t in targets[net]))
            continue
        reached.add(net)
        if net in sizes or net in on_path:
            continue
        on_path.add(net)
        targets[net] = [t for t in _ref_targets(defs[net]) if t in defs]
        stack += [(net, True)] + [(t, False) for t in targets[net]]
    return sizes[name], reached


def _ref_targets(value: Any) -> list[str]:
    """The names each '{ref: name}' inside the YAML ``value`` uses."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found += [item["ref"]] if isinstance(item.get("ref"), str) else []
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return found


def unknown_type_hint(name: Any, top: bool = False) -> str:
    """The hint on a ``type:`` that names no layer type: another library's name, a near type, or a shorthand's
    function name ({type: Tanh}) or a slip of one ({type: Tanhh}) and how to write that layer (``top``: the file's
    own type, where the shorthand alone cannot stand: only the mapping form)."""
    hint = layer_name_hint(name, REGISTRY)
    return hint + _shorthand_hint(name, not hint and name not in known_names(), top)


def _shorthand_hint(name: Any, near: bool = False, top: bool = False) -> str:
    """For a type that is a layer shorthand ({type: Tanh}), or (``near``) a slip of one ({type: Tanhh}): how to write
    that layer (``top``: as a mapping alone)."""
    if near and isinstance(name, str):
        name = nearest_name(name, [n for n in known_names() if n not in REGISTRY])
    try:
        layer = from_shorthand(name) if isinstance(name, str) else None
    except NetGraphError:
        layer = None
    function = getattr(layer, "function", None)
    return "" if layer is None or not isinstance(function, str) else (
        f"{f' (did you mean {quoted(name)}?)' if near else ''}; {quoted(name)} is a function: " + (
            f"write the layer with type: {layer.type_name} and function: {function} as the file's keys" if top else
            f"write the layer as {name} alone, or {{type: {layer.type_name}, function: {function}}}"))


def _typed(reader: Any, spec: YMap, loc: Loc, path: tuple) -> Any:
    if "type" not in spec and spec.merge_refused:  # its type may be what the refused '<<' was to give: told once
        return FAILED
    if "type" not in spec:
        slip = next((f"; its key {key + ':'!r} (did you mean {close + ':'!r}?)" for key in spec if isinstance(key, str)
                     and (close := nearest_name(key, ("type", "file", "ref")))), "")  # {fiel: b.yaml}, {Type: ...}
        return reader.error(loc, f"layer {_name(path)} needs 'type:' (a layer type such as LinearLayer, or NetGraph)"
                            f"{slip}", kind="missing-key", layer=path, option="type")
    name = spec["type"]
    cls = REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        return reader.error(spec.value_locs["type"], f"layer {_name(path)}: unknown layer type {quoted(name)}"
                            f"{unknown_type_hint(name)}",
                            kind="unknown-layer-type", layer=path, found=name)
    if issubclass(cls, NetGraph):
        kind = "NetChain" if name == "NetChain" else "NetGraph"
        reader.check_keys(spec, CHAIN_KEYS if kind == "NetChain" else GRAPH_KEYS, f"a {kind}",
                          ("edges",) if kind == "NetChain" else (), layer=path)
        return reader.graph(spec, path, kind)
    return _options(reader, cls, spec, loc, path)


def _options(reader: Any, cls: type, spec: YMap, loc: Loc, path: tuple) -> Any:
    fields, hints = layer_fields(cls), option_hints(cls)
    label = f"layer {_name(path)} ({cls.__name__})"
    kwargs, split = {}, split_tuples(spec, reader.lines.get(reader.file.name))
    for key, (text, keys) in split.items():  # {kernel: (3, 3)}: kernel "(3" and a key "3)"
        reader.error(spec.value_locs[key], f"{label} option {key}: inside {{...}} YAML read {text} as the text "
                     f"{quoted(spec[key])} and the key{'s' * (len(keys) > 1)} {', '.join(map(quoted, keys))}: "
                     f"{NO_TUPLES}, {tuple_list(text)}", kind="option-value", layer=path, option=key, found=text)
    skipped, ok = {k for key, (_, keys) in split.items() for k in (key, *keys)}, not split
    for key, value in spec.items():
        if key in skipped:
            continue
        if key not in fields and key != "type":
            ends = [f for f in fields if isinstance(key, str) and f.endswith(f"_{key}")]  # net: forward_net, say
            hint = torch_option_hint(cls.__name__, key) or did_you_mean(key, fields) or (
                f" (did you mean {quoted(ends[0])}?)" if ends else "")
            reader.error(spec.key_locs[key], f"{label} has no option {quoted(key)}{hint}; "
                         f"its options are {', '.join(fields) or 'none'}",
                         kind="layer-argument", layer=path, option=key, expected=tuple(fields))
            ok = False
        elif key != "type":  # an operator's inner net ("net" kind) is a nested spec at path (*operator, option)
            how, where = option_codecs(cls)[key], spec.value_locs[key]
            if isinstance(value, str) and value.lower() in _YAML11_BOOLEANS and hints.get(key) in (bool, Optional[bool]):
                kwargs[key] = reader.error(where, f"{label} option {key} takes true or false, found the text "
                                           f"{quoted(value)} (specs read YAML 1.2, where only true and false are "
                                           f"booleans)",
                                           kind="option-value", layer=path, option=key, expected="true or false",
                                           found=value)
            elif how.kind == "net" and isinstance(value, YSeq) and key in getattr(cls, "PAIR", ())[:1]:
                kwargs[key] = _pair(reader, cls, value, where, path, label)
            else:
                kwargs[key] = (read_layer(reader, value, where, (*path, key)) if how.kind == "net"
                               else how.read(reader, value, where, f"layer {_name(path)} option {key}: ", path, key))
    for key, field in fields.items():
        if required(field) and key not in spec:
            reader.error(loc, f"{label} needs option {quoted(key)} (in Python its first argument: {cls.__name__}(...))",
                         kind="layer-argument", layer=path, option=key)
            ok = False
    ok = ok and all(v is not FAILED for v in kwargs.values())
    for field, value in reader.take_arrays(path, cls).items():  # a shared array's values go in its marker
        shared = kwargs.get(field)
        kwargs[field] = NetSharedArray(shared.name, value) if isinstance(shared, NetSharedArray) else value
    return _construct(reader, cls, kwargs, spec, loc, path) if ok else FAILED


def _pair(reader: Any, cls: type, value: YSeq, where: Loc, path: tuple, label: str) -> Any:
    """A list given to an option that takes a pair of nets (``PAIR``: NetBidirectionalOperator's
    ``forward_net: [fwd, bwd]``), as in Python: the two nets, each read at its own option's path."""
    first, second = cls.PAIR
    if len(value) != 2:
        return reader.error(where, f"{label} option {first}: a list is the pair [{first}, {second}], as in Python; "
                            f"found {len(value)} item{'' if len(value) == 1 else 's'}. For one chain of layers used "
                            f"as both, write {first}: {{type: NetChain, layers: [...]}}",
                            kind="option-value", layer=path, option=first, expected=2, found=len(value))
    nets = [read_layer(reader, item, loc, (*path, field)) for item, loc, field in zip(value, value.item_locs, cls.PAIR)]
    return FAILED if any(net is FAILED for net in nets) else nets


def _construct(reader: Any, cls: type, kwargs: dict, spec: YMap, loc: Loc, path: tuple) -> Any:
    try:
        state = kwargs.pop(MODULE_ARRAYS, None)  # a registered module's saved arrays (not options)
        lines = reader.lines.get(reader.file.name)  # found 1.0e39 told as written, worked out if a message quotes it
        with shapes_checked_elsewhere(), reading_layer(path), numbers_as_written(lambda: written_floats(spec, lines)):
            layer = cls(**kwargs)
            if state and (missing := [name for name in layer.arrays if name not in state]):
                label = f"layer {_name(path)} ({cls.__name__})"  # not its module's own values in their place
                return reader.error(loc, missing_arrays(label, path, reader.module_weights.get(path), missing),
                                    kind="missing-array", layer=path, expected=tuple(missing))
            return layer.with_arrays(state) if state else layer
    except Exception as exc:  # noqa: BLE001 - a layer rejecting odd values is still the spec's fault
        problems = getattr(exc, "diagnostics", ())  # at the option the error names, else at the positional one
        option, at = _option_at(spec, loc, problems[0].option if problems else None, getattr(cls, "POSITIONAL", None))
        if not isinstance(exc, NetGraphError):
            return reader.error(at, f"layer {_name(path)} ({cls.__name__}) rejected its options: "
                                f"{type(exc).__name__}: {exc}", kind="option-value", layer=path, option=option)
        key = next((k for k, v in spec.items() if isinstance(v, str) and k != "type"), None)
        column = exc.column if isinstance(exc, ExpressionError) and key else None  # at its column in the option's text
        if column is None and len(problems) > 1:  # several: each where it would be told alone
            for d in problems:
                reader.error(_placed(reader, cls, spec, path, d, _option_at(spec, loc, d.option)[1]),
                             f"layer {_name(path)}: {d.message}{text_hint(spec.get(d.option))}"
                             f"{reader.origin(path, d.option)}",
                             source=at_layer(d, path), kind="option-value")
            return FAILED
        where = spec.value_locs[key].at(column) if column is not None else \
            _placed(reader, cls, spec, path, problems[0], at) if problems else at
        origin = reader.origin(path, problems[0].option) if problems else ""  # an array from the weights file
        return reader.error(where, f"layer {_name(path)}: {exc}{text_hint(spec.get(option))}{origin}",
                            source=sole(exc, path), kind="option-value", layer=path, option=option)


def _placed(reader: Any, cls: type, spec: YMap, path: tuple, problem: Any, at: Loc) -> Loc:
    """Where a layer's ``problem`` is told: at the inner net's port it names, else at its option's item, else ``at``."""
    return _inner_port_at(reader, path, problem) or _item_at(cls, spec, problem, at)


def _item_at(cls: type, spec: YMap, problem: Any, at: Loc) -> Loc:
    """Where in its option's value (its port's, for a mapping of ports) the item ``problem`` names is (an array's
    short row or value beyond float32, a shape's or kernel's item), else ``at``."""
    if problem.option not in spec:
        return at
    value = spec[problem.option]
    if problem.port is not None and isinstance(value, YMap) and problem.port in value:  # inputs: {x: [3, -1]}
        value = value[problem.port]
    array = getattr(option_codecs(cls).get(problem.option), "kind", None) == "array"
    return (array_item_at(value, problem.found) if array else faulty_item_at(value, problem.item, problem.found)) or at


def _inner_port_at(reader: Any, path: tuple, problem: Any) -> Loc | None:
    """Where the inner net (of this file) in ``problem``'s option declares the port ``problem`` names, else None."""
    inner = reader.locators.get((*path, problem.option)) if problem.port is not None else None
    return inner.port_locs.get(problem.port) if inner is not None and inner.file == reader.file else None


def _option_at(spec: YMap, default: Loc, *options: Any) -> tuple[str | None, Loc]:
    """The first of ``options`` written in ``spec`` (not 'type') and where its value is, else (None, ``default``)."""
    key = next((k for k in options if k in spec.value_locs and k != "type"), None)
    return key, default if key is None else spec.value_locs[key]

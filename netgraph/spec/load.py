"""YAML spec -> NetGraph, collecting every problem with its file:line:col into one ``SpecError``.

``SpecReader`` checks keys, reads layers (``layer_specs``), ports, edges (``edges``), references and saved
arrays (``saving``); ``Locator.locate`` (``locator``) places each ``Diagnostic`` the NetGraph raises at the YAML
its fields (never its text) name, with the edges it names as written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from netgraph.core.errors import Diagnostic, NetGraphError, SpecError, did_you_mean, nearest_name
from netgraph.core.files import file_identity
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.naming_scope import naming_under, numbers_as_written, quoted
from netgraph.spec.alias_problems import alias_repeats_merged
from netgraph.spec.array_checks import array_misfits, check_arrays, check_sizes
from netgraph.spec.edges import check_edges_without_layers, read_edges, refuse_chain_edges
from netgraph.spec.multiplier_rules import read_multipliers
from netgraph.spec.net_defs import check_unused_nets, read_net_defs
from netgraph.spec.misindented import check_misindented, misindented_option
from netgraph.spec.layer_lists import named_layers, without_keys
from netgraph.spec.line_breaks import yaml_lines
from netgraph.spec.layer_specs import CHAIN_KEYS, GRAPH_KEYS, is_lone_layer_type, read_layer, unknown_type_hint
from netgraph.spec.ports import check_declared, check_unused, read_ports
from netgraph.spec.spec_header import check_header
from netgraph.spec.layer_places import layer_at, unread_fields
from netgraph.spec.locator import Locator
from netgraph.spec.yaml_nodes import Loc, YamlRefused, YMap, YSeq, read_yaml
from netgraph.spec.problems import FAILED, ProblemLog, TooManyProblems, looks_like_spec
from netgraph.spec.saving import MODULE_ARRAYS, read_arrays
from netgraph.spec.quoted_numbers import in_split_tuple
from netgraph.spec.spec_keys import TOP_KEYS
from netgraph.spec.text import EncodingRefused, other_kind_hint, read_limited
from netgraph.spec.written_numbers import written_floats
from netgraph.spec.yaml_hints import comment_hint
from netgraph.core.chain import NetChain
from netgraph.core.graph import NetGraph
from netgraph.core.wording import value_kind

__all__ = ["SpecReader", "SourceFile", "Locator", "load_spec", "check_sizes", "VERSION", "TOP_KEYS"]

VERSION = 1
MAX_FILES = 500  # spec files read for one load (files naming each other many times: a reference bomb)


@dataclasses.dataclass(frozen=True)
class SourceFile:
    """One spec file being read: its display name, its folder (for references), the reference chain."""

    name: str
    folder: Path
    chain: tuple[Path, ...] = ()


class SpecReader(ProblemLog):
    """Reads one spec (and the files it refers to) into a NetGraph; ``errors`` collects problems."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, Loc, str, Diagnostic]] = []
        self.file = SourceFile("<spec>", Path.cwd())  # the file being read
        self.layer_locs: dict[tuple, tuple[SourceFile, Loc]] = {}  # layer path -> where it is defined
        self.layer_specs: dict[tuple, YMap] = {}  # layer (or graph) path -> its mapping, for option positions
        self.locators: dict[tuple, Locator] = {}  # graph path -> where its ports and edges are
        self.arrays: dict[str, tuple] = {}  # "path.to.layer.Array" -> (tensor, file, loc) from 'arrays:', until used
        self.weights_names: dict[SourceFile, str] = {}  # each spec file's 'arrays:' (the weights file it names)
        self.arrays_from: dict[tuple, tuple[str, set]] = {}  # layer path -> (weights file, its arrays taken from it)
        self.module_weights: dict[tuple, str | None] = {}  # registered module layer path -> its weights file
        self.taken_from: dict[tuple, str] = {}  # (layer path, array option) -> "key 'k' of the weights file 'f' ..."
        self.files_read = 0
        self.lines: dict[str, list[str]] = {}  # each spec file's lines (for hints)
        self.net_defs: dict[SourceFile, YMap] = {}  # each file's 'nets:' (named nets that '{ref: name}' uses)
        self.ref_chain: list[tuple[SourceFile, str]] = []  # the references being read, innermost last
        self.refs_used: set[tuple[SourceFile, str]] = set()  # the 'nets:' definitions read (unused ones: checked)
        self.refs_read = 0
        self.ref_sizes: dict[SourceFile, dict[str, int]] = {}  # 'ref:' uses reading each net takes (_uses_reading)
        self.layers_read = 0
        self.undeclared: set[tuple] = set()  # (file, graph path, name) of each graph port told to be declared
        self.unread: set[tuple] = set()  # (file name, line, col) of each value that could not be read (None there)
        self.spec_files: dict[Path, tuple | None] = {}  # each spec file read -> its file_identity before the read

    def reset(self) -> None:
        """Forget everything read, to read the spec again."""
        self.__init__()

    def error(self, loc: Loc, message: str, file: SourceFile | None = None, source: Diagnostic | None = None, *,
              kind: str, **fields: Any) -> Any:
        """Record a problem at ``loc`` in ``file`` (default: the file being read); FAILED, for ``return error(...)``.
        ``source``: the Diagnostic it came from, whose fields the SpecError's keeps; else ``kind`` and ``fields``."""
        if ((file or self.file).name, loc.line, loc.col) in self.unread:
            return FAILED  # a value that could not be read: told once, as such
        hint = comment_hint(self.lines.get((file or self.file).name), loc)
        return super().error(loc, message + hint, file, source, kind=kind, **fields)

    # -- files ---------------------------------------------------------------------------------------
    def read_file(self, path: Path, prefix: tuple, chain: tuple[Path, ...], shown: str, named_at: Loc | None = None,
                  target: str | None = None) -> Any:  # named_at: a 'file:' naming it (target) for layer prefix
        self.files_read += 1
        if self.files_read > MAX_FILES:  # at the 'file:' naming one more, in the file naming it (never opened)
            return self.error(named_at or Loc(1, 1), f"more than {MAX_FILES} spec files read for one net: do the "
                              f"files refer to each other many times over?", kind="limit", layer=prefix, found=target)
        f = SourceFile(shown, path.parent, chain)
        try:  # a link's references (its 'arrays:' too) are read beside the file it links to, where save wrote them
            f = SourceFile(shown, path.resolve().parent if path.is_symlink() else path.parent, (*chain, path.resolve()))
            if path not in self.spec_files:  # before the first read: a change after it shows
                self.spec_files[path] = file_identity(path)
            text = read_limited(path)
        except EncodingRefused as exc:
            return self.error(Loc(exc.line, exc.col), exc.problem, f, kind="encoding")
        except (OSError, RuntimeError) as exc:
            reason = getattr(exc, 'strerror', None) or exc
            if not prefix:  # the spec asked for: no line of it was read, so no file:line:col (as import_onnx's kind)
                raise SpecError(f"cannot read the spec: {reason}", file=shown, kind="unreadable-file",
                                found=shown) from None
            return self.error(named_at or Loc(1, 1), f"'file:' names {quoted(shown)}, which cannot be read: {reason}",
                              kind="reference", layer=prefix, found=target)  # at that 'file:', in the file naming it
        if prefix and not looks_like_spec(text):  # a referenced file: its content is not repeated
            return self.error(Loc(1, 1), f"not a netgraph spec: it has no 'netgraph: {VERSION}' line (the "
                              f"file's content is not repeated here)", f, kind="not-a-spec")
        outer = self.file
        net = self.read_text(text, f, prefix)
        self.file = outer
        return net

    def read_text(self, text: str, f: SourceFile, prefix: tuple = ()) -> Any:
        """The net of one spec file's text (problems recorded, FAILED when it cannot be built)."""
        self.file = f
        self.lines[f.name] = yaml_lines(text)
        recorded, data = [], None  # (loc, problem, kind) of duplicate keys and values that cannot be read (None there)
        try:
            data = read_yaml(text, f.name, recorded)
        except YamlRefused as exc:  # no value was read, so no hint that one is null for a comment
            return super().error(exc.loc, exc.problem + other_kind_hint(f.name), f, kind=exc.kind)
        finally:
            for loc, problem, kind in recorded:
                if kind == "duplicate-key" and in_split_tuple(self.lines[f.name], loc):  # {kernel: (3, 3, 3)}
                    continue
                if kind is not None:  # None: a list holding a value that cannot be read
                    told, fields = unread_fields(data, loc, kind, self.lines[f.name][loc.line - 1])
                    self.error(loc, problem, kind=told, layer=layer_at(data, loc, prefix), **fields)  # (its layer's)
                if kind != "duplicate-key":  # what its None causes there is not told again
                    self.unread.add((f.name, loc.line, loc.col))
        if not isinstance(data, YMap):
            found = value_kind(data)
            return self.error(getattr(data, "loc", Loc(1, 1)), f"a spec is a mapping that starts with "
                              f"'netgraph: {VERSION}', found {found} (the file's content is not repeated here)"
                              f"{other_kind_hint(f.name)}", kind="not-a-spec", found=found)
        if "netgraph" not in data and not set(data) & {*TOP_KEYS, *GRAPH_KEYS, *CHAIN_KEYS}:
            return self.error(data.loc, f"not a netgraph spec: it has no 'netgraph: {VERSION}' line and none of a "
                              f"spec's keys (the file's content is not repeated here)", kind="not-a-spec")
        check_header(self, data, VERSION)
        kind = data.get("type", "NetGraph")
        alone = is_lone_layer_type(kind)  # a layer type that is no net: the spec is that layer alone (its options beside)
        meant = kind if kind in ("NetGraph", "NetChain") else nearest_name(kind, ("NetGraph", "NetChain"))
        if not alone and meant is not None:  # an unknown type ('LinearLayr') is the one problem: its keys unjudged
            self.check_keys(data, (*TOP_KEYS, *(CHAIN_KEYS if meant == "NetChain" else GRAPH_KEYS)), "a spec",
                            ("edges",) if meant == "NetChain" else (), layer=prefix)
        if "arrays" in data:
            self.weights_names[f] = data["arrays"]
            read_arrays(self, data, prefix)
        read_net_defs(self, data)
        if alone:
            self.layer_specs[prefix] = spec = without_keys(data, TOP_KEYS)
            net = read_layer(self, spec, data.loc, prefix)
        elif kind not in ("NetGraph", "NetChain"):
            known = unknown_type_hint(kind, top=True)
            net = self.error(data.value_locs["type"], f"a spec's top-level type is NetGraph, NetChain or a layer type "
                             f"(a layer alone), found {quoted(kind)}{known}", kind="unknown-layer-type", layer=prefix,
                             found=kind)
        else:  # its ports', its graph's and its multipliers' messages show decimals as written
            lines = self.lines[f.name]
            with numbers_as_written(lambda: written_floats(data, lines, arrays=False)):
                net = self.graph(data, prefix, kind)
        check_unused_nets(self, prefix)
        return net

    def check_keys(self, spec: YMap, allowed: tuple, what: str, explained: tuple = (), *,
                   layer: tuple | None = None) -> None:
        """Report keys not ``allowed`` (those ``explained`` elsewhere excepted: a NetChain's 'edges:') of the layer at
        path ``layer``; a layer under an unknown key where 'nets:' is allowed (a YAML anchor's holder, 'defaults: &lin
        {...}') says where it goes."""
        for key in spec:
            if key not in allowed and key not in explained:
                anchored = "nets" in allowed and isinstance(spec[key], YMap) and "type" in spec[key]
                self.error(spec.key_locs[key], f"{what} has no key {quoted(key)}{did_you_mean(key, allowed)}; its "
                           f"keys are {', '.join(allowed)}" + ("; a net defined once for several uses goes under "
                           "'nets:' (each use written {ref: name}), or is anchored where it is first used "
                           "(a: &lin {...})" * anchored),
                           kind="unknown-key", found=key, expected=allowed, layer=layer)

    # -- graphs --------------------------------------------------------------------------------------
    def graph(self, spec: YMap, prefix: tuple, kind: str) -> Any:
        value = spec.get("layers")
        if not isinstance(value, (YMap, YSeq)) or not value:
            found = ("it has none" if "layers" not in spec else "found nothing after 'layers:' (null)" if value is None
                     else f"found {quoted(value)}")  # in YAML's words: no key, or a null, is not Python's None
            self.error(spec.written_at("layers") if "layers" in spec else spec.loc, f"a {kind} needs 'layers:', a "
                       f"mapping of names to layers or a list (numbered from 1); {found}"[:300],
                       layer=prefix, kind="missing-key" if "layers" not in spec else "value-type",
                       found=None if "layers" not in spec else value_kind(value))
            ports, _ = read_ports(self, spec, Locator(self, self.file, prefix), kind)  # what layers do not decide
            check_edges_without_layers(self, spec, ports, prefix, kind)
            return FAILED
        loc_of = Locator(self, self.file, prefix)
        self.layer_specs[prefix] = spec
        value = named_layers(self, value)  # '- enc: ...' items: their mapping (the slip recorded)
        table = self.layers(value, prefix)
        ports, shapes = read_ports(self, spec, loc_of, kind)
        if kind == "NetChain":
            refuse_chain_edges(self, spec, prefix)
        edges = [] if kind == "NetChain" else read_edges(self, spec, table, ports, loc_of)
        ports = check_unused(self, table, ports, shapes, loc_of)
        if kind == "NetGraph" and isinstance(value, YMap):  # beside bad edges too: the slip may be their cause
            check_misindented(self, value, table, loc_of.used_layers, bool(spec.get("edges")), prefix)
        if edges is None or any(v is FAILED for v in table.values()):
            return FAILED
        listed = isinstance(value, YSeq)  # a list: numbered as in Python
        made = (lambda t, s: NetChain(list(t.values()) if listed else t, **s)) if kind == "NetChain" else \
            (lambda t, s: NetGraph(t, edges, **s))  # of ``table``, or of it without arrays (``array_misfits``)
        net = loc_of.net = self.construct(made, table, shapes, loc_of, spec.loc, ports)
        return net if net is FAILED or "learning_rate_multipliers" not in spec else read_multipliers(self, net, spec)

    def layers(self, value: YMap | YSeq, prefix: tuple) -> dict[str, Any]:
        if isinstance(value, YMap):
            items = [(name, value[name], value.key_locs[name], value.value_locs[name]) for name in value]
        else:
            items = [(str(i), v, loc, loc) for i, (v, loc) in enumerate(zip(value, value.item_locs), 1)]
        self.layers_read += len(items)
        if self.layers_read > current_limits().yaml_layers:  # in several files (each file's own are counted as read)
            self.error(value.loc, f"more than {current_limits().yaml_layers} layers, counting nested nets, 'ref:' uses "
                       f"and referenced files (the yaml_layers limit; {raise_hint('yaml_layers')})", kind="limit")
            raise TooManyProblems
        self.layer_specs.update({(*prefix, name): spec for name, spec, *_ in items if isinstance(spec, YMap)})
        slip = (lambda name: lambda: misindented_option(value, name)) if isinstance(value, YMap) else lambda _: None
        return {name: read_layer(self, spec, loc, (*prefix, name), at, slip(name)) for name, spec, loc, at in items}

    def construct(self, made: Any, table: dict[str, Any], shapes: dict, loc_of: Locator, where: Loc,
                  ports: dict) -> Any:
        """``made(table, shapes)`` (a NetGraph/NetChain of the layers ``table``), its errors placed; when declared
        ports are wrong, tried again without them (to report shape problems too); declared ``ports`` then checked
        against the graph's. Where an array stops inference, every array of ``table``'s layers that does not fit the
        net made without them is told instead (``array_misfits``)."""
        before = len(self.errors)
        make = lambda s: made(table, s)  # noqa: E731
        net, problems = self._attempt(make, shapes, loc_of, where, place=False)
        if net is FAILED and not array_misfits(self, problems, shapes, loc_of.prefix, made, table):
            self.place(problems, loc_of, where)
        bad = {p.port for p in problems if p.kind == "unknown-graph-port" and p.layer == ()}
        if net is FAILED and bad:
            net, _ = self._attempt(make, {k: v for k, v in shapes.items() if k not in bad}, loc_of, where)
        if net is not FAILED:
            check_declared(self, net, {k: v for k, v in ports.items() if k not in bad}, loc_of)
        return net if len(self.errors) == before else FAILED

    def _attempt(self, make: Any, shapes: dict, loc_of: Locator, where: Loc,
                 place: bool = True) -> tuple[Any, list[Diagnostic]]:
        try:
            with naming_under(loc_of.prefix):  # its messages name its layers by their path from the top net
                return make(shapes), []
        except NetGraphError as exc:
            if place:
                self.place(exc.diagnostics, loc_of, where)
            return FAILED, exc.diagnostics

    def place(self, problems: list[Diagnostic], loc_of: Locator, where: Loc) -> None:
        """Record each problem at the YAML its fields point to (``where`` when they point nowhere known), its layer
        and graph paths from the top net."""
        for i, problem in enumerate(problems):
            if self.full():  # found already: counted, not placed (a big net's can be thousands)
                self.unshown += len(problems) - i
                return
            file, loc, message = loc_of.locate(problem, where)
            for name in reversed(loc_of.prefix):
                problem = problem.within(name)
            self.error(loc, message, file, problem, kind=problem.kind, stop=False)

    # -- saved arrays ------------------------------------------------------------------------------------
    def take_arrays(self, path: tuple, cls: type) -> dict[str, Any]:
        """Options for the saved arrays of the layer at ``path`` (none when the spec has no 'arrays:')."""
        out = {}
        if getattr(cls, "MODULE", None) is not None:  # register_module's layer: its module's state_dict entries
            prefix = ".".join((*path, ""))
            taken = {key[len(prefix):]: self.arrays.pop(key) for key in list(self.arrays) if key.startswith(prefix)}
            state = {name: tensor for name, (tensor, _, _) in taken.items()}
            if taken:  # which weights file gave them: a module's array missing from it is named with it
                self.module_weights[path] = self.weights_names.get(next(iter(taken.values()))[1])
            return {MODULE_ARRAYS: state} if state else {}
        for name, field in getattr(cls, "ARRAYS", {}).items():
            key = ".".join((*path, name))
            if key in self.arrays:
                out[field], f, _ = self.arrays.pop(key)
                self.taken_from[(path, field)] = (f"key {quoted(key)} of the weights file "
                                                  f"{quoted(self.weights_names.get(f))} has shape "
                                                  f"{tuple(out[field].shape)}")
                self.arrays_from.setdefault(path, (self.weights_names.get(f), set()))[1].add(name)
        return out

    def origin(self, path: tuple, option: str | None) -> str:
        """' (key ... of the weights file ... has shape ...)' where ``path``'s ``option`` came from it, else ''."""
        found = self.taken_from.get((path, option))
        return f" ({found})" if found else ""

    def check_unused_arrays(self) -> None:
        for key, (_, f, loc) in self.arrays.items():
            self.error(loc, f"the arrays file has {quoted(key)}, but the spec has no layer with that array "
                       f"(keys are '<layer path>.<Array>', as in the compiled module's state_dict)", f,
                       kind="unused-array", found=key)


def load_spec(source: Path | tuple[str, str, Path], locations: dict | None = None,
              reader: SpecReader | None = None) -> Any:
    """A NetGraph (or a layer alone) from a path, or from ``(text, display name, folder)``; one SpecError listing
    every problem. ``locations`` gets each layer's path -> ``"file:line:col"`` where the spec defines it; ``reader``
    (a new SpecReader) keeps where everything else is (``api.problem_location``)."""
    reader = SpecReader() if reader is None else reader
    try:
        if isinstance(source, Path):
            net = reader.read_file(source, (), (), str(source))
        else:  # (text, display name, folder)
            net = reader.read_text(source[0], SourceFile(source[1], source[2]))
        if not reader.errors:
            reader.check_unused_arrays()
            check_arrays(reader, net, check_sizes(reader, net))
    except TooManyProblems:
        pass
    reader.errors = alias_repeats_merged(reader.errors, reader.layer_locs)  # an anchored value's problem: once
    reader.raise_errors()
    if locations is not None:
        locations.update((path, f"{f.name}:{loc.line}:{loc.col}") for path, (f, loc) in reader.layer_locs.items())
    return net

"""Safe YAML reading for specs: plain data with a position for every value, hostile input refused.

``read_yaml(text, file)`` composes libyaml's (else PyYAML's pure) parser events into ``YMap``/``YSeq`` and
plain scalars (YAML 1.2 core schema). Duplicate keys, tags, keys that are no scalar and numbers it cannot read
(``unread_values``) it refuses as ``SpecError`` at ``file:line:col``, or, given a ``problems`` list, records there
and reads on; input past the ``yaml_depth``, ``yaml_nodes`` (aliases expanded; a flow list at its '[':
``flow_lists``), ``yaml_layers`` and ``yaml_bytes`` limits, and alias cycles, it refuses. Tabs and mis-aligned
lines get a hint (``yaml_hints``).

>>> data = read_yaml("layers:\\n  lin: {type: LinearLayer, output: 3}\\n", "net.yaml")
>>> data["layers"]["lin"]["output"], data["layers"]["lin"].value_locs["output"]
(3, Loc(line=2, col=36, inner=36))
>>> read_yaml("a: 1\\na: 2\\n", "net.yaml")
Traceback (most recent call last):
...
netgraph.spec.yaml_nodes.YamlRefused: net.yaml:2:1: duplicate key 'a' (first given at line 1); YAML would silently keep the last one
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent, StreamEndEvent)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from netgraph.core.errors import SpecError
from netgraph.core.integers import INT64_BOUND
from netgraph.core.limits import current_limits, raise_hint
from netgraph.spec.block_structure import BlockLookahead
from netgraph.spec.flow_lists import FlowLookahead
from netgraph.spec.merge_keys import merge_into, merge_sources
from netgraph.spec.number_lists import NumberLists
from netgraph.spec.line_breaks import blank_tab_lines, uniform_breaks, yaml_lines
from netgraph.spec.unread_values import TAG, UnreadValues
from netgraph.spec.scalar_spans import CORE, Loc, ScalarText, core_refusal, core_value
from netgraph.spec.yaml_values import YMap, YSeq
from netgraph.spec.yaml_hints import empty_file_problem, list_key_hint, syntax_hint

__all__ = ["Loc", "YMap", "YSeq", "YamlRefused", "read_yaml", "use_loader", "LOADERS", "RESOLVERS", "OUT_OF_RANGE"]

_SCALAR_TAGS = {f"{TAG}{t}" for t in ("str", "int", "float", "bool", "null")}
_SEQ, _MAP, _STR, _MERGE = f"{TAG}seq", f"{TAG}map", f"{TAG}str", f"{TAG}merge"
_KEY_TAGS = {*_SCALAR_TAGS, _SEQ, _MAP, _MERGE}
_ALLOWED = {ScalarNode: _SCALAR_TAGS, SequenceNode: {_SEQ}, MappingNode: {_MAP}}
_NODE_KINDS = {ScalarEvent: ScalarNode, SequenceStartEvent: SequenceNode, MappingStartEvent: MappingNode}
RESOLVERS: dict = {k: [(tag, rx) for tag, rx in v if tag in (f"{TAG}null", _MERGE)]  # SafeLoader's null and '<<'
                    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _kind, _rx, _first in CORE:
    for _c in _first:
        RESOLVERS.setdefault(_c, []).append((f"{TAG}{_kind}", re.compile(f"^(?:{_rx})$")))  # the writer quotes by these
OUT_OF_RANGE = "option-value"  # an integer beyond 64 bits: an option's problem (the reader: yaml-syntax elsewhere)
_INT64_DIGITS = len(str(INT64_BOUND))  # a decimal of more digits (no leading zero) is out of range
_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*[ \t]+)+")  # anchors and tags before a value: '&x !!str '
PURE_FALLBACK_CHARS = 2**16  # text libyaml refuses is read again by the pure parser up to this length (see _read)


class YamlRefused(SpecError):
    """The text is not YAML a spec may contain; ``loc`` and ``problem`` say where and why, ``kind`` what it is
    (``"yaml-syntax"``, ``"duplicate-key"``, ``"limit"``: past a hostile-file limit)."""

    def __init__(self, file: str, loc: Loc, problem: str, kind: str = "yaml-syntax"):
        self.loc, self.problem = loc, problem
        super().__init__(f"{file}:{loc.line}:{loc.col}: {problem}", kind=kind)


class _Composer(FlowLookahead, BlockLookahead, NumberLists, UnreadValues):
    """Parser events -> values (PyYAML's composer and constructor in one); an alias gives its anchor's value, not
    a copy. Too deep, too many values or layers: refused at once; other refusals once the document is parsed, so
    that a syntax error anywhere is the one reported."""

    def document(self, file: str, problems: list[tuple[Loc, str]] | None) -> Any:
        """The single document's value (``problems``: where the problems ``unread_values`` tells are recorded)."""
        self.file, self.problems, self.anchors, self.resolved, self.refusals = file, problems, {}, {}, []
        self.duplicates, self.open, self.marked = [], [], set()  # duplicate keys recorded; the lists being read (a
        # mapping: None); those recorded as holding a value that cannot be read
        self.depth = self.deepest = self.nodes = self.layers = 0
        self.keys: list = []  # the keys whose values are being read (a list as a key is hinted at under 'edges:')
        self.aliased = False  # an alias was read (a count past the yaml_nodes limit is then blamed on aliases)
        limits, self.under_layers = current_limits(), False
        self.max_depth, self.max_nodes, self.max_layers = limits.yaml_depth, limits.yaml_nodes, limits.yaml_layers
        self.get_event()  # stream start
        if self.check_event(StreamEndEvent):
            line, col, problem = empty_file_problem(self.text)
            raise YamlRefused(file, Loc(line, col), problem, "not-a-spec")
        self.get_event()  # document start
        self.start = len(problems or ())
        try:
            value, _ = self.compose()
        except YamlRefused:  # nested too deeply: refused at once, alone
            del (problems or [])[self.start:]
            raise
        self.get_event()  # document end
        if not self.check_event(StreamEndEvent):  # a second document: no parser's words, one spec per file
            mark = self.get_event().start_mark
            dashes = self.line_text(mark.line + 1).startswith("---")
            raise YamlRefused(file, _mark_loc(mark), "a spec file holds one YAML document, and a second one starts "
                              "here" + (" ('---'): put each spec in a file of its own, or remove this line" if dashes
                                        else ": put each spec in a file of its own"))
        if self.refusals:
            _, _, loc, problem, kept, kind = min(self.refusals)
            del (problems or [])[kept:]
            raise YamlRefused(file, loc, problem, kind)
        return value

    def refuse(self, loc: Loc, problem: str, early: bool = False, kind: str = "yaml-syntax") -> None:
        """Note a refusal (of ``kind``): the first (``early`` ones, alias cycles, before the rest) is raised with the
        duplicate keys found before it."""
        kept = self.start if early else len(self.problems or ())
        self.refusals.append((not early, len(self.refusals), loc, problem, kept, kind))

    def compose(self, key: bool = False) -> tuple[Any, Loc]:
        """The next value (for a key: its text as written) and where it is."""
        self.depth += 1
        event, start = self.peek_event(), self.nodes
        layers, self.under_layers = self.under_layers, False  # the value of a 'layers:' key: its items are counted
        if self.depth > self.max_depth:
            raise YamlRefused(self.file, _mark_loc(event.start_mark), f"nested deeper than {self.max_depth} levels "
                              f"(the yaml_depth limit; {raise_hint('yaml_depth')})", "limit")
        self.get_event()
        if isinstance(event, AliasEvent):
            value, loc, size, text, height = self.alias(event)
            self.count(size, _mark_loc(event.start_mark), alias=True)
            self.deepest = max(self.deepest, self.depth + height)
            if self.depth + height > self.max_depth:
                raise YamlRefused(self.file, _mark_loc(event.start_mark), f"nested deeper than {self.max_depth} "
                                  f"levels (with aliases expanded); the yaml_depth limit: {raise_hint('yaml_depth')}",
                                  "limit")
            if key and text is None:  # at the alias, not at the value it names
                self.bad_value(_mark_loc(event.start_mark), "a mapping key must be a plain name, not a list or mapping")
            value = text if key else value
            if layers and isinstance(value, (YMap, YSeq)):
                self.count_layers(len(value), _mark_loc(event.start_mark))
        else:
            if event.anchor in self.anchors:
                raise ComposerError(f"found duplicate anchor {event.anchor!r}; first occurrence", None,
                                    "second occurrence", event.start_mark)
            if event.anchor is not None:
                self.anchors[event.anchor] = None  # being composed: an alias to it now is a cycle
            outer, self.deepest = self.deepest, self.depth
            value, loc, text = self.value(event, key, layers)
            height, self.deepest = self.deepest - self.depth, max(outer, self.deepest)
            self.count(1, loc)
            if event.anchor is not None:
                self.anchors[event.anchor] = (value, loc, self.nodes - start, text, height)
        self.depth -= 1
        return value, loc

    def count(self, values: int, loc: Loc, alias: bool = False) -> None:
        """Count ``values`` more values (an alias: its anchor's); past yaml_nodes: refused at once, at ``loc``."""
        self.nodes += values
        self.aliased = self.aliased or alias
        if self.nodes > self.max_nodes:
            what = "aliases expand to" if self.aliased else "the spec holds"
            raise YamlRefused(self.file, loc, f"{what} more than {self.max_nodes} values "
                              f"({'an alias bomb?; ' if self.aliased else ''}the yaml_nodes limit: "
                              f"{raise_hint('yaml_nodes')}); keep large arrays in a safetensors file (netgraph.save)",
                              "limit")

    def alias(self, event: AliasEvent) -> tuple:
        """(value, loc, size, text, height) of the anchor an alias names."""
        if event.anchor not in self.anchors:
            raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
        if self.anchors[event.anchor] is None:
            loc = _mark_loc(event.start_mark)
            self.refuse(loc, "an alias refers to a value that contains it (a cycle)", early=True)
            return None, loc, 1, "", 0
        return self.anchors[event.anchor]

    def count_layers(self, more: int, loc: Loc) -> None:
        """Count ``more`` layers; past yaml_layers: refused at once."""
        self.layers += more
        if self.layers > self.max_layers:
            raise YamlRefused(self.file, loc, f"more than {self.max_layers} layers (the yaml_layers limit; "
                              f"{raise_hint('yaml_layers')})", "limit")

    def value(self, event: Any, key: bool, layers: bool = False) -> tuple[Any, Loc, str | None]:
        """(value, loc, text as written for a scalar) of the node that ``event`` starts."""
        kind = _NODE_KINDS[type(event)]
        tag, line, col = event.tag, event.start_mark.line + 1, event.start_mark.column + 1
        if tag is None or tag == "!":
            tag = self.resolve(kind, event.value if kind is ScalarNode else None, event.implicit)
        allowed = tag in (_KEY_TAGS if key else _ALLOWED[kind])
        refused = None if allowed else self.tag_refused(tag, key, line, col, event.anchor)
        col = self.content_col(line, col)  # past an anchor or tag: a value's position is its first character
        if kind is not ScalarNode:
            loc = Loc(line, col)
            if key:
                edges = kind is SequenceNode and self.keys[-1:] == ["edges"]
                hint = list_key_hint(self.line_text(line), col) if edges else ""
                self.bad_value(loc, f"a mapping key must be a plain name, not a list or mapping{hint}")
            self.flow_ahead(event)
            block = self.block_ahead(event, "-" if kind is SequenceNode else ":", layers)
            flow = getattr(event, "flow_style", False) and not (key or layers or block)  # its numbers read in runs
            value = self.sequence(loc, layers, block, flow) if kind is SequenceNode else \
                self.mapping(loc, layers, block)
            if refused:  # read for its problems, then None
                self.bad_value(*refused, at=loc)
            return (None if key or refused else value), loc, None
        single = event.end_mark.line == line - 1 and event.style in (None, "", '"', "'")  # "": plain (libyaml)
        quotes = 2 if event.style in ('"', "'") else 0
        if single and event.end_mark.column - (col - 1) - quotes == len(event.value):
            loc = Loc(line, col, col + quotes // 2)
        else:  # a block scalar, escapes, or several lines: each character's position is worked out when asked
            self.line_text(line)  # splits self.lines
            loc = Loc(line, col, None, (ScalarText(self.lines, line - 1, col - 1, event.value, event.style), 0))
        text = _MERGE if tag == _MERGE else event.value
        if refused:
            self.bad_value(*refused, at=loc)
        return (text if key else self.scalar(event, tag, loc) if allowed else None), loc, text

    def line_text(self, line: int) -> str:
        """The text of (1-based) ``line``; ``self.lines`` split when first needed."""
        if self.lines is None:
            self.lines = yaml_lines(self.text) or [""]
        return self.lines[line - 1] if line <= len(self.lines) else ""

    def content_col(self, line: int, col: int) -> int:
        """The column of a value's content, after the anchor and tag written before it on its line (``&x -3``)."""
        text = self.line_text(line)
        found = _PROPERTIES.match(text, col - 1) if text[col - 1:col] in ("&", "!") else None
        return found.end() + 1 if found and found.end() < len(text) else col

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """PyYAML's tag resolution, remembered for each distinct plain scalar."""
        if (kind, value, implicit) not in self.resolved:
            self.resolved[kind, value, implicit] = super().resolve(kind, value, implicit)
        return self.resolved[kind, value, implicit]

    def scalar(self, event: ScalarEvent, tag: str, loc: Loc) -> Any:
        if tag == _STR:
            return event.value
        kind, text = tag[len(TAG):], event.value
        if refusal := core_refusal(kind, text):  # tagged too: an explicit '!!int 010' is no YAML 1.1 octal
            return self.bad_value(loc, refusal)
        if kind == "int" and len(text.lstrip("+-")) > _INT64_DIGITS and text.lstrip("+-").isdecimal():
            return self.out_of_range(loc, text)  # not converted: Python refuses decimals of over 4300 digits
        try:
            value = core_value(kind, text) if kind in ("int", "float", "bool") else \
                getattr(self, f"construct_yaml_{kind}")(ScalarNode(tag, text, event.start_mark, event.end_mark))
        except (ValueError, OverflowError, KeyError) as exc:
            return self.bad_value(loc, f"cannot read {text[:40]!r} as {kind}: {exc}")
        if kind == "int" and not -INT64_BOUND <= value < INT64_BOUND:
            return self.out_of_range(loc, text)
        return value

    def out_of_range(self, loc: Loc, text: str) -> None:
        self.bad_value(loc, f"integer {text[:40]}{'...' if len(text) > 40 else ''} is out of range (a spec's integers "
                       f"fit in 64 bits)", kind=OUT_OF_RANGE)  # as a layer's option: option-value (the reader)

    def sequence(self, loc: Loc, layers: bool = False, block: tuple | None = None, flow: bool = False) -> YSeq:
        out, locs, aliases = YSeq(), [], {}
        self.open.append(loc)
        while not self.check_event(SequenceEndEvent):
            if flow and (run := self.number_run(out, locs)) is not None:
                locs = run
                continue
            if block:
                self.item_ahead(block)
            use = self.peek_event()
            if layers:
                self.count_layers(1, _mark_loc(use.start_mark))
            if isinstance(use, AliasEvent):  # where written (its value's loc is the anchor's): for merge keys
                aliases[len(locs)] = _mark_loc(use.start_mark)
            value, item_loc = self.compose()
            out.append(value)
            locs.append(item_loc)
        self.get_event()
        self.open.pop()
        out.loc, out.item_locs, out.alias_locs = loc, locs, aliases
        return out

    def mapping(self, loc: Loc, layers: bool = False, block: tuple | None = None) -> YMap:
        out = YMap.made({}, loc)
        self.open.append(None)
        merged: list[tuple[Any, Loc]] = []
        merge_loc, aliases = None, {}  # where this mapping's '<<' is; where each value written as an alias is
        while not self.check_event(MappingEndEvent):
            if block:
                self.item_ahead(block, out)
            key, key_loc = self.compose(key=True)
            if layers:
                self.count_layers(1, key_loc)
            self.under_layers = key == "layers"
            self.keys.append(key)
            use = self.peek_event()
            value, value_loc = self.compose()
            self.keys.pop()
            if key == _MERGE and merge_loc is not None:
                self.duplicate("<<", merge_loc, key_loc)
            elif key == _MERGE:
                merge_loc, use_loc = key_loc, _mark_loc(use.start_mark) if isinstance(use, AliasEvent) else None
                merged += merge_sources(value, value_loc, use_loc)
            elif key is None:  # a list or mapping as a key: told, and its entry left out
                continue
            elif key in out:
                self.duplicate(key, out.key_locs[key], key_loc)
            else:
                out[key], out.key_locs[key], out.value_locs[key] = value, key_loc, value_loc
                if isinstance(use, AliasEvent):
                    aliases[key] = _mark_loc(use.start_mark)
        self.get_event()
        out.alias_locs = aliases
        out.merge_refused = merge_into(out, merged, self.bad_value)
        self.open.pop()
        return out

    def refuse_now(self, loc: Loc, problem: str, kind: str) -> None:
        """Refuse the file at once (a hostile one), with ``problem`` alone."""
        raise YamlRefused(self.file, loc, problem, kind)


# the composer over libyaml's C scanner and parser (the same events and marks) when PyYAML has it, and the pure one
LOADERS = {kind: type(f"{kind}Loader", (_Composer, parser), {"yaml_implicit_resolvers": RESOLVERS})
           for kind, parser in (("libyaml", getattr(yaml, "CSafeLoader", None)), ("pure", yaml.SafeLoader)) if parser}
_loader_class = next(iter(LOADERS.values()))  # libyaml when present


def use_loader(kind: str) -> str:
    """Read specs with ``kind`` (a key of ``LOADERS``: "libyaml", "pure"); returns the previous kind."""
    global _loader_class
    previous = next(k for k, v in LOADERS.items() if v is _loader_class)
    _loader_class = LOADERS[kind]
    return previous


def _mark_loc(mark: Any) -> Loc:
    return Loc(mark.line + 1, mark.column + 1) if mark is not None else Loc(1, 1)


def read_yaml(text: str, file: str, problems: list[tuple[Loc, str]] | None = None) -> Any:
    """One YAML document as YMap/YSeq/scalars; YamlRefused (a SpecError) when refused (duplicate keys: recorded
    in ``problems`` as (loc, message) when given).

    >>> read_yaml("layers:\\n\\ta: Tanh\\n", "net.yaml")
    Traceback (most recent call last):
    ...
    netgraph.spec.yaml_nodes.YamlRefused: net.yaml:2:1: YAML indentation: use spaces, not tabs (this line is indented with a tab)
    """
    limit = current_limits().yaml_bytes
    if len(text) > limit:
        raise YamlRefused(file, Loc(1, 1), f"{len(text)} characters is more than a spec may have ({limit}, the "
                          f"yaml_bytes limit; {raise_hint('yaml_bytes')}); keep arrays in a safetensors file "
                          f"(netgraph.save)", "limit")
    return _read(text, file, problems, _loader_class)


def _early(exc: Exception, text: str) -> bool:
    """Whether libyaml refused within ``PURE_FALLBACK_CHARS`` characters (its scanner reads ahead: a flow nesting
    past its 1,000 levels is refused before yaml_depth is seen), which the pure parser reaches soon."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return len(text) <= PURE_FALLBACK_CHARS or (mark is not None and mark.index <= PURE_FALLBACK_CHARS)


def _read(text: str, file: str, problems: list[tuple[Loc, str]] | None, loader_class: type) -> Any:
    """``read_yaml`` with one loader class; text refused is read again with its blank lines' tabs made spaces (YAML 1.2
    takes them there), and by the pure loader, the reference (libyaml refuses a lone surrogate PyYAML accepts), when
    libyaml refused early (``_early``); else its refusal stands. Text PyYAML takes is read as it is."""
    recorded = len(problems or ())
    try:
        loader = loader_class(text)
        loader.text, loader.lines = uniform_breaks(text), None  # the parser reads ``text``: the same offsets
        try:
            return loader.document(file, problems)
        finally:
            loader.dispose()
    except (yaml.YAMLError, UnicodeEncodeError) as exc:  # libyaml reads UTF-8: a lone surrogate cannot be encoded
        del (problems or [])[recorded:]  # a syntax error is reported alone
        if (blanked := blank_tab_lines(text)) != text:  # PyYAML's refusal of tabs in a blank line: read it again
            return _read(blanked, file, problems, loader_class)
        if loader_class is not LOADERS["pure"] and (_early(exc, text) or isinstance(exc, UnicodeEncodeError)):
            return _read(text, file, problems, LOADERS["pure"])
        if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):  # a control character
            raise YamlRefused(file, Loc.of_offset(text, exc.position), f"invalid YAML: character "
                              f"#x{exc.character:04x} ({exc.reason}; a spec is text)") from None
        if not isinstance(exc, yaml.MarkedYAMLError):
            raise YamlRefused(file, Loc(1, 1), f"invalid YAML: {exc}") from None
        hint = None if isinstance(exc, ComposerError) else syntax_hint(exc, text)
        if hint is not None:
            raise YamlRefused(file, Loc(hint[0], hint[1]), hint[2]) from None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise YamlRefused(file, _mark_loc(exc.problem_mark or exc.context_mark), f"invalid YAML: {problem}") from None

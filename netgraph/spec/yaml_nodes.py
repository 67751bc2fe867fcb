"""Safe YAML reading for specs: plain data with a position for every value, hostile input refused.

``read_yaml(text, file)`` parses with libyaml's C scanner and parser when PyYAML has it (else PyYAML's
pure-Python ones; ``use_loader`` picks) and PyYAML's composer (composition only, no object construction) and turns the node tree into ``YMap``/``YSeq`` (a dict and a list that know
where each of their values sits in the file) and plain scalars. It refuses, as ``SpecError`` with
``file:line:col``: tags other than the plain YAML types (``!!python/object`` …), duplicate keys,
nesting deeper than the ``yaml_depth`` limit, more values than ``yaml_nodes`` (aliases expanded:
billion laughs) or alias cycles, integers outside 64 bits, and texts over ``yaml_bytes``
(``netgraph.core.limits``). Given a list for ``problems``, it
records duplicate keys there (keeping the first value) and reads on, so other problems show too.
Tabs and mis-aligned lines get a hint instead of the parser's own words.

>>> data = read_yaml("layers:\\n  lin: {type: LinearLayer, output: 3}\\n", "net.yaml")
>>> data["layers"]["lin"]["output"], data["layers"]["lin"].value_locs["output"]
(3, Loc(line=2, col=36, inner=36))
>>> read_yaml("a: 1\\na: 2\\n", "net.yaml")
Traceback (most recent call last):
...
netgraph.spec.yaml_nodes.YamlRefused: net.yaml:2:1: duplicate key 'a' (first given at line 1); YAML would silently keep the last one
"""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

from netgraph.core.errors import SpecError
from netgraph.core.limits import current_limits, raise_hint

__all__ = ["Loc", "YMap", "YSeq", "YamlRefused", "read_yaml", "use_loader", "LOADERS"]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null")}
_SEQ, _MAP = f"{_TAG}seq", f"{_TAG}map"
_INT64 = 2**63


class Loc(NamedTuple):
    """1-based line and column of a value; ``inner`` is the column of a single-line scalar's first
    character of content (after an opening quote), or None for block scalars and collections."""

    line: int
    col: int
    inner: int | None = None

    def at(self, offset: int) -> Loc:
        """The position ``offset`` characters into a single-line scalar (itself when unknown)."""
        return Loc(self.line, self.inner + offset, self.inner + offset) if self.inner is not None else self


class YMap(dict):
    """A mapping read from YAML: ``loc`` of the mapping, ``key_locs`` and ``value_locs`` by key."""

    loc: Loc
    key_locs: dict
    value_locs: dict


class YSeq(list):
    """A list read from YAML: ``loc`` of the list and ``item_locs`` by index."""

    loc: Loc
    item_locs: list


class YamlRefused(SpecError):
    """The text is not YAML a spec may contain; ``loc`` and ``problem`` say where and why."""

    def __init__(self, file: str, loc: Loc, problem: str):
        self.loc, self.problem = loc, problem
        super().__init__(f"{file}:{loc.line}:{loc.col}: {problem}")


class _Refusal(Exception):
    def __init__(self, message: str, mark: Any):
        super().__init__(message)
        self.message, self.mark = message, mark


def _resolvers() -> dict:
    """SafeLoader's implicit resolvers without timestamps and '=' (dates stay strings)."""
    drop = {f"{_TAG}timestamp", f"{_TAG}value"}
    return {k: [(tag, rx) for tag, rx in v if tag not in drop] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class _DepthLimit:
    """Composes nodes only, with a depth limit (the composer is recursive); counts the nodes, notes
    whether any alias occurs, and remembers how each distinct plain scalar resolved."""

    depth = nodes = 0
    aliased = False
    max_depth = max_nodes = 0  # set by _read from the limits in force

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self.depth += 1
        self.nodes += 1
        if self.depth > self.max_depth:
            raise _Refusal(f"nested deeper than {self.max_depth} levels (the yaml_depth limit; "
                           f"{raise_hint('yaml_depth')})", self.peek_event().start_mark)
        if self.nodes > self.max_nodes:
            raise _Refusal(_too_many(f"more than {self.max_nodes} values"), self.peek_event().start_mark)
        if self.check_event(AliasEvent):
            self.aliased = True
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        if not hasattr(self, "_resolved"):
            self._resolved = {}
        tag = self._resolved.get(key)
        if tag is None:
            tag = self._resolved[key] = super().resolve(kind, value, implicit)
        return tag


class _Loader(_DepthLimit, yaml.SafeLoader):
    """PyYAML's pure-Python SafeLoader (reader, scanner, parser, composer), depth-limited."""

    yaml_implicit_resolvers = _resolvers()


if yaml.__with_libyaml__:
    class _CLoader(_DepthLimit, Composer, CParser, SafeConstructor, Resolver):
        """libyaml's C scanner and parser (the same events and marks) under PyYAML's Python composer, so
        the depth limit, alias handling and node positions are those of ``_Loader``."""

        yaml_implicit_resolvers = _resolvers()

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        def dispose(self) -> None:
            pass

    LOADERS = {"libyaml": _CLoader, "pure": _Loader}
else:  # pragma: no cover - PyYAML built without libyaml
    LOADERS = {"pure": _Loader}
_loader_class = next(iter(LOADERS.values()))  # libyaml when present


def use_loader(kind: str) -> str:
    """Read specs with ``kind`` (a key of ``LOADERS``: "libyaml", "pure"); returns the previous kind."""
    global _loader_class
    previous = next(k for k, v in LOADERS.items() if v is _loader_class)
    _loader_class = LOADERS[kind]
    return previous


def _loc(node: Node) -> Loc:
    mark = node.start_mark
    line, col = mark.line + 1, mark.column + 1
    if isinstance(node, ScalarNode) and node.end_mark.line == mark.line and node.style in (None, "", '"', "'"):  # "": plain (libyaml)
        return Loc(line, col, col + (1 if node.style else 0))
    return Loc(line, col)


def _too_many(count: str) -> str:
    return f"{count} (the yaml_nodes limit; {raise_hint('yaml_nodes')}); keep large arrays in a safetensors " \
           f"file (netgraph.save)"


def _expanded_size(root: Node, limit: int) -> int:
    """How many values the tree has once aliases are expanded (at most ``limit + 1``); refuses alias cycles."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if done:
            active.discard(key)
            sizes[key] = min(limit + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        if key in active:
            raise _Refusal("an alias refers to a value that contains it (a cycle)", node.start_mark)
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class _Builder:
    def __init__(self, loader: Any, problems: list[tuple[Loc, str]] | None):
        self.loader, self.problems = loader, problems

    def value(self, node: Node) -> Any:
        kind = ScalarNode if node.tag in _SCALAR_TAGS else {_SEQ: SequenceNode, _MAP: MappingNode}.get(node.tag)
        if kind is None or not isinstance(node, kind):
            tag = node.tag.replace(_TAG, "!!")
            raise _Refusal(f"YAML tag {tag!r} is not allowed: a spec is plain data (mappings, lists, strings, "
                           f"numbers, booleans, null); it never constructs Python objects", node.start_mark)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            return self.sequence(node)
        return self.mapping(node)

    def scalar(self, node: ScalarNode) -> Any:
        kind = node.tag[len(_TAG):]
        try:
            value = getattr(self.loader, f"construct_yaml_{kind}")(node)
        except (ValueError, OverflowError) as exc:
            raise _Refusal(f"cannot read {node.value[:40]!r} as {kind}: {exc}", node.start_mark) from None
        if kind == "int" and not -_INT64 <= value < _INT64:
            raise _Refusal(f"integer {node.value[:40]}{'...' if len(node.value) > 40 else ''} is out of range "
                           f"(a spec's integers fit in 64 bits)", node.start_mark)
        return value

    def sequence(self, node: SequenceNode) -> YSeq:
        out = YSeq(self.value(n) for n in node.value)
        out.loc, out.item_locs = _loc(node), [_loc(n) for n in node.value]
        return out

    def mapping(self, node: MappingNode) -> YMap:
        out = YMap()
        out.loc, out.key_locs, out.value_locs = _loc(node), {}, {}
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merged += value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                continue
            key = self.key(key_node)
            if key in out:
                self.duplicate(key, out.key_locs[key], key_node, value_node)
                continue
            out[key] = self.value(value_node)
            out.key_locs[key], out.value_locs[key] = _loc(key_node), _loc(value_node)
        for source in merged:
            self.merge(out, source)
        return out

    def duplicate(self, key: str, first: Loc, key_node: Node, value_node: Node) -> None:
        """A key given twice: refused, or recorded (its value still read for problems, then dropped)."""
        problem = _Refusal(f"duplicate key {key!r} (first given at line {first.line}); YAML would silently keep "
                           f"the last one", key_node.start_mark)
        if self.problems is None:
            raise problem
        self.problems.append((_mark_loc(problem.mark), problem.message))
        self.value(value_node)

    def merge(self, out: YMap, source: Node) -> None:
        if not isinstance(source, MappingNode):
            raise _Refusal("a merge key '<<' takes a mapping (or a list of mappings), e.g. '<<: *defaults'", source.start_mark)
        other = self.mapping(source)
        for key, value in other.items():
            if key not in out:
                out[key] = value
                out.key_locs[key], out.value_locs[key] = other.key_locs[key], other.value_locs[key]

    def key(self, node: Node) -> str:
        if node.tag not in (*_SCALAR_TAGS, _SEQ, _MAP):
            raise _Refusal(f"YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed on a key", node.start_mark)
        if not isinstance(node, ScalarNode):
            raise _Refusal("a mapping key must be a plain name, not a list or mapping", node.start_mark)
        return node.value  # the text as written: 'yes', 'no', '1' stay names


def _mark_loc(mark: Any) -> Loc:
    return Loc(mark.line + 1, mark.column + 1) if mark is not None else Loc(1, 1)


def _layout_hint(text: str, mark: Any) -> tuple[Loc, str] | None:
    """For a syntax error on a line indented with a tab, or to a column no line above uses: where, and a hint."""
    if mark is None:
        return None
    lines = text.splitlines()
    if mark.line >= len(lines):
        return None
    line = lines[mark.line]
    lead = line[:len(line) - len(line.lstrip(" \t"))]
    if "\t" in lead or line[mark.column:mark.column + 1] == "\t":
        col = lead.index("\t") if "\t" in lead else mark.column
        return Loc(mark.line + 1, col + 1), "YAML indentation: use spaces, not tabs (this line is indented with a tab)"
    above = {len(x) - len(x.lstrip(" ")) for x in lines[:mark.line] if x.strip() and not x.lstrip().startswith("#")}
    if len(lead) in above or not line.strip():
        return None
    return Loc(mark.line + 1, len(lead) + 1), (
        f"YAML indentation: this line is indented {len(lead)} space{'' if len(lead) == 1 else 's'}, which lines up with no line above it; "
        f"the keys of one mapping (and the items of one list) start in the same column, and a value nested "
        f"under a key is indented further than that key")


def read_yaml(text: str, file: str, problems: list[tuple[Loc, str]] | None = None) -> Any:
    """Parse one YAML document into YMap/YSeq/scalars; YamlRefused (a SpecError) when refused.

    With ``problems`` (a list), duplicate keys are recorded there as (loc, message) and reading goes on.

    >>> read_yaml("layers:\\n\\ta: Tanh\\n", "net.yaml")
    Traceback (most recent call last):
    ...
    netgraph.spec.yaml_nodes.YamlRefused: net.yaml:2:1: YAML indentation: use spaces, not tabs (this line is indented with a tab)
    """
    limit = current_limits().yaml_bytes
    if len(text) > limit:
        raise YamlRefused(file, Loc(1, 1), f"{len(text)} characters is more than a spec may have ({limit}, the "
                          f"yaml_bytes limit; {raise_hint('yaml_bytes')}); keep arrays in a safetensors file "
                          f"(netgraph.save)")
    return _read(text, file, problems, _loader_class)


def _read(text: str, file: str, problems: list[tuple[Loc, str]] | None, loader_class: type) -> Any:
    """``read_yaml`` with one loader class; text libyaml cannot parse is read again by the pure loader, whose
    behaviour is the reference (libyaml refuses some escapes PyYAML accepts, e.g. a lone surrogate)."""
    pure = LOADERS["pure"]
    loader = None
    try:
        loader = loader_class(text)
        limits = current_limits()
        loader.max_depth, loader.max_nodes = limits.yaml_depth, limits.yaml_nodes
        root = loader.get_single_node()
        if root is None:
            raise _Refusal("the file is empty; a spec starts with 'netgraph: 1'", None)
        if loader.aliased and _expanded_size(root, limits.yaml_nodes) > limits.yaml_nodes:
            raise _Refusal(_too_many(f"aliases expand to more than {limits.yaml_nodes} values (an alias bomb?)"),
                           root.start_mark)
        return _Builder(loader, problems).value(root)
    except _Refusal as exc:
        raise YamlRefused(file, _mark_loc(exc.mark), exc.message) from None
    except (yaml.YAMLError, UnicodeEncodeError) as exc:  # libyaml cannot even take a lone surrogate character
        if loader_class is not pure:
            return _read(text, file, problems, pure)
        if not isinstance(exc, yaml.MarkedYAMLError):
            raise YamlRefused(file, Loc(1, 1), f"invalid YAML: {exc}") from None
        hint = _layout_hint(text, exc.problem_mark)
        if hint is not None:
            raise YamlRefused(file, *hint) from None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise YamlRefused(file, _mark_loc(exc.problem_mark or exc.context_mark), f"invalid YAML: {problem}") from None
    except RecursionError:
        raise YamlRefused(file, Loc(1, 1), "nested too deeply to read") from None
    finally:
        if loader is not None:
            loader.dispose()

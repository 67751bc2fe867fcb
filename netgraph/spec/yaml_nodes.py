"""Safe YAML reading for specs: plain data with a position for every value, hostile input refused.

``read_yaml(text, file)`` composes nodes with PyYAML's SafeLoader (no objects constructed) and builds
``YMap``/``YSeq`` (a dict and a list that know where each value sits) and plain scalars. It refuses, as
``YamlRefused`` (a ``SpecError``) at ``file:line:col``: tags other than the plain YAML types, duplicate
keys (recorded in ``problems`` instead when given), nesting deeper than ``MAX_DEPTH``, aliases that
expand past ``MAX_NODES`` values or form a cycle, integers outside 64 bits and texts over ``MAX_BYTES``.
Tabs and mis-aligned lines get a hint instead of the parser's words.

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
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from netgraph.core.errors import SpecError

__all__ = ["Loc", "YMap", "YSeq", "YamlRefused", "read_yaml", "MAX_DEPTH", "MAX_NODES", "MAX_BYTES"]

MAX_DEPTH = 100  # nested mappings/lists; real specs use < 20
MAX_NODES = 2_000_000  # values after alias expansion (a 1000x2000 inline array fits)
MAX_BYTES = 64 * 2**20
_TAG = "tag:yaml.org,2002:"
_KINDS = {**{f"{_TAG}{t}": ScalarNode for t in ("str", "int", "float", "bool", "null")},
          f"{_TAG}seq": SequenceNode, f"{_TAG}map": MappingNode}


class Loc(NamedTuple):
    """1-based line and column of a value; ``inner``: the column of a one-line scalar's first character
    of content (after an opening quote), or None for block scalars and collections."""

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
        self.message, self.loc = message, Loc(mark.line + 1, mark.column + 1) if mark is not None else Loc(1, 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader that composes nodes only, with a depth limit (the composer is recursive); no timestamps."""

    yaml_implicit_resolvers = {k: [(tag, rx) for tag, rx in v if tag not in (f"{_TAG}timestamp", f"{_TAG}value")]
                               for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refusal(f"nested deeper than {MAX_DEPTH} levels; a spec never needs this", self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _loc(node: Node) -> Loc:
    mark = node.start_mark
    one_line = isinstance(node, ScalarNode) and node.end_mark.line == mark.line and node.style in (None, '"', "'")
    return Loc(mark.line + 1, mark.column + 1, mark.column + 1 + bool(node.style) if one_line else None)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, SequenceNode) else []


def _expanded_size(root: Node) -> int:
    """How many values the tree has once aliases are expanded (capped past MAX_NODES); refuses alias cycles."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if done:
            active.discard(id(node))
            sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes[id(c)] for c in _children(node)))
            continue
        if id(node) in active:
            raise _Refusal("an alias refers to a value that contains it (a cycle)", node.start_mark)
        active.add(id(node))
        stack += [(node, True), *((c, False) for c in _children(node) if id(c) not in sizes)]
    return sizes[id(root)]


class _Builder:
    def __init__(self, loader: _Loader, problems: list[tuple[Loc, str]] | None):
        self.loader, self.problems = loader, problems

    def value(self, node: Node) -> Any:
        if not isinstance(node, _KINDS.get(node.tag, ())):
            raise _Refusal(f"YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed: a spec is plain data (mappings, "
                           f"lists, strings, numbers, booleans, null); it never constructs Python objects", node.start_mark)
        if isinstance(node, SequenceNode):
            out = YSeq(self.value(n) for n in node.value)
            out.loc, out.item_locs = _loc(node), [_loc(n) for n in node.value]
            return out
        return self.mapping(node) if isinstance(node, MappingNode) else self.scalar(node)

    def scalar(self, node: ScalarNode) -> Any:
        kind = node.tag[len(_TAG):]
        try:
            value = getattr(self.loader, f"construct_yaml_{kind}")(node)
        except (ValueError, OverflowError) as exc:
            raise _Refusal(f"cannot read {node.value[:40]!r} as {kind}: {exc}", node.start_mark) from None
        if kind == "int" and not -2**63 <= value < 2**63:
            raise _Refusal(f"integer {node.value[:40]}{'...' if len(node.value) > 40 else ''} is out of range "
                           f"(a spec's integers fit in 64 bits)", node.start_mark)
        return value

    def mapping(self, node: MappingNode) -> YMap:
        out = YMap()
        out.loc, out.key_locs, out.value_locs = _loc(node), {}, {}
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merged += value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                continue
            key = self.key(key_node)
            if key not in out:
                out[key] = self.value(value_node)
                out.key_locs[key], out.value_locs[key] = _loc(key_node), _loc(value_node)
                continue
            problem = _Refusal(f"duplicate key {key!r} (first given at line {out.key_locs[key].line}); YAML would "
                               f"silently keep the last one", key_node.start_mark)
            if self.problems is None:
                raise problem
            self.problems.append((problem.loc, problem.message))
            self.value(value_node)  # read for its own problems, then dropped
        for source in merged:
            if not isinstance(source, MappingNode):
                raise _Refusal("a merge key '<<' takes a mapping (or a list of mappings), e.g. '<<: *defaults'",
                               source.start_mark)
            other = self.mapping(source)
            for key in other.keys() - out.keys():
                out[key], out.key_locs[key], out.value_locs[key] = other[key], other.key_locs[key], other.value_locs[key]
        return out

    def key(self, node: Node) -> str:
        if node.tag not in _KINDS:
            raise _Refusal(f"YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed on a key", node.start_mark)
        if not isinstance(node, ScalarNode):
            raise _Refusal("a mapping key must be a plain name, not a list or mapping", node.start_mark)
        return node.value  # the text as written: 'yes', 'no', '1' stay names


def _layout_hint(text: str, mark: Any) -> tuple[Loc, str] | None:
    """For a syntax error on a line indented with a tab, or to a column no line above uses: where, and a hint."""
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines):
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
        f"YAML indentation: this line is indented {len(lead)} space{'' if len(lead) == 1 else 's'}, which lines up "
        f"with no line above it; the keys of one mapping (and the items of one list) start in the same column, and a "
        f"value nested under a key is indented further than that key")


def read_yaml(text: str, file: str, problems: list[tuple[Loc, str]] | None = None) -> Any:
    """Parse one YAML document into YMap/YSeq/scalars; YamlRefused (a SpecError) when refused.

    >>> read_yaml("layers:\\n\\ta: Tanh\\n", "net.yaml")
    Traceback (most recent call last):
    ...
    netgraph.spec.yaml_nodes.YamlRefused: net.yaml:2:1: YAML indentation: use spaces, not tabs (this line is indented with a tab)
    """
    if len(text) > MAX_BYTES:
        raise YamlRefused(file, Loc(1, 1), f"{len(text)} characters is more than a spec may have ({MAX_BYTES}); "
                          f"keep arrays in a safetensors file (netgraph.save)")
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is None:
            raise _Refusal("the file is empty; a spec starts with 'netgraph: 1'", None)
        if _expanded_size(root) > MAX_NODES:
            raise _Refusal(f"aliases expand to more than {MAX_NODES} values (an alias bomb?); a spec this "
                           f"large cannot be meant", root.start_mark)
        return _Builder(loader, problems).value(root)
    except _Refusal as exc:
        raise YamlRefused(file, exc.loc, exc.message) from None
    except yaml.MarkedYAMLError as exc:
        hint = _layout_hint(text, exc.problem_mark)
        if hint is not None:
            raise YamlRefused(file, *hint) from None
        where = _Refusal("", exc.problem_mark or exc.context_mark).loc
        raise YamlRefused(file, where, f"invalid YAML: {' '.join(p for p in (exc.context, exc.problem) if p)}") from None
    except yaml.YAMLError as exc:
        raise YamlRefused(file, Loc(1, 1), f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlRefused(file, Loc(1, 1), "nested too deeply to read") from None
    finally:
        if loader is not None:
            loader.dispose()

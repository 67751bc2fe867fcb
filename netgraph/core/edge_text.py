"""The user's edges through a rebuild: a graph's ``Edge`` as the ``WrittenEdge`` pair that keeps its text and index
(``written``, ``pair_renamer``), and a user's edge text with layers or graph ports renamed (``renamed_text``), read
back from the form the wiring writes it in (``format_endpoint``: names, quoted names, numbers, lists, ``NetPort(...)``).

>>> renamed_text("a -> [b, 'my c'] -> NetPort('d', 'Output')", {"b": "B", "d": "x y"})
"a -> [B, 'my c'] -> NetPort('x y', 'Output')"
>>> renamed_text("NetPort('Input') -> 1 -> NetPort(('enc', 'l1', 'Input'))", {"enc": "E"}, {"Input": "x"})
"NetPort('x') -> 1 -> NetPort(('E', 'l1', 'Input'))"
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from netgraph.core.ports import Edge, NetPort, PortRef, WrittenEdge
from netgraph.core.wiring import format_endpoint

__all__ = ["written", "renamed_text", "pair_renamer", "renamed_edges", "with_mutes"]

_WORDS = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)"|([\w\x80-\U0010ffff]+)""")  # a quoted name (no escapes)
# or a word (a combining mark, not re's word character, joins its name: ``xe\u0301``)
_SKIPPED = (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)
_NAME_PARTS = {tokenize.NAME, tokenize.NUMBER, tokenize.ERRORTOKEN}


def _port(ref: PortRef) -> NetPort:
    return NetPort(ref.port) if ref.layer is None else NetPort(ref.layer, ref.port)


def written(edge: Edge, src: NetPort | None = None, dst: NetPort | None = None) -> tuple:
    """``edge`` as a pair (its own ends, or ``src``/``dst``): a WrittenEdge keeping the user's text and index, a
    plain pair for an implicit edge (the library's)."""
    pair = (src or _port(edge.src), dst or _port(edge.dst))
    return pair if edge.implicit or edge.index is None else \
        WrittenEdge(*pair, edge.text, edge.index, edge.hop, edge.link)


def with_mutes(net: Any, pairs: list[tuple], kept: Callable[[NetPort], NetPort | None] = lambda port: port
               ) -> list[tuple]:
    """A rebuild's ``pairs`` then ``net``'s mutes ``(output, None)``, each output as ``kept`` gives it (where it is
    now; None: its layer gone), less each whose output a pair now wires to a graph output (its consumer removed, its
    edge moved): muting a wired output is refused, the graph output wins."""
    exposed = {a for a, b in pairs if b is not None and b.layer is None}
    outputs = (kept(NetPort(m.layer, m.port)) for m in sorted(net._muted))  # explicit_edges' order
    return pairs + [(a, None) for a in outputs if a is not None and a not in exposed]


def pair_renamer(layers: Mapping[str | int, str] = {},
                 ports: Mapping[str, str] = {}) -> Callable[[tuple, tuple], tuple]:
    """A function of (``pair``, ``new``: ``pair`` with names changed) giving ``new`` keeping ``pair``'s user's edge,
    its text and its chain's link renamed alike (layers, old name or 1-based index -> new name; graph ports) even
    where ``pair``'s own ends are unchanged (``b -> c`` of the chain ``a -> b -> c``, renaming ``a``); the library's
    own text when it cannot be read back. Each user's text is read once (a chain's links share it)."""
    read = functools.cache(lambda text: _renamed_ends(text, layers, ports))
    names_in = functools.cache(_names_in)  # a chain's links share its text: each text's names found once
    olds = {str(old) for old in (*layers, *ports)}  # as the text writes them (an index: its digits)

    def renamed(pair: tuple, new: tuple) -> tuple:
        if type(pair) is not WrittenEdge or pair.index is None:
            return new
        if new == pair and (not olds or (names := names_in(pair.text)) is not None and olds.isdisjoint(names)):
            return pair  # it names none renamed: not read (tokenized)
        ends, changed, text = read(pair.text)
        if not changed and new == pair:
            return pair
        if ends is None:
            return WrittenEdge(*new, "", pair.index, None, "")
        hop = pair.hop if pair.link and pair.hop is not None and pair.hop + 1 < len(ends) else None
        link = f"{ends[hop]} -> {ends[hop + 1]}" if hop is not None else \
            (read(pair.link)[2] or "") if pair.link else ""
        return WrittenEdge(*new, text, pair.index, pair.hop if link else None, link)
    return renamed


def renamed_edges(edges: list[tuple], layers: Mapping[str, str], names: Sequence[str]) -> list[tuple]:
    """``explicit_edges`` pairs with layers renamed (``layers``: old -> new), each keeping its user's edge (an index
    naming a renamed layer of ``names``, the graph's layers in order, written as its new name)."""
    def port(p: NetPort | None) -> NetPort | None:
        return p if p is None or p.layer is None else NetPort(layers.get(p.layer, p.layer), p.port)
    renamed = pair_renamer(layers={**layers, **{i: layers[n] for i, n in enumerate(names, 1) if n in layers}})
    return [renamed(pair, (port(pair[0]), port(pair[1]))) for pair in edges]


def renamed_text(text: str, layers: Mapping[str | int, str] = {}, ports: Mapping[str, str] = {}) -> str | None:
    """``text`` (an edge as ``format_endpoint`` writes it) with layers (``layers``, old name or 1-based index -> new
    name) and graph ports (``ports``) renamed; None when it is not in that form."""
    return _renamed_ends(text, layers, ports)[2]


def _renamed_ends(text: str, layers: Mapping[str | int, str],
                  ports: Mapping[str, str]) -> tuple[list[str] | None, bool, str | None]:
    """``text``'s ends (an edge as ``format_endpoint`` writes it) renamed and written, whether any changed, and the
    text they make; (None, False, None) when it is not in that form."""
    ends = _ends(text)
    if ends is None:
        return None, False, None
    renamed = [_renamed(e, layers, ports) for e in ends]
    written = [format_endpoint(e) for e in renamed]
    return written, renamed != ends, " -> ".join(written)


def _names_in(text: str) -> frozenset[str] | None:
    """Every name ``text`` may write (its words and quoted strings); None where a backslash escapes characters."""
    return None if "\\" in text else frozenset(a or b or c for a, b, c in _WORDS.findall(text))


def _ends(text: str) -> list | None:
    """The endpoints of ``text`` (an edge as ``format_endpoint`` writes it); None when it is not in that form."""
    try:
        tokens = _joined([t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in _SKIPPED])
        ends, at = [], 0
        while True:
            end, at = _endpoint(text, tokens, at)
            ends.append(end)
            if at == len(tokens):
                return ends
            if tokens[at].string != "->":
                return None
            at += 1
    except (tokenize.TokenError, SyntaxError, ValueError, TypeError, IndexError):
        return None


def _joined(tokens: list[tokenize.TokenInfo]) -> list[tokenize.TokenInfo]:
    """``tokens`` with the touching parts of a name joined into one name token: tokenize splits a name at a
    combining mark (``xe\u0301``: a name, an error token)."""
    joined: list[tokenize.TokenInfo] = []
    for token in tokens:
        if joined and joined[-1].end == token.start and {joined[-1].type, token.type} <= _NAME_PARTS:
            joined[-1] = joined[-1]._replace(type=tokenize.NAME, string=joined[-1].string + token.string,
                                             end=token.end)
        else:
            joined.append(token)
    return joined


def _endpoint(text: str, tokens: list, at: int) -> tuple[Any, int]:
    """The endpoint starting at token ``at`` and the token past it."""
    token = tokens[at]
    if token.type == tokenize.NUMBER:
        return int(token.string), at + 1
    if token.type == tokenize.STRING:
        value = ast.literal_eval(token.string)
        if not isinstance(value, str):
            raise ValueError(token.string)
        return value, at + 1
    if token.string == "[":
        items, at = [], at + 1
        while tokens[at].string != "]":
            item, at = _endpoint(text, tokens, at)
            items.append(item)
            if tokens[at].string == ",":
                at += 1
        return items, at + 1
    if token.string == "NetPort" and tokens[at + 1].string == "(":
        close, depth = at + 1, 0
        while True:
            depth += {"(": 1, ")": -1}.get(tokens[close].string, 0)
            if depth == 0:
                break
            close += 1
        start, end = tokens[at + 1].start[1], tokens[close].end[1]
        return NetPort(*ast.literal_eval(text[start:end - 1] + ",)")), close + 1
    if token.type == tokenize.NAME and token.string.isidentifier():
        return token.string, at + 1
    raise ValueError(token.string)


def _renamed(end: Any, layers: Mapping[str | int, str], ports: Mapping[str, str]) -> Any:
    """An endpoint with its layer (a bare name, a NetPort's layer or path head) or graph port renamed."""
    if isinstance(end, list):
        return [_renamed(e, layers, ports) for e in end]
    if isinstance(end, (str, int)):
        return layers.get(end, end)
    if not isinstance(end, NetPort):
        return end
    if end.layer is None:
        return NetPort(ports.get(end.port, end.port))
    path = end.path
    head = layers.get(path[0], path[0])
    return NetPort(head, end.port) if len(path) == 1 else NetPort((head, *path[1:], end.port))

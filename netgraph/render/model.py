"""The diagram of a net as plain data: nodes with named port slots, shape-labelled edges, clusters.

Both renderers read this one model (``to_dot`` for Graphviz, ``layout.py`` for the built-in
layout), so every backend shows the same content; ``build.py`` makes it from a net. Node ids are
stable: ``L.<path>`` for a layer, ``I.<port>``/``O.<port>`` for graph ports and
``I.<path>.<port>``/``O.<path>.<port>`` for the ports of an expanded nested graph (names escaped so
they are valid Graphviz and SVG ids; a path longer than ``ID_LIMIT`` characters is shortened, see
``build.py``).
"""

from __future__ import annotations

import dataclasses
import math
import re
import textwrap
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

import numpy as np

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.integers import plain_int
from netgraph.core.names import ellipsized, fresh_name  # the summary's table cuts its cells with ellipsized too
from netgraph.core.stage_doors import MAX_EXPAND  # the notebook's check for a big diagram counts with it too
from netgraph.core.types import INTEGER, PortType, range_suffix

__all__ = ["DiagramOptions", "Diagram", "Node", "Edge", "Cluster", "batch_name", "shape_label", "escape_id", "shorten",
           "name_label", "kept_spaces", "ellipsized", "without_addresses", "lcm_spans", "table_columns", "title_lines",
           "MAX_EXPAND"]

RANKDIRS = ("TB", "LR", "BT", "RL")

FILL = {"layer": "#e9ecef", "arrays": "#dbe4ff", "random": "#ffe8cc", "loss": "#ffe3e3", "graph": "#f1f3f5",
        "input": "#d0ebff", "output": "#d3f9d8", "port": "#ffffff", "score": "#fff3bf"}
BORDER = {"default": "#495057", "random": "#e8590c", "uninitialized": "#c92a2a"}


@dataclass(frozen=True)
class DiagramOptions:
    """What to draw: ``rankdir`` ("TB", "LR", "BT", "RL"), ``expand`` (True: every nested graph as a
    cluster; False: collapse them; an int n: expand n levels), ``compact`` ("auto", True, False:
    drop option lines and shorten names, as needed for large graphs), ``title`` (a graph label)."""

    rankdir: str = "TB"
    expand: bool | int = True
    compact: bool | str = "auto"
    title: str | None = None

    def __post_init__(self) -> None:
        if self.rankdir not in RANKDIRS:
            raise OptionError(f"rankdir must be one of {list(RANKDIRS)}, found {self.rankdir!r}"
                              f"{did_you_mean(self.rankdir, RANKDIRS)}", kind="option-value", option="rankdir",
                              found=self.rankdir)
        expand = bool(self.expand) if isinstance(self.expand, np.bool_) else plain_int(self.expand)  # numpy's bools
        object.__setattr__(self, "expand", expand)  # ... and integers (a depth or a flag computed with numpy)
        if not isinstance(self.expand, (bool, int)) or self.expand < 0:
            raise OptionError(f"expand must be True, False or a depth >= 0 (levels of nested graphs drawn as "
                              f"clusters), found {self.expand!r}", kind="option-value", option="expand",
                              found=self.expand)
        if isinstance(self.compact, np.bool_):  # as expand: numpy's bools are the flags
            object.__setattr__(self, "compact", bool(self.compact))
        if not (isinstance(self.compact, bool) or (isinstance(self.compact, str) and self.compact == "auto")):
            raise OptionError(f"compact must be True, False or 'auto', found {self.compact!r}", kind="option-value",
                              option="compact", expected=(True, False, "auto"), found=self.compact)  # 1, 0, 1.0 too
        if self.title is not None and not isinstance(self.title, str):
            raise OptionError(f"title must be a string, found {self.title!r}", kind="option-value", option="title",
                              found=self.title)

    @classmethod
    def from_kwargs(cls, options: dict[str, Any], also: tuple[str, ...] = ()) -> DiagramOptions:
        """Options from keywords; an unknown keyword is an OptionError with a suggestion among them and ``also``
        (the caller's own keywords: ``backend``, ``format``)."""
        names = [*(f.name for f in dataclasses.fields(cls)), *also]
        unknown = [k for k in options if k not in names]
        if unknown:
            raise OptionError(f"unknown diagram option {unknown[0]!r}{did_you_mean(unknown[0], names)}; "
                              f"options are {names}", kind="unknown-option", option=unknown[0], expected=names)
        return cls(**options)

    def depth_allowed(self, depth: int) -> bool:
        """True when a nested graph ``depth`` levels down (1 = top level) is drawn as a cluster."""
        return depth <= MAX_EXPAND if self.expand is True else self.expand is not False and depth <= self.expand


@dataclass(frozen=True)
class Node:
    """A box: a layer (``kind`` "layer"/"graph") with port slots, or a graph port ("input"/"output")."""

    id: str
    kind: str
    title: str
    type: str = ""
    lines: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    fill: str = FILL["layer"]
    border: str = BORDER["default"]
    rounded: bool = False
    warning: str = ""
    tooltip: str = ""
    cluster: tuple[str, ...] = ()
    marked: tuple[str, ...] = ()  # output slots carrying a log-probability or KL (drawn with FILL["score"])


@dataclass(frozen=True)
class Edge:
    """A connection from ``src`` (its output slot ``src_port``, or None for a port node) to ``dst``."""

    src: str
    src_port: str | None
    dst: str
    dst_port: str | None
    label: str
    tooltip: str = ""


@dataclass(frozen=True)
class Cluster:
    """An expanded nested graph: its layer path, DOT/SVG id and label, and its level as ``expand`` counts them (1 =
    top level; an operator and its inner nets are one level, though nested two deep)."""

    path: tuple[str, ...]
    id: str
    label: str
    tooltip: str = ""
    level: int = 1


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    options: DiagramOptions
    compact: bool = False

    @property
    def large(self) -> bool:
        """Big enough that layout speed matters more than the last bit of polish."""
        return len(self.nodes) > 200


def escape_id(name: str) -> str:
    """A Graphviz-, SVG- and port-safe form of a name; injective (every escape starts and ends with '-').

    >>> escape_id("enc_1"), escape_id("a:b"), escape_id("é")
    ('enc_1', 'a-3a-b', '-e9-')
    """
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else f"-{ord(c):x}-" for c in name)



VARYING = re.compile(r"(?<![A-Za-z0-9])Varying(?![A-Za-z0-9])")  # Wolfram's "Varying" in a length's name


def batch_name(types: Iterable[PortType | None]) -> str:
    """The batch's name in a diagram whose ports have ``types``: ``b``, or ``b_2``, ... where a length in any of them
    is named so (one name across the diagram, as ONNX export names its batch ``batch_2``).

    >>> batch_name([PortType((2,)), PortType(("b", 2))])
    'b_2'
    """
    names = {str(d) for t in types if t is not None and t.shape for d in t.shape if isinstance(d, str)}
    return fresh_name("b", names | {VARYING.sub("var", n) for n in names}, "_")


def shape_label(t: PortType | None, full: bool = False, batch: str = "b") -> str:
    """The edge label of a port type: batch as ``batch`` (``batch_name``), a ``"Varying"`` length as ``var``
    (``full``: as named), an index port's range (Restricted) after ``int``.

    >>> shape_label(PortType((2, 3))), shape_label(PortType(())), shape_label(PortType(None))
    ('(b, 2, 3)', '(b)', '(b, …)')
    >>> shape_label(PortType((None, "n"), "Integer")), shape_label(PortType((4,), "Integer", (0, 9)))
    ('(b, ?, n) int', '(b, 4) int 0..9')
    >>> shape_label(PortType(("Varying_minus_1", 4))), shape_label(PortType(("Varying", 4)), full=True)
    ('(b, var_minus_1, 4)', '(b, Varying, 4)')
    >>> shape_label(PortType(("b", 2)), batch="b_2")
    '(b_2, b, 2)'
    """
    if t is None or t.shape is None:
        text = f"({batch}, …)"
    else:
        dims = ["?" if d is None else str(d) if full else VARYING.sub("var", str(d)) for d in t.shape]
        text = "(" + ", ".join([batch, *dims]) + ")"
    return f"{text} int{range_suffix(t)}" if t is not None and t.dtype == INTEGER else text


#: A memory address in a repr (``<function f at 0x7f...>``): it differs in every process, so a diagram leaves it out.
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # no XML 1.0 document holds these


def without_addresses(text: str) -> str:
    """``text`` (a repr) with its memory addresses left out, so a diagram's bytes are the same in every process.

    >>> without_addresses("<m.C object at 0x7f3a2c>")
    '<m.C object>'
    """
    return ADDRESS.sub(">", text)


def visible(text: str) -> str:
    r"""``text`` with the characters an SVG (XML) file cannot hold written as escapes (``\x01``).

    >>> visible("a\x01b")
    'a\\x01b'
    """
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis; a name of only spaces shown quoted.

    >>> shorten("#Means + #Stds * #Random", 12), shorten(" ", 5)
    ('#Means + #S…', "' '")
    """
    return ellipsized(visible(" ".join(str(text).split()) or repr(str(text))), width)


def one_line(text: str) -> str:
    """``text`` with each line break or tab, and the spaces around it, as one space; runs of spaces kept.

    >>> one_line("layer 'a  b'\\n\\t(LinearLayer)")
    "layer 'a  b' (LinearLayer)"
    """
    return re.sub(r"\s*[^\S ]\s*", " ", text)


def tooltip_text(text: str, width: int) -> str:
    """``shorten`` for a tooltip, which keeps runs of spaces (a layer 'a  b' is not 'a b'): a line break or tab, with
    the spaces around it, is still one space; a text of only spaces shown quoted.

    >>> tooltip_text("a  b:\\n  LinearLayer", 40), tooltip_text("  ", 9)
    ('a  b: LinearLayer', "'  '")
    """
    kept = one_line(str(text))
    return ellipsized(visible(kept if kept.strip() else repr(str(text))), width)


#: The spaces a viewer would drop from a label: each one after another space (SVG and HTML show a run of spaces as
#: one; Graphviz writes these as no-break spaces), and, with ``ends``, one at either end.
_DROPPED_SPACES = {False: re.compile("(?<= ) "), True: re.compile(r"^ |(?<= ) | $")}


def kept_spaces(text: str, nbsp: str = "\u00a0", ends: bool = False) -> str:
    """``text`` with each space a viewer would drop written as ``nbsp`` (a no-break space; ``"&#160;"`` in XML
    text): each one after a space, and with ``ends`` one at either end.

    >>> kept_spaces("' a   '", "&#160;"), kept_spaces(" a  b ", ends=True)
    ("' a &#160;&#160;'", '\xa0a \xa0b\xa0')
    """
    return _DROPPED_SPACES[ends].sub(nbsp, text)


def name_label(text: str, width: int) -> str:
    """``tooltip_text`` for a name drawn in a label: drawn as written, a viewer's dropped spaces (a run's, one at
    either end) as no-break spaces.

    >>> name_label("a b  c ", 32)
    'a b \xa0c\xa0'
    """
    return kept_spaces(tooltip_text(text, width), ends=True)


#: Characters on one line of a diagram's title: a longer line wraps at its spaces (a 300-character title drew 2,000
#: points wide).
TITLE_WIDTH = 80


def title_lines(title: str | None) -> list[str]:
    """A diagram title's lines, each line given wrapped at ``TITLE_WIDTH`` characters (a word longer than that
    broken), as both backends draw it, its characters otherwise kept (a control character is escaped when drawn);
    none for no title.

    >>> title_lines("first line\\nsecond"), [len(line) for line in title_lines("word " * 30)]
    (['first line', 'second'], [79, 69])
    """
    if not title:
        return []
    return [part for line in title.split("\n") for part in (  # only a long line's spaces change: a line break
        textwrap.wrap(line, TITLE_WIDTH, expand_tabs=False, replace_whitespace=False) if len(line) > TITLE_WIDTH
        else [line])]


def lcm_spans(count: int, total: int) -> list[int]:
    """Column spans for ``count`` cells filling ``total`` columns (equal when they divide).

    >>> lcm_spans(2, 6), lcm_spans(4, 6)
    ([3, 3], [1, 1, 1, 3])
    """
    if total % count == 0:
        return [total // count] * count
    return [1] * (count - 1) + [total - count + 1]


def table_columns(n_in: int, n_out: int) -> int:
    """Columns of a node table holding ``n_in`` input and ``n_out`` output slots."""
    a, b = max(n_in, 1), max(n_out, 1)
    both = math.lcm(a, b)
    return both if both <= 24 else max(a, b)

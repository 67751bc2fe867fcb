"""Diagrams of nets: DOT text, SVG, files, and the ``netgraph render`` command.

Each layer is a table with its input ports as named slots on one side, its name (or index), type
and key options in the middle and its output ports on the other side; edges run port to port,
labelled with the tensor shape (batch as ``b``). RandomArrayLayers are orange, rounded, and show
their distribution and gradient estimator; uninitialised arrays are flagged in red; nested graphs
are clusters (``expand=`` collapses them). Layout: the system ``dot`` when present, else
``graphviz-pure``, else a built-in layered layout (see ``engines.py``).

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph({"lin": LinearLayer(3)}, Input=4)
>>> print(to_dot(net).splitlines()[0])
digraph NetGraph {
>>> "(b, 4)" in to_dot(net) and "<B>lin</B>" in to_dot(net)
True
"""

from __future__ import annotations

import html
import os
import warnings
from pathlib import Path
from typing import Any

import graphviz

from netgraph.core.files import atomic_replace
from netgraph.core.output_paths import refuse_folder_path, writable_file
from netgraph.core.errors import NetGraphError, OptionError, did_you_mean
from netgraph.core.graph import NetGraph
from netgraph.core.layer_surgery import as_net
from netgraph.core.naming_scope import quoted
from netgraph.core.user_frame import user_stacklevel
from netgraph.render.engines import (BACKEND_KIND, REASONS, EngineFailed, EngineTimedOut, announce, backends_for,
                                     ran_past, run_engine, time_for)
from netgraph.render.build import build_diagram
from netgraph.render.model import (FILL, Diagram, DiagramOptions, Node, escape_id, lcm_spans, table_columns,
                                   title_lines, visible)
from netgraph.render.dot_limits import passed_over, refuse_too_big, too_big_for_dot, too_deep_for_dot
from netgraph.render.layout import bends
from netgraph.render.svg import layout_svg

__all__ = ["to_dot", "render_svg", "render", "diagram", "dot_source", "FILE_FORMATS", "other_suffix"]

#: File formats ``render`` writes ("dot"/"gv" are the DOT source).
FILE_FORMATS = ("svg", "png", "pdf", "dot", "gv")
FONT = "Helvetica"  # graphviz-pure has metrics for it; browsers map it to their sans-serif
PORT_FONT = 'POINT-SIZE="9" COLOR="#495057"'
#: (input side, output side) compass points per rankdir.
COMPASS = {"TB": ("n", "s"), "BT": ("s", "n"), "LR": ("w", "e"), "RL": ("e", "w")}
#: Boxes past which graphviz-pure (a pure-Python dot) is left to the built-in layout when no backend is named
#: (600 boxes took it ~4 s, 1,000 ~22 s, 3,000 past its 120 s limit; the built-in layout 0.4-1.4 s).
PURE_MAX_BOXES = 500
#: Layout limits that keep ``dot`` near-linear on large graphs (1,000 layers in about a second).
FAST_LAYOUT = {"nslimit": "0.1", "nslimit1": "1", "mclimit": "0.1", "splines": "polyline"}
#: Edge bends past which ``dot`` gets ``FAST_LAYOUT`` however few the boxes: without it dot took 8.3 s on a 102-box
#: U-Net-like net whose edges skip 2,450 layers (1.2 s with it; 70 boxes and 1,190 bends: 0.44 s either way).
FAST_BENDS = 1_000


def diagram(net: Any, **options: Any) -> Diagram:
    """The backend-neutral diagram model of ``net`` (options as for ``to_dot``); a layer alone is drawn as the net of
    it alone, one node with its ports (as Wolfram draws a layer).

    >>> from netgraph import NetChain, LinearLayer
    >>> [(node.id, node.warning) for node in diagram(NetChain([LinearLayer(3)], input=4)).nodes]
    [('I.Input', ''), ('L.1', 'uninitialised: Weights, Biases'), ('O.Output', '')]
    """
    return _diagram(net, options)


def _diagram(net: Any, options: dict, also: tuple[str, ...] = ()) -> Diagram:
    """``diagram``, an unknown option's error listing ``also`` (the caller's own keywords) with the diagram's."""
    net = as_net(net)
    if not isinstance(net, NetGraph):
        raise OptionError(f"a diagram is drawn of a net (a NetGraph or NetChain) or a layer, found {repr(net)[:80]}",
                          kind="not-a-net", found=type(net).__name__)
    return build_diagram(net, DiagramOptions.from_kwargs(options, also))


# -- DOT ---------------------------------------------------------------------------------------------
def _html(text: str) -> str:
    """Text for an HTML-like Graphviz label (backslashes doubled: Graphviz reads ``\\N``, ``\\G``, ... there too)."""
    return html.escape(visible(text)).replace("\\", "\\\\")


def _dot_text(text: str) -> str:
    """A plain Graphviz label: shown literally (``&amp;`` stays ``&amp;``), as the built-in layout shows it; its line
    breaks written ``\\n`` (Graphviz drops one written as is right after an escaped quote)."""
    return graphviz.nohtml(graphviz.escape(visible(text).replace("&", "&amp;")).replace("\n", "\\n"))


def _dot_tooltip(text: str) -> str:
    """A Graphviz tooltip shown as written: dot and graphviz-pure read a tooltip's escapes twice."""
    return _dot_text(text.replace("\\", "\\\\"))


def _cell(port: str, prefix: str, span: str, fill: str = "white") -> str:
    return f'<TD PORT="{prefix}_{escape_id(port)}"{span} BGCOLOR="{fill}"><FONT {PORT_FONT}>{_html(port)}</FONT></TD>'


def _slot_fill(node: Node, prefix: str, port: str) -> str:
    """A port slot's fill: marked output slots (log-probability, KL) stand out."""
    return FILL["score"] if prefix == "o" and port in node.marked else "white"


def _body(node: Node, span: str) -> str:
    parts = [f"<B>{_html(node.title)}</B>", _html(node.type)]  # own lines: no viewer can run them together
    parts += [_html(line) for line in node.lines]
    if node.warning:
        parts.append(f'<FONT COLOR="#c92a2a">{_html(node.warning)}</FONT>')
    return f'<TD{span} BGCOLOR="{node.fill}">{"<BR/>".join(parts)}</TD>'


def _rows_vertical(node: Node, columns: int, flipped: bool) -> list[str]:
    rows = []
    for ports, prefix in ((node.inputs, "i"), (node.outputs, "o")):
        if ports:
            cells = [_cell(p, prefix, f' COLSPAN="{s}"', _slot_fill(node, prefix, p))
                     for p, s in zip(ports, lcm_spans(len(ports), columns))]
            rows.append("<TR>" + "".join(cells) + "</TR>")
        if prefix == "i":
            rows.append("<TR>" + _body(node, f' COLSPAN="{columns}"') + "</TR>")
    return rows[::-1] if flipped else rows


def _rows_horizontal(node: Node, count: int, flipped: bool) -> list[str]:
    columns: list[dict[int, str]] = []
    for ports, prefix in ((node.inputs, "i"), (node.outputs, "o")):
        if ports:
            starts, row = {}, 0
            for p, s in zip(ports, lcm_spans(len(ports), count)):
                starts[row] = _cell(p, prefix, f' ROWSPAN="{s}"', _slot_fill(node, prefix, p))
                row += s
            columns.append(starts)
        if prefix == "i":
            columns.append({0: _body(node, f' ROWSPAN="{count}"')})
    if flipped:
        columns.reverse()
    return ["<TR>" + "".join(col[r] for col in columns if r in col) + "</TR>" for r in range(count)]


def html_label(node: Node, rankdir: str) -> str:
    """The HTML-like table label of a layer node (ports as named, addressable cells)."""
    count = table_columns(len(node.inputs), len(node.outputs))
    flipped = rankdir in ("BT", "RL")
    rows = _rows_vertical(node, count, flipped) if rankdir in ("TB", "BT") else _rows_horizontal(node, count, flipped)
    style = ' STYLE="rounded"' if node.rounded else ""
    border = "1" if node.rounded or "uninitialized" in node.classes else "0"  # outline marks random/uninitialised
    return (f'<<TABLE BORDER="{border}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" COLOR="{node.border}"{style}>'
            + "".join(rows) + "</TABLE>>")


def _add_node(g: graphviz.Digraph, node: Node, rankdir: str) -> None:
    common = {"id": node.id, "class": " ".join(node.classes), "tooltip": _dot_tooltip(node.tooltip)}
    if node.kind in ("layer", "graph"):
        g.node(node.id, html_label(node, rankdir), **common)
    elif node.kind in ("input", "output"):
        g.node(node.id, _dot_text("\n".join((node.title, *node.lines))), shape="ellipse", style="filled", fillcolor=node.fill,
               color="#495057", fontsize="11", **common)
    else:  # the port of an expanded nested graph, inside its cluster
        g.node(node.id, _dot_text(node.title), shape="box", style="rounded,filled", fillcolor=node.fill,
               color="#868e96", fontsize="9", height="0.2", margin="0.06,0.02", **common)


def _members(d: Diagram) -> dict[tuple, list]:
    """Each frame's nodes and child clusters (as their paths) in model order, a child cluster where its first
    node comes: one pass over the nodes, however deep the nesting."""
    members: dict[tuple, list] = {(): []}
    for node in d.nodes:
        unseen, path = [], node.cluster
        while path not in members:  # the node's cluster is new, and maybe some of its ancestors too
            unseen.append(path)
            path = path[:-1]
        for path in reversed(unseen):
            members[path[:-1]].append(path)
            members[path] = []
        members[node.cluster].append(node)
    return members


def _fill(g: graphviz.Digraph, d: Diagram) -> None:
    """Add every node to ``g``'s body, each cluster as a ``subgraph`` block, written once (no subgraph copies)."""
    members, clusters = _members(d), {c.path: c for c in d.clusters}
    stack = [(iter(members[()]), ())]
    while stack:
        item = next(stack[-1][0], None)
        if item is None:
            frame = stack.pop()[1]
            if frame:
                g.body.append(_indent(len(frame)) + "}\n")
        elif isinstance(item, Node):
            start = len(g.body)
            _add_node(g, item, d.options.rankdir)
            g.body[start:] = [_indent(len(item.cluster)) + line for line in g.body[start:]]
        else:
            c = clusters[item]
            sub = graphviz.Digraph(name=c.id)
            sub.attr(label=_dot_text(c.label), tooltip=_dot_tooltip(c.tooltip), id=c.id,
                     style="rounded,dashed", color="#868e96", fontsize="10", fontcolor="#495057")
            head = list(sub.__iter__(subgraph=True))[:-1]  # the opening line and the attributes; "}" comes last
            g.body += [_indent(len(item)) + line for line in head]
            stack.append((iter(members[item]), item))


def _indent(depth: int) -> str:
    """Tabs as ``graphviz`` nests subgraphs, up to a cap (deep nesting must not grow the text quadratically)."""
    return "\t" * min(depth, 8)


def dot_source(d: Diagram) -> str:
    """DOT text of a diagram (deterministic: the same net always gives the same text)."""
    rankdir, title = d.options.rankdir, title_lines(d.options.title)
    g = graphviz.Digraph(name="NetGraph")
    g.attr(rankdir=rankdir, fontname=FONT, fontsize="11", nodesep="0.3", ranksep="0.4",
           **({"label": _dot_text("\n".join(title)), "labelloc": "t"} if title else {}),
           **(FAST_LAYOUT if d.large or bends(d) > FAST_BENDS else {}))
    g.attr("node", shape="plain", fontname=FONT, fontsize="10")
    g.attr("edge", fontname=FONT, fontsize="9", fontcolor="#495057", color="#868e96", arrowsize="0.6")
    _fill(g, d)
    into, out_of = COMPASS[rankdir]
    for e in d.edges:
        tail = e.src if e.src_port is None else f"{e.src}:o_{escape_id(e.src_port)}:{out_of}"
        head = e.dst if e.dst_port is None else f"{e.dst}:i_{escape_id(e.dst_port)}:{into}"
        g.edge(tail, head, label=_dot_text(e.label), tooltip=_dot_tooltip(e.tooltip))
    return g.source


def to_dot(net: Any, *, backend: str | None = None, **options: Any) -> str:
    """DOT text of ``net``'s diagram, built with the ``graphviz`` package; no engine needed (so no ``backend``).

    Options: ``rankdir`` ("TB" top to bottom, "LR", "BT", "RL"), ``expand`` (True, False, or how
    many levels of nested graphs to draw as clusters), ``compact`` ("auto" shortens labels above
    60 layers; True/False), ``title``.

    >>> from netgraph import NetChain
    >>> dot = to_dot(NetChain(["Tanh"], input=2), rankdir="LR")
    >>> dot.splitlines()[0], "rankdir=LR" in dot, '"I.Input" -> "L.1"' in dot
    ('digraph NetGraph {', True, True)
    """
    _no_backend_for_dot(backend)
    return dot_source(diagram(net, **options))


def _no_backend_for_dot(backend: str | None) -> None:
    """OptionError for a ``backend`` given with DOT output: it would be ignored (DOT text is not laid out)."""
    if backend is not None:
        raise OptionError(f"backend={backend!r} picks the engine that lays out SVG, PNG or PDF; DOT text (to_dot, "
                          f"a .dot or .gv file) is not laid out, so it takes no backend: drop backend= "
                          f"(--backend)", option="backend", kind="option-combination")


# -- SVG and files ------------------------------------------------------------------------------------
def _engine_output(net: Any, fmt: str, backend: str | None, options: dict,
                   also: tuple[str, ...] = ("backend",)) -> tuple[bytes, str]:
    """(bytes, backend used), trying the backends in order; the built-in layout is the last resort. ``also``: the
    caller's keywords besides the diagram's options, listed where one of those is unknown."""
    d = _diagram(net, options, also)
    tried, slow, deep = [], [], []  # why each engine was passed over; those passed over as too slow, too deep
    too_deep = too_deep_for_dot(d)
    too_big = too_big_for_dot(d) if backend is None and fmt == "svg" else None
    if backend is None and fmt != "svg":
        refuse_too_big(d, fmt)
    for name in backends_for(fmt, backend):
        if name != "builtin" and too_deep:
            why = f"{name} {too_deep}"
            if backend is not None:
                raise NetGraphError(f"render backend {why}, or backend='builtin'", kind=BACKEND_KIND, option="backend")
            deep.append(name)  # said once, for every engine passed over so, where the diagram is drawn or refused
            continue
        if name != "builtin" and too_big:
            slow.append(name)
            continue
        if name == "graphviz-pure" and backend is None and len(d.nodes) > PURE_MAX_BOXES and fmt == "svg":
            why = (f"graphviz-pure would be slow on {len(d.nodes)} boxes (more than {PURE_MAX_BOXES}: 1,000 took it "
                   f"about 22 s); pass backend='graphviz-pure' to wait for it"
                   + ("" if tried else ", or install Graphviz's dot"))  # dot, tried first, is there
            tried.append(why)
            continue
        try:
            if name == "builtin":
                data = layout_svg(d).encode("utf-8", errors="backslashreplace")  # a lone surrogate in a name
            else:
                data = run_engine(name, dot_source(d), fmt, time_for(backend, fmt))
        except EngineFailed as exc:
            if backend is not None:
                raise NetGraphError(f"render backend {quoted(name)} failed: {exc}", kind=BACKEND_KIND, option="backend",
                                    found=name) from None
            # dot past its time: graphviz-pure, as often faster as slower on the same graph, gets the same time next
            stopped = isinstance(exc, EngineTimedOut) and fmt == "svg"
            tried.append(ran_past(name) if stopped else str(exc))
            if not stopped:  # the note of the engine that draws it says it
                warnings.warn(f"netgraph: {tried[-1]}; trying the next render backend", stacklevel=user_stacklevel())
            continue
        if backend is not None:
            announce(name)
        else:
            announce(name, "; ".join([*_too_deep(deep, too_deep), *tried, *passed_over(slow, too_big)])
                     or REASONS.get(name, ""))
        return data, name
    reasons = "; ".join([*_too_deep(deep, too_deep), *tried, *passed_over(slow, too_big)])
    raise NetGraphError(f"no render backend could write {fmt.upper()}: {reasons}", kind=BACKEND_KIND)


def _too_deep(engines: list[str], why: str | None) -> list[str]:
    """Why ``engines`` were passed over as too slow on deep clusters (``too_deep_for_dot``'s answer): one reason."""
    return [f"{' and '.join(engines)} {why}"] if engines and why else []


def render_svg(net: Any, *, backend: str | None = None, **options: Any) -> str:
    """SVG text of ``net``'s diagram. ``backend`` forces "dot", "graphviz-pure" or "builtin"
    (default: the first available); other options as for ``to_dot``.

    >>> from netgraph import NetChain, LinearLayer
    >>> svg = render_svg(NetChain([LinearLayer(3), "Tanh"], input=4))
    >>> "<svg" in svg
    True
    """
    data, _ = _engine_output(net, "svg", backend, options)
    return data.decode("utf-8")


def _format_of(path: Path, given: str | None) -> str:
    if given is not None and not isinstance(given, str):
        raise OptionError(f"format must be one of {list(FILE_FORMATS)} (a string), found {given!r}", option="format",
                          kind="option-value", found=given)
    fmt = given or path.suffix.lstrip(".").lower()  # format= as listed; a file's suffix in any case
    if not fmt:
        raise OptionError(f"cannot tell which format to write to {str(path)!r}: give the file a suffix "
                          f"({', '.join('.' + f for f in FILE_FORMATS)}) or pass format=", kind="option-value",
                          option="format", found=str(path))
    if fmt not in FILE_FORMATS:
        raise OptionError(f"unknown diagram format {fmt!r}{did_you_mean(fmt, FILE_FORMATS)}; "
                          f"formats are {', '.join(FILE_FORMATS)}", kind="option-value", option="format",
                          found=fmt, expected=list(FILE_FORMATS))
    if given and (suffix := other_suffix(path, fmt)):
        raise OptionError(f"the path {str(path)!r} names a .{suffix} file but format={given!r} writes "
                          f"{fmt.upper()}; drop format=, or end the path in .{fmt}", option="format",
                          kind="option-combination")
    return fmt


def other_suffix(path: Path, fmt: str) -> str | None:
    """``path``'s suffix when it names a diagram format other than ``fmt`` (one of FILE_FORMATS; .dot and .gv are
    one), else None."""
    suffix, same = path.suffix[1:].lower(), {"gv": "dot"}
    return suffix if suffix in FILE_FORMATS and same.get(suffix, suffix) != same.get(fmt, fmt) else None


def check_target(path: Path) -> None:
    """NetGraphError unless a diagram can go to ``path``: its folder exists and it is not a folder itself
    (checked before drawing, and again when writing)."""
    writable_file(path, "the diagram")


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        check_target(path)
        atomic_replace(path, data)  # a killed render's temporaries removed first, as save does
    except OSError as exc:  # a name too long, no permission, no space left
        raise NetGraphError(f"cannot write the diagram to {str(path)!r}: {exc.strerror or exc}", kind="unwritable-file",
                            found=str(path), detail=exc.strerror or str(exc)) from None


def render(net: Any, path: Any, *, format: str | None = None, backend: str | None = None, **options: Any) -> Path:
    """Write ``net``'s diagram to ``path`` and return the path. The format comes from ``format=`` or
    the suffix: .svg (any backend), .png (dot or graphviz-pure), .pdf (dot), .dot/.gv (DOT text).

    >>> import tempfile
    >>> from netgraph import NetChain, LinearLayer
    >>> path = render(NetChain([LinearLayer(3), "Tanh"], input=4), f"{tempfile.mkdtemp()}/net.svg")
    >>> path.name, path.stat().st_size > 0
    ('net.svg', True)
    """
    try:
        text = os.fspath(path)
        path = Path(text)
    except TypeError:
        raise OptionError(f"render needs a file path, found {quoted(path)}", kind="output-path", found=path) from None
    if not text.strip():  # Path("") is the current folder
        raise OptionError(f"render needs a file path, found {quoted(text)}", kind="output-path", found=text)
    refuse_folder_path(text, "render", "net.svg")  # Path dropped the slash: 'new.svg/' wrote the file new.svg
    check_target(path)
    fmt = _format_of(path, format)
    if fmt in ("dot", "gv"):
        _no_backend_for_dot(backend)
        data = dot_source(_diagram(net, options, ("format", "backend"))).encode("utf-8", errors="backslashreplace")
    else:
        data, _ = _engine_output(net, fmt, backend, options, ("format", "backend"))
    _write_atomically(path, data)
    return path


# -- command line ---------------------------------------------------------------------------------------

"""A graph's encoders and decoders on its ports: split from the other port options (each encoder giving its port's
type), and checked against the inferred types (a decoder on a port of the wrong shape, an index encoder giving more
indices than the EmbeddingLayer it feeds takes).

>>> from netgraph.core.coders import ClassEncoder
>>> coders, rest, misplaced = split_port_options({"Input": ClassEncoder(["a", "b"]), "Output": 3}, ("Input",),
...                                              ("Output",))
>>> list(coders), rest["Input"], misplaced
(['Input'], PortType(shape=(), dtype='Integer'), [])
"""

from __future__ import annotations

from typing import Any

from netgraph.core.coders import Coder, Decoder, Encoder, Restricted
from netgraph.core.errors import Diagnostic, ShapeError
from netgraph.core.index_leaves import IndexLeaf, InputFeeds, index_leaves
from netgraph.core.integers import INT64_BOUND
from netgraph.core.ports import declared_port_type
from netgraph.core.types import INTEGER, PortType
from netgraph.core.naming_scope import quoted, scoped_path

__all__ = ["split_port_options", "checked_coders", "check_decoders", "index_leaves", "IndexLeaf", "with_encoder_counts",
           "reached_encoder_counts", "graph_with_encoder"]


def split_port_options(given: dict[str, Any], inputs: tuple, outputs: tuple) -> tuple[dict, dict, list]:
    """Graph port options split into (coders by port, the rest with each encoder's port type, Diagnostics
    for coders on the wrong side: an encoder on an output port or a decoder on an input port)."""
    coders, rest, errors = {}, {}, []
    for port, value in given.items():
        if isinstance(value, PortType) and value.range is not None:
            value = _restricted(value, port, port in inputs)  # one form for an input's range: its encoder
        if not isinstance(value, Coder):
            rest[port] = value
            continue
        side, ports = ("input", inputs) if isinstance(value, Encoder) else ("output", outputs)
        if port in (*inputs, *outputs) and port not in ports:
            errors.append(Diagnostic(f"graph port {port!r}: {'an' if side == 'input' else 'a'} {value.kind} ({value.type_name}) goes on an {side} "
                                     f"port; {port!r} is an {'output' if side == 'input' else 'input'}",
                                     "misplaced-encoder" if side == "input" else "misplaced-decoder", layer=(),
                                     port=port))
            continue
        coders[port] = value
        rest[port] = value.port_type() if isinstance(value, Encoder) else None
    return coders, rest, errors


def checked_coders(net: Any) -> dict[str, Coder]:
    """``net.coders`` and, at each input port with no coder whose type is inferred a range (an inner net's ranged
    input it feeds), a Restricted checking it: the coders net(x) and net_train encode and check with, so a range a
    port shows is checked there, as a declared one is (Wolfram's port types unify: a range flows outward). Cached on
    the net (``net._checked_coders``, for its inferred types and coders: a net is frozen), a new dict each call."""
    key = (net.__dict__.get("_inference"), net.__dict__.get("_coders"))
    cached = net.__dict__.get("_checked_coders")
    if cached is None or cached[0] is not key[0] or cached[1] is not key[1] or key[0] is None:
        cached = net._checked_coders = (*key, _inferred_coders(net))
    return dict(cached[2])


def _inferred_coders(net: Any) -> dict[str, Coder]:
    """``checked_coders``, computed: each inferred-range Restricted knows the layers its port feeds
    (``inferred_from``, named in its range errors)."""
    coders, types = net.coders, None
    for port in net.input_ports:
        if port not in coders and (types := types or net.port_types)[port].range is not None:
            coders[port] = Restricted(INTEGER, types[port].range, shape=types[port].shape)
            fed = sorted({e.dst.layer for e in net.edges if e.src.layer is None and e.src.port == port} - {None})
            object.__setattr__(coders[port], "inferred_from", tuple(fed))  # no field: equal to a declared one
    return coders


def _restricted(port_type: PortType, port: str, is_input: bool) -> Any:
    """The Restricted encoder of an input port declared as ``PortType(shape, "Integer", (lo, hi))``; a ShapeError
    where its range or shape is no index port's, or on an output port (a range is given where indices come in)."""
    declared_port_type(port_type, port)
    _check_declared_range(port_type, port)
    if not is_input:
        raise ShapeError(f"graph output {port!r}: a range (here {port_type.range}) goes on an input port (an index "
                         f"port, Restricted); an output's range is inferred from the input it comes from",
                         kind="port-shape", layer=(), port=port, expected="no range", found=port_type.range)
    return Restricted(INTEGER, port_type.range, shape=port_type.shape)


def _check_declared_range(value: PortType, port: str) -> None:
    """A ShapeError unless a declared PortType's range (``PortType((), "Integer", (0, 9))``; PortType makes it a pair
    of ints) is on an Integer type, lo <= hi, within 64 bits."""
    span = value.range
    if span is not None and not (value.dtype == INTEGER and -INT64_BOUND <= span[0] <= span[1] < INT64_BOUND):
        raise ShapeError(f"range of port {port!r} must be (lo, hi), ints with lo <= hi, on an {INTEGER!r} port, found "
                         f"{span!r} ({value.dtype})", kind="port-shape", layer=(), port=port, expected="(lo, hi)",
                         found=span)


def check_decoders(coders: dict[str, Coder], types: dict[str, PortType], graph: Any) -> list[Diagnostic]:
    """A Diagnostic for each decoder whose port's inferred type does not suit it, and for each index encoder
    whose indices a layer they reach unchanged does not take (``index_leaves``: as Wolfram's index types refuse):
    more than an EmbeddingLayer's n, negative ones, a narrower range given inside, or a Restricted range outside an
    ExtractLayer's 1-based positions."""
    errors, feeds = [], None
    for port, coder in coders.items():
        reason = coder.check(types[port]) if isinstance(coder, Decoder) and port in types else None
        if reason:
            errors.append(Diagnostic(f"graph output {port!r}: {reason}", "decoder-port", layer=(), port=port,
                                     expected=coder.accepts, found=types[port].shape))
        if isinstance(coder, Encoder) and coder.index_span:
            feeds = feeds or InputFeeds(graph)
            errors += _encoder_range_problems(graph, port, coder, feeds)
    return errors


def _encoder_range_problems(graph: Any, port: str, coder: Encoder, feeds: InputFeeds) -> list[Diagnostic]:
    """A Diagnostic for each layer the indices of input ``port``'s ``coder`` reach (``index_leaves``) that does not
    take them all: an EmbeddingLayer of too small an n, or a port whose range (given inside) is narrower, named at
    the nested net's input that gives the range (``_range_given_at``). ``expected``: the indices taken there."""
    errors, span, restricted, range_told = [], coder.index_span, isinstance(coder, Restricted), False
    given = f" takes indices in its range {span[0]}..{span[1]}" if restricted else \
        f": the {coder.type_name} gives indices {span[0]} to {span[1]}"
    options = {"declared": port, "option": "range"} if restricted else {}
    for leaf in index_leaves(graph, port, feeds=feeds):
        if reason := _untaken_indices(span, graph, leaf.path, leaf.layer, leaf.port, restricted, leaf.fed):
            errors.append(Diagnostic(f"graph input {quoted(port)}{given}, but layer {scoped_path(leaf.path)!r} "
                                     f"({leaf.layer.type_name}) {reason}", "encoder-range", layer=leaf.path, port=port,
                                     expected=_taken_span(graph, leaf), found=span, **options))
        elif not restricted and not range_told and _outside(span, taken := leaf.type.range):
            range_told = True  # once (a Restricted meeting a range: a Conflict)
            errors.append(_narrower_range(graph, leaf, port, given, span, taken))
    return errors


def _outside(span: tuple[int, int], taken: tuple[int, int] | None) -> bool:
    """Whether indices ``span`` are not all within a port's range ``taken`` (None: no range)."""
    return taken is not None and not (taken[0] <= span[0] and span[1] <= taken[1])


def _narrower_range(graph: Any, leaf: IndexLeaf, port: str, given: str, span: tuple[int, int],
                    taken: tuple[int, int]) -> Diagnostic:
    """The Diagnostic for indices ``span`` of input ``port`` reaching ``leaf``, whose port takes the narrower range
    ``taken``: named at the nested net's input that gives it, where one does (else at the leaf's port)."""
    wide = f"{min(span[0], taken[0])}..{max(span[1], taken[1])}"
    if (at := _range_given_at(graph, leaf.path, taken)) is None:
        where, layer, named = f"layer {scoped_path(leaf.path)!r} ({leaf.layer.type_name}) port " \
                              f"{quoted(leaf.port)}", leaf.path, port
    else:
        where, layer, named = f"net {scoped_path(at[0])!r} input {quoted(at[1])}", at[0], at[1]
    return Diagnostic(f"graph input {quoted(port)}{given}, but {where} takes indices in its range "
                      f"{taken[0]}..{taken[1]} (a range given inside the net); widen that range to {wide}",
                      "encoder-range", layer=layer, port=named, expected=taken, found=span)


def _range_given_at(graph: Any, path: tuple, taken: tuple[int, int]) -> tuple[tuple, str] | None:
    """(net path, input port) of the outermost nested net along ``path`` whose input declares the range ``taken``
    (a Restricted of that range), else None."""
    for depth in range(1, len(path)):
        coders = getattr(graph.layer_at(path[:depth]), "coders", None) or {}
        ports = [p for p, c in coders.items() if isinstance(c, Restricted) and c.index_span == taken]
        if ports:
            return path[:depth], ports[0]
    return None


def _taken_span(graph: Any, leaf: IndexLeaf) -> tuple[int, int] | None:
    """The indices ``leaf``'s port takes: an EmbeddingLayer's 0..n-1 (n below 2**63 where none is given), an
    ExtractLayer Position's 1..m."""
    if leaf.layer.type_name == "EmbeddingLayer":
        return (0, leaf.layer.count - 1) if isinstance(leaf.layer.count, int) else (0, INT64_BOUND - 2)
    sizes = leaf.layer.position_sizes(graph.layer_types(leaf.path)) if leaf.port == "Position" else ()
    return (1, min(sizes)) if sizes else leaf.type.range


def _untaken_indices(span: tuple[int, int], graph: Any, path: tuple, layer: Any, port: str,
                     restricted: bool, fed: bool = False) -> str | None:
    """What the leaf ``layer`` at ``path`` takes at ``port``, where indices ``lo..hi`` do not all fit it (an
    ExtractLayer's Position checked for a Restricted range only); else None. ``fed``: the encoder feeds it directly,
    so an EmbeddingLayer without n takes n = hi + 1 from it (``EmbeddingLayer.with_encoder``), where that is below
    2**63."""
    lo, hi = span
    if layer.type_name == "EmbeddingLayer":
        n = layer.count
        if lo < 0:
            return f"takes indices from 0{'' if n is None else f' to {n - 1}'} (no negative ones)"
        if n is None and fed and hi + 1 >= INT64_BOUND:
            return f"takes its n from the range (n = hi + 1); narrow the range ({_NO_N_TAKES.format(hi)})"
        return _too_small_n(n, hi, restricted) if isinstance(n, int) and n <= hi else None
    if not restricted or layer.type_name != "ExtractLayer" or port != "Position":
        return None
    m = min(layer.position_sizes(graph.layer_types(path)), default=None)
    if m is None or 1 <= lo <= hi <= m or -m <= lo <= hi <= -1:
        return None
    return (f"port 'Position' takes 1-based positions 1 to {m} (or -{m} to -1 from the end); give "
            f"Restricted(\"Integer\", (1, {m}))")


_NO_N_TAKES = "no n takes index {}: n is below 2**63"  # indices are int64


def _too_small_n(n: int, hi: int, restricted: bool) -> str:
    """What an EmbeddingLayer of ``n`` that index ``hi`` reaches should do: a larger n where one takes ``hi`` (n is
    below 2**63, as indices are int64), and for a range (``restricted``) a narrower range."""
    narrow = f"narrow the range to within 0..{n - 1}"
    if hi + 1 >= INT64_BOUND:
        return f"takes n={n} (indices 0 to {n - 1}); {narrow} ({_NO_N_TAKES.format(hi)})"
    return f"takes n={n} (indices 0 to {n - 1}); give it n={hi + 1}" + (f", or {narrow}" if restricted else "")


def with_encoder_counts(layers: dict[str, Any], edges: Any, coders: dict[str, Coder]) -> dict[str, Any]:
    """``layers`` with each one a graph input's encoder feeds directly told of it (``Layer.with_encoder``: an
    EmbeddingLayer without n takes the encoder's index count, as Wolfram's takes Restricted["Integer", n]; a nested
    graph tells the layers its input feeds in turn, ``graph_with_encoder``)."""
    if not any(isinstance(coder, Encoder) for coder in coders.values()):
        return layers  # no encoder (nearly every net): no copy of the layers, no pass over the edges
    changed = dict(layers)
    for edge in edges:
        coder = coders.get(edge.src.port) if edge.src.layer is None and edge.dst.layer is not None else None
        if isinstance(coder, Encoder):
            changed[edge.dst.layer] = changed[edge.dst.layer].with_encoder(edge.dst.port, coder)
    return changed


def reached_encoder_counts(graph: Any, edges: Any, coders: dict[str, Coder]) -> dict[tuple, Any]:
    """The layers, by path at any depth, that a graph input's encoder reaches (``index_leaves``) told of it, where
    that changes them: an EmbeddingLayer without n after Reshape, Part, Catenate, ... takes n as one it feeds does
    (``with_encoder_counts``, which told those). Where two encoders reach one, the first (one feeding it, else the
    first graph input's edge) gives n, as two feeding it do (NetPairEmbeddingOperator's Input1 and Input2): the
    other's range is checked against it (``check_decoders``); one they reach through moving layers alone takes the
    largest count among them, and none where values of no range join theirs on the way (``IndexLeaf.mixed``)."""
    ports = (e.src.port for e in edges if e.src.layer is None and isinstance(coders.get(e.src.port), Encoder))
    ports = [p for p in dict.fromkeys(ports) if coders[p].index_count]  # (an ImageEncoder's: none)
    feeds = InputFeeds(graph) if ports else None
    leaves = {p: index_leaves(graph, p, feeds=feeds) for p in ports}
    if any(leaf.port in leaf.layer.moved_inputs and len(leaf.layer.moved_inputs) > 1 for p in ports
           for leaf in leaves[p]):  # values joined with others on the way: walked again, telling which are mixed
        encoded = {(*leaf.path, leaf.port) for p in ports for leaf in leaves[p]}
        leaves = {p: index_leaves(graph, p, encoded, feeds) for p in ports}
    widest: dict[tuple, tuple[IndexLeaf, Encoder]] = {}
    for port in sorted(ports, key=lambda p: -coders[p].index_count):  # the largest count first
        for leaf in leaves[port]:
            if not leaf.mixed and not leaf.layer.inner_nets():  # an operator: the walk goes into its nets
                widest.setdefault(leaf.path, (leaf, coders[port]))
    told = {path: leaf.layer.with_encoder(leaf.port, coder) for path, (leaf, coder) in widest.items()}
    return {path: layer for path, layer in told.items() if layer is not widest[path][0].layer}


def graph_with_encoder(graph: Any, port: str, encoder: Encoder) -> Any:
    """``graph`` as fed at input ``port`` by an outer graph input with ``encoder``: the layers that input feeds told
    of it (``with_encoder_counts``); ``graph`` itself when none changes, or when the port has its own encoder."""
    if port in graph.coders:
        return graph
    layers = with_encoder_counts(graph.layers, graph.edges, {port: encoder})  # copied there
    changes = {name: layer for name, layer in layers.items() if layer is not graph.layers[name]}
    return graph.replace_layers(changes) if changes else graph

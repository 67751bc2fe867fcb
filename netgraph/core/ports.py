"""NetPort (a user's name for a port) and PortRef/Edge (the normalised wiring a NetGraph stores)."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from netgraph.core.errors import NetGraphError, ShapeError, WiringError, raise_all
from netgraph.core.integers import plain_index
from netgraph.core.frozen import frozen_init
from netgraph.core.naming_scope import quoted
from netgraph.core.conflicts import Conflict
from netgraph.core.shape_dims import shape_error
from netgraph.core.types import INTEGER, REAL, PortType, as_shape

__all__ = ["NetPort", "PortRef", "Edge", "WrittenEdge", "declared_port_type", "declared_port_types",
           "declared_where_needed", "declared_types_of", "declared_as_inferred", "new_edge", "new_port_ref"]

T = TypeVar("T")


@dataclass(frozen=True, init=False, repr=False, slots=True)
class NetPort:
    """``NetPort(layer, "Port")`` names a layer's port; ``NetPort("Name")`` names a graph port.

    ``layer`` is a 1-based index or a layer name, as in Wolfram's ``NetPort[3, "Output"]``, or a path into
    nested nets: ``NetPort(("enc", "l1", "Output"))`` (Wolfram's ``NetPort[{"enc", "l1", "Output"}]``) is the
    same as ``NetPort(("enc", "l1"), "Output")``; its ``layer`` is then the tuple ``("enc", "l1")``. A number names
    an input of a multi-input layer, as Wolfram's ``NetPort["cat", 2]``: ``NetPort("cat", 2)`` is port ``Input2``.

    >>> NetPort(3, "Output"), NetPort("Params"), NetPort(("enc", "l1", "Output")).layer
    (NetPort(3, 'Output'), NetPort('Params'), ('enc', 'l1'))
    """

    layer: int | str | tuple | None
    port: str

    def __init__(self, *args: Any):
        args = tuple(plain_index(a) for a in args)  # numpy's integers as Python's: NetPort(np.int64(1), "Output")
        if len(args) == 1 and isinstance(args[0], (tuple, list)) and len(args[0]) >= 2:
            args = (tuple(args[0][:-1]), args[0][-1])
        if len(args) == 2 and isinstance(args[0], tuple):
            args = (args[0][0] if len(args[0]) == 1 else args[0], args[1])
        if len(args) == 2 and isinstance(args[1], int) and not isinstance(args[1], bool) and _is_layer(args[0]):
            if args[1] < 1:  # Wolfram's numbered inputs NetPort["cat", 2]: Input1, Input2, ... of a multi-input layer
                raise WiringError(f"NetPort{args!r}: numbered inputs count from 1 (NetPort(layer, 1) is port 'Input1')",
                                  kind="endpoint-form", found=args[1])
            args = (args[0], f"Input{args[1]}")
        if len(args) == 1 and isinstance(args[0], str):
            layer, port = None, args[0]
        elif len(args) == 2 and isinstance(args[1], str) and _is_layer(args[0]):
            layer, port = args
        else:
            raise WiringError(f"NetPort takes (layer, 'Port'), ('GraphPortName') or a path "
                              f"(('outer', 'inner', 'Port')), found NetPort{args!r}", kind="endpoint-form")
        frozen_init(self, layer=layer, port=port)

    def __repr__(self) -> str:
        if isinstance(self.layer, tuple):
            return f"NetPort({(*self.layer, self.port)!r})"
        return f"NetPort({self.port!r})" if self.layer is None else f"NetPort({self.layer!r}, {self.port!r})"

    @property
    def path(self) -> tuple:
        """The layer path as a tuple (empty for a graph port)."""
        return () if self.layer is None else self.layer if isinstance(self.layer, tuple) else (self.layer,)



def _is_layer(value: Any) -> bool:
    parts = value if isinstance(value, tuple) else (value,)
    return bool(parts) and all(isinstance(p, (int, str)) and not isinstance(p, bool) for p in parts)


@dataclass(frozen=True, slots=True, order=True)
class PortRef:
    """A resolved port: ``layer`` is a layer name, or None for a graph port."""

    layer: str | None
    port: str

    def __str__(self) -> str:
        return self.port if self.layer is None else f"{self.layer}.{self.port}"


@dataclass(frozen=True, slots=True)
class Edge:
    """One normalised connection from an output (or graph input) to an input (or graph output).

    ``text`` is the edge as the user wrote it, for messages; ``implicit`` marks edges made for
    dangling ports; ``index`` is the 0-based position of the user's edge item it comes from (a
    chain or group gives several Edges one index; None for implicit edges); ``hop`` is the 0-based link of a
    chain it comes from (``b -> c`` of ``a -> b -> c`` is 1) and ``link`` that link's text (None and "" for an
    edge of one link).
    """

    src: PortRef
    dst: PortRef
    text: str = ""
    implicit: bool = False
    index: int | None = field(default=None, compare=False)
    hop: int | None = field(default=None, compare=False)
    link: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[PortRef, PortRef]:
        return (self.src, self.dst)


class _EdgeFields:
    """A plain class of ``Edge``'s slots: ``new_edge`` stores the fields in one (plain stores, not a frozen
    dataclass's ``object.__setattr__`` calls) and then makes it an ``Edge`` by ``__class__`` assignment, which Python
    allows between classes of one layout (and refuses, with a TypeError, if the slots ever differ)."""

    __slots__ = Edge.__slots__


class _PortRefFields:
    """``PortRef``'s slots in a plain class (as ``_EdgeFields``)."""

    __slots__ = PortRef.__slots__


def new_edge(src: PortRef, dst: PortRef, text: str, index: int | None, hop: int | None = None, link: str = "",
             implicit: bool = False) -> Edge:
    """``Edge(src, dst, text, implicit, index, hop, link)`` made without the frozen dataclass's ``__init__``, which
    sets each field through ``object.__setattr__`` (three times the time, for each of a big net's edges).

    >>> new_edge(PortRef("a", "Output"), PortRef("b", "Input"), "a -> b", 0) == Edge(PortRef("a", "Output"),
    ... PortRef("b", "Input"), "a -> b", False, 0)
    True
    >>> edge = new_edge(PortRef(None, "Input"), PortRef("b", "Input"), "(unwired b.Input)", None, implicit=True)
    >>> type(edge) is Edge, edge.implicit, edge.hop, edge.link
    (True, True, None, '')
    """
    edge = _EdgeFields()
    edge.src = src  # (a statement each: one tuple assignment builds a tuple and unpacks it)
    edge.dst = dst
    edge.text = text
    edge.implicit = implicit
    edge.index = index
    edge.hop = hop
    edge.link = link
    edge.__class__ = Edge
    return edge


def new_port_ref(layer: str | None, port: str) -> PortRef:
    """``PortRef(layer, port)`` made as ``new_edge`` makes an Edge.

    >>> ref = new_port_ref("a", "Output")
    >>> ref == PortRef("a", "Output"), type(ref) is PortRef, hash(ref) == hash(PortRef("a", "Output"))
    (True, True, True)
    """
    ref = _PortRefFields()
    ref.layer, ref.port = layer, port
    ref.__class__ = PortRef
    return ref


class WrittenEdge(tuple):
    """A ``(src, dst)`` pair of ``NetGraph.explicit_edges`` carrying the user's edge it comes from: its ``text``,
    ``index`` and the chain's link (``hop``, ``link``: see ``Edge``). A graph built from such pairs (surgery rebuilds
    graphs so) quotes and numbers its edges as the user wrote them, not as the pairs the library made of a chain."""

    def __new__(cls, src: Any, dst: Any, text: str = "", index: int | None = None, hop: int | None = None,
                link: str = "") -> WrittenEdge:
        pair = super().__new__(cls, (src, dst))
        pair.text, pair.index, pair.hop, pair.link = text, index, hop, link
        return pair

    def __getnewargs__(self) -> tuple:
        return (*self, self.text, self.index, self.hop, self.link)


def declared_port_type(value: Any, port: str) -> PortType:
    """The type a graph port is declared with (a shape, ``"Integer"``/``"Real"``, or a PortType: an input's with an
    index range, an output's without), or a ShapeError; a range is kept as given (``port_coders`` checks a declared
    one, ``Restricted`` its own)."""
    if isinstance(value, str) and value in (REAL, INTEGER):
        return PortType((), value)
    shape, dtype = (value.shape, value.dtype) if isinstance(value, PortType) else (value, None)  # None: the layers'
    span = value.range if isinstance(value, PortType) else None
    what = f"shape of port {quoted(port)}"
    try:
        return PortType(as_shape(shape, what), dtype, span)
    except Conflict as exc:  # each bad dim of a list
        raise shape_error(ShapeError, shape, what, exc, kind="port-shape", layer=(), port=port) from None


def declared_port_types(port_shapes: Mapping[str, Any]) -> dict[str, PortType]:
    """Each graph port's declared type (``declared_port_type``); every port's bad shape in one ShapeError (one port's
    as it is raised alone)."""
    types, refused = {}, []
    for port, value in port_shapes.items():
        try:
            types[port] = declared_port_type(value, port)
        except ShapeError as exc:
            refused.append(exc)
    if len(refused) == 1:
        raise refused[0]
    raise_all([d for exc in refused for d in exc.diagnostics], ShapeError, "declared port shapes")
    return types


def declared_where_needed(build: Callable[[dict[str, PortType]], T], types: Mapping[str, PortType]) -> T:
    """``build(options)`` (a net) with graph ports ``types`` (the types an edit keeps) declared no more than the net
    so built needs: each by its shape alone, its dtype and range too where the net infers others (as
    ``extracted_inputs`` declares only what a layer does not infer), so an edited net equals the same net built in
    one go. Two builds at most: never one per layer."""
    if not types:
        return build({})
    shapes = {p: PortType(t.shape, None) for p, t in types.items()}
    try:
        net = build(shapes)
    except NetGraphError:  # a shape alone the layers cannot take: the whole type
        return build(dict(types))
    inferred = net.port_types
    differ = {p: t for p, t in types.items() if inferred.get(p) != t}
    return build({**shapes, **differ}) if differ else net


def declared_types_of(net: Any) -> dict[str, PortType]:
    """The port types ``net`` (a NetGraph) was declared with, by port: its port options less its coders."""
    return {p: t for p, t in net.port_shape_options().items() if isinstance(t, PortType)}


def declared_as_inferred(net: Any) -> dict[str, PortType]:
    """``net``'s declared port types with a dtype left to inference (a shape alone, ``Input=4``) as the dtype it
    infers: what it declares, as equality compares it (``PortType(4)``, Real, where the net infers Real)."""
    inferred = net.port_types
    return {p: PortType(t.shape, inferred[p].dtype, t.range) if t.dtype is None and p in inferred else t
            for p, t in declared_types_of(net).items()}

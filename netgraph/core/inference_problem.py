"""The inference problem: leaf layers by path, the edges joining their ports and the declared types, each port key
numbered as it is met (what ``inference.solve`` solves; ``NetGraph._collect`` builds it)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from netgraph.core.coders import Restricted
from netgraph.core.layer import Layer
from netgraph.core.layer_checks import check_declared_types
from netgraph.core.port_ids import PortIds
from netgraph.core.types import PortType

__all__ = ["Problem", "Key", "NumbersByName"]

Key = Hashable  # (layer path, port)
_NONE = object()  # no layer (None names the graph itself)


@dataclass
class Problem:
    """What inference works on: leaf layers by path (``leaf_paths``, ``leaf_layers``), equalities (edges) and declared
    types.

    ``equalities`` holds each graph's edges as ``(graph path, edges, explained)``: an edge joins the keys at its two
    ends (``each_equality``), and an explained one's user's edge (an ``EdgeRef``; None for an edge the wiring made
    for an unwired port) is made only to explain a conflict.

    A declared type is held as ``(key, type, kind)``; its origin is ``(kind, key)``: ``("options", key)`` (a layer's
    options) or ``("graph", key)`` (a shape given for a graph port), made by inference only for the types it keeps
    or refuses, and only turned into text when a conflict is reported. The types a leaf's options declare for its
    own ports are held in ``leaf_types`` instead, with no tuple made per port (``declared`` holds the others, each
    after the leaves' types counted by ``declared_after``: solving applies them all in the order declared).

    Built with ``add_leaf``, ``join_edges`` and ``declare``, it numbers each key as it is met (``ids``: a leaf's
    ports as the leaf is added, one after another, with no key tuple made for them (``PortIds``); then the other ends
    of the equalities, then other declared keys, each key hashed once, when it is made): a port is found by its
    layer's ``{port: number}``, a graph's port by its graph's, which holds the port's key until it is numbered.
    """

    equalities: list[tuple[tuple, Iterable, bool]]
    declared: list[tuple[Key, PortType, str]]
    describe: Callable[[Key], str]
    watch: tuple = ()  # keys whose types before the dtype defaults are recorded in ``before_defaults``
    before_defaults: dict = field(default_factory=dict)
    defaults_applied: bool = False  # True while propagating again after the dtype defaults
    scoped_names: bool = False  # a nested graph's length names met (``guessed_lengths.scoped``: named afresh)
    ids: PortIds = field(init=False)  # each key's number (a leaf's ports: from its first number and their order)
    joins: array = field(default_factory=lambda: array("q"))  # each equality's two keys' numbers, one after the
    # other: raw numbers, no reference to each key's int object (touched again, cold, when a list of them is freed)
    leaf_ports: list[dict[str, Any]] = field(default_factory=list)  # each leaf's ports' numbers
    declared_ids: list[int | None] = field(default_factory=list)  # each declared key's number (None: not yet known)
    pending: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # each declared key numbered later: its
    # position in ``declared`` and the port numbers of its layer or graph
    coders: dict[Key, Any] = field(default_factory=dict)  # graph ports whose type an encoder gave: the encoder
    given: list[int] = field(default_factory=list)  # the positions in ``declared`` of the shapes given for graph ports
    leaf_types: list = field(default_factory=list)  # each leaf's declared types of its own ports: port, type, ...,
    # None (the leaf's end); a leaf whose options declare another port has its types in ``declared``
    declared_after: list[int] = field(default_factory=list)  # each of ``declared``: how many leaves came before it
    leaf_paths: list[tuple] = field(default_factory=list)  # each leaf's path and layer, in the order added: two lists,
    leaf_layers: list[Layer] = field(default_factory=list)  # no (path, layer) tuple a leaf (made, then freed cold)

    def __post_init__(self) -> None:
        self.ids = PortIds(self.leaf_paths, self.leaf_ports)

    @property
    def leaves(self) -> list[tuple[tuple, Layer]]:
        """Each leaf's ``(path, layer)``, in the order added (a list made when asked)."""
        return list(zip(self.leaf_paths, self.leaf_layers))

    def add_leaf(self, path: tuple, layer: Layer, declare: bool = True) -> dict[str, int]:
        """Add a leaf (with its declared types); its ports' numbers."""
        ids = self.ids
        count = ids.count  # the next key's number: the leaf's ports are numbered one after another (no key tuple
        ids.first.append(count)  # nor dict entry a port: ``PortIds`` finds a leaf port's number from them)
        inputs, outputs = layer.input_ports, layer.output_ports
        if len(inputs) == 1 and len(outputs) == 1 and inputs[0] != outputs[0]:  # most layers: one dict display
            ports = {inputs[0]: count, outputs[0]: count + 1}
            count += 2
        else:
            ports = {}
            for port in (*inputs, *outputs):  # a loop: a comprehension costs a call per leaf
                if port not in ports:
                    ports[port] = count
                    count += 1
        ids.count = count
        self.leaf_paths.append(path)
        self.leaf_layers.append(layer)
        self.leaf_ports.append(ports)
        leaf_types = self.leaf_types
        if declare:
            types = layer.declared_types()
            if types.__class__ is not dict and not isinstance(types, Mapping):  # a list, None: named, not Python's
                check_declared_types(layer, path, self.describe)
            for port in types:
                if port not in ports:  # a port beyond its own: each of its types held as given
                    self._declare_options(path, types, ports)
                    break
            else:
                for port, t in types.items():  # as self.declare, with no tuple kept per port
                    if t.__class__ is not PortType and not isinstance(t, PortType):  # (no call for a PortType)
                        check_declared_types(layer, path, self.describe)
                    leaf_types.append(port)  # (two appends: 17 % less time than += (port, t), though each a call)
                    leaf_types.append(t)
        leaf_types.append(None)
        return ports

    def _declare_options(self, path: tuple, types: dict[str, PortType], ports: dict[str, int]) -> None:
        """Hold the ``types`` a leaf's options declare as ``declared`` entries (its own ports' numbers are ``ports``;
        another port is numbered by number_rest)."""
        declared, declared_ids = self.declared, self.declared_ids
        for port, t in types.items():
            if not isinstance(t, PortType):
                check_declared_types(self.leaf_layers[-1], path, self.describe)
            self.declared_after.append(len(self.leaf_layers))
            if port in ports:  # numbered as the leaf was added: its number kept now, not looked up by number_rest
                declared.append(((path, port), t, "options"))
                declared_ids.append(ports[port])
            else:
                self.pending.append((len(declared), ports))
                declared.append(((path, port), t, "options"))
                declared_ids.append(None)

    @staticmethod
    def graph_ports(prefix: tuple, ports: Iterable[str]) -> dict[str, Any]:
        """The port numbers (keys until numbered) of the graph at ``prefix`` with ``ports``."""
        return {port: (prefix, port) for port in ports}

    def declare(self, key: Key, t: PortType, kind: str, numbers: dict[str, Any]) -> None:
        """Declare ``key``'s type (its origin ``(kind, key)``); ``numbers``: its layer's or graph's port numbers."""
        if kind == "graph":
            self.given.append(len(self.declared))
        self.declared_after.append(len(self.leaf_layers))
        self.pending.append((len(self.declared), numbers))
        self.declared.append((key, t, kind))
        self.declared_ids.append(None)

    def join_edges(self, prefix: tuple, edges: Iterable, numbers: dict, explained: bool = True,
                   names: tuple = ()) -> None:
        """Join the ends of the ``edges`` of the graph at ``prefix``; ``numbers``: the port numbers of each of
        its layers by name (None: its own ports). ``explained``: each equality keeps its edge for messages.
        ``names``: the layers added last, in order (their numbers: the last ``len(names)`` of ``leaf_ports``)."""
        edges = tuple(edges)
        number, joins = self._number, self.joins
        self.equalities.append((prefix, edges, explained))
        at, zeros = len(joins), array("q", [0]) * (2 * len(edges))  # filled by position: no call an edge
        if at:
            joins += zeros
        else:  # (the first graph's: no copy)
            self.joins = joins = zeros
        leaf_ports, base, after = self.leaf_ports, len(self.leaf_ports) - len(names), len(names) - 1
        last, ports, i = _NONE, None, -1  # the layer whose numbers were found last (``ports``), ``names[i]`` (i past
        for e in edges:  # ``after``: not known): a chain's edge leaves the layer the edge before entered and enters
            src, dst = e.src, e.dst  # the next one, a group's edges enter one layer (no lookup in a big dict, in no
            if src.layer is not last:  # order)
                if i < after and names[i + 1] is src.layer:
                    i += 1
                    last, ports = src.layer, leaf_ports[base + i]
                else:
                    last, ports, i = src.layer, numbers[src.layer], after
            if type(a := ports.get(src.port)) is not int:
                a = number(prefix, src, ports, a)
            if dst.layer is not last:
                if i < after and names[i + 1] is dst.layer:
                    i += 1
                    last, ports = dst.layer, leaf_ports[base + i]
                else:
                    last, ports, i = dst.layer, numbers[dst.layer], after
            if type(b := ports.get(dst.port)) is not int:
                b = number(prefix, dst, ports, b)
            joins[at], joins[at + 1] = a, b
            at += 2

    def each_equality(self) -> Iterator[tuple[Key, Key, tuple | None]]:
        """Each edge's keys and ``(graph path, Edge)`` (None when not explained), in the order of ``joins``."""
        for prefix, edges, explained in self.equalities:
            for e in edges:
                yield _end(prefix, e.src), _end(prefix, e.dst), (prefix, e) if explained else None

    def _number(self, prefix: tuple, ref: Any, numbers: dict[str, Any], known: Any) -> int:
        """The number of the key of ``ref`` (a PortRef in the graph at ``prefix``), not yet numbered in
        ``numbers``, the port numbers of its layer or graph (``known``: what they hold for its port)."""
        ids = self.ids
        if known is None:  # not one of the ports it was given with
            return ids.add(_end(prefix, ref))
        n = numbers[ref.port] = ids.other[known] = ids.count  # met for the first time: its key, made by graph_ports
        ids.count += 1
        return n

    def number_rest(self) -> list[int]:
        """Number the declared keys no leaf or edge numbered; return every declared key's number. Only the keys
        not numbered as they were declared are read (a leaf's ports are: 200,000 keys of a 100,000-layer net)."""
        declared, ids = self.declared, self.declared_ids
        for i, numbers in self.pending:
            key = declared[i][0]
            ids[i] = n if type(n := numbers.get(key[1])) is int else self._number_declared(key, numbers)
        return ids

    def graph_declared(self) -> list[tuple[Key, PortType, str]]:
        """The declared types given for graph ports (not every layer's: a 100,000-layer net declares 200,000)."""
        return [self.declared[i] for i in self.given]

    def keys_as_met(self) -> Iterator[Key]:
        """Every key once, in the order the problem's parts meet it: along the equalities (each edge's source, then
        its target), then the leaves' ports, then declared keys (where a class's dtype default is reported)."""
        seen = set()
        for a, b, _ in self.each_equality():
            for key in (a, b):
                if key not in seen:
                    seen.add(key)
                    yield key
        for path, ports in zip(self.leaf_paths, self.leaf_ports):
            for port in ports:
                if (key := (path, port)) not in seen:
                    seen.add(key)
                    yield key
        for key, _, _ in self.declared:
            if key not in seen:
                seen.add(key)
                yield key

    def _number_declared(self, key: Key, numbers: dict[str, Any]) -> int:
        """The number of a declared ``key`` that no edge joined (``numbers``: its layer's or graph's)."""
        n = self.ids.add(key)
        if key[1] in numbers:
            numbers[key[1]] = n
        return n

    def _leaf_at(self, path: tuple) -> Layer | None:
        """The leaf layer at ``path`` (a conflict's, said once: found by a search), None where none is."""
        try:
            return self.leaf_layers[self.leaf_paths.index(path)]
        except ValueError:
            return None

    def range_given(self, key: Key) -> bool:
        """Whether graph port ``key`` was declared with a range (a ``Restricted`` coder: a spec's ``range:``)."""
        return isinstance(self.coders.get(key), Restricted)

    def origin_text(self, origin: tuple) -> str:
        kind, key = origin
        if kind == "options":
            layer = self._leaf_at(key[0])
            if layer is not None and type(layer).declared_types is Layer.declared_types:  # every port Real
                return f"{self.describe(key)} (Real by default: {layer.type_name} declares no port types)"
            return f"{self.describe(key)} (from its options)"
        if kind == "graph":
            coder = self.coders.get(key)
            if self.range_given(key):  # a spec's 'range:' too: said as a range, not by the class's name
                return f"the range {coder.range_text} given for {self.describe(key)}"
            return f"the {coder.type_name} on {self.describe(key)}" if coder is not None else \
                f"the shape given for {self.describe(key)}"
        if kind == "default":
            return f"the default dtype Real of {self.describe(key)}"
        return self.describe(key)


class NumbersByName(dict):
    """A flat graph's port numbers by layer name for ``join_edges``, given its own (under None) and its layers'
    (``names`` in order, their numbers ``leaf_ports[start:]``), whose entries are made only when one is first looked up
    out of order (the first and last layers are found without them): ``join_edges`` finds layers met in order by
    position, so a chain's 100,000 are never entered.

    >>> numbers = NumbersByName({None: {}}, ("a", "b", "c"), [{"Input": 0}, {"Input": 2}, {"Input": 4}], 0)
    >>> numbers["c"], len(numbers), numbers["b"], len(numbers)
    ({'Input': 4}, 1, {'Input': 2}, 4)
    """

    __slots__ = ("_layers",)

    def __init__(self, own: dict, names: tuple, leaf_ports: list, start: int) -> None:
        super().__init__(own)
        self._layers = names, leaf_ports, start

    def __missing__(self, name: Any) -> Any:
        if self._layers is None:
            raise KeyError(name)
        names, leaf_ports, start = self._layers
        if name == names[-1] or name == names[0]:  # a chain's ends (its unwired ports' edges, met last): no table
            return leaf_ports[start if name == names[0] else start + len(names) - 1]
        self._layers = None
        self.update(zip(names, islice(leaf_ports, start, None)))  # (a C loop)
        return self[name]


def _end(prefix: tuple, ref: Any) -> Key:
    """The key of an edge's end ``ref`` (a PortRef) in the graph at ``prefix``."""
    return (prefix if ref.layer is None else (*prefix, ref.layer), ref.port)

"""The inference problem: leaf layers by path, the edges joining their ports and the declared types, each port key
numbered as it is met (what ``inference.infer_types`` solves; ``NetGraph._collect`` builds it)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from netgraph.core.layer import Layer
from netgraph.core.types import PortType

__all__ = ["Problem", "Key"]

Key = Hashable  # (layer path, port)


@dataclass
class Problem:
    """What inference works on: leaf layers by path, equalities (edges) and declared types.

    ``equalities`` holds each graph's edges as ``(graph path, edges, explained)``: an edge joins the keys at its two
    ends (``each_equality``), and an explained one's user's edge (an ``EdgeRef``; None for an edge the wiring made
    for an unwired port) is made only to explain a conflict.

    A declared type is held as ``(key, type, kind)``; its origin is ``(kind, key)``: ``("options", key)`` (a layer's
    options) or ``("graph", key)`` (a shape given for a graph port), made by inference only for the types it keeps
    or refuses, and only turned into text when a conflict is reported.

    Built with ``add_leaf``, ``join_edges`` and ``declare``, it numbers each key as it is met (``ids``: the ends
    of the equalities first, then the leaves' other ports, then other declared keys), hashing each key tuple
    once: a port is found by its layer's ``{port: number}``, which holds the port's key until it is numbered (one
    key tuple a port, sharing its layer's path, made once and kept by ``ids``).
    """

    leaves: list[tuple[tuple, Layer]]
    equalities: list[tuple[tuple, Iterable, bool]]
    declared: list[tuple[Key, PortType, str]]
    describe: Callable[[Key], str]
    watch: tuple = ()  # keys whose types before the dtype defaults are recorded in ``before_defaults``
    before_defaults: dict = field(default_factory=dict)
    defaults_applied: bool = False  # True while propagating again after the dtype defaults
    ids: dict[Key, int] = field(default_factory=dict)  # each key's number
    joins: list[int] = field(default_factory=list)  # each equality's two keys' numbers, one after the other
    leaf_ports: list[dict[str, Any]] = field(default_factory=list)  # each leaf's ports' numbers (keys until numbered)
    declared_at: list[dict[str, Any]] = field(default_factory=list)  # the port numbers each declared key is in
    coders: dict[Key, Any] = field(default_factory=dict)  # graph ports whose type an encoder gave: the encoder

    def add_leaf(self, path: tuple, layer: Layer, declare: bool = True) -> dict[str, Any]:
        """Add a leaf (with its declared types); its ports' numbers, which ``join_edges`` fills in."""
        ports = {port: (path, port) for port in (*layer.input_ports, *layer.output_ports)}
        self.leaves.append((path, layer))
        self.leaf_ports.append(ports)
        if declare:
            declared, declared_at = self.declared, self.declared_at
            for port, t in layer.declared_types().items():  # as self.declare, without a call per port
                key = ports[port] if port in ports else (path, port)
                declared.append((key, t, "options"))
                declared_at.append(ports)
        return ports

    @staticmethod
    def graph_ports(prefix: tuple, ports: Iterable[str]) -> dict[str, Any]:
        """The port numbers (keys until numbered) of the graph at ``prefix`` with ``ports``."""
        return {port: (prefix, port) for port in ports}

    def declare(self, key: Key, t: PortType, kind: str, numbers: dict[str, Any]) -> None:
        """Declare ``key``'s type (its origin ``(kind, key)``); ``numbers``: its layer's or graph's port numbers."""
        self.declared.append((key, t, kind))
        self.declared_at.append(numbers)

    def join_edges(self, prefix: tuple, edges: Iterable, numbers: dict, explained: bool = True) -> None:
        """Join the ends of the ``edges`` of the graph at ``prefix``; ``numbers``: the port numbers of each of
        its layers by name (None: its own ports). ``explained``: each equality keeps its edge for messages."""
        edges = tuple(edges)
        number, joins = self._number, self.joins
        self.equalities.append((prefix, edges, explained))
        for e in edges:
            src, dst = e.src, e.dst
            if type(a := (ports := numbers[src.layer]).get(src.port)) is not int:
                a = number(prefix, src, ports, a)
            if type(b := (ports := numbers[dst.layer]).get(dst.port)) is not int:
                b = number(prefix, dst, ports, b)
            joins += (a, b)

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
            return ids.setdefault(_end(prefix, ref), len(ids))
        n = numbers[ref.port] = ids[known] = len(ids)  # met for the first time: its key, made by add_leaf
        return n

    def number_rest(self) -> list[int]:
        """Number the leaves' ports no edge joined, then return the declared keys' numbers."""
        ids = self.ids
        for ports in self.leaf_ports:
            for port, n in ports.items():
                if type(n) is not int:
                    ports[port] = ids.setdefault(n, len(ids))
        return [n if type(n := numbers.get(key[1])) is int else self._number_declared(key, numbers)
                for (key, _, _), numbers in zip(self.declared, self.declared_at)]

    def _number_declared(self, key: Key, numbers: dict[str, Any]) -> int:
        """The number of a declared ``key`` that no edge joined (``numbers``: its layer's or graph's)."""
        n = self.ids.setdefault(key, len(self.ids))
        if key[1] in numbers:
            numbers[key[1]] = n
        return n

    def origin_text(self, origin: tuple) -> str:
        kind, key = origin
        if kind == "options":
            return f"{self.describe(key)} (from its options)"
        if kind == "graph":
            return f"the {self.coders[key].type_name} on {self.describe(key)}" if key in self.coders else \
                f"the shape given for {self.describe(key)}"
        if kind == "default":
            return f"the default dtype Real of {self.describe(key)}"
        return self.describe(key)


def _end(prefix: tuple, ref: Any) -> Key:
    """The key of an edge's end ``ref`` (a PortRef) in the graph at ``prefix``."""
    return (prefix if ref.layer is None else (*prefix, ref.layer), ref.port)

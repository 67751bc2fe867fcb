"""Shape inference: a worklist fixed point over port-type classes, before any tensor exists.

Ports joined by edges form classes (union-find) that share one partial ``PortType``. Declared types
(layer options, graph port shapes) seed the classes; then each layer's ``infer`` refines its ports,
re-queuing the layers that touch any class it changed. Information flows both ways, so a
NetArrayLayer without ``output=`` takes its consumer's shape. Conflicts name the layer, the port,
both types, who set the old one and the edges that joined them.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from netgraph.core.layer import Layer
from netgraph.core.errors import Diagnostic, EdgeRef, ShapeError, raise_all
from netgraph.core.types import REAL, UNKNOWN, Conflict, PortType, unify

__all__ = ["Problem", "infer_types"]

Key = Hashable  # (layer path, port)


@dataclass
class Problem:
    """What inference works on: leaf layers by path, equalities (edges) and declared types.

    An equality joins two keys by the user's edge (an ``EdgeRef``), or None for an edge the wiring
    made for an unwired port.

    A declared type's origin is ``("options", key)`` (a layer's options) or ``("graph", key)`` (a
    shape given for a graph port); origins are only turned into text when a conflict is reported.
    """

    leaves: list[tuple[tuple, Layer]]
    equalities: list[tuple[Key, Key, EdgeRef | None]]
    declared: list[tuple[Key, PortType, tuple]]
    describe: Callable[[Key], str]
    watch: tuple = ()  # keys whose types before the dtype defaults are recorded in ``before_defaults``
    before_defaults: dict = field(default_factory=dict)
    defaults_applied: bool = False  # True while propagating again after the dtype defaults

    def origin_text(self, origin: tuple) -> str:
        kind, key = origin
        if kind == "options":
            return f"{self.describe(key)} (from its options)"
        if kind == "graph":
            return f"the shape given for {self.describe(key)}"
        if kind == "default":
            return f"the default dtype Real of {self.describe(key)}"
        return self.describe(key)


class _Classes:
    """Union-find over port keys; each root holds a type, its origin, and the edges inside it."""

    def __init__(self, equalities: list[tuple[Key, Key, EdgeRef | None]]) -> None:
        self.parent: dict[Key, Key] = {}
        self.type: dict[Key, PortType] = {}
        self.origin: dict[Key, tuple] = {}
        self.edges: dict[Key, list[EdgeRef]] = defaultdict(list)  # the user's edges inside each class
        self.equalities = equalities  # what joined the classes (read only to explain a conflict)

    def find(self, k: Key) -> Key:
        self.parent.setdefault(k, k)
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def union(self, a: Key, b: Key, edge: EdgeRef | None) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.edges[ra] += self.edges.pop(rb, [])
        if edge is not None:
            self.edges[ra].append(edge)

    def joining(self, start: Key, goal: Key) -> EdgeRef | None:
        """The user's edge that joins ``start`` to ``goal``: on the path between them, the one in the
        outermost graph (it is what made the two meet), nearest ``goal`` among equals."""
        links: dict[Key, list[tuple[Key, EdgeRef | None]]] = defaultdict(list)  # key -> (neighbour, edge)
        for a, b, edge in self.equalities:
            links[a].append((b, edge))
            links[b].append((a, edge))
        previous: dict[Key, tuple[Key, EdgeRef | None]] = {start: (start, None)}
        queue = deque([start])
        while queue and goal not in previous:
            key = queue.popleft()
            for other, edge in links[key]:
                if other not in previous:
                    previous[other] = (key, edge)
                    queue.append(other)
        path, key = [], goal
        while key in previous and key != start:
            key, edge = previous[key]
            path += [edge] if edge is not None else []
        return min(path, key=lambda e: len(e.graph), default=None)


def infer_types(problem: Problem) -> tuple[dict[Key, PortType], dict[Key, Key]]:
    """Return (type of every port key, class root of every key); raise ShapeError listing conflicts."""
    cls = _Classes(problem.equalities)
    for a, b, edge in problem.equalities:
        cls.union(a, b, edge)
    for path, layer in problem.leaves:
        for port in _ports(layer):
            cls.find((path, port))
    for key, _, _ in problem.declared:
        cls.find(key)
    roots = {k: cls.find(k) for k in cls.parent}  # classes are fixed from here on
    errors: list[Diagnostic] = []

    def refine(key: Key, new: PortType, who: tuple, root: Key | None = None) -> bool:
        root = roots[key] if root is None else root
        old = cls.type.get(root, UNKNOWN)
        try:
            merged = new if old is UNKNOWN else unify(old, new)  # unify(UNKNOWN, t) == t
        except Conflict as exc:
            errors.append(_conflict(problem, cls, root, who, f"{exc} (the {old} was set by "))
            return False
        if merged != old:
            cls.type[root], cls.origin[root] = merged, who
            return True
        return False

    for key, t, who in problem.declared:
        refine(key, t, who)
    if errors:
        raise_all(errors, ShapeError, "shape conflict")
    _propagate(problem, cls, roots, refine, errors)
    problem.before_defaults = {k: cls.type.get(roots[k], UNKNOWN) for k in problem.watch if k in roots}
    if not errors and _default_dtypes(cls, roots):
        problem.defaults_applied = True
        _propagate(problem, cls, roots, refine, errors)  # dtype-generic layers (reshape, part ...) learn Real
    raise_all(errors, ShapeError, "shape conflict")
    return {k: cls.type.get(r, UNKNOWN) for k, r in roots.items()}, roots


def _conflict(problem: Problem, cls: _Classes, root: Key, who: tuple, text: str) -> Diagnostic:
    """A type refused at ``who``'s key: where the old type came from and the edges of the class."""
    key = who[1]
    setter = cls.origin.get(root)
    joining = cls.joining(setter[1], key) if setter else None
    via = ["; joined by edge ", *_joined(cls.edges.get(root, []))] if cls.edges.get(root) else []
    return Diagnostic.of("shape", f"{problem.origin_text(who)}: {text}",
                         problem.origin_text(setter) if setter else "?", *via, ")", layer=key[0], port=key[1],
                         edge=None if joining is None else joining.index,
                         graph=() if joining is None else joining.graph)


def _joined(edges: list[EdgeRef]) -> list[str | EdgeRef]:
    """Message parts naming ``edges`` in the order the user gave them, outer graphs first."""
    parts: list[str | EdgeRef] = []
    for edge in sorted(dict.fromkeys(edges), key=lambda e: (len(e.graph), e.graph, e.index)):
        parts += [", ", edge] if parts else [edge]
    return parts


def _propagate(problem: Problem, cls: _Classes, roots: dict, refine: Callable, errors: list[Diagnostic]) -> None:
    users: dict[Key, list[int]] = defaultdict(list)
    port_roots = []  # each leaf's {port: class root}, looked up once
    for i, (path, layer) in enumerate(problem.leaves):
        own = {port: roots[(path, port)] for port in _ports(layer)}
        port_roots.append(own)
        for root in own.values():
            users[root].append(i)
    queue, queued = deque(range(len(problem.leaves))), set(range(len(problem.leaves)))
    budget = 64 * len(problem.leaves) + 1000
    types = cls.type
    while queue and budget and not errors:
        budget -= 1
        i = queue.popleft()
        queued.discard(i)
        path, layer = problem.leaves[i]
        own = port_roots[i]
        current = {p: types.get(root, UNKNOWN) for p, root in own.items()}
        try:
            result = layer.infer(current)
        except Conflict as exc:
            errors.append(_layer_conflict(problem, cls, roots, path, current, f"{problem.describe((path, None))}: {exc}"))
            break
        for port, t in result.items():
            if port in current and t != current[port] and refine((path, port), t, ("port", (path, port)), own[port]):
                for j in users[own[port]]:
                    if j not in queued:
                        queue.append(j)
                        queued.add(j)
    if queue and not budget:
        errors.append(Diagnostic("shape inference did not converge (a layer's infer() keeps changing its ports)",
                                 "no-convergence"))


def _layer_conflict(problem: Problem, cls: _Classes, roots: dict, path: tuple, current: dict[str, PortType],
                    text: str) -> Diagnostic:
    """A layer's ``infer`` refused its port types: placed where a clashing type came in (the edge that
    carried it, else the graph port whose declared shape set it, else the layer itself)."""
    sources, edges = _sources(problem, cls, roots, path, current)
    if edges:
        return Diagnostic.of("shape", text, *sources, layer=path, edge=edges[0].index, graph=edges[0].graph)
    declared = [cls.origin[roots[(path, p)]][1] for p in current
                if cls.origin.get(roots[(path, p)], ("",))[0] == "graph"]
    layer, port = declared[0] if declared else (path, None)
    return Diagnostic.of("shape", text, *sources, layer=layer, port=port)


def _default_dtypes(cls: _Classes, roots: dict) -> bool:
    """Give every class whose dtype nothing decided the dtype Real; True when any changed."""
    changed = False
    for key, root in roots.items():
        old = cls.type.get(root, UNKNOWN)
        if old.dtype is None:
            cls.type[root] = PortType(old.shape, REAL)
            cls.origin.setdefault(root, ("default", key))
            changed = True
    return changed


def _sources(problem: Problem, cls: _Classes, roots: dict, path: tuple,
             current: dict[str, PortType]) -> tuple[list[str | EdgeRef], list[EdgeRef]]:
    """Where each known port type of a layer came from (message parts), and the edges they name."""
    parts: list[str | EdgeRef] = []
    named: list[EdgeRef] = []
    for port, t in current.items():
        root = roots[(path, port)]
        if t.shape is None or root not in cls.origin:
            continue
        edges = cls.edges.get(root, [])
        parts += ["; " if parts else " [", f"{port!r} {t} set by {problem.origin_text(cls.origin[root])}"]
        parts += [" via edge ", *_joined(edges)] if edges else []
        named += edges
    return (parts + ["]"] if parts else []), named


def _ports(layer: Layer) -> Iterable[str]:
    return (*layer.input_ports, *layer.output_ports)

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
from dataclasses import dataclass

from netgraph.core.layer import Layer
from netgraph.core.errors import ShapeError, raise_all
from netgraph.core.types import REAL, UNKNOWN, Conflict, PortType, unify

__all__ = ["Problem", "infer_types"]

Key = Hashable  # (layer path, port)


@dataclass
class Problem:
    """What inference works on: leaf layers by path, equalities (edges) and declared types.

    A declared type's origin is ``("options", key)`` (a layer's options) or ``("graph", key)`` (a
    shape given for a graph port); origins are only turned into text when a conflict is reported.
    """

    leaves: list[tuple[tuple, Layer]]
    equalities: list[tuple[Key, Key, str]]
    declared: list[tuple[Key, PortType, tuple]]
    describe: Callable[[Key], str]

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

    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}
        self.type: dict[Key, PortType] = {}
        self.origin: dict[Key, tuple] = {}
        self.edges: dict[Key, list[str]] = defaultdict(list)

    def find(self, k: Key) -> Key:
        self.parent.setdefault(k, k)
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def union(self, a: Key, b: Key, text: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.edges[ra] += self.edges.pop(rb, [])
        self.edges[ra].append(text)


def infer_types(problem: Problem) -> tuple[dict[Key, PortType], dict[Key, Key]]:
    """Return (type of every port key, class root of every key); raise ShapeError listing conflicts."""
    cls = _Classes()
    for a, b, text in problem.equalities:
        cls.union(a, b, text)
    for path, layer in problem.leaves:
        for port in _ports(layer):
            cls.find((path, port))
    for key, _, _ in problem.declared:
        cls.find(key)
    roots = {k: cls.find(k) for k in cls.parent}  # classes are fixed from here on
    errors: list[str] = []

    def refine(key: Key, new: PortType, who: tuple) -> bool:
        root = roots[key]
        old = cls.type.get(root, UNKNOWN)
        try:
            merged = unify(old, new)
        except Conflict as exc:
            edges = [e for e in cls.edges.get(root, []) if not e.startswith("(unwired")]
            via = f"; joined by edge {', '.join(dict.fromkeys(edges))}" if edges else ""
            setter = problem.origin_text(cls.origin[root]) if root in cls.origin else "?"
            errors.append(f"{problem.origin_text(who)}: {exc} (the {old} was set by {setter}{via})")
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
    if not errors and _default_dtypes(cls, roots):
        _propagate(problem, cls, roots, refine, errors)  # dtype-generic layers (reshape, part ...) learn Real
    raise_all(errors, ShapeError, "shape conflict")
    return {k: cls.type.get(r, UNKNOWN) for k, r in roots.items()}, roots


def _propagate(problem: Problem, cls: _Classes, roots: dict, refine: Callable, errors: list[str]) -> None:
    users: dict[Key, list[int]] = defaultdict(list)
    for i, (path, layer) in enumerate(problem.leaves):
        for port in _ports(layer):
            users[roots[(path, port)]].append(i)
    queue, queued = deque(range(len(problem.leaves))), set(range(len(problem.leaves)))
    budget = 64 * len(problem.leaves) + 1000
    while queue and budget and not errors:
        budget -= 1
        i = queue.popleft()
        queued.discard(i)
        path, layer = problem.leaves[i]
        ports = _ports(layer)
        current = {p: cls.type.get(roots[(path, p)], UNKNOWN) for p in ports}
        try:
            result = layer.infer(current)
        except Conflict as exc:
            errors.append(f"{problem.describe((path, None))}: {exc}{_sources(problem, cls, roots, path, current)}")
            break
        for port, t in result.items():
            if port in current and t != current[port] and refine((path, port), t, ("port", (path, port))):
                for j in users[roots[(path, port)]]:
                    if j not in queued:
                        queue.append(j)
                        queued.add(j)
    if queue and not budget:
        errors.append("shape inference did not converge (a layer's infer() keeps changing its ports)")


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


def _sources(problem: Problem, cls: _Classes, roots: dict, path: tuple, current: dict[str, PortType]) -> str:
    """Where each known port type of a layer came from, for conflict messages."""
    parts = []
    for port, t in current.items():
        root = roots[(path, port)]
        if t.shape is None or root not in cls.origin:
            continue
        edges = [e for e in cls.edges.get(root, []) if not e.startswith("(unwired")]
        via = f" via edge {', '.join(dict.fromkeys(edges))}" if edges else ""
        parts.append(f"{port!r} {t} set by {problem.origin_text(cls.origin[root])}{via}")
    return f" [{'; '.join(parts)}]" if parts else ""


def _ports(layer: Layer) -> Iterable[str]:
    return (*layer.input_ports, *layer.output_ports)

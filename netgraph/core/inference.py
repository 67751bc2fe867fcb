"""Shape inference: a worklist fixed point over port-type classes, before any tensor exists.

Ports joined by edges form classes (union-find) that share one partial ``PortType``. Declared types
(layer options, graph port shapes) seed the classes; then each layer's ``infer`` refines its ports,
re-queuing the layers that touch any class it changed. Information flows both ways, so a
NetArrayLayer without ``output=`` takes its consumer's shape. Conflicts name the layer, the port,
both types, who set the old one and the edges that joined them.
"""

from __future__ import annotations

import functools
from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping

from netgraph.core.layer import Layer
from netgraph.core.layer_checks import check_infer_result
from netgraph.core.errors import Diagnostic, EdgeRef, NetGraphError, ShapeError, at_layer, raise_all
from netgraph.core.conflict_words import (as_seen_by, coder_hint, compared, dtype_hint, edge_parts, found_dtype_hint,
                                          merged_input_parts, set_part, shapes_agree)
from netgraph.core.declared_lengths import (apart_text, declared_lengths, fixed_name, fixed_text, joined_names,
                                            linked_text)
from netgraph.core.guessed_lengths import GUESSED, Renaming
from netgraph.core.inference_defaults import default_dtypes, default_shapes, layer_dtype_guesses, shared_users
from netgraph.core.inference_problem import Key, Problem
from netgraph.core.class_seeds import Origins, seed_classes
from netgraph.core.conflict_sources import edge_into, port_sources
from netgraph.core.conflicts import Conflict
from netgraph.core.types import UNKNOWN, PortType, unify

__all__ = ["Problem", "Solution", "solve", "conflict_error"]


class _Classes:
    """Union-find over port keys, numbered in the order first met (``ids``); each class root (a number) holds a
    type and its origin. Numbers and lists, not key tuples, in the loops that touch every port."""

    def __init__(self, problem: Problem) -> None:
        self.ids: Mapping[Key, int] = problem.ids  # numbered by the problem as it was built
        self.type: list[PortType] = []  # by root (``settle`` makes it); UNKNOWN until a type is set
        self.origin: Origins = Origins(problem)
        self.problem, self.joins = problem, problem.joins  # its equalities are read again only to explain a conflict
        self.searches: dict[Key, tuple[dict, deque]] = {}  # joining's breadth-first search from each start so far
        self.parent = parent = list(range(len(self.ids)))
        find = self.find
        ends = iter(self.joins)
        same = 0  # joins of two keys already in one class (the others each make one key a non-root)
        for a, b in zip(ends, ends):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[rb] = parent[ra]  # (the list's int object, not one made reading the joins' raw numbers)
            else:
                same += 1
        self.non_roots = len(self.joins) // 2 - same  # the keys that are not their class's root: ``type`` UNKNOWN

    def settle(self) -> list[int]:
        """Every key's class root, by number (the classes are final: no union follows)."""
        parent = self.parent
        parent += range(len(parent), len(self.ids))
        self.type = [UNKNOWN] * len(parent)
        for i, up in enumerate(parent):
            if parent[up] != up:
                parent[i] = self.find(up)
        return parent

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    @functools.cached_property
    def links(self) -> dict[Key, list[tuple[Key, EdgeRef | None]]]:
        """Each key's neighbours and the user's edge to each (None: one the wiring made) (built once)."""
        links: dict[Key, list[tuple[Key, EdgeRef | None]]] = defaultdict(list)
        for a, b, joined in self.problem.each_equality():
            edge = _edge_ref(joined)
            links[a].append((b, edge))
            links[b].append((a, edge))
        return links

    def joining(self, start: Key, goal: Key, path: list[EdgeRef] | None = None) -> EdgeRef | None:
        """The user's edge joining ``start`` to ``goal``: the outermost on their path (``path``, if found already),
        nearest goal among equals."""
        return min(self.path_edges(start, goal) if path is None else path, key=lambda e: len(e.graph), default=None)

    def path_edges(self, start: Key, goal: Key) -> list[EdgeRef]:
        """The user's edges on the shortest path from ``goal`` back to ``start`` (none where they do not meet)."""
        links = self.links
        if start not in self.searches:  # one search from each start, resumed for each goal (thousands, in a big net)
            self.searches[start] = ({start: (start, None)}, deque([start]))
        previous, queue = self.searches[start]
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
        return path


def _edge_ref(joined: tuple | None) -> EdgeRef | None:
    """The user's edge behind an equality's ``(graph path, Edge)``; None for an edge the wiring made."""
    if joined is None or joined[1].index is None:
        return None
    graph, edge = joined
    return EdgeRef(graph, edge.index, edge.text, edge.hop, edge.link)


class Solution:
    """The solved problem kept as it was solved: each key's number (``ids``, the problem's ``PortIds``, whose
    ``leaf_ports(path)`` gives a leaf's ``{port: class root}``), each number's class root
    (``root_of``) and each root's type (``class_types``), rather than a dict of every key's type and one of every
    key's root (a 100,000-layer net has 200,000 keys: building both took a fifth of a chain's construction)."""

    __slots__ = ("ids", "root_of", "class_types")

    def __init__(self, ids: Mapping[Key, int], root_of: list[int], class_types: list[PortType]) -> None:
        self.ids, self.root_of, self.class_types = ids, root_of, class_types

    def type_of(self, key: Key) -> PortType:
        """The type of port ``key``; KeyError for a key the problem has not."""
        return self.class_types[self.root_of[self.ids[key]]]

    def types(self) -> dict[Key, PortType]:
        """The type of every port key."""
        types = self.class_types
        return dict(zip(self.ids, [types[r] for r in self.root_of]))

    def root_lookup(self) -> _Roots:
        """``lookup[key]``: the class root of port ``key``, read without a dict of every key."""
        return _Roots(self.ids, self.root_of)


def conflict_error(problems: list[Diagnostic]) -> ShapeError | None:
    """The "shape conflict" ShapeError ``solve`` raises for ``problems`` (None for none), made to be raised in place
    of solve's own when a problem gains a hint."""
    try:
        raise_all(problems, ShapeError, "shape conflict")
    except ShapeError as error:
        return error
    return None


def solve(problem: Problem) -> Solution:
    """The type of every port key, as a ``Solution``; raise ShapeError listing conflicts."""
    declared_ids = problem.number_rest()
    cls = _Classes(problem)
    root_of = cls.settle()
    leaf_roots: list[dict[str, int]] = problem.leaf_ports  # each leaf's {port: class root}: its numbers replaced
    roots = _Roots(cls.ids, root_of)  # looked up only to explain a conflict (the Solution's root_lookup)
    errors: list[Diagnostic] = []
    class_types, origin = cls.type, cls.origin

    named = declared_lengths(problem.graph_declared())  # length names are given for graph ports only
    guesses = Renaming(problem, named)  # the names of the lengths netgraph guesses

    def refine(root: int, new: PortType, who: tuple | str, leaf: int = -1) -> bool:
        """Refine the class ``root`` with ``new``, which came from ``who`` (its origin ``(kind, key)``; with ``leaf``:
        the port whose layer, leaf number ``leaf``, returned it, its origin made only if read: ``Origins``)."""
        old = class_types[root]
        if named and (leaf >= 0 or who[0] == "port") and (joined := joined_names(named, old.shape, new.shape)):
            who = origin.port_origin(leaf, who) if leaf >= 0 else who
            errors.append(_conflict(problem, cls, root, who, apart_text(problem.describe, named, joined)))
            return False
        if named and (fixed := fixed_name(named, old.shape, new.shape)):  # a variable length given a fixed size
            who = origin.port_origin(leaf, who) if leaf >= 0 else who
            mine = set(leaf_roots[leaf].values()) if leaf >= 0 else {root}  # the graph ports at the layer: the size's?
            given = [(t, key) for key, t, _ in problem.graph_declared() if key in cls.ids and roots[key] in mine]
            text = fixed_text(problem, named, fixed, old.shape, new.shape, given)
            errors.append(_conflict(problem, cls, root, who, text, expected=fixed[0], found=fixed[1]))
            return False
        try:
            merged = new if old is UNKNOWN else unify(old, new)  # unify(UNKNOWN, t) == t
        except Conflict as exc:
            who = origin.port_origin(leaf, who) if leaf >= 0 else who
            errors.append(_conflict(problem, cls, root, who, f"{as_seen_by(who, old, new, exc)} (the "
                                                             f"{set_part(old, new)} was set by ",
                                    dtype_hint(problem.leaves, cls.origin.get(root), who, old, new)
                                    or coder_hint(problem.coders, cls.origin.get(root), who, old, new),
                                    dtype_clash=shapes_agree(old, new), **compared(who, old, new)))
            return False
        if guesses.busy or GUESSED in (merged.shape or ()) or GUESSED in (new.shape or ()):  # a guess named afresh
            merged, link = guesses.settled(old, new, merged, leaf if leaf >= 0 else who)
            if link is not None:  # a nested graph's length (or a guess) met two lengths named apart
                who = origin.port_origin(leaf, who) if leaf >= 0 else who
                errors.append(_conflict(problem, cls, root, who, linked_text(problem.describe, named, link)))
                return False
        if merged is not old and merged != old:
            class_types[root] = merged
            if leaf < 0:
                origin[root] = who
            else:  # (see Origins: a port name, its leaf number in leaf_of)
                if origin.leaf_of is None:
                    origin.leaf_of = array("q", [-1]) * len(cls.ids)
                origin[root], origin.leaf_of[root] = who, leaf
            return True
        return False

    touching = seed_classes(problem, cls, declared_ids, refine)  # in place (a root is a number too: solving the
    # problem again finds the same classes)
    if errors:
        raise_all(errors, ShapeError, "shape conflict")
    cause = _propagate(problem, cls, roots, leaf_roots, touching, refine, errors)
    problem.before_defaults = {k: class_types[roots[k]] for k in problem.watch if k in cls.ids}

    queued = bytearray(len(problem.leaf_layers))  # (one for every propagation of the defaults: all zero between)

    def propagate(step: Callable = refine, changed: Iterable[int] | None = None) -> None:
        nonlocal cause
        cause = _propagate(problem, cls, roots, leaf_roots, touching, step, errors, changed, queued) or cause
    shaped = not errors and default_shapes(problem, cls, leaf_roots, refine, errors, propagate)
    if not errors and (guessed := layer_dtype_guesses(problem, cls, leaf_roots, root_of, refine)):
        propagate(refine, guessed)  # a Python function's Integer result where no layer it feeds takes Real
    if not errors and (default_dtypes(cls, root_of) or shaped):
        problem.defaults_applied = True
        propagate()  # dtype-generic layers (reshape ...) learn Real
        for _ in range(len(shared_users(problem, leaf_roots)) if shaped else 0):  # a shared array sized by users
            if errors or not default_shapes(problem, cls, leaf_roots, refine, errors, propagate):  # a pass per link
                break
            default_dtypes(cls, root_of)
            propagate()
    raise_all(errors, ShapeError, "shape conflict", cause=cause)
    guesses.finish(class_types)
    return Solution(cls.ids, root_of, class_types)


class _Roots:
    """Each key's class root by key (``roots[key]``), read from the numbers without a dict of every key."""

    __slots__ = ("ids", "root_of")

    def __init__(self, ids: Mapping[Key, int], root_of: list[int]) -> None:
        self.ids, self.root_of = ids, root_of

    def __getitem__(self, key: Key) -> int:
        return self.root_of[self.ids[key]]


def _conflict(problem: Problem, cls: _Classes, root: Key, who: tuple, text: str,
              hint: str | None = None, dtype_clash: bool = False, **compared: object) -> Diagnostic:
    """A type refused at ``who``'s key: where the old type came from and the edges joining the two (and ``hint``, the
    ``expected`` and ``found`` values ``compared``); a graph port's range refused (``dtype_clash``: its Integer dtype,
    not its shape): at that ``option``, the port ``declared`` with it (a spec's place: the range's value)."""
    key = who[1]
    ranged = dtype_clash and who[0] == "graph" and problem.range_given(key)
    setter = cls.origin.get(root)
    path = cls.path_edges(setter[1], key) if setter else []
    joining = cls.joining(setter[1], key, path) if setter else None
    via = ["; joined by edge ", *edge_parts(path)] if path else []  # the edges between the two ports, not the class's
    port, graph_input = key[1], ((), key[1])
    if setter and setter[1] != key and setter[1][1] == port and setter[1][0] and len(key[0]) == 1 \
            and graph_input in cls.ids and cls.find(cls.ids[graph_input]) == root:
        via += merged_input_parts(key[0][0], port)  # Wolfram's merge of inputs
    return Diagnostic.of("shape", f"{problem.origin_text(who)}: {text}",
                         problem.origin_text(setter) if setter else "?", *via, ")", *([f". {hint}"] if hint else []),
                         hint=hint, layer=key[0], port=key[1], **compared,
                         edge=None if joining is None else joining.index, hop=None if joining is None else joining.hop,
                         graph=joining.graph if joining else key[0] if ranged else (),
                         **({"option": "range", "declared": key[1]} if ranged else {}))


def _propagate(problem: Problem, cls: _Classes, roots: _Roots, leaf_roots: list[dict[str, int]], touching: tuple,
               refine: Callable, errors: list[Diagnostic], changed: Iterable[int] | None = None,
               queued: bytearray | None = None) -> BaseException | None:
    """Run each leaf's ``infer`` until no class changes: the leaves in order (or those touching the ``changed``
    classes, marking them in ``queued``, all zero, left so: a cost of the leaves touched, not of every leaf), then
    those touching a changed class (``touching``: ``_leaves_by_class``). Stops at the first conflict, returning the
    user code's exception behind it (its ``__cause__``), if any."""
    first, second, more = touching
    count = len(problem.leaf_layers)
    if changed is None:
        queue, queued = deque(range(count)), bytearray(b"\1") * count
    else:
        queue = deque(sorted({j for r in changed for j in (first[r], second[r], *more.get(r, ()))} - {-1}))
        for j in queue:
            queued[j] = 1
    budget, cause = 64 * count + 1000, None
    types = cls.type
    layers, paths = problem.leaf_layers, problem.leaf_paths
    while queue and budget and not errors:
        budget -= 1
        i = queue.popleft()
        queued[i] = 0
        layer = layers[i]
        own = leaf_roots[i]
        current = {}
        for p, root in own.items():  # a loop: a comprehension costs a call per leaf
            current[p] = types[root]
        try:
            result = layer.infer(current)
        except Conflict as exc:
            errors.append(_layer_conflict(problem, cls, roots, paths[i], current,
                                          f"{problem.describe((paths[i], None))}: ", exc))
            cause = exc.__cause__  # user code's own error (a module's at its probe): solve keeps it as the cause
            break
        except NetGraphError as exc:  # a layer's own refusal: its fields kept, placed at the layer
            if not isinstance(layer, Layer):
                raise  # (not a Layer: nesting's stand-ins signal with exceptions)
            raise at_layer(exc, paths[i]) from exc.__cause__
        except Exception as exc:  # a mistake in a layer's own infer(): named, with the layer's exception as the cause
            if isinstance(exc, (RecursionError, MemoryError)) or not isinstance(layer, Layer):
                raise  # (not a Layer: nesting's stand-ins signal with exceptions)
            raise ShapeError(f"{problem.describe((paths[i], None))}: {layer.type_name}.infer() raised "
                             f"{type(exc).__name__}: {exc}", kind="layer-contract", layer=paths[i]) from exc
        if type(result) is not dict:
            check_infer_result(layer, result, current, problem.describe((paths[i], None)))
        changed = []
        for port, t in result.items():
            if t is (seen := current.get(port, current)):  # (current itself: no such port)
                continue  # nothing new (the common case)
            if seen is current or type(t) is not PortType:
                check_infer_result(layer, result, current, problem.describe((paths[i], None)))
            if t != seen and refine(own[port], t, port, i):  # its origin ("port", (path, port)) made if read
                changed.append(own[port])
        if changed:  # the leaves touching a changed class run again (this one unless its run would change nothing)
            again = not layer.infer_settles or _moved(own, types, current, result)
            for root in changed:
                for j in (first[root], second[root], *more[root]) if root in more else (first[root], second[root]):
                    if j >= 0 and not queued[j] and (again or j != i):
                        queue.append(j)
                        queued[j] = 1
    for j in queue:  # (left by a conflict: ``queued`` all zero again)
        queued[j] = 0
    if queue and not budget:
        errors.append(Diagnostic("shape inference did not converge (a layer's infer() keeps changing its ports)",
                                 "no-convergence"))
    return cause


def _moved(own: dict[str, int], types: list[PortType], current: dict[str, PortType],
           result: dict[str, PortType]) -> bool:
    """Whether a port's class now holds another type than its layer returned for it (or, not returning it, saw)."""
    for port, root in own.items():
        returned, now = result.get(port, current[port]), types[root]
        if now is not returned and now != returned:
            return True
    return False


def _layer_conflict(problem: Problem, cls: _Classes, roots: _Roots, path: tuple, current: dict[str, PortType],
                    head: str, exc: Conflict) -> Diagnostic:
    """A layer's ``infer`` refused its port types (``head``, then ``exc`` in parts): placed at the ``option`` it names,
    else where a clashing type came in (the edge that carried it, else the graph port whose declared shape set it:
    ``declared``, else the layer), with ``layer`` the refusing layer and ``port`` its port the clashing type came into;
    an operator's problem inside its inner net at that layer (``exc.inner``). ``detail``: without the layer."""
    sources, edges = port_sources(problem, cls, roots, path, current)
    origins = {p: (cls.origin.get(roots[(path, p)]), t) for p, t in current.items()}
    hint = found_dtype_hint(problem.leaves, path, origins, exc.expected, exc.found)  # indices into an operator
    said = (head, *(exc.parts or (str(exc),)), *sources, *([f". {hint}"] if hint else []))  # (advice kept as advice)
    option, at = exc.option, (*path, *exc.inner)
    detail = exc.problem if exc.inner and exc.problem is not None else str(exc)
    fault = {exc.port: current[exc.port]} if exc.port in current and not exc.inner else {}  # its own port named
    fields = {"option": option, "detail": detail, "expected": exc.expected, "found": exc.found, "hint": hint}
    kind = exc.kind or "shape"  # (an inner net's refusal of another kind keeps it)
    inner_fed = {exc.port: current[exc.port]} if exc.port in current else {}  # an inner net's port the operator's feeds
    into = None if not edges else edge_into(cls, roots, path, inner_fed) if exc.inner else (  # (not another port's)
        edge_into(cls, roots, path, fault) or edge_into(cls, roots, path, current) or (edges[0], None))
    if into:
        edge, port = into
        return Diagnostic.of(kind, *said, layer=at, port=exc.port if exc.inner else exc.port or port,
                             edge=edge.index, hop=edge.hop, graph=edge.graph, **fields)  # (an inner layer's own port)
    if option is not None or exc.inner:  # (weights= of another size than output=: the graph input is not at fault)
        return Diagnostic.of(kind, *said, layer=at, port=exc.port, **fields)
    declared = [(p, *cls.origin[roots[(path, p)]][1]) for p in (fault or current)
                if cls.origin.get(roots[(path, p)], ("",))[0] == "graph"]
    if declared:  # the refusing layer's port, and the graph port whose declared shape set it (a spec's place)
        port, graph, source = declared[0]
        return Diagnostic.of(kind, *said, layer=path, port=port, graph=graph, declared=source, **fields)
    return Diagnostic.of(kind, *said, layer=path, port=exc.port, **fields)

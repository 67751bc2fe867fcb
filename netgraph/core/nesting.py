"""Inference for graphs that contain graphs, in time linear in the nesting depth.

Inferring a graph flattens every nested graph into one problem (``NetGraph._problem``), so that types
flow both ways across graph boundaries. Doing that at every level of a net nested ``d`` deep costs
about ``d**3`` (``d`` problems of up to ``d`` keys whose paths are up to ``d`` long): 800 levels took 39 s.

``infer_net`` first tries the graph's own level only, each nested graph standing in as one layer whose
port types are those it inferred on its own. When no type flows into a nested graph (its ports come
out exactly as it inferred them, before and after the dtype defaults), the flattened problem would
give every nested port the type it already has, so the graph's port types are final and the full
flattened types are only computed when asked for (``Inference.full``: the IR, ``layer_types``).
When a type does flow in, or anything conflicts, the flattened problem is solved at once, as before
(its errors are the located ones users see).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from netgraph.core.errors import Diagnostic, NetGraphError, ShapeError, WiringError, raise_all
from netgraph.core.integers import INT64_BOUND
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.batch_dim import batch_dim_error
from netgraph.core.guessed_lengths import as_named, scoped
from netgraph.core.inference import Key, Problem, Solution, solve
from netgraph.core.shared import keeps_own
from netgraph.core.swapped_group import swapped_group_error
from netgraph.core.length_names import least_element_count
from netgraph.core.conflicts import Conflict
from netgraph.core.types import MAX_PORT_DIMS, PortType, unify

__all__ = ["Inference", "infer_net", "nesting_depth", "layer_count", "recursion_room", "deep_walk",
           "fits_recursion_limit"]

T = TypeVar("T")

FRAMES_PER_LEVEL = 8  # the most Python frames (and C-level recursion counts) any walk spends per nesting level


class Inference:
    """A graph's inferred types: its ports' (``ports``; ``before_defaults``: before the dtype defaults)
    and, solved on first use, every nested port's with the class roots (``solution()``; as dicts: ``full()``).
    A deferred one (``deferred()``, its ``ports`` None) is inferred when first read (``settled``)."""

    def __init__(self, ports: dict[str, PortType] | None, before_defaults: dict[str, PortType] | None,
                 solution: Solution | None):
        self.ports, self.before_defaults, self._solution = ports, before_defaults, solution  # no reference to the
        # net: a cycle net -> inference -> net would keep every net's arrays alive until a full garbage collection
        self._full: dict | None = None

    @classmethod
    def deferred(cls) -> Inference:
        """An inference made by ``infer_net`` when first read: one object, so copies sharing it share its types."""
        return cls(None, None, None)

    def settled(self, net: Any) -> Inference:
        """This inference, inferred now from ``net`` (the graph, or a copy sharing it) if deferred."""
        if self.ports is None:  # its ports' sizes were checked when the net holding it was inferred
            with recursion_room(net._depth):
                made = infer_net(net, sized=False)
            if made._solution is not None:  # none: another reader's may be set already
                self._solution = made._solution
            self.before_defaults, self.ports = made.before_defaults, made.ports
        return self

    def solution(self, net: Any) -> Solution:
        """The type and class root of every port key of ``net`` (the graph this is the inference of, or a copy
        differing only in arrays), flattened over the nested graphs."""
        solution = self._solution  # a local: read once (another reader may be setting it)
        if solution is None:
            solution = self.settled(net)._solution
        if solution is None:
            with recursion_room(net._depth):
                solution = self._solution = solve(net._problem())
        return solution

    def __deepcopy__(self, memo: dict) -> Inference:
        """Itself: types, no arrays (a copy of the net shares them, as ``_with_layers``' copies do); copying the
        flattened solution of a net nested ``d`` deep copied its ``d**2`` path elements."""
        return self

    def full(self, net: Any) -> dict[Key, PortType]:
        """``solution(net)`` as the type of every port key, made on first use."""
        if self._full is None:
            self._full = self.solution(net).types()
        return self._full


class _Refine(Exception):
    """A type would flow into a nested graph: its own level is not enough, solve the flattened problem."""


class _Nested:
    """A nested graph as one layer of the level being inferred: its ports keep the types it inferred."""

    infer_settles = False

    def __init__(self, inner: Any, problem: Problem, path: tuple):
        self.inner, self.problem, self.path = inner, problem, path
        self.input_ports, self.output_ports = inner.input_ports, inner.output_ports

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        """Its ports' types, their length names its own (``scoped``: named afresh in this level): as inferred before
        the defaults, or after them once this level applies its defaults or took the shapes it guesses."""
        inferred = self.inner._inference.settled(self.inner)
        before, after = inferred.before_defaults, inferred.ports
        if not self.problem.defaults_applied and _fit(types, before):
            own = before
        elif _fit(types, after):
            own = after
        else:
            raise _Refine(next(port for port in types if not _fit({port: types[port]}, after)))
        return {port: scoped(t, self.path, self.problem) for port, t in own.items()}

    def default_types(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        """The shapes its own defaults gave its ports of unknown shape (its layers' guesses, as an operator passes
        out its inner nets'): guesses at this level too, as the flattened problem's layers make them."""
        inferred = self.inner._inference.settled(self.inner)
        return {port: scoped(t, self.path, self.problem) for port, t in inferred.ports.items()
                if types[port].shape is None and inferred.before_defaults[port].shape is None and t.shape is not None}


def _fit(types: Mapping[str, PortType], own: Mapping[str, PortType]) -> bool:
    """Whether every port's type in ``types`` already holds within ``own`` (nothing new flows in)."""
    return all(port in own and unify(as_named(t, own[port]), own[port]) == own[port] for port, t in types.items())


def _is_net(layer: Any) -> bool:
    """Whether ``layer`` is a graph (which keeps its inference on itself)."""
    return keeps_own(layer, "_inference")


def _level_problem(net: Any, ports: tuple[str, ...]) -> Problem | None:
    """The problem of ``net``'s own level (nested graphs as ``_Nested``), or None when nothing is nested."""
    if net._depth == 1:  # nothing nested (known without a pass over the layers)
        return None
    if not any(map(_is_net, net._layers.values())) or any(len(path) > 1 for users in net._shared_users.values()
                                                           for path, _ in users):
        return None  # nothing nested, or a shared array used inside: its users guess shapes from each other
    problem = Problem([], [], net.describe, watch=tuple(((), p) for p in ports))
    problem.scoped_names = True  # (its nested graphs' names are their own: ``_Nested``)
    numbers = {None: problem.graph_ports((), ports)}  # each layer's port numbers by name; None: the graph's
    for name in net._order:
        layer = net._layers[name]
        nested = _is_net(layer)
        numbers[name] = problem.add_leaf((name,), _Nested(layer, problem, (name,)) if nested else layer,
                                         declare=not nested)
    problem.join_edges((), net._edges, numbers, explained=False)
    for port, t in net.declared_port_types.items():
        problem.declare(((), port), t, "graph", numbers[None])
    return problem


def _own_level(net: Any, ports: tuple[str, ...]) -> Inference | None:
    """``net``'s port types from its own level alone, or None when a nested graph would learn from it."""
    problem = _level_problem(net, ports)
    if problem is None:
        return None
    try:
        solution = solve(problem)
    except (_Refine, NetGraphError, Conflict):
        return None
    finally:  # _Nested <-> problem is a cycle holding the net (problem.describe): freed now, not by the collector
        for leaf in problem.leaf_layers:
            if isinstance(leaf, _Nested):
                leaf.problem = None
    _check_sizes(net, solution)
    type_of, ids = solution.type_of, solution.ids
    for path, layer in zip(problem.leaf_paths, problem.leaf_layers):
        if isinstance(layer, _Nested) and any((path, p) not in ids or type_of((path, p)) != t
                                              for p, t in layer.inner._inference.settled(layer.inner).ports.items()):
            return None
    return Inference({p: type_of(((), p)) for p in ports},
                     {p: problem.before_defaults.get(((), p), type_of(((), p))) for p in ports}, None)


def infer_net(net: Any, sized: bool = True) -> Inference:
    """The ``Inference`` of a constructed NetGraph (its layers, edges, order and declared port types set; ``sized``:
    ShapeError for a port too large)."""
    ports = (*net._inputs, *net._outputs)
    fast = _own_level(net, ports)
    if fast is not None:
        return fast
    problem = net._problem()
    problem.watch = tuple(((), p) for p in ports)
    try:
        solution = solve(problem)
    except ShapeError as exc:  # a group in Keras's order, Keras's batch dimension: said when the net fits without
        if (hinted := swapped_group_error(net, exc) or batch_dim_error(net, exc)) is None:
            raise
        raise hinted from None
    if sized:
        _check_sizes(net, solution)
    type_of = solution.type_of
    return Inference({p: type_of(((), p)) for p in ports},
                     {p: problem.before_defaults.get(((), p), type_of(((), p))) for p in ports}, solution)


TORCH_NUMEL = INT64_BOUND - 1  # the most elements (and the largest size) a torch tensor has, whatever the limits say


def _check_sizes(net: Any, solution: Solution) -> None:
    """ShapeError for every port whose one example holds more elements than the port_elements limit (a variable
    length counted at its least: ``least_element_count``), or more dims than torch's ops take (each a Diagnostic;
    ``raise_all`` lists the first few)."""
    limit = current_limits().port_elements
    too_large = {shape for shape in {t.shape for t in solution.class_types}  # each distinct shape checked once
                 if least_element_count(shape) > min(limit, TORCH_NUMEL) or len(shape or ()) > MAX_PORT_DIMS}
    if not too_large:
        return
    big = [(key, t) for key, t in solution.types().items() if t.shape in too_large]
    big = [(key, t) for key, t in big if key[0]] or big  # a layer's port, rather than the graph port it feeds
    raise_all([Diagnostic(f"{net.describe(key)} {_too_large(t, limit)}", "too-large", layer=key[0], port=key[1],
                          detail=_too_large(t, limit),
                          expected=MAX_PORT_DIMS if len(t.shape) > MAX_PORT_DIMS else min(limit, TORCH_NUMEL),
                          found=len(t.shape) if len(t.shape) > MAX_PORT_DIMS else least_element_count(t.shape))
               for key, t in big], ShapeError, "too large")


def _too_large(t: PortType, limit: int) -> str:
    """Why a port of type ``t`` is refused: too many dims, else too many elements."""
    if len(t.shape) > MAX_PORT_DIMS:
        return (f"has {len(t.shape)} dims, more than the {MAX_PORT_DIMS} an example may have (torch's ops take at most "
                f"64 dims, the batch dimension one of them)")
    count, fixed = least_element_count(t.shape), all(isinstance(d, int) for d in t.shape)
    most = (f"the port_elements limit ({limit}; {raise_hint('port_elements')})" if count > limit else
            f"the {TORCH_NUMEL} a torch tensor holds")
    return f"is too large: {t} holds {'' if fixed else 'at least '}{count:.3g} elements per example, more than {most}"


def nesting_depth(layers: Mapping[str, Any]) -> int:
    """How deep a graph of ``layers`` nests graphs (1: none nested; an operator adds a level over its inner nets');
    WiringError past the nesting_depth limit."""
    # a graph's or operator's own _depth; getattr, not __dict__, which Python would build for each layer
    depth = 1 + max((getattr(layer, "_depth", 0) for layer in layers.values()), default=0)
    limit = current_limits().nesting_depth
    if depth > limit:
        raise WiringError(f"this net nests graphs {depth} levels deep, more than the nesting_depth limit ({limit}; "
                          f"{raise_hint('nesting_depth')}; an operator and the inner net it holds count a level each)",
                          kind="nesting-depth")
    return depth


def layer_count(layers: Mapping[str, Any], depth: int) -> int:
    """How many layers a graph of ``layers`` nesting graphs ``depth`` deep holds, a nested net counted as its own
    count (each graph keeps it: a net used twice is counted twice, never walked); WiringError past net_layers."""
    count = len(layers) if depth == 1 else sum(getattr(layer, "_layer_count", 1) for layer in layers.values())
    limit = current_limits().net_layers
    if count > limit:
        raise WiringError(f"this net holds {count:,} layers (nested nets' included, a net used n times counted n "
                          f"times), more than the net_layers limit ({limit:,}; {raise_hint('net_layers')}): "
                          f"inferring, compiling or writing it would walk each", kind="limit", expected=limit,
                          found=count)
    return count


@contextlib.contextmanager
def recursion_room(levels: int) -> Iterator[None]:
    """Python's recursion limit raised, for the block only, to cover recursive walks ``levels`` deep (over a net
    nested that deep: equality, editing, writing YAML; or over YAML that deep); shallow ones change nothing.

    >>> import sys
    >>> from netgraph import NetChain
    >>> net, before = NetChain([3]), sys.getrecursionlimit()
    >>> for _ in range(300):
    ...     net = NetChain([net])
    >>> with recursion_room(net._depth):
    ...     sys.getrecursionlimit() > before
    True
    >>> sys.getrecursionlimit() == before
    True
    """
    previous = sys.getrecursionlimit()
    if _frames_needed(levels) <= previous:
        yield
        return
    raised = _frames_needed(levels) + 1000  # and room for the caller's own frames
    sys.setrecursionlimit(raised)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == raised:  # a block inside that raised it further has restored it already
            sys.setrecursionlimit(previous)


def _frames_needed(levels: int) -> int:
    return FRAMES_PER_LEVEL * levels + 200  # nets up to 100 levels deep fit Python's default limit (1000)


def fits_recursion_limit(levels: int) -> bool:
    """Whether recursive walks ``levels`` deep fit Python's recursion limit as it is (no ``recursion_room``)."""
    return _frames_needed(levels) <= sys.getrecursionlimit()


def deep_walk(method: Callable[..., T], depth: str = "_depth") -> Callable[..., T]:
    """A method (or function) of a net that recurses into its nested graphs, run within ``recursion_room`` for the
    levels its attribute ``depth`` holds."""
    owner_name = next(iter(inspect.signature(method).parameters))  # ``self`` or ``net``: callers may name it

    @functools.wraps(method)
    def walk(*args: Any, **kwargs: Any) -> T:
        owner = args[0] if args else kwargs.get(owner_name)
        levels = getattr(owner, depth, 1)
        if fits_recursion_limit(levels):  # the common case: no context manager
            return method(*args, **kwargs)
        with recursion_room(levels):
            return method(*args, **kwargs)
    return walk

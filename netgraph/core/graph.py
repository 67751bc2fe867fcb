"""NetGraph: an immutable, validated graph of layers wired port to port (Wolfram's NetGraph).

Construction normalises the edges, checks every layer, port, edge and shared array, rejects cycles, and infers every
port's type, so an existing NetGraph is a valid one. Edits return new graphs.

>>> from netgraph import NetGraph, NetPort, LinearLayer, ElementwiseLayer
>>> net = NetGraph({"lin": LinearLayer(3), "act": ElementwiseLayer("Tanh")}, [("lin", "act")], Input=4)
>>> net.input_shapes, net.output_shapes
({'Input': (4,)}, {'Output': (3,)})
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import torch

from netgraph.core.guessed_lengths import scoped
from netgraph.core.layer import Layer
from netgraph.core.layer_sequence import LayerSequence
from netgraph.core.net_values import NetValues
from netgraph.core.graph_views import GraphViews
from netgraph.core.stage_doors import DrawingAndYaml
from netgraph.core.array_fit import check_arrays_given
from netgraph.core.array_naming import NAMING, arrays_named_by_caller
from netgraph.core.attribute_hints import frozen_net_error, keras_compile_message, missing_attribute
from netgraph.core.errors import OptionError, ShapeError, WiringError, raise_all
from netgraph.core.plugins import stage
from netgraph.core.guessed_sizes import sized_by_guess
from netgraph.core.inference import Problem
from netgraph.core.inference_problem import NumbersByName
from netgraph.core.nesting import deep_walk, infer_net, layer_count, nesting_depth, recursion_room
from netgraph.core.information import information
from netgraph.core.multiplier_rates import picking_rules
from netgraph.core.naming_scope import quoted
from netgraph.core.graph_port_names import port_name_problems
from netgraph.core.layer_table import (NOT_GIVEN, RESERVED_NAMES, coerce_layer, given_by_keyword, graph_parts,
                                      named_layers)
from netgraph.core.port_coders import (check_decoders, graph_with_encoder, reached_encoder_counts, split_port_options,
                                      with_encoder_counts)
from netgraph.core.peripheral_coders import peripheral_coders, retaken, still_stripped
from netgraph.core.flat_pickle import PLAIN_DEPTH, flat_form
from netgraph.core.graph_wiring import graph_wiring
from netgraph.core.ir import GraphIR, build_ir, with_layers
from netgraph.core.leaf_swap import reinferred, same_structure, split_changes
from netgraph.core.order import in_order, order
from netgraph.core.port_paths import expose, layer_at, named_path, no_inner_net, no_output, resolve
from netgraph.core.ports import NetPort, declared_as_inferred, declared_port_types
from netgraph.core.edge_text import written
from netgraph.core.shared import collect_users, shape_clashes, shared_misfit, shared_misfit_first, unify_shared
from netgraph.core.wrapped_modules import modules_held
from netgraph.core.types import PortType, ports_text
from netgraph.core.walk import gc_paused
from netgraph.core.wiring import describe_key

__all__ = ["NetGraph", "coerce_layer", "RESERVED_NAMES"]

_NO_DATA = NOT_GIVEN  # net() called with no positional data


class NetGraph(NetValues, GraphViews, Layer, LayerSequence, DrawingAndYaml):  # NetValues: arrays by path
    """A graph of layers: ``NetGraph(layers, edges, **port_shapes)``.

    ``layers`` is a list (layers numbered from 1, as Wolfram) or a dict (names). ``edges`` takes every form in
    the README's "Building graphs" table. ``port_shapes`` gives graph ports their shapes (batch excluded), e.g.
    ``Input=3``. Unwired layer ports become graph ports. Calling the net runs its compiled module.
    """
    _wire = staticmethod(graph_wiring)  # the edges -> a Wiring holding named_layers'
    PORT_ALIASES = ()  # table (not a copy of every entry); a NetChain links its layers itself
    _sort = staticmethod(order)  # the order layers run in (a NetChain's: as given)
    _taken: dict = {}  # a graph port's coder taken from nested layers -> their names (``peripheral_coders``); read only
    _module_table: tuple = ()  # the torch module wrappers it holds (``wrapped_modules``)

    def __init__(self, layers: Any = NOT_GIVEN, edges: Any = NOT_GIVEN, /, **port_shapes: Any):
        layers, edges = given_by_keyword("NetGraph", layers, edges, port_shapes)
        layers, edges, port_shapes, rules = graph_parts(layers, edges, port_shapes)  # NetGraph(chain) too
        with gc_paused():
            self._construct(*named_layers(layers), edges, port_shapes)
        self._multipliers = rules

    def _construct(self, names: list[str], table: dict[str, Layer], edges: Any, port_shapes: Mapping[str, Any]) -> None:
        self._depth, self._names = nesting_depth(table), names
        self._layer_count = layer_count(table, self._depth)
        wiring = self._wire(names, table, edges)
        self._shared_users = collect_users(wiring.layers)
        misfits: list = []  # shared values a user's options refuse: said at the net's sizes, after inference
        self._layers: dict[str, Layer] = unify_shared(wiring.layers, self._shared_users, misfits)
        self._edges, self._muted = tuple(wiring.edges), frozenset(wiring.muted)
        self._inputs, self._outputs = tuple(wiring.inputs), tuple(wiring.outputs)
        self._order = tuple(names) if wiring.forward else self._sort(names, self._layers, self._edges)  # (a cycle
        # first: it leaves ports unwired; edges that all run forward, as normalize saw them, give the names as given)
        self._declared = self._check_port_shapes(port_shapes)
        self._layers = with_encoder_counts(self._layers, self._edges, self._coders)
        self._module_table = modules_held(self)  # one module object per layer, refused now, not at compile
        with recursion_room(self._depth), shared_misfit_first(self, misfits):
            self._inference = infer_net(self)  # the nested ports' types are computed when first needed
            if told := self._coders and reached_encoder_counts(self, self._edges, self._coders):
                self._layers = split_changes(self, told)[0]  # (layers fed: with_encoder_counts)
                if any(len(path) > 1 or not told[path].ENCODER_KEEPS_TYPES for path in told):
                    self._inference, self._ir = infer_net(self), None  # (nested graphs made again: their types too)
                elif (ir := getattr(self, "_ir", None)) is not None:  # the walk's, holding the layers told (same types)
                    self._ir = with_layers(ir, self._leaf_layers())
        raise_all(check_decoders(self._coders, self._inference.ports, self), ShapeError, "invalid graph ports")
        shared_misfit(self, misfits, sized_by_guess)
        raise_all(shape_clashes(self), ShapeError, "shared array shapes")
        self._compiled, self._multipliers = None, ()

    # -- construction steps ---------------------------------------------------------------------
    def _check_port_shapes(self, port_shapes: Mapping[str, Any]) -> dict[str, PortType]:
        errors = port_name_problems(port_shapes, self._inputs, self._outputs, self.type_name, self.PORT_ALIASES,
                                    self._layers.values())
        self._layers, port_shapes, self._taken = peripheral_coders(self._layers, self._edges, port_shapes, self._depth)
        self._coders, port_shapes, misplaced = split_port_options(dict(port_shapes), self._inputs, self._outputs)
        raise_all(errors + misplaced, WiringError, "invalid graph ports")
        types = declared_port_types(port_shapes)
        return {name: t for name, t in types.items() if t != PortType(None, None)}  # None declares nothing (as in YAML)

    def _problem(self) -> Problem:
        problem = Problem([], [], self.describe)
        self._collect((), problem)
        return problem

    def _collect(self, prefix: tuple, problem: Problem) -> dict[str, int]:
        """Add this graph's leaves, edges and declared types (at ``prefix``); its own ports' numbers."""
        numbers = {None: problem.graph_ports(prefix, (*self._inputs, *self._outputs))}  # by name; None: this graph
        if self._depth == 1:  # leaves only (known without a pass over the layers): no test a layer
            add_leaf, start = problem.add_leaf, len(problem.leaf_ports)
            for name, layer in in_order(self._layers, self._order):
                add_leaf((*prefix, name) if prefix else (name,), layer)
            order = self._order  # read in order by join_edges, which looks up only layers out of order: by name
            numbers = NumbersByName(numbers, order, problem.leaf_ports, start)  # entered only then
        else:
            order = ()
            for name, layer in in_order(self._layers, self._order):
                path = (*prefix, name)
                numbers[name] = (layer._collect(path, problem) if isinstance(layer, NetGraph)
                                 else problem.add_leaf(path, layer))
        problem.join_edges(prefix, self._edges, numbers, names=order)  # an EdgeRef is made only for an error message
        for port, t in self._declared.items():
            problem.declare((prefix, port), scoped(t, prefix, problem), "graph", numbers[None])
        problem.coders.update({(prefix, port): coder for port, coder in self._coders.items()})
        return numbers[None]

    # -- descriptions -----------------------------------------------------------------------------
    @property
    def layer_positions(self) -> Mapping[str, int]:
        """Each layer name's 0-based position (read-only), built once: messages on a big net look each up."""
        if "_position" not in self.__dict__:
            self._position = {name: i for i, name in enumerate(self._names)}  # a dict: a net pickles with it
        return MappingProxyType(self._position)

    def describe(self, key: tuple) -> str:
        """Human description of a (layer path, port) key: "layer 4 'sample' (FunctionLayer) port 'Means'"."""
        return describe_key(self, key)

    # -- public read-only views: GraphViews' (layers, edges, ports and their types), and these -----------------
    def layer_types(self, path: str | tuple) -> dict[str, PortType]:
        """The inferred port types of the layer at ``path`` (a name, or a tuple for nested layers)."""
        path = named_path(self, (path,) if isinstance(path, (str, int)) else tuple(path))
        if self.ir.has_node(path):
            return dict(self.ir.node(path).types)
        for i in range(1, len(path)):  # a layer inside an operator: ask its inner net, inferred in place
            if self.ir.has_node(path[:i]):
                node = self.ir.node(path[:i])
                inner = node.layer.inner_nets(node.types)
                if path[i] not in inner:
                    raise no_inner_net(path, i, node.layer, inner)
                rest = path[i + 1:]
                return inner[path[i]].port_types if not rest else inner[path[i]].layer_types(rest)
        layer = self.layer_at(path)  # a nested graph (not a node), or no layer at all
        types = self._inference.full(self)
        return {p: types[(path, p)] for p in (*layer.input_ports, *layer.output_ports)}

    def nested_port_types(self) -> Mapping[tuple, PortType]:
        """The inferred type of every port key ``(layer path, port)`` of the layers and nested graphs (not inside
        operators) in one read-only mapping: what ``layer_types`` reads for a nested graph, without walking a path."""
        return MappingProxyType(self._inference.full(self))

    def layer_at(self, path: tuple) -> Layer:
        """The layer at ``path`` through nested graphs and operators' inner nets; WiringError where it stops."""
        return layer_at(self, path)

    @property
    def ir(self) -> GraphIR:
        """The graph IR (``netgraph.core.ir``): leaf nodes in topological order, values, producers, consumers."""
        if getattr(self, "_ir", None) is None:
            with gc_paused():
                self._ir = build_ir(self._leaf_layers(), self._inference.solution(self), self._inputs, self._outputs)
        return self._ir

    def leaves(self) -> Iterator[tuple[tuple, Layer]]:
        """Every non-graph layer with its path, in an order that respects the edges."""
        return ((node.path, node.layer) for node in self.ir.nodes)

    def _leaf_layers(self, given: bool = False) -> Iterator[tuple[tuple, Layer]]:  # (path, layer), nested in place
        order = (lambda net: net._layers) if given else (lambda net: net._order)  # as given, or as they run
        if self._depth == 1:  # nothing nested: the layers in order, without the stack
            yield from (((name,), layer) for name, layer in in_order(self._layers, order(self)))
            return
        stack: list[tuple[tuple, NetGraph, Iterator[str]]] = [((), self, iter(order(self)))]
        while stack:  # a loop, not recursion: nets nested 1000 deep are fine
            prefix, net, names = stack[-1]
            name = next(names, None)
            if name is None:
                stack.pop()
            elif isinstance(layer := net._layers[name], NetGraph):
                stack.append(((*prefix, name), layer, iter(order(layer))))
            else:
                yield (*prefix, name), layer

    def producer(self, key: tuple) -> tuple:
        """The key of the leaf output or top-level graph input whose value reaches ``key``."""
        return self.ir.producer(key).key

    # -- editing (returns new graphs) ------------------------------------------------------------------
    def explicit_edges(self) -> list[tuple]:
        """The wiring as (NetPort, NetPort | None) pairs to rebuild the graph from; WrittenEdges: the user's edges."""
        pairs = [written(e) for e in self._edges if not e.implicit]
        return pairs + [(NetPort(m.layer, m.port), None) for m in sorted(self._muted)]  # (only a layer's is muted)

    def with_output(self, port: NetPort) -> tuple[NetGraph, str]:
        """This graph with output ``port`` (a path into nested graphs) also a graph output, and its name."""
        if port.layer is None and port.port not in self._outputs:
            raise WiringError(f"{quoted(port)}: {no_output(port.port, self._outputs)}",
                              kind="unknown-port", layer=(), port=port.port)
        return (self, port.port) if port.layer is None else expose(self, *resolve(self._layers, port), NetGraph)

    def port_shape_options(self) -> dict[str, Any]:
        """The graph port options given at construction: port types, encoders and decoders."""
        return {**self._declared, **self._coders}

    @property
    def coders(self) -> dict[str, Any]:
        """The encoders and decoders on the graph's ports, by port name."""
        return dict(self._coders)

    def with_encoder(self, port: str, encoder: Any) -> NetGraph:
        """The layers input ``port`` feeds, told of ``encoder`` in turn (``graph_with_encoder``)."""
        return graph_with_encoder(self, port, encoder)

    @deep_walk
    def replace_layers(self, changes: Mapping[Any, Layer]) -> NetGraph:
        """A new graph with layers replaced; keys are names or paths (tuples) into nested graphs and operators' inner
        nets. A layer put in with an array the net around refuses: the OptionError (kind "array-shape") naming it."""
        if NAMING.get():  # a nested level, or a caller naming the array itself
            return self._replaced(changes)
        try:
            with arrays_named_by_caller():  # the levels below leave the naming to this, the outermost call
                return self._replaced(changes)
        except ShapeError:
            refused = stage("refused_array")(self, changes)  # the array named, at any depth, as net_replace_part does
            if refused is None:
                raise
            raise refused from None

    def _replaced(self, changes: Mapping[Any, Layer]) -> NetGraph:
        layers, whole, nested = split_changes(self, changes)
        if all(same_structure(self._layers[n], layers[n]) or (n in nested and isinstance(layers[n], NetGraph)
                                                              and layers[n]._same_ports(self._layers[n]))
               for n in layers if layers[n] is not self._layers[n]):
            check_arrays_given(self, layers)  # the types kept: an array given where there was none must fit them
            return reinferred(self, self._with_layers(layers))  # arrays changed only: edges and order stay valid
        rebuilt = still_stripped(self, self._rebuilt(*retaken(self, layers, whole, set(nested))))
        if not self._multipliers:
            return rebuilt
        kept = rebuilt.with_learning_rate_multipliers(self._multipliers)
        return kept.with_learning_rate_multipliers(picking_rules(kept))  # a rule whose layer has no arrays now goes

    def _rebuilt(self, layers: dict[str, Layer], options: dict[str, Any]) -> NetGraph:  # a NetChain's: a chain
        return NetGraph(layers, self.explicit_edges(), **options)  # built anew, the edges and port options kept

    @property
    def learning_rate_multipliers(self) -> dict[str, float]:
        """Learning-rate multipliers stored on this graph (``net_set_learning_rate_multipliers``)."""
        return dict(self._multipliers)

    def with_learning_rate_multipliers(self, rules: tuple) -> NetGraph:
        """A copy storing ``rules``, checked (key, r) pairs; use ``net_set_learning_rate_multipliers``."""
        new = self._with_layers(dict(self._layers))
        new._multipliers = tuple(rules)
        return new

    def _same_ports(self, other: NetGraph) -> bool:
        return self._inference is other._inference  # a copy made by _with_layers shares the inferred types

    def _with_layers(self, layers: dict[str, Layer]) -> NetGraph:
        users = collect_users(layers)
        new = self._holding(unify_shared(layers, users), users, None)
        ir = self.__dict__.get("_ir")  # the same nodes and types, holding the new layers
        new._ir = None if ir is None else with_layers(ir, new._leaf_layers())
        return new

    def _holding(self, layers: dict[str, Layer], shared_users: Any, ir: Any, cls: type | None = None) -> NetGraph:
        """A copy (a ``cls``, by default this net's class) holding ``layers`` (of the same structure) and ``ir``,
        without the caches of the old arrays."""
        new = object.__new__(cls or type(self))
        new.__dict__.update(self.__dict__)
        new._layers, new._shared_users, new._compiled, new._ir = layers, shared_users, None, ir
        new.__dict__.pop("_specialised", None)  # copies inferred for an operator hold the old arrays
        new.__dict__.pop("_plain_call", None)  # it runs the old arrays' module
        if self._module_table and layers is not self._layers:  # the table holds the old wrappers (their modules)
            new._module_table = modules_held(new)
        return new

    # -- Layer interface and values -----------------------------------------------------------------------
    def declared_types(self) -> dict[str, PortType]:
        return self.port_types

    def options(self) -> dict[str, Any]:
        return {"layers": dict(self._layers), "edges": self.explicit_edges(), **self.port_shape_options()}

    @deep_walk
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NetGraph):
            return NotImplemented
        # inferred types follow from these (read only for a dtype a declared shape left open); the wiring compared
        # as resolved, as Wolfram's canonical edges: an edge to NetPort("Output") written or made compares equal
        return (list(self._layers.items()) == list(other._layers.items()) and self._muted == other._muted
                and {(e.src, e.dst) for e in self._edges} == {(e.src, e.dst) for e in other._edges}
                and self._inputs == other._inputs and self._outputs == other._outputs
                and (self._declared == other._declared or declared_as_inferred(self) == declared_as_inferred(other))
                and self._coders == other._coders and self._multipliers == other._multipliers)

    def __hash__(self) -> int:  # agrees with __eq__ (which a NetChain and the same NetGraph pass), in O(1)
        return hash((len(self._layers), next(iter(self._layers)), next(reversed(self._layers)), self._inputs))

    def __repr__(self) -> str:
        count, types = len(self._layers), self.port_types
        return (f"NetGraph(<{count} layer{'' if count == 1 else 's'}>, inputs={ports_text(types, self._inputs)}, "
                f"outputs={ports_text(types, self._outputs)})")

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            raise frozen_net_error(self, name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if not name.startswith("_"):
            raise frozen_net_error(self, name, deleting=True)
        object.__delattr__(self, name)

    def information(self, prop: str | list[str] | tuple[str, ...] | None = None) -> Any:
        """Wolfram's Information[net, prop]: port names and shapes, layer counts, arrays and their sizes."""
        return information(self, prop)

    # -- pipeline stages ------------------------------------------------------------------------------
    def compile(self, checks: bool | str | None = None, **keras: Any) -> Any:
        """A plain ``nn.Module`` whose ``forward`` is generated straight-line code (see ``module.code``).

        ``checks`` (True, False or "auto") sets the module's distribution parameter checks; the default
        follows ``set_distribution_checks``. Keras's training options (``optimizer=``, ...) are an OptionError.
        """
        if keras:
            raise OptionError(keras_compile_message(keras), option=next(iter(keras)),
                              kind="unknown-option", found=list(keras))
        return stage("compile")(self, checks=checks)

    _plain_call: Any = None  # set by the evaluate stage: serves net(x) for one plain tensor, else gives None
    __getattr__ = missing_attribute  # net.parameters(), net.summary(): what a net has instead (misses only)

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles leave the compiled modules, the IR and the extracted layers behind (rebuilt on use)."""
        state = {name: value for name, value in self.__dict__.items() if name not in ("_plain_call", "_extracted")}
        return {**state, "_compiled": None, "_ir": None}

    def __reduce_ex__(self, protocol: Any) -> Any:
        """As any object's, but a net nested past ``flat_pickle.PLAIN_DEPTH`` levels pickles in ``flat_form``."""
        return super().__reduce_ex__(protocol) if self._depth <= PLAIN_DEPTH else flat_form(self)

    @deep_walk
    def __deepcopy__(self, memo: dict) -> NetGraph:
        """The copy of ``__getstate__``'s state, within ``deep_walk``'s recursion room (nets nested 1,000 deep)."""
        memo[id(self)] = new = object.__new__(type(self))
        new.__dict__.update(copy.deepcopy(self.__getstate__(), memo))
        return new

    @deep_walk  # an operator's compiled forward calls its inner nets' modules: a frame or more per level
    def __call__(self, data: Any = _NO_DATA, /, *args: Any, **inputs: Any) -> Any:
        """Evaluate: ``net(x)``, ``net(Input=x)`` or ``net()``; one output gives a tensor, several a dict."""
        plain = self._plain_call
        if plain is not None and not args and not inputs:
            result = plain(data)  # the common call, checked and run at the cost of calling the module
            if result is not None:
                return result
        return stage("evaluate")(self, args if data is _NO_DATA else (data, *args), inputs)

    def build(self, types: Mapping[str, PortType]) -> torch.nn.Module:
        return self.compile()

"""Building a large net, counted (not timed): the objects the garbage collector tracks that each layer leaves behind.
Past about 40,000 layers the collector's full passes over every tracked object start (benchmarks/graph_scaling.py),
so what each layer keeps sets how much more than ten times longer ten times more layers take. A layer kept a copy of
its options' dict, each PortType of the same shape was a new object, and asking whether a layer is a graph made Python
build the layer's ``__dict__`` (Python 3.10 always has one: a layer counts one more there)."""

from __future__ import annotations

import dataclasses
import gc
import sys
import tracemalloc
from unittest import mock

import pytest

from netgraph import ElementwiseLayer, FunctionLayer, LinearLayer, NetChain, NetGraph
from netgraph.core.emit_context import EmitContext
from netgraph.layers import expression_run
from netgraph.layers.expression_run import to_code
from tests.benchmark_modules import benchmark
from tests.profile_helpers import calls, solves

N = 2000
OWN_DICT = 1 if sys.version_info < (3, 11) else 0  # Python 3.10 keeps every instance's attributes in a dict
GRAPH_SCALING = benchmark("graph_scaling")  # loaded now: its imports are not counted as what a build leaves


def tracked_per_layer(make) -> float:
    """GC-tracked objects that ``make()`` leaves (those of what it returns), per layer, once the collector has
    settled: two full passes, as a pass untracks a tuple whose items it found untracked (a port key ``(path,
    port)`` on the pass after its path's; a build's objects join the oldest generation, which only full passes
    walk)."""
    gc.collect()
    before = len(gc.get_objects())
    kept = make()
    gc.collect()
    gc.collect()
    count = len(gc.get_objects()) - before
    del kept
    return count / N


def chain_layers() -> list:
    """LinearLayer(8), Tanh, LinearLayer(8), ... (N layers): benchmarks/graph_scaling.py's chain."""
    return GRAPH_SCALING.layers(N)


def wide_parts() -> tuple[dict, list]:
    """Branches summed pairwise (N - 1 layers by name, and the edges): benchmarks/graph_scaling.py's wide DAG."""
    return GRAPH_SCALING.wide_parts(N)


def young_per_layer(build, parts) -> float:
    """GC-tracked objects that constructing a net from ``parts`` (its layers made before) leaves in the collector's
    youngest generation, per layer: those its first pass once construction ends walks."""
    build(parts)  # first: what the process makes once (caches, imports) is not counted
    gc.collect()
    gc.disable()
    try:
        kept = build(parts)
        return len(gc.get_objects(0)) / N
    finally:
        del kept
        gc.enable()


def peak_bytes_per_layer(build, parts) -> float:
    """The most Python memory (tracemalloc) constructing a net from ``parts`` holds at once, per layer."""
    build(parts)  # first: what the process makes once (caches, imports) is not counted
    tracemalloc.start()
    try:
        build(parts)
        return tracemalloc.get_traced_memory()[1] / N
    finally:
        tracemalloc.stop()


def test_construction_leaves_the_collector_few_young_objects_per_layer():
    """A chain's layer: its Edge, the Edge's two PortRefs and its two port keys sharing one path tuple (6.0; the
    keys made a path each, 7.0); a wide graph's: 1.5 Edges with 2.5 PortRefs (4.0: the edges from the graph input share
    its one PortRef; 4.5 before) and its 2.5 port keys with their one path (3.5; 5.0 before)."""
    assert young_per_layer(lambda ls: NetChain(ls, input=8), chain_layers()) <= 6.1
    assert young_per_layer(lambda parts: NetGraph(*parts, Input=8), wide_parts()) <= 7.6


def test_construction_holds_little_memory_per_layer():
    """Inference's problem makes one key a port (its declared types and edges reuse it) and keeps each graph's
    edges, not a tuple a join; its solution turns each leaf's port numbers into class roots in place, and lists the
    leaves of class roots only; a declared type's origin is made only where inference keeps it, and the solution
    is kept as solved, without a dict of every key's type and one of every key's root: a chain's construction peaks
    near 1.37 KB a layer (1.52 KB before, 2.15 KB before that), a wide graph's near 1.54 KB (1.75, 2.55 KB); the
    leaves of each class held as two numbers a key (and a list only for a third), not a list a class: 1.30, 1.47 KB;
    since measured 1269, 1439 bytes; a leaf's declared keys numbered as it is added (no second list of their
    numbers): 1252, 1419; a leaf's declared types held flat (no tuple a port, nor its number) and no origin tuple a
    class: 1102, 1330; NetGraph's wiring holding the table named_layers made (no copy): 1304 (wide); one PortRef for
    a graph input's edges: 1285 (wide); the first two leaves of each class held as raw numbers (an array, no int
    object a leaf): 1076, 1271; the ports a graph's edges feed and read noted by layer, no tuple an edge end: 1243
    (wide); a group's members held in one record, a class's origin from a layer's infer held without a tuple, the
    leaves as two lists (no tuple a leaf), the joins as raw numbers: 1024, 1131."""
    assert peak_bytes_per_layer(lambda ls: NetChain(ls, input=8), chain_layers()) <= 1035
    assert peak_bytes_per_layer(lambda parts: NetGraph(*parts, Input=8), wide_parts()) <= 1140


def test_initialisation_holds_little_memory_per_layer():
    """net_initialize keeps the leaves with arrays to fill in three lists read side by side (two dicts keyed by path
    before, each read hashing the path again), and the few arrays that are not a layer's own default draw in a set
    (every own one's index before): a chain's initialisation peaks near 410 bytes a layer (498 before) on Python 3.11;
    on 3.10 each new layer also holds a ``__dict__`` (about 200 bytes a layer of the chain allowed for it)."""
    from netgraph import net_initialize

    chain = NetChain(chain_layers(), input=8)
    assert peak_bytes_per_layer(lambda net: net_initialize(net, seed=0), chain) <= 430 + 200 * OWN_DICT


def test_construction_builds_no_dict_of_every_port_key():
    """A net keeps inference's solution as solved (each key's number, each number's class root, each root's type):
    neither constructing it, nor its IR, nor initialising it builds the dicts of every port key's type and root
    (a 100,000-layer chain's 200,000 keys hashed once more each, twice) that only ``nested_port_types`` and
    ``layer_types`` of a nested graph read."""
    from netgraph import net_initialize

    chain, wide = NetChain(chain_layers(), input=8), NetGraph(*wide_parts(), Input=8)
    for net in (chain, wide, net_initialize(chain, seed=0), net_initialize(wide, seed=0)):
        net.ir
        assert net._inference._full is None
    last = list(wide.layers)[-1]  # the sum of every branch: the graph's output
    assert wide.nested_port_types()[((last,), "Output")] == wide.port_types["Output"] and wide._inference._full


def calls_per_layer(build, parts) -> float:
    """Python function calls (cProfile's count) constructing a net from ``parts`` makes, per layer."""
    build(parts)  # first: what the process does once (caches, imports) is not counted
    gc.collect()  # nor the collector's work on what came before
    return calls(build, parts) / N


def test_construction_makes_few_calls_per_layer():
    """No pass sorting layers given producers first (a check that every edge feeds a later layer instead), none
    looking for nested graphs in a graph of depth 1, the links checked while a chain is wired: 69.1 -> 57.1 calls a
    layer (chain), 107.0 -> 96.5 (wide); a leaf's ports numbered as it is added, not one call per edge end: 55.1
    (chain), 95.0 (wide); no walk over the layers for shapes to guess when every class has one: 53.6, 94.0; a
    class's second leaf held by number, not appended to a list: 52.6, 93.6; since measured 48.6, 86.6; a leaf's
    declared keys numbered as it is added, not looked up in its ports again (a dict ``get`` each): 46.6, 84.1. Those
    counts left out all but one dataclass's generated inits (see ``calls``: on CI a PortRef's were the ones kept, and
    they read 48.6, 87.1); each function counted, construction makes 49.6 (chain) and 88.6 (wide) in any import
    order. A leaf's declared types held in one flat list (two appends a port, as the two lists before, and one a
    leaf ending them, cheaper in cache misses than the tuples before): 50.6, 89.6. Counted alike in a process that ran
    other tests first (they were counted in a fresh process while pstats' count moved with the import order). The ports
    a graph's edges feed and read noted by layer in a dict, not added to a set as tuples (two calls an edge): 88.1
    (wide); a leaf's new keys numbered from one count (no ``len`` a port), a group's members in one record, the
    threaded edges' ports noted as they are made: 86.6 (wide); since measured 84.1; the layer table's names and layers
    checked by C loops (no generator a name for the path-clash check): 80.6 (wide)."""
    assert calls_per_layer(lambda ls: NetChain(ls, input=8), chain_layers()) <= 50.7
    assert calls_per_layer(lambda parts: NetGraph(*parts, Input=8), wide_parts()) <= 81.6


def test_calls_of_functions_named_alike_are_all_counted():
    """Every dataclass's generated methods have one name and place (``<string>:2(__init__)``): each one's calls
    count, not one of them only."""
    @dataclasses.dataclass
    class Once:
        a: int = 0

    @dataclasses.dataclass
    class Often:
        b: int = 0

    def make(times: int) -> None:
        Once()
        for _ in range(times):
            Often()

    assert calls(make, 50) - calls(make, 0) == 50


def test_an_elementwise_layer_writes_its_code_once_per_expression():
    """A compiled chain's ElementwiseLayer names its input in its expression's code, written once per expression (and
    default dtype: a bound beyond its range is written infinite): a layer of an expression written before writes
    none (Tanh's emit made 28 calls, writing it again). An expression computing a part once (ArcCot's) names its
    temporaries for each layer."""
    def numbered(start: int):
        count = iter(range(start, start + 100))
        return lambda hint: f"t_{hint}{next(count)}"
    for function in ("Tanh", "#^2 + 1", "Quotient[#, 3]", "Floor[#] * Exp[#]", "ArcCot"):
        ElementwiseLayer(function).emit(EmitContext("m", ("x",), "b", {}, local=numbered(0)))  # the first: written
        layer = ElementwiseLayer(function)
        if function != "ArcCot":
            with mock.patch.object(expression_run, "to_code", wraps=to_code) as written:
                layer.emit(EmitContext("m", ("y",), "b", {}, local=numbered(0)))
            assert written.call_count == 0
        for start in (0, 7):
            code = layer.emit(EmitContext("m", ("y",), "b", {}, local=numbered(start)))
            assert code == to_code(layer._expr.tree, {"Input": "y"}, numbered(start))
    assert "t_e7" in code  # ArcCot: new temporaries each time


def test_a_chain_keeps_few_tracked_objects_per_layer():
    """The layer, its Edge and the Edge's two PortRefs (4.0), not also a dict per layer and a PortType per port."""
    per_layer = tracked_per_layer(
        lambda: NetChain([LinearLayer(8) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(N)], input=8))
    assert per_layer <= 4.2 + OWN_DICT


def test_a_wide_graph_keeps_few_tracked_objects_per_layer():
    """Branches summed pairwise: the layer, 1.5 Edges and 2.5 PortRefs (5.0: the graph input's edges share its
    PortRef), no PortType per FunctionLayer."""
    def make() -> NetGraph:
        return NetGraph(*wide_parts(), Input=8)
    assert tracked_per_layer(make) <= 5.2 + OWN_DICT


def test_making_a_layer_leaves_the_collector_one_young_object():
    """The user's loop making the layers is where a big net's full collections come: each layer made leaves itself
    alone among the objects the collector tracks; a LinearLayer of one size holds the one shared ``(8,)`` (it made a
    tuple each: 2.0). Equal layers stay distinct objects."""
    for make in (lambda: LinearLayer(8), lambda: ElementwiseLayer("Tanh"), lambda: FunctionLayer("#a + #b")):
        make()  # first: what the process makes once (caches) is not counted
        gc.collect()
        gc.disable()
        try:
            kept = [make() for _ in range(N)]
            young = len(gc.get_objects(0)) - 1  # (the list)
        finally:
            gc.enable()
        assert young / N <= 1.01 + OWN_DICT
        assert kept[0] is not kept[1] and kept[0] == kept[1]
    assert LinearLayer(8).output is LinearLayer(8).output


def test_a_layer_made_with_a_bad_option_and_numpy_numbers_reports_as_before():
    """The options as given are kept as a tuple (no dict copy): the second pass with Python's numbers still starts
    from them, not from the stand-ins of bad values."""
    import numpy as np

    assert LinearLayer(np.int64(3), input=np.int64(2)) == LinearLayer(3, input=2)
    try:
        LinearLayer(np.int64(3), input=[np.int64(-1)])
    except ValueError as exc:
        assert str(exc) == "LinearLayer option input= dims must be positive ints (or None for unknown), found -1"
    else:
        raise AssertionError("no error")


def young_after_stage(stage) -> float:
    """Objects in the collector's two young generations once ``stage()`` has run with the collector on, per layer:
    what its next young passes would walk (a net is built to be kept: each pass finds nothing)."""
    stage()  # first: what the process makes once (caches, imports) is not counted
    gc.collect()
    kept = stage()
    try:
        return (len(gc.get_objects(0)) + len(gc.get_objects(1))) / N
    finally:
        del kept


def test_a_built_net_leaves_the_young_generations_empty():
    """What construction, initialisation and compilation keep goes to the collector's oldest generation when the
    stage ends (gc.freeze then gc.unfreeze: two list splices), not to its youngest: the first young pass after
    construction walked every Edge, PortRef and port key again (6.0 objects a chain's layer, 8.0 a wide graph's;
    from 32 MiB of them, a cache miss each), and a compiled chain's 21.5 objects a layer (its modules' dicts)."""
    from netgraph import net_initialize
    from netgraph.backend.compile import compile_net

    chain = NetChain(chain_layers(), input=8)
    initialised = net_initialize(chain, seed=0)
    assert young_after_stage(lambda: NetChain(chain_layers(), input=8)) <= 0.1
    assert young_after_stage(lambda: NetGraph(*wide_parts(), Input=8)) <= 0.1
    assert young_after_stage(lambda: net_initialize(chain, seed=0)) <= 0.1
    assert young_after_stage(lambda: compile_net(initialised)) <= 0.1


def test_objects_frozen_before_a_build_stay_frozen():
    """A process that froze its long-lived objects (the netgraph command, a server before it forks) keeps them
    frozen: a build then leaves its own objects young rather than unfreezing everything."""
    long_lived = [object()]  # tracked by the collector
    gc.freeze()
    try:
        NetChain(chain_layers(), input=8)
        assert not any(o is long_lived for o in gc.get_objects())  # (frozen objects are in no generation)
    finally:
        gc.unfreeze()
    assert any(o is long_lived for o in gc.get_objects())


def test_a_build_stage_that_raises_promotes_nothing_and_turns_the_collector_back_on(monkeypatch):
    """A stage that fails leaves what it made young (its half-built objects and the traceback's frames are found
    by the next young pass, not kept until a full collection), and the collector is enabled again even when the
    promotion itself is interrupted (an interrupt between gc.freeze and gc.unfreeze left every object frozen)."""
    import netgraph.core.walk as walk

    gc.collect()
    with pytest.raises(RuntimeError):
        with walk.gc_paused():
            made = [[i] for i in range(3 * walk._PROMOTED_FROM)]
            raise RuntimeError("stage failed")
    assert gc.isenabled()
    assert not any(o is made for o in gc.get_objects(generation=2))  # (young passes may have run since)
    del made

    def interrupted() -> None:
        raise KeyboardInterrupt

    real_freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: (real_freeze(), interrupted()))
    with pytest.raises(KeyboardInterrupt):
        with walk.gc_paused():
            kept = [[i] for i in range(3 * walk._PROMOTED_FROM)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    del kept


def test_length_names_are_looked_for_in_the_given_shapes_only(monkeypatch):
    """Length names ("n") are given in graph ports' shapes only: solving reads those declarations, not the
    2 a layer of every layer's options (each read from memory that left the cache as the problem was built)."""
    import netgraph.core.inference as inference

    seen, real = [], inference.declared_lengths
    monkeypatch.setattr(inference, "declared_lengths", lambda declared: seen.append(len(declared)) or real(declared))
    NetChain(chain_layers(), input=8)
    named = NetGraph({"a": ElementwiseLayer("Tanh")}, [], Input=("n", 3))
    assert seen == [1, 1] and named.port_types["Output"].shape == ("n", 3)


def test_a_leaf_s_declared_types_are_held_without_a_tuple_a_port():
    """A layer's options declare its ports' types: they are held as the leaf is added, port and type in the flat
    ``leaf_types`` (no ``(key, type, kind)`` tuple a port, nor its number, each read again from memory that left the
    cache as the problem was built, and freed at the end), so ``declared`` and ``number_rest`` hold only the graph
    input's shape, not every layer's 2."""
    wide = NetGraph(*wide_parts(), Input=8)
    for problem in (NetChain(chain_layers(), input=8)._problem(), wide._problem()):
        assert len(problem.declared) == 1 and len(problem.pending) == 1  # the graph input's shape
        assert problem.number_rest() == [problem.ids[key] for key, _, _ in problem.declared]
        assert problem.leaf_types.count(None) == len(problem.leaves) and len(problem.leaf_types) >= 5 * N


def test_a_small_build_leaves_the_young_generation_as_it_is():
    """A net of a few layers (one made in a loop) leaves the objects the collector tracks where they are: garbage
    cycles made beside it are found by the next young pass, not only by a full one."""
    gc.collect()
    beside = [object()]  # tracked: in the youngest generation
    NetChain([LinearLayer(3), "Tanh"], input=2)
    assert any(o is beside for o in gc.get_objects(0))


def test_initialising_nested_chains_infers_their_types_again_without_building_them_again(monkeypatch):
    """Each nested chain with no Input declared was built anew by net_initialize (its new weights size the Input):
    N=4000 of them took 4x as long. Only their types are inferred again; the result is the same."""
    from netgraph import net_initialize
    net = NetChain([NetChain([LinearLayer(8), ElementwiseLayer("Tanh")]) for _ in range(3)], Input=8)
    built = []
    real = NetGraph._construct
    monkeypatch.setattr(NetGraph, "_construct", lambda self, *args: built.append(self) or real(self, *args))
    initialised = net_initialize(net, seed=0)
    assert built == []
    monkeypatch.undo()
    assert [inner.port_types["Input"].shape for inner in initialised.layers.values()] == [(8,)] * 3
    assert NetChain.from_yaml(initialised.to_yaml()) == initialised


def test_initialising_nested_chains_infers_their_types_when_first_read():
    """net_initialize inferred again each nested chain with no Input declared (its new weights size the Input): 4000
    of them 0.42 -> 1.46 s. They are inferred when first read, as a chain built from their layers at once is."""
    from netgraph import net_initialize

    def nested(count: int) -> NetChain:
        return NetChain([NetChain([LinearLayer(8), ElementwiseLayer("Tanh")]) for _ in range(count)], Input=8)

    assert solves(net_initialize, nested(20), 0) == solves(net_initialize, nested(2), 0)
    initialised = net_initialize(nested(3), seed=0)
    for inner in initialised.layers.values():
        built = NetChain(list(inner.layers.values()))
        assert inner.port_types == built.port_types and dict(inner.nested_port_types()) == built.nested_port_types()
        assert inner.port_types["Input"].shape == (8,)

"""net_initialize (Wolfram's NetInitialize): fill uninitialised arrays, deterministically from a seed."""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
from collections.abc import Iterator, Mapping
from typing import Any

import torch

from netgraph.core.array_rules import WILDCARDS
from netgraph.core.errors import Diagnostic, OptionError, ShapeError, did_you_mean, raise_all, unknown_inside
from netgraph.core.given_shapes import given_shapes, with_given_shapes
from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.leaf_swap import replace_leaves
from netgraph.core.naming_scope import quoted
from netgraph.core.options import random_seeding
from netgraph.core.types import PortType
from netgraph.core.net_arguments import compiled_module_hint, compiled_module_note
from netgraph.core.torch_state import cpu_tensors, own_precision, working_dtype
from netgraph.core.walk import gc_paused
from netgraph.backend.init_budget import check_budget, draw_parts
from netgraph.backend.init_methods import Method, parse_rules, pick_methods
from netgraph.backend.readiness import unknown_inputs

__all__ = ["net_initialize"]


def net_initialize(net: Any, seed: int | None = None, all: bool = False, max_elements: int | None = None,
                   method: Any = None, **unknown: Any) -> Any:
    """A new net whose missing arrays (or every array, with ``all=True``) are filled.

    By default weights are Kaiming-uniform, biases zero, NetArrayLayer arrays normal. ``method``
    chooses otherwise (Wolfram's Method): ``"Xavier"``, ``"Kaiming"``, ``"Orthogonal"``,
    ``"Identity"``, a number, or ``{layer or (layer, array): method}`` rules; see
    ``netgraph.backend.init_methods``. ``seed`` (an integer or a string) makes the
    result reproducible; the default seed is 1234, as in Wolfram; ``"Automatic"`` is a fresh seed per call and
    ``"Inherited"`` torch's global generator (Wolfram's RandomSeeding). Arrays needing more than
    ``max_elements`` elements in all (default: the ``init_elements`` limit of ``netgraph.limits``, a
    quarter of the machine's memory) are refused with a ShapeError before anything is allocated.

    >>> from netgraph import NetGraph, LinearLayer
    >>> net = net_initialize(NetGraph([LinearLayer(2)], [], Input=3), seed=0)
    >>> tuple(net.layers["1"].arrays["Weights"].shape)
    (2, 3)
    >>> net_initialize(NetGraph([LinearLayer(10**6)], [], Input=10**6))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    netgraph.core.errors.ShapeError: net_initialize: the arrays to fill need 4 TB (1e+12 float32 elements)...
    """
    if unknown:
        _refuse_unknown(next(iter(unknown)))
    if max_elements is not None and (isinstance(max_elements, bool) or not isinstance(max_elements, numbers.Integral)
                                     or max_elements < 0):
        raise OptionError(f"net_initialize: max_elements= must be an integer >= 0 (the most array elements to fill) "
                          f"or None (the init_elements limit), found {max_elements!r}", option="max_elements",
                          kind="option-value", expected="an integer >= 0", found=max_elements)
    if not isinstance(net, NetGraph):  # a bare layer (as NetInitialize[layer]): initialise it as a one-layer net
        if not isinstance(net, Layer):
            raise OptionError(f"net_initialize needs a NetGraph or a layer, found {type(net).__name__}"
                              f"{compiled_module_note(net)}", hint=compiled_module_hint(net), kind="not-a-net",
                              expected="a NetGraph or a layer", found=type(net).__name__)
        rules = [(k if k in WILDCARDS else ("layer", *(k if isinstance(k, tuple) else (k,))), m)
                 for k, m in parse_rules(method)]  # keys name the layer's arrays
        shapes = given_shapes(net)  # an extracted layer's, which it keeps
        alone = NetGraph({"layer": net}, [], **shapes)
        return with_given_shapes(net_initialize(alone, seed, all, max_elements, rules).layers["layer"], shapes)
    with gc_paused(), cpu_tensors():  # gc: a large net makes many small objects, no collector passes needed
        return _initialize(net, parse_rules(method), seed, all, max_elements)


_OPTIONS = ("seed", "all", "max_elements", "method")
_DRAWN_TOGETHER = 2**22  # elements of weights drawn at once (each then copied to its own storage): 16 MB in float32


def _refuse_unknown(keyword: str) -> None:
    """OptionError for a keyword net_initialize does not take (net_train's random_seed: its seed)."""
    hint = (" (net_train's random_seed is net_initialize's seed)" if keyword == "random_seed" else
            did_you_mean(keyword, _OPTIONS))
    raise OptionError(f"net_initialize has no option {keyword!r}{hint}; options: {', '.join(_OPTIONS)}",
                      option=keyword, kind="unknown-option", expected=tuple(_OPTIONS), found=keyword)


def _initialize(net: NetGraph, rules: Any, seed: int | None, all: bool, max_elements: int | None) -> NetGraph:
    planning = _plan(net, bool(rules), all)
    paths, leaves, plans, shares = planning.paths, planning.leaves, planning.plans, planning.shares
    methods = pick_methods(rules, net.layers, planning.names, net) if rules else {}
    check_budget(planning.paths, planning.leaves, plans, planning.total, max_elements)
    draws = _Draws(torch.Generator().manual_seed(_seed_value(seed)), working_dtype())
    slots = [draws.take(layer, plan, shares.get(path) if shares else None, methods, path)
             for path, layer, plan in zip(paths, leaves, plans)]  # read by position: no lookup by path a leaf
    arrays, not_own, changes = draws.values(), draws.not_own, {}
    for path, layer, slot in zip(paths, leaves, slots):
        own = not_own.isdisjoint(slot.values())
        changes[path] = _with_arrays(layer, {n: arrays[i] for n, i in slot.items()}, own)
    return replace_leaves(net, changes, leaves) if changes else net


def _seed_value(seed: Any) -> int:
    """The generator seed for net_initialize's ``seed``: None is Wolfram's 1234; ``"Inherited"`` one drawn from
    torch's global generator; else ``random_seeding``'s (which refuses near-misses such as ``"automatic"``)."""
    if seed is None:
        return 1234
    value = random_seeding(seed, "seed")
    return int(torch.randint(0, 2**62, (), dtype=torch.int64)) if value is None else value


def _plan(net: NetGraph, named: bool, all: bool) -> _Planning:
    """The arrays to fill, in topological order (``_Planning``'s lists, one entry a leaf with arrays to fill: its
    path, layer and arrays' shapes by name), the shared array names of those sharing any, (``named``: for rules)
    every array's dotted name with its shape (None: kept), and the number of elements to fill. ShapeError naming the
    ports of unknown shape of the layers with arrays to fill."""
    planning = _Planning(net, named)
    for path, layer, types in _leaves(net):
        _plan_layer(planning, path, layer, types, all)
    _raise_unknown(net, planning.unknown, planning.waits)
    return planning


@dataclasses.dataclass
class _Planning:
    """What ``_plan`` gathers, layer by layer; the leaves with arrays to fill as three lists read side by side (no
    dict keyed by path: each read hashed the path again, out of the cache by then in a large net)."""

    net: NetGraph
    named: bool
    paths: list = dataclasses.field(default_factory=list)
    leaves: list = dataclasses.field(default_factory=list)
    plans: list = dataclasses.field(default_factory=list)
    shares: dict = dataclasses.field(default_factory=dict)  # by path: the shared array names of layers sharing any
    names: dict = dataclasses.field(default_factory=dict)
    unknown: list = dataclasses.field(default_factory=list)
    # an array's Diagnostic, with the (layer, port) keys of unknown shape it waits on
    waits: list = dataclasses.field(default_factory=list)
    checked: dict = dataclasses.field(default_factory=dict)  # by shape: its facts
    total: int = 0
    solved: Any = None  # every port's inferred type, when the net has no IR


def _plan_layer(planning: _Planning, path: tuple, layer: Layer, types: Mapping[str, PortType] | None,
                all: bool) -> None:
    """The plan of ``layer``'s arrays to fill, added to ``planning``; else why they cannot be planned yet."""
    net = planning.net
    arrays, missing = _missing(layer, type(layer).arrays is Layer.arrays, all)
    if planning.named and arrays:  # running statistics (buffers) take no method: no rule names them
        planning.names.update({".".join((*path, n)): None for n in arrays if n not in layer.BUFFERS})
    if not missing:
        return
    types = _solved_types(planning, path, layer) if types is None else types
    known = _all_known(types)  # else its arrays may still be known: a convolution's need its channels alone
    shapes = _array_shapes(planning, path, layer, types, known)
    if shapes is None:
        return
    waiting = [] if known else _waiting_arrays(net, path, types, shapes, missing)
    if waiting:
        planning.waits.extend((d, {(path, p) for p, t in types.items() if not t.known}) for d in waiting)
        return
    if not isinstance(shapes, dict) or not shapes.keys() >= set(missing):
        raise ShapeError(f"{net.describe((path, None))}: {layer.type_name}.array_shapes() must give the shape "
                         f"of each of its arrays {list(layer.arrays)}, gave {shapes!r}"[:400], layer=path,
                         kind="layer-contract", expected=tuple(layer.arrays), found=type(shapes).__name__)
    plan, varying, size = _shape_plan(shapes, missing, planning.checked)
    planning.total += size
    if varying:  # a size taken from a variable length ("n"): no array can hold it
        planning.unknown.append(Diagnostic(f"{net.describe((path, None))}: arrays {', '.join(varying)} would take "
                                           f"their size from a variable-length dimension", "variable-array-size",
                                           layer=path))
        return
    _add_plan(planning, path, layer, plan)


def _solved_types(planning: _Planning, path: tuple, layer: Layer) -> dict[str, PortType]:
    """``layer``'s port types as the IR node would hold them (inferring the net once, when first asked)."""
    if planning.solved is None:
        planning.solved = planning.net._inference.solution(planning.net)
    solved = planning.solved
    if (roots := solved.ids.leaf_ports(path)) is None:  # (a leaf's ports are its own: in its port dict)
        return {port: solved.type_of((path, port)) for port in (*layer.input_ports, *layer.output_ports)}
    types = solved.class_types  # the leaves asked in order: no table of every leaf's path made (nor kept)
    return {port: types[roots[port]] for port in (*layer.input_ports, *layer.output_ports)}


def _array_shapes(planning: _Planning, path: tuple, layer: Layer, types: Mapping[str, PortType], known: bool) -> Any:
    """``layer.array_shapes(types)``; None where ports of unknown shape leave them open (told in ``planning``)."""
    net = planning.net
    try:
        return layer.array_shapes(types)
    except (ShapeError, TypeError, IndexError) as exc:  # the last two: a dim or rank it reads is unknown
        if known and not isinstance(exc, ShapeError):
            raise
        # ShapeError: inner nets leave a shape open
        planning.unknown.extend([unknown_inside(f"{net.describe((path, None))}: {exc}", path, exc)]
                                if known else _unknown_ports(net, path, types))
        return None


def _add_plan(planning: _Planning, path: tuple, layer: Layer, plan: dict) -> None:
    """``layer``'s plan, its shared arrays and (for rules) its arrays' shapes by dotted name, kept in ``planning``."""
    planning.paths.append(path)
    planning.leaves.append(layer)
    planning.plans.append(plan)
    if shared := (layer._shared if type(layer).shared is Layer.shared else layer.shared):
        planning.shares[path] = shared
    if planning.named:
        planning.names.update({".".join((*path, n)): shape for n, shape in plan.items() if n not in layer.BUFFERS})


def _raise_unknown(net: NetGraph, unknown: list, waits: list) -> None:
    """ShapeError for the arrays of unknown shape: a graph input of unknown shape is told (with compile()'s hint)
    rather than the ports it feeds, and an array waiting on such an input with it."""
    if unknown or waits:
        inputs, fed = unknown_inputs(net)
        unknown = [*inputs, *(u for u in unknown if not isinstance(u, Diagnostic) or (u.layer, u.port) not in fed)]
        unknown += [u for u, ports in waits if not ports <= fed]
    raise_all(unknown, ShapeError, "cannot initialise arrays of unknown shape")


def _unknown_ports(net: NetGraph, path: tuple, types: Mapping[str, PortType]) -> list[Diagnostic]:
    return [Diagnostic(f"{net.describe((path, p))} has unknown shape {t}", "unknown-shape", layer=path, port=p)
            for p, t in types.items() if not t.known]


def _waiting_arrays(net: NetGraph, path: tuple, types: Mapping[str, PortType], shapes: Any,
                    missing: list[str]) -> list[Diagnostic]:
    """A Diagnostic for each array in ``missing`` whose shape a port of unknown shape leaves open: ``(10, ?)``."""
    if not isinstance(shapes, dict):
        return []  # told by the caller's check of array_shapes' answer
    ports = " and ".join(f"port {p!r} of unknown shape {t}" for p, t in types.items() if not t.known)
    problems = []
    for name in missing:
        shape = shapes.get(name)
        if shape is None or any(d is None for d in shape):
            shown = "?" if shape is None else str(PortType(tuple(shape)))
            problems.append(Diagnostic(f"{net.describe((path, None))} array {quoted(name)} has unknown shape {shown}: "
                                       f"its size waits on {ports}", "unknown-shape", layer=path))
    return problems


def _missing(layer: Layer, plain: bool, all: bool) -> tuple[Any, list[str]]:
    """The names of ``layer``'s arrays and of those to fill (``all``: every one); ``plain``: its ``arrays`` is
    Layer's, then the array fields are read straight, no dict of them made."""
    if plain:
        fields = layer.ARRAYS  # a class's, or a layer's own (AttentionLayer's depends on its scoring)
        return fields, [n for n, f in fields.items() if all or getattr(layer, f) is None]
    arrays = layer.arrays
    return arrays, [n for n, v in arrays.items() if v is None or all]


def _shape_plan(shapes: dict, missing: list[str], checked: dict[tuple, tuple]) -> tuple[dict, list[str], int]:
    """The shape of each array in ``missing`` as a tuple (from a layer's ``shapes``), those whose size would come from
    a variable-length dimension, and the number of elements; ``checked`` keeps each tuple shape's facts."""
    plan, varying, total = {}, [], 0
    for n in missing:
        shape = shapes[n]
        known = checked.get(shape) if type(shape) is tuple else None
        if known is None:  # a shape met the first time (or no tuple): as a tuple, whether it varies, its size
            as_tuple = tuple(shape)
            varies = any(isinstance(d, str) for d in as_tuple)
            known = (as_tuple, varies, 0 if varies else math.prod(as_tuple))
            if type(shape) is tuple:
                checked[shape] = known
        if known[1]:
            varying.append(f"{n} {known[0]}")
        plan[n] = known[0]
        total += known[2]
    return plan, varying, total


def _leaves(net: NetGraph) -> Iterator[tuple[tuple, Layer, Mapping[str, PortType] | None]]:
    """Each leaf's path, layer and port types (None: read them from the inferred types) in the IR's order: from the IR
    when the net has one, else from the net's leaves, the IR left to be built once, for the new net, by a stage that
    needs it."""
    ir = net.__dict__.get("_ir")
    if ir is not None:
        return ((node.path, node.layer, node.types) for node in ir.nodes)
    return ((path, layer, None) for path, layer in net._leaf_layers())


def _all_known(types: Any) -> bool:
    """Whether every port type in ``types`` (a node's) is known."""
    for t in types.values():
        if not t.known:
            return False
    return True


def _with_arrays(layer: Layer, arrays: dict[str, torch.Tensor], own: bool) -> Layer:
    """``layer.with_arrays(arrays)``; without a second copy and check of arrays ``_Draws`` drew as the layer's
    default (``own``) when the layer's ``with_arrays`` is the base class's."""
    if own and type(layer).with_arrays is Layer.with_arrays:
        return layer._with_drawn_arrays(arrays)
    return layer.with_arrays(arrays)


class _Draws:
    """The arrays drawn in order from one generator, by index, in ``dtype`` (the calling thread's working precision,
    read once: another thread's precision window, newer, moves torch's default dtype). The layers' default
    Kaiming-uniform weights are drawn together, one ``torch.rand`` per run of them: the same numbers as one call each
    (the generator's stream is serial), without a few tensor operations per layer. ``not_own`` holds the indices of
    the arrays drawn by a method or a layer's ``init_array``, or shared: the others (most, kept without a set entry
    each) are default draws, fresh tensors, each in its own storage, held by no one else."""

    def __init__(self, generator: torch.Generator, dtype: torch.dtype):
        self.generator, self.dtype, self.arrays, self.pending, self.not_own = generator, dtype, [], [], set()
        self.drawn: dict[str, int] = {}  # a shared array is drawn once, by its first user

    def take(self, layer: Layer, shapes: dict[str, tuple], shared: Any, methods: dict, path: tuple) -> dict[str, int]:
        """The index of each array of ``layer`` to fill (``shapes``: name -> shape), drawing the new ones in order
        (``shared``: the layer's shared array names, if any)."""
        slot, default = {}, type(layer).init_array is Layer.init_array
        for name, shape in shapes.items():
            key = shared.get(name) if shared else None
            if key in self.drawn:  # None never is
                slot[name] = self.drawn[key]
                continue
            method = methods.get(".".join((*path, name))) if methods else None
            if name in layer.BUFFERS:  # running statistics: the layer's defaults whatever the method (as Wolfram)
                slot[name] = self.add(None, layer, name, shape)
            elif default and method is None:
                slot[name] = self.add_default(name, shape, key is None)
            else:
                slot[name] = self.add(method, layer, name, shape)
            if key is not None:
                self.drawn[key] = slot[name]
        return slot

    def add(self, method: Method | None, layer: Layer, name: str, shape: tuple) -> int:
        """Draw the array now, by ``method`` (in ``dtype``) or the layer's own ``init_array``, which reads torch's
        default dtype: run without netgraph's lock (it may wait on a thread that takes it), and run again from the
        same generator state with ``dtype`` torch's default (``own_precision``) where another thread's precision
        window gave it another float dtype."""
        self.flush()  # what the layer or method draws comes after the weights waiting
        self.not_own.add(len(self.arrays))
        if method is not None:
            self.arrays.append(method.fill(shape, self.generator, self.dtype))
            return len(self.arrays) - 1
        state = self.generator.get_state()
        value = _own_array(layer, name, shape, self.generator)
        if value.is_floating_point() and value.dtype != self.dtype:
            self.generator.set_state(state)
            with own_precision(self.dtype):
                value = _own_array(layer, name, shape, self.generator)
        self.arrays.append(value)
        return len(self.arrays) - 1

    def add_default(self, name: str, shape: tuple, own: bool) -> int:
        """As ``Layer.init_array``: zeros for biases and vectors (nothing drawn), weights at the next flush."""
        index = len(self.arrays)
        if not own:
            self.not_own.add(index)
        if len(shape) < 2 or name.lower().startswith("bias"):
            self.arrays.append(torch.zeros(shape, dtype=self.dtype, device="cpu"))
        else:
            self.pending.append((index, shape))
            self.arrays.append(None)
        return index

    def flush(self) -> None:
        """Draw the waiting weights as ``Layer.init_array`` would: uniform in +-(3 / fan_in) ** 0.5, in order, one
        stream drawn in parts (the same numbers) of at most ``_DRAWN_TOGETHER`` elements or one weight (the peak)."""
        for part in draw_parts(self.pending, _DRAWN_TOGETHER):
            self._draw(part)
        self.pending = []

    def _draw(self, part: list[tuple[int, tuple]]) -> None:
        """Draw ``part``'s weights from one flat draw; an own array gets its own storage."""
        flat = torch.rand(sum(math.prod(shape) for _, shape in part), generator=self.generator, dtype=self.dtype,
                          device="cpu")
        flat, begin = flat.mul_(2).sub_(1), 0
        for shape, run in itertools.groupby(part, key=lambda item: item[1]):  # consecutive weights of a shape
            indices = [i for i, _ in run]
            block = flat[begin:begin + len(indices) * math.prod(shape)].view(len(indices), *shape)
            block.mul_((3.0 / max(1, math.prod(shape[1:]))) ** 0.5)
            for i, piece in zip(indices, block.unbind(0)):
                self.arrays[i] = piece if i in self.not_own or len(part) == 1 else piece.clone()
            begin += block.numel()

    def values(self) -> list[torch.Tensor]:
        self.flush()
        return self.arrays


def _own_array(layer: Layer, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
    """Array ``name`` of ``layer`` drawn by the layer's own ``init_array``, checked to be a tensor of ``shape``."""
    value = layer.init_array(name, shape, generator)
    found = tuple(value.shape) if isinstance(value, torch.Tensor) else None
    if found != tuple(shape):  # a user's own init_array: named here, not met later
        what = f"a tensor of shape {found}" if found is not None else type(value).__name__
        raise ShapeError(f"{layer.type_name}.init_array({quoted(name)}, {tuple(shape)}, generator) must return a "
                         f"tensor of that shape, returned "
                         f"{what}", kind="layer-contract", expected=tuple(shape), found=found)
    return value

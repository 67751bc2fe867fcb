"""Operators: layers that hold whole nets (Wolfram's NetMapOperator, NetFoldOperator, NetNestOperator).

An operator is one leaf node of its graph whose options include inner nets (fields annotated ``Net``, named in
``NETS``). A subclass relates its ports to its inner nets' ports in two directions: ``inner_types`` (the operator's
port types -> the types they give each inner net's ports) and ``outer_types`` (the inner nets, re-inferred with those
types -> the operator's port types). The base class does everything else once, for every operator:

* inference: each inner net is rebuilt with the port shapes its operator gives it (cached per shapes);
* arrays: the inner nets' arrays, named ``<option>.<layer path>.<Array>`` — the keys of the built
  module's ``state_dict`` — so initialisation, ``to_net()``, ``information`` and save/load treat them
  as any layer's arrays (``BUFFERS``: those of them that are the inner layers' buffers);
* ``build``: the inner nets compiled as submodules named by their option (``module.net``).

>>> from netgraph import NetGraph, LinearLayer, NetMapOperator, net_initialize
>>> op = NetMapOperator(NetGraph({"lin": LinearLayer(2)}, [], Input=3))
>>> op.input_ports, op.output_ports, list(op.arrays)
(('Input',), ('Output',), ['net.lin.Weights', 'net.lin.Biases'])
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import torch
from torch import nn

from netgraph.core.conflicts import Conflict
from netgraph.core.errors import Diagnostic, NetGraphError, OptionError, ShapeError, WiringError, did_you_mean
from netgraph.core.graph import NetGraph
from netgraph.core.guessed_lengths import as_named, own_lengths
from netgraph.core.inner_declared import declared_key, declared_output_conflict, redeclared, refused_types
from netgraph.core.layer import Layer
from netgraph.core.layer_call import as_net
from netgraph.core.leaf_swap import inner_net_replaced
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.nesting import deep_walk
from netgraph.core.option_problems import ARGUMENT_KIND, VALUE_KIND, option_problem
from netgraph.core.plugins import stage
from netgraph.core.types import PortType, unify

__all__ = ["NetOperator", "specialised", "settled_types", "as_inner_net"]


def as_inner_net(value: Any, layer: str, option: str) -> NetGraph | None:
    """The net an operator holds: a NetGraph or NetChain; a single layer (or a layer shorthand, as YAML takes:
    ``5``, ``"Tanh"``, a list for a NetChain) is wrapped as a one-layer graph. Anything else is reported
    (``option_problem``; no net, None, as a missing option) and None stands in."""
    net = value
    if not isinstance(value, (Layer, bool)):
        try:
            net = _wrapped(stage("shorthand")(value))
        except NetGraphError as exc:  # its own layer refused the shorthand (-1, [], 2**40): the option is at fault
            return option_problem(_option_refused(exc, layer, option), None)
    net = _wrapped(net)  # a layer given, wrapped: too deep a one stays the nesting's WiringError
    if isinstance(net, NetGraph):
        return net
    hint = did_you_mean(value, stage("layer_names")()) if isinstance(value, str) else ""
    fields = {"kind": ARGUMENT_KIND} if value is None else {"expected": "a net, a layer or a layer shorthand"}
    return option_problem(OptionError(
        f"{layer} option {option}= takes a net (a NetGraph or NetChain), a layer or a layer shorthand (an int, a "
        f"function name such as 'Tanh', a list for a chain), found {reprlib.repr(value)}{hint}", option=option,
        found=value, **fields), None)


def _wrapped(net: Any) -> Any:
    """A layer (not a net) as a one-layer graph; anything else as it is."""
    return NetGraph({"layer": net}, []) if isinstance(net, Layer) and not isinstance(net, NetGraph) else net


def _option_refused(error: NetGraphError, layer: str, option: str) -> OptionError:
    """``error``, raised making the net an operator's ``option`` stands for, as an OptionError of that option: its
    message and Diagnostics' headed by the operator and option, each naming ``option``, no inner layer, its kind."""
    header = f"{layer} option {option}=: "
    return OptionError(header + str(error), diagnostics=[
        dataclasses.replace(d.prefixed(header), option=option, layer=None) for d in error.diagnostics])


def specialised(net: NetGraph, types: Mapping[str, PortType], option: str | None = None) -> NetGraph:
    """``net`` with its ports given ``types`` where they say more than the net knows (Conflict when they clash);
    ``option``: the operator's option that holds ``net``, the first step of the path a Conflict names."""
    declared = net.port_shape_options()
    current = settled_types(net)
    for port, t in types.items():
        if t.shape is None and t.dtype is None:
            continue
        t = as_named(t, current[port], every=True)  # the net's own length names are local to it (its operator's
        try:  # infer joins them to the outer ones: ``own_lengths``): no net is built again only to rename one
            merged = unify(current[port], t)
        except Conflict as exc:  # (a clash at an input that a declared output's type set: that output's)
            raise (port in net.input_ports and declared_output_conflict(net, {  # the names as ``t`` has them
                p: as_named(u, current[p], every=True) for p, u in types.items() if p in current}, option)
                   or exc.reworded(f"its inner net's port {quoted(port)}: {exc}", inner_ports=(port,))) from None
        merged = unify(t, merged)  # t's names are the inner net's (as_named): this fills only the dims it left
        # unknown (None there) with the outer name or size
        if port in net.output_ports and merged.range is not None:  # an output's range is inferred, never declared
            merged = dataclasses.replace(merged, range=None)
        if merged != current[port] and merged != dataclasses.replace(current[port], range=None):
            declared[port] = merged
    if declared == net.port_shape_options():
        return net
    cache = net.__dict__.setdefault("_specialised", {})
    key = declared_key(declared)  # (by value; a guessed length by the order it is first met in, never its id)
    if key not in cache:
        try:
            cache[key] = redeclared(net, declared)
        except NetGraphError as exc:
            raise refused_types(net, declared, exc.diagnostics[0], option) from None
    return cache[key]


def settled_types(net: NetGraph) -> dict[str, PortType]:
    """``net``'s port types without the shapes only guessed when nothing said more (a LinearLayer's Input
    from its weights: a vector): an operator's ports may still give those ports other shapes. An index range is
    kept (the operator passes it out). A dtype only defaulted (Real, at a port of value-moving layers alone) is
    left open too, so it comes from what feeds the port, as in a NetGraph."""
    before = net._inference.settled(net).before_defaults
    return {p: PortType(before[p].shape, before[p].dtype, t.range) if p in before else t
            for p, t in net.port_types.items()}


class NetOperator(Layer, register=False):
    """Base of the operators: a layer holding inner nets in the options named by ``NETS``."""

    NETS: ClassVar[tuple[str, ...]] = ("net",)
    POSITIONAL: ClassVar[str | None] = "net"
    RUNS: ClassVar[str] = ("runs its inner net several times per example: the port has a value each time, none of "
                           "which it gives out")  # with_inner_output's error: why an inner port has no one value
    MAPS_ELEMENTS: ClassVar[bool] = False  # runs ``net`` on each element of its sequence ports (NetMapOperator)
    # the encoder walk's (port_coders): input port -> (option, inner port) its values enter at a first step alone;
    first_step = fed_back = MappingProxyType({})  # inner output -> the inner input it feeds next (a nest's, a fold's)

    def normalize(self) -> Mapping[str, Any]:
        nets = {f: as_inner_net(getattr(self, f), self.type_name, f) for f in self.NETS}
        if None in nets.values():
            return {}  # a net that is none (reported)
        inner = [node.layer for net in nets.values() for node in net.ir.nodes]
        self._check_array_count(sum(len(layer.ARRAYS) for layer in inner))
        owners, buffers = {}, set()
        for field, net in nets.items():
            for node in net.ir.nodes:
                for name in node.layer.ARRAYS:
                    owners[".".join((field, *node.path, name))] = (field, node.path, name)
                buffers.update(".".join((field, *node.path, name)) for name in node.layer.BUFFERS)
        applications = max((getattr(layer, "_applications", 1) for layer in inner), default=1)
        depth = 1 + max(net._depth for net in nets.values())  # its inner nets' levels and its own, for nesting_depth
        count = 1 + sum(net._layer_count for net in nets.values())  # itself and its inner nets' layers: net_layers
        # BUFFERS: its inner layers' (an inner operator's are its own, so at any depth), by their names here
        return {**nets, "ARRAYS": {name: name for name in owners}, "BUFFERS": frozenset(buffers), "_owners": owners,
                "_applications": applications, "_depth": depth, "_layer_count": count}

    def _check_array_count(self, count: int) -> None:
        """Refuse inner nets holding more arrays than the ``operator_arrays`` limit: operators that copy their
        net (NetBidirectionalOperator) double the arrays at each level of nesting."""
        limit = current_limits().operator_arrays
        if count > limit:
            raise OptionError(f"{self.type_name}: its inner nets hold {count:,} arrays (each copy counted: a "
                              f"NetBidirectionalOperator given one net holds two, so nesting them doubles the "
                              f"count per level), more than the operator_arrays limit ({limit:,}; "
                              f"{raise_hint('operator_arrays')})", option=self.POSITIONAL,
                              kind="limit", expected=limit, found=count)

    def check_ports(self, net: NetGraph, inputs: tuple | None, outputs: tuple | None, what: str,
                    option: str | None = None) -> None:
        """OptionError when the inner net's ports are not the ones this operator needs (None: any): a bad value of
        ``option`` (the option holding ``net``; default the positional one), ``port`` the inner port at fault."""
        bad_in = inputs is not None and set(net.input_ports) != set(inputs)
        bad_out = outputs is not None and set(net.output_ports) != set(outputs)
        if bad_in or bad_out:  # found: the bad group's ports; port: its first the operator does not use
            ports, wanted = (net.output_ports, outputs) if bad_out else (net.input_ports, inputs)
            raise OptionError(f"{self.type_name} needs an inner net with {what}; found input ports "
                              f"{list(net.input_ports)} and output ports {list(net.output_ports)}",
                              option=option or self.POSITIONAL, kind=VALUE_KIND, expected=what, found=list(ports),
                              port=next((p for p in ports if p not in wanted), None))

    @deep_walk
    def replace_layers(self, changes: Mapping[Any, Any]) -> NetOperator:
        """This operator with layers of its inner nets replaced: keys are paths ``(option, layer, ...)``
        (``("net", "l1")``); ``(option,)`` alone replaces the whole inner net."""
        grouped: dict[str, dict[tuple, Any]] = {}
        for key, layer in changes.items():
            path = (key,) if isinstance(key, str) else tuple(key)
            if not path or path[0] not in self.NETS:
                raise WiringError(f"{self.type_name} holds its inner nets in the options {list(self.NETS)}; the "
                                  f"path {quoted(path)} starts with {path[0] if path else None!r}"
                                  f"{did_you_mean(path[0], self.NETS) if path and isinstance(path[0], str) else ''}",
                                  kind="unknown-layer", layer=(), found=path[0] if path else None)
            grouped.setdefault(path[0], {})[path[1:]] = layer
        nets = {}
        for field, inner in grouped.items():
            whole = inner.pop((), None)
            net = getattr(self, field) if whole is None else as_inner_net(whole, self.type_name, field)
            nets[field] = inner_net_replaced(net, field, inner) if inner else net
        return dataclasses.replace(self, **nets)

    def passed_through(self, port: str) -> tuple[tuple[str, str], ...]:
        """(option, inner port) of each inner net that input ``port``'s values reach unchanged (one element at a
        time, as NetMapOperator's, or the whole sequence, as NetBidirectionalOperator's); empty: none does."""
        return ()

    def passed_out(self, option: str, inner_output: str) -> tuple[str, ...]:
        """The output ports that inner net ``option``'s output ``inner_output`` gives its values to unchanged."""
        return ()

    def with_encoder(self, port: str, encoder: Any) -> NetOperator:
        """The layers of the inner nets that input ``port`` passes its values to told of ``encoder`` in turn (an
        EmbeddingLayer there takes its n, as in a nested graph: ``NetGraph.with_encoder``); else itself."""
        told = {}
        for option, inner_port in self.passed_through(port):
            net = getattr(self, option)
            if (net_told := net.with_encoder(inner_port, encoder)) is not net:
                told[(option,)] = net_told
        return self.replace_layers(told) if told else self

    def with_inner_output(self, path: tuple[str, ...], port: str, at: tuple[str, ...]) -> tuple[NetOperator, str]:
        """This operator (at ``at`` in the net asked) with output ``port`` of the layer at ``path`` (its option, then
        the layers inside) an output of its own, and that output's name, for probing and edges. Here a WiringError:
        an operator that runs its inner net per step or several times has no one value of that port to give."""
        shown = "/".join(map(str, (*at, *path)))
        raise WiringError(f"the port {quoted(port)} of {shown!r} is inside {self.type_name} {shown_path(at)!r}, "
                          f"which {self.RUNS}, so the port cannot be probed or wired; probe the inner net alone on the "
                          f"values it gets: net_extract(net, {(*at, path[0])!r})(data, "
                          f"outputs=NetPort({(*path[1:], port)!r}))", kind="layer-path", layer=(*at, *path), port=port)

    # -- types --------------------------------------------------------------------------------------
    def inner_types(self, types: Mapping[str, PortType]) -> dict[str, dict[str, PortType]]:
        """For each inner net (by option), the types the operator's port ``types`` give its ports."""
        raise NotImplementedError

    def outer_types(self, types: Mapping[str, PortType], inner: Mapping[str, NetGraph]) -> dict[str, PortType]:
        """The operator's port types, from the current ones and the inner nets inferred from them (``port_types``)."""
        raise NotImplementedError

    def inner_nets(self, types: Mapping[str, PortType] | None = None) -> dict[str, NetGraph]:
        """The inner nets, given the port types ``types`` make them (ShapeError when they do not fit)."""
        try:
            return self._inner_nets(types)
        except Conflict as exc:  # its parts: an inner net's advice kept as advice (a spec writes it in YAML)
            problem = Diagnostic.of(exc.kind or "shape", f"{self.type_name}: ", *(exc.parts or (str(exc),)),
                                    port=exc.port, option=exc.option, layer=exc.inner or None, expected=exc.expected,
                                    found=exc.found)
            raise ShapeError(problem.message, diagnostics=[problem]) from None

    @deep_walk
    def _inner_nets(self, types: Mapping[str, PortType] | None, wanted: dict | None = None) -> dict[str, NetGraph]:
        """The inner nets as ``types`` run them; ``wanted`` (a dict) is filled with their ports' ``inner_types``."""
        nets = {f: getattr(self, f) for f in self.NETS}
        if types is None:
            return nets
        wanted = {} if wanted is None else wanted
        wanted.update(self.inner_types(types))
        return {f: specialised(net, wanted.get(f, {}), f) for f, net in nets.items()}

    def declared_types(self) -> dict[str, PortType]:
        """Nothing is declared: ``infer`` relates the ports to the inner nets, so a clash is reported in the
        operator's words (a non-sequence fed to a sequence port, a state that does not feed back)."""
        return {p: PortType(None, None) for p in (*self.input_ports, *self.output_ports)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        """``outer_types`` from the inner nets' settled types: a shape an inner layer only guesses is not
        passed out while the outer net may still give that port another (``default_types`` passes it)."""
        wanted: dict = {}
        inner = {f: settled_types(net) for f, net in self._inner_nets(types, wanted).items()}
        return self.outer_types(types, own_lengths(wanted, inner))  # (its nets' names local)

    def default_types(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        wanted: dict = {}
        inner = {f: net.port_types for f, net in self._inner_nets(types, wanted).items()}
        return self.outer_types(types, own_lengths(wanted, inner))

    def running_with(self, types: Mapping[str, PortType]) -> NetOperator:
        """This operator with its inner nets as its port ``types`` make them run (their ports' shapes), where those
        say more than the nets given; itself where they do not fit (NetGraphError), are not all known or add nothing."""
        if any(p not in types for p in (*self.input_ports, *self.output_ports)):
            return self
        try:
            shown = self.inner_nets(types)
        except NetGraphError:
            return self
        changed = {f: net for f, net in shown.items() if net is not getattr(self, f)}
        return dataclasses.replace(self, **changed) if changed else self

    def __repr__(self) -> str:
        """Its options, the inner nets as it runs them alone: of the port types its ports give them (an extracted
        operator's ports have the shapes they had in its net), where those say more than the nets given."""
        try:
            alone = self.running_with(as_net(self).ir.nodes[0].types)
        except NetGraphError:
            alone = self
        return Layer.__repr__(alone)

    # -- arrays -------------------------------------------------------------------------------------
    @property
    def shared(self) -> dict[str, str]:
        """The inner nets' shared arrays, by ``<option>.<inner path>.<Array>`` -> shared name."""
        return {".".join((field, *path, array)): name for field in self.NETS
                for name, users in getattr(self, field)._shared_users.items() for path, array in users}

    @property
    @deep_walk
    def arrays(self) -> dict[str, torch.Tensor | None]:
        held: dict[tuple, Mapping[str, Any]] = {}  # each inner layer's arrays, asked once: an inner operator's are
        for name, (field, path, _) in self._owners.items():  # computed afresh, and asking per array doubled per level
            if (field, path) not in held:
                held[(field, path)] = self._inner_layer(name).arrays
        return {name: held[(field, path)][inner] for name, (field, path, inner) in self._owners.items()}

    def _inner_layer(self, name: str) -> Layer:
        field, path, _ = self._owners[name]
        return getattr(self, field).ir.node(path).layer

    @deep_walk
    def with_arrays(self, arrays: Mapping[str, Any] | None = None, /, **named: Any) -> Layer:
        arrays = {**(arrays or {}), **named}
        unknown = [n for n in arrays if n not in self._owners]
        if unknown:
            raise OptionError(f"{self.type_name} has no array {unknown[0]!r}{did_you_mean(unknown[0], self._owners)}",
                              kind=ARGUMENT_KIND, found=unknown[0])
        grouped: dict[str, dict[tuple, dict[str, Any]]] = {}
        for name, value in arrays.items():
            field, path, inner = self._owners[name]
            grouped.setdefault(field, {}).setdefault(path, {})[inner] = value
        changes = {}
        for field, per_layer in grouped.items():
            net = getattr(self, field)
            changes[field] = net.replace_layers({path: net.ir.node(path).layer.with_arrays(values)
                                                 for path, values in per_layer.items()})
        return dataclasses.replace(self, **changes)

    @deep_walk
    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        """The inner layers' array shapes; ShapeError ("unknown-shape") naming the inner ports whose unknown shape
        leaves any unsized, its ``layer`` and ``port`` the first of them (the path below the operator: option, layers)."""
        shapes, unknown = {}, []
        for field, net in self.inner_nets(types).items():
            for node in net.ir.nodes:
                if not node.layer.ARRAYS:
                    continue
                bad = [(port, t) for port, t in node.types.items() if not t.known]
                unknown += [(f"{field}: {net.describe((node.path, port))} has unknown shape {t}", (field, *node.path),
                             port) for port, t in bad]
                if not bad:
                    shapes.update({".".join((field, *node.path, name)): shape
                                   for name, shape in _inner_array_shapes(field, net, node).items()})
        if unknown:
            raise ShapeError(f"cannot size the arrays inside {self.type_name} (its ports do not determine its inner "
                             f"nets'): {'; '.join(text for text, _, _ in unknown[:5])}; give those layers sizes (e.g. "
                             f"LinearLayer(n))", kind="unknown-shape", layer=unknown[0][1], port=unknown[0][2])
        return shapes

    @deep_walk
    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        return self._inner_layer(name).init_array(self._owners[name][2], shape, generator)

    # -- execution ----------------------------------------------------------------------------------
    @deep_walk
    def compiled_nets(self, types: Mapping[str, PortType]) -> dict[str, nn.Module]:
        """Each inner net compiled (with the port types ``types`` give it), by option name."""
        return {field: net.compile() for field, net in self.inner_nets(types).items()}


def _inner_array_shapes(field: str, net: NetGraph, node: Any) -> dict[str, tuple]:
    """The array shapes of the inner layer ``node`` of ``net`` (the operator's option ``field``); an operator's
    ShapeError naming a layer inside it, told from here: its path below this operator, its message led by where."""
    try:
        return node.layer.array_shapes(node.types)
    except ShapeError as exc:
        if exc.layer is None:
            raise
        raise ShapeError(f"{field}: {net.describe((node.path, None))}: {exc}", kind=exc.kind,
                         layer=(field, *node.path, *exc.layer), port=exc.port) from None

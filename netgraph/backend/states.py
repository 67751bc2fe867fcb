"""Recurrent states across calls: ``net(x, return_states=True)`` and ``net(x, states=...)``.

Wolfram reads every final recurrent state with ``net[x, NetPort[All, "States"]]``. Here
``net(x, return_states=True)`` returns ``(outputs, states)``: ``outputs`` as ``net(x)`` gives them, and
``states`` a dict by layer path (``"lstm"``, ``"enc/lstm"`` inside nested graphs) of dicts by state name
(``State``, and ``CellState`` for an LSTM), each a tensor (batch, size). ``net(x2, states=states)`` starts
those layers from the given states (the others from zeros), so a sequence can be fed in pieces.

It runs a copy of the net (cached with its compiled modules) in which every recurrent layer of the net and
of its nested graphs has its state ports, wired to extra graph ports; layers inside operators (NetMap,
NetFold, ...) keep their zero states and are not reported, nor are layers with ``state_input=True`` (their
initial states come from the net, so states= could not set them).
"""

from __future__ import annotations

import re
from typing import Any

import torch

from netgraph.core.names import fresh_name
from netgraph.core.errors import DataError, Diagnostic, did_you_mean
from netgraph.core.graph import NetGraph
from netgraph.core.naming_scope import shown_path
from netgraph.core.ports import NetPort
from netgraph.core.tensors import as_tensor
from netgraph.core.walk import nested_nodes
from netgraph.layers.recurrent import _Recurrent

__all__ = ["state_net", "split_state_keywords", "with_states", "states_need_grad", "given_states"]

_KEY = "states"  # where the net's compiled-module cache keeps its state copy (cleared with the arrays)


def split_state_keywords(net: Any, keywords: dict[str, Any]) -> tuple[dict[str, Any], Any, bool]:
    """``keywords`` without ``states=`` and ``return_states=`` (unless they name input ports), and their values."""
    rest = dict(keywords)
    states = rest.pop("states", None) if "states" not in net.input_ports else None
    wanted = rest.pop("return_states", False) if "return_states" not in net.input_ports else False
    if not isinstance(wanted, bool):
        raise DataError(f"return_states= takes True or False, found {wanted!r:.60}", kind="option-value",
                        option="return_states", expected=(True, False), found=wanted)
    return rest, states, wanted


def states_need_grad(states: Any) -> bool:
    """Whether a given state requires grad (gradients then flow through the call, as for inputs)."""
    return isinstance(states, dict) and any(isinstance(v, torch.Tensor) and v.requires_grad
                                            for d in states.values() if isinstance(d, dict) for v in d.values())


def _port(path: tuple[str, ...], state: str, taken: set[str]) -> str:
    """A new graph port name for a layer's state port: an ASCII identifier made from the layer path (a layer name
    need not be one: ``enc/lstm`` from net_flatten, ``my gru``), numbered when the name is taken."""
    name = fresh_name(re.sub(r"\W", "_", "_".join(("state", *path, state)), flags=re.ASCII), taken, "_")
    taken.add(name)
    return name


def _port_names(net: NetGraph) -> set[str]:
    """The graph port names of ``net`` and of its nested graphs (the state ports take other names)."""
    names = {*net.input_ports, *net.output_ports}
    for layer in net.layers.values():
        if isinstance(layer, NetGraph):
            names |= _port_names(layer)
    return names


def _all_edges(net: NetGraph) -> list[tuple]:
    """Every edge as an explicit (NetPort, NetPort | None) pair, the implicit ones to and from graph ports too, so
    a graph port keeps its name when the copy wires more of a layer's ports."""
    def port(ref: Any) -> NetPort:
        return NetPort(ref.port) if ref.layer is None else NetPort(ref.layer, ref.port)
    return [(port(e.src), port(e.dst)) for e in net.edges if e.implicit] + net.explicit_edges()


def _exposed(net: NetGraph, prefix: tuple[str, ...], taken: set[str]) -> tuple[NetGraph, dict[str, tuple]]:
    """A copy of ``net`` whose recurrent layers (at any nesting depth) have state ports, each wired to a graph
    port named apart from ``taken`` (which gains the names); and those graph ports: input/output port name ->
    (layer path, port of the layer). A layer with ``state_input=True`` takes its initial states from the net and
    is left as it is, so what return_states= gives back is what states= accepts."""
    layers, edges, ports = dict(net.layers), _all_edges(net), {}
    for name, layer in net.layers.items():
        path = (*prefix, name)
        if isinstance(layer, NetGraph):
            inner, found = _exposed(layer, path, taken)
            if found:
                layers[name] = inner
                ports.update(found)
        elif isinstance(layer, _Recurrent) and not layer.state_input:
            layers[name] = layer.replace(state_input=True, state_output=True)
            for state in layer.STATES:
                given, final = _port(path, f"Initial{state}", taken), _port(path, state, taken)
                edges.append((NetPort(given), NetPort(name, f"Initial{state}")))
                ports[given] = (path, f"Initial{state}")
                edges.append((NetPort(name, state), NetPort(final)))
                ports[final] = (path, state)
    if not ports:
        return net, ports
    return NetGraph(layers, edges, **net.port_shape_options()), ports


def state_net(net: NetGraph) -> tuple[NetGraph, dict[str, tuple]]:
    """The state-exposing copy of ``net`` and its state ports (cached on ``net`` until its arrays change)."""
    if net._compiled is None:
        net._compiled = {}
    if _KEY not in net._compiled:
        net._compiled[_KEY] = _exposed(net, (), _port_names(net))
    return net._compiled[_KEY]


def _key(path: Any) -> str:
    return "/".join(path) if isinstance(path, tuple) else str(path)


def _settable(ports: dict[str, tuple]) -> dict[str, dict[str, str]]:
    """Each layer (by path) whose initial states can be given: state name -> its graph input port."""
    out: dict[str, dict[str, str]] = {}
    for name, (path, port) in ports.items():
        if port.startswith("Initial"):
            out.setdefault("/".join(path), {})[port.removeprefix("Initial")] = name
    return out


def _unreachable(net: NetGraph) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """The layers with states that states= does not reach, by layer path as states= writes it: (kind, path, text)
    of each recurrent layer inside an operator (text: the operator holding it, ``"NetBidirectionalOperator 'bi'"``),
    of each recurrent layer with ``state_input=True`` and of each NetFoldOperator (whose states are its own ports)."""
    layers = dict(nested_nodes(net))
    found = {}
    for path, node in layers.items():
        holder = next((path[:i] for i in range(1, len(path)) if getattr(layers.get(path[:i]), "inner", None)), None)
        if holder is not None and isinstance(node.layer, _Recurrent):
            holder_name = f"{layers[holder].layer.type_name} {shown_path(holder)!r}"
            found["/".join(path)] = "state-in-operator", path, holder_name
        elif isinstance(node.layer, _Recurrent) and node.layer.state_input:
            found["/".join(path)] = "option-combination", path, ""
        elif node.layer.type_name == "NetFoldOperator":
            found["/".join(path)] = "state-of-fold", path, ""
    return found


def _unknown_layer(net: NetGraph, layer: str, layers: set[str]) -> Diagnostic:
    """The problem of a states= key that names no recurrent layer outside operators."""
    known = (f"its recurrent layers are {sorted(layers)}" if layers else "it has no recurrent layers "
             "(states= sets the initial states of LongShortTermMemoryLayer, GatedRecurrentLayer and "
             "BasicRecurrentLayer layers)")
    kind, path, operator = _unreachable(net).get(layer, ("unknown-layer", (), ""))
    if kind == "unknown-layer":
        return Diagnostic(f"states=: {layer!r} is no recurrent layer of this net{did_you_mean(layer, layers)}; "
                          f"{known}", "unknown-layer", layer=(), option="states", found=layer, expected=tuple(sorted(layers)))
    outside = f"its recurrent layers are {sorted(layers)}" if layers else "it has no recurrent layer outside operators"
    if kind == "option-combination":
        return Diagnostic(f"states=: layer {layer!r} takes its initial states from its own InitialState port "
                          f"(state_input=True), so states= and return_states= leave it out (state_output=True gives "
                          f"its final states as outputs); {outside}", kind, layer=path, option="states",
                          port="InitialState")
    if kind == "state-of-fold":
        return Diagnostic(f"states=: {layer!r} is a NetFoldOperator, whose initial state is its input port "
                          f"'InitialState' (state_input=True adds it) and final state its output 'State'; {outside}",
                          "state-of-fold", layer=path, option="states")
    return Diagnostic(f"states=: {layer!r} is inside {operator}, whose inner nets start from zero states at every "
                      f"call (states= and return_states= reach the recurrent layers outside operators); {outside}",
                      "state-in-operator", layer=path, option="states")


def _checked_keys(net: NetGraph, ports: dict[str, tuple], states: Any) -> dict[str, dict[str, Any]]:
    """``states`` by layer path and state name; one DataError naming each unknown layer, state or bad value."""
    if not isinstance(states, dict):
        raise DataError(f"states= takes a dict by layer path (as net(x, return_states=True) returns), found "
                        f"{type(states).__name__}", kind="option-value", option="states",
                        expected="a dict by layer path", found=type(states).__name__)
    layers, settable = {"/".join(path) for path, _ in ports.values()}, _settable(ports)
    given, errors = {_key(k): v for k, v in states.items()}, []
    for layer, value in given.items():
        if layer not in layers:
            errors.append(_unknown_layer(net, layer, layers))
        elif not isinstance(value, dict):
            errors.append(Diagnostic(f"states=: layer {layer!r} takes a dict by state name "
                                     f"({', '.join(settable[layer])}), found {type(value).__name__}", "option-value",
                                     layer=tuple(layer.split("/")), option="states", expected="a dict by state name",
                                     found=type(value).__name__))
        else:
            errors += [Diagnostic(f"states=: layer {layer!r} has no state {k!r}{did_you_mean(k, settable[layer])}; "
                                  f"its states are {list(settable[layer])}", "unknown-key", layer=tuple(layer.split("/")),
                                  option="states", expected=tuple(settable[layer]), found=k)
                       for k in value if k not in settable[layer]]
    if errors:
        raise DataError("; ".join(map(str, errors)), errors)
    return given


def given_states(net: NetGraph, states: Any, batch: int, single: bool, dtype: torch.dtype,
                 device: torch.device = torch.device("cpu")) -> dict[str, dict[str, torch.Tensor]]:
    """The given states (a ``states=`` value) checked against ``net``'s recurrent layers and ``batch`` examples,
    as tensors (batch, size) by layer path and state name; one DataError naming each layer, state, expected and
    found shape."""
    exposed, ports = state_net(net)
    given, settable, types = _checked_keys(net, ports, states), _settable(ports), exposed.port_types
    out, errors = {}, []
    for layer, values in given.items():
        for state, value in values.items():
            size = types[settable[layer][state]].shape
            try:
                value = as_tensor(value, dtype=dtype, device=device)
            except (TypeError, ValueError, RuntimeError) as exc:
                errors.append(Diagnostic(f"states=: layer {layer!r} state {state!r}: cannot make a tensor: {exc}",
                                         "not-a-tensor", layer=tuple(layer.split("/")), option="states",
                                         expected="a tensor", found=type(value).__name__, detail=str(exc)))
                continue
            value = value.unsqueeze(0) if single and value.dim() == len(size) else value
            if tuple(value.shape) != (batch, *size):
                errors.append(Diagnostic(f"states=: layer {layer!r} state {state!r} expected shape ({batch}, "
                                         f"{', '.join(map(str, size))}) (batch, size), found {tuple(value.shape)}",
                                         "data-shape", layer=tuple(layer.split("/")), option="states",
                                         expected=(batch, *size), found=tuple(value.shape)))
            out.setdefault(layer, {})[state] = value
    if errors:
        raise DataError("; ".join(map(str, errors)), errors)
    return out


def _initial(net: NetGraph, states: Any, batch: int, single: bool, dtype: torch.dtype,
             device: torch.device) -> dict[str, torch.Tensor]:
    """A tensor for every state input port of ``net``'s state copy: the given state, or zeros."""
    exposed, ports = state_net(net)
    given = given_states(net, {} if states is None else states, batch, single, dtype, device)
    out = {}
    for layer, names in _settable(ports).items():
        for state, name in names.items():
            value = given.get(layer, {}).get(state)
            out[name] = value if value is not None else torch.zeros(batch, *exposed.port_types[name].shape,
                                                                    dtype=dtype, device=device)
    return out


def with_states(net: NetGraph, run: Any, tensors: dict[str, torch.Tensor], single: bool, states: Any,
                dtype: torch.dtype) -> tuple:
    """``run(exposed_net, tensors)`` with the initial states (in ``dtype``) added; (outputs as ``net`` gives
    them, final states)."""
    exposed, ports = state_net(net)
    first = next(iter(tensors.values()), None)
    batch, device = (1, torch.device("cpu")) if first is None else (first.shape[0], first.device)
    result = run(exposed, {**tensors, **_initial(net, states, batch, single, dtype, device)})
    result = result if isinstance(result, dict) else {exposed.output_ports[0]: result}
    finals: dict[str, dict[str, torch.Tensor]] = {}
    for name, (path, port) in ports.items():
        if not port.startswith("Initial"):
            finals.setdefault("/".join(path), {})[port] = result[name][0] if single else result[name]
    outputs = {p: result[p][0] if single else result[p] for p in net.output_ports}
    return (outputs if len(outputs) > 1 else next(iter(outputs.values()))), finals

"""Losses for net_train: attached automatically by output layer, or given as ``loss_function``.

Automatic (``loss_function=None``), as Wolfram's NetTrain does:

* outputs named ``Loss`` or produced by a ``...LossLayer`` or a ``KLDivergenceLayer`` are used as they are
  (and only they);
* otherwise every output port gets a loss chosen by the layer feeding it: SoftmaxLayer ->
  cross-entropy (Index targets: integer class indices counted from 0; a float target with the
  output's shape is taken as Probabilities), ElementwiseLayer LogisticSigmoid -> binary
  cross-entropy, anything else -> mean squared error.

Target keys: with one output port the target is read from ``"Target"`` (the output's own name, e.g.
``"Output"``, is accepted too, as Wolfram does), or from ``"<port>Target"`` (``"OutputTarget"``) when an input port
is named ``Target``; with several, from each output port's name (or ``"<port>Target"`` when an input port has that
name).

Other forms: a port name (that output is the loss); a loss layer or loss net with ports ``Input`` and
optional ``Target`` (the net must have one output); a callable ``f(outputs, batch)`` getting dicts of
tensors by port and data key and returning a scalar or one loss per example; or a dict
``{port or label: spec or weight or (spec, weight) or {loss, weight, warmup, ...}}`` whose terms are summed
with their weights (a weight may warm up linearly: ``netgraph.train.weights``).
Every term gives one value per example (array-valued losses are summed per example); the batch
loss is their mean.

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph([LinearLayer(1)], [], Input=2)
>>> loss = attach_losses(net, None)
>>> loss.describe()
"mean squared error on 'Output' vs key 'Target'"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from netgraph.core.wording import counted
from netgraph.core.layer import Layer
from netgraph.core.errors import DataError, OptionError, did_you_mean
from netgraph.core.muted_outputs import require_outputs
from netgraph.train.data import Expect
from netgraph.train.data_pairs import lone_target_key
from netgraph.core.types import INTEGER
from netgraph.layers.estimators import _surrogate, pending_here
from netgraph.layers.score_records import this_thread
from netgraph.train.weights import WeightSchedule, parse_weight
from netgraph.train.loss_terms import AutoTerm, CallableTerm, LayerTerm, PortTerm, Term
from netgraph.train.other_names import loss_layer_for, loss_name_hint

__all__ = ["Loss", "attach_losses", "auto_kind", "is_loss_port", "surrogate_term", "passed_through"]

AUTOMATIC = (None, "Automatic", "automatic", "auto")


def not_an_output_port(name: object, outputs: Any, listed: str | None = None) -> str:
    """"'name' is not an output port (did you mean ...?); the outputs are ..." (``listed``, else ``outputs`` joined).

    >>> not_an_output_port("Outptu", ["Output", "Loss"])
    "'Outptu' is not an output port (did you mean 'Output'?); the outputs are Output, Loss"
    """
    return (f"{name!r} is not an output port{did_you_mean(name, outputs)}; the outputs are "
            f"{', '.join(outputs) if listed is None else listed}")


def is_loss_port(net: Any, port: str) -> bool:
    """True for an output named 'Loss' or fed by a loss layer or a KLDivergenceLayer (used as they are)."""
    path, _ = net.producer(((), port))
    return port == "Loss" or (bool(path) and net.layer_at(path).type_name.endswith(("LossLayer", "KLDivergenceLayer")))


def auto_kind(net: Any, port: str) -> str:
    """'index' (after a SoftmaxLayer), 'binary' (after LogisticSigmoid) or 'mse'; a NetMapOperator's output is
    its inner net's, per element."""
    layer, rank = _final_layer(net, port, len(net.port_types[port].shape or ()))
    if layer is None:
        return "mse"
    if layer.type_name == "SoftmaxLayer":
        level = getattr(layer, "level", -1)
        return "index" if rank and (level == -1 or level == rank) else "mse"
    if layer.type_name == "ElementwiseLayer" and getattr(layer, "function", None) in ("LogisticSigmoid", "Sigmoid"):
        return "binary"
    return "mse"


def _final_layer(net: Any, port: str, rank: int) -> tuple[Layer | None, int]:
    """The leaf layer whose output reaches the output ``port`` (of ``rank`` dims), looking into NetMapOperators'
    inner nets (each takes off the sequence dim), and that output's rank; None for a graph input."""
    path, out = net.producer(((), port))
    layer = net.layer_at(path) if path else None
    while layer is not None and layer.type_name == "NetMapOperator":
        inner_path, out = layer.net.producer(((), out))
        layer, rank = (layer.net.layer_at(inner_path) if inner_path else None), rank - 1
    return layer, rank


class Loss:
    """The attached losses: ``loss(outputs, batch)`` gives (per-example total or None, batch mean).

    ``schedules`` (one WeightSchedule per term, default constant) set the weights through ``set_progress``;
    after each call ``last_terms`` holds each term's unweighted batch mean (detached), by label.

    >>> from netgraph import NetChain, LinearLayer, SoftmaxLayer, net_initialize
    >>> net = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], Input=2), seed=0)
    >>> loss = attach_losses(net, None)
    >>> x, y = torch.randn(8, 2), torch.randint(0, 2, (8,))
    >>> per_example, mean = loss({"Output": net.compile()(Input=x)}, {"Input": x, "Target": y})
    >>> per_example.shape, bool(mean == per_example.mean())
    (torch.Size([8]), True)
    """

    def __init__(self, terms: list[tuple[float, Term]], schedules: list[WeightSchedule] | None = None):
        self.schedules = schedules or [WeightSchedule(w) for w, _ in terms]
        self.terms = [(s.at(0, 0.0), t) for s, (_, t) in zip(self.schedules, terms)]
        self.allow_extra = any(isinstance(t, CallableTerm) for _, t in terms)
        self.last_terms: dict[str, torch.Tensor] = {}

    @property
    def labels(self) -> list[str]:
        """Each term's label (its output port, or its key in ``loss_function``)."""
        return [t.label for _, t in self.terms]

    @property
    def weights(self) -> dict[str, float]:
        """Each term's weight now, by label."""
        return {t.label: w for w, t in self.terms}

    def set_progress(self, batches: int, rounds: float) -> None:
        """Set scheduled weights for the step after ``batches`` steps (``rounds`` rounds, fractional)."""
        self.terms = [(s.at(batches, rounds), t) for s, (_, t) in zip(self.schedules, self.terms)]

    def warming_up(self) -> bool:
        """Whether a term's weight is still warming up (short of its scheduled weight): such a round's loss, weighted
        less, is not compared with others."""
        return any(w != s.weight for s, (w, _) in zip(self.schedules, self.terms))

    def describe(self) -> str:
        return " + ".join(t.describe() if s.constant and s.weight == 1 else f"{s.describe()} * {t.describe()}"
                          for s, (_, t) in zip(self.schedules, self.terms))

    def targets(self, samples: Mapping[str, torch.Tensor]) -> dict[str, Expect]:
        out: dict[str, Expect] = {}
        for _, term in self.terms:
            if term.target_key and term.target_key not in samples and term.alias in samples:
                term.target_key = term.alias
            out.update(term.targets(samples))
        return out

    def used_outputs(self, net: Any) -> set[str]:
        """The output ports the loss reads (all of them when a callable may read any)."""
        if self.allow_extra:
            return set(net.output_ports)
        return {t.port for _, t in self.terms}

    def to(self, device: torch.device) -> Loss:
        for _, term in self.terms:
            term.to(device)
        return self

    def _prepare(self, outputs: dict, batch: Mapping[str, Any]) -> None:
        """Build the loss modules from ``batch``'s targets on the first call outside net_train (which builds
        them through ``targets`` before training), on the outputs' device."""
        ports = [t.port for _, t in self.terms if getattr(t, "port", None) is not None]
        if not isinstance(outputs, Mapping) or not isinstance(batch, Mapping) or set(ports) - set(outputs):
            found = sorted(outputs) if isinstance(outputs, Mapping) else type(outputs).__name__
            raise DataError(f"the loss takes the net's outputs as a dict by port (it reads {ports}) and the batch as a "
                            f"dict by data key, found outputs {found} and a batch of type {type(batch).__name__}: "
                            f"loss({{{ports[0]!r}: module(Input=x)}}, {{'Input': x, 'Target': y}})",
                            kind="loss-arguments", expected=tuple(ports), found=(
                                tuple(found) if isinstance(found, list) else found, type(batch).__name__))
        self.targets(batch)
        missing = [t for _, t in self.terms if getattr(t, "module", True) is None]
        if missing:
            keys = sorted(batch)
            raise DataError(f"the loss {missing[0].describe()} needs the target under key "
                            f"{missing[0].target_key!r}{did_you_mean(missing[0].target_key, keys)}; the batch has "
                            f"keys {keys}", kind="missing-key", port=getattr(missing[0], "port", None),
                            expected=missing[0].target_key, found=tuple(keys))
        device = next((v.device for v in outputs.values() if isinstance(v, torch.Tensor)), None)
        if device is not None:
            self.to(device)

    def __call__(self, outputs: dict, batch: dict, n: int | None = None,
                 where: Callable[[], str] | None = None) -> tuple[torch.Tensor | None, torch.Tensor]:
        """(per-example total or None, batch mean); ``n`` (the batch size, checked against each term's
        per-example count) defaults to the first dimension of the batch's first tensor; ``where()`` says where a loss
        function that raises was called ("at round 1, batch 2")."""
        if any(getattr(t, "module", True) is None for _, t in self.terms):
            self._prepare(outputs, batch)
        if n is None:
            n = next((v.shape[0] for v in (*batch.values(), *outputs.values())
                      if isinstance(v, torch.Tensor) and v.dim()), None)
        per_example: Any = 0
        total: Any = 0
        for weight, term in self.terms:
            value = term(outputs, batch, where)
            if value.dim() == 1 and n is not None and value.shape[0] != n:
                raise OptionError(f"loss {term.describe()} gave {counted(value.shape[0], 'value')} for a batch of "
                                  f"{counted(n, 'example')}", kind="loss-values", option="loss_function",
                                  expected=n, found=value.shape[0])
            mean = value.mean()
            self.last_terms[term.label] = mean.detach()
            scaled = value if weight == 1 else weight * value
            per_example = per_example + scaled if per_example is not None and value.dim() == 1 else None
            total = total + (mean if weight == 1 else weight * mean) if len(self.terms) > 1 else (
                mean if weight == 1 else weight * mean)
        return per_example, total


def _target_key(net: Any, port: str) -> str:
    if len(net.output_ports) == 1:
        return lone_target_key(net.input_ports, port)
    return f"{port}Target" if port in net.input_ports else port


def _with_alias(net: Any, term: Term) -> Term:
    """A single output's own name works as its target's key too (beside 'Target', or 'OutputTarget' where an input
    port is named Target), unless an input port has that name."""
    if term.target_key in ("Target", f"{term.label}Target") and term.label not in net.input_ports:
        term.alias, term.home_key = term.label, term.target_key
    return term


def _auto(net: Any, port: str) -> Term:
    if is_loss_port(net, port):
        return PortTerm(port)
    _refuse_passed_through(net, port)
    if net.port_types[port].dtype == INTEGER:  # e.g. a Categorical's class indices: no loss takes them
        raise OptionError(f"output port {port!r} gives Integer values (such as the class indices a RandomArrayLayer "
                          f"draws from a CategoricalDistribution), which no automatic loss takes: they carry no "
                          f"gradient. Give loss_function= (a callable over the outputs, or a loss output), or draw "
                          f"one-hot vectors with estimator='straight_through' or 'relaxed'", option="loss_function",
                          kind="option-value", port=port, expected="Real", found="Integer")
    return _with_alias(net, AutoTerm(port, auto_kind(net, port), net.port_types[port], _target_key(net, port)))


def _passed_input(net: Any, port: str) -> str | None:
    """The graph input that output ``port`` passes straight through, nested graphs included (the IR's producer map is
    flat: no walk, whatever the depth); None where a layer computes it."""
    value = net.ir.producer(((), port))
    return value.port if value.node is None else None


def passed_through(net: Any, port: str) -> str:
    """'...' saying that output ``port`` is a graph input passed straight through (no layer gives it, so no automatic
    loss takes it: Integer values carry no gradient, a Real one's loss is a constant), or '' where a layer gives it."""
    source = _passed_input(net, port)
    if source is None:
        return ""
    why = "its Integer values carry no gradient" if net.port_types[port].dtype == INTEGER else \
        "no array gives its values"
    return f"{port!r} is input {source!r} passed straight through: {why}"


def _refuse_passed_through(net: Any, port: str) -> None:
    """OptionError for an output ``port`` that passes a graph input straight through (no layer gives it), naming the
    input and a loss over the other outputs."""
    said = passed_through(net, port)
    if not said:
        return
    computed = [p for p in net.output_ports if _passed_input(net, p) is None]
    others = {p: 1 for p in computed if net.port_types[p].dtype != INTEGER}
    fix = f"give loss_function={others}" if others else "give loss_function= (a callable over the outputs)"
    found = "Integer" if net.port_types[port].dtype == INTEGER else "Real"
    if not computed:  # any loss of it is a constant
        raise OptionError(f"output port {said}, and the net has no output a layer computes, so nothing to train: "
                          f"wire a layer's output to a graph output", option="loss_function", kind="option-value",
                          port=port, expected="an output a layer gives", found=found)
    raise OptionError(f"output port {said}, so no automatic loss takes it; {fix} and leave the {port!r} key out of "
                      f"the data", option="loss_function", kind="option-value", port=port,
                      expected="an output a layer gives" if found == "Real" else "Real", found=found)


def _term(net: Any, key: str, spec: Any) -> Term:
    outputs = net.output_ports
    if callable(spec) and not isinstance(spec, Layer):
        return CallableTerm(key, spec)
    if key not in outputs:
        raise OptionError(f"loss_function key {not_an_output_port(key, outputs, str(list(outputs)))} (a callable "
                          f"loss may use any label)", **_no_port(net, key))
    if spec in AUTOMATIC:
        return _auto(net, key)
    if isinstance(spec, str) and spec == key:  # the port's own name, as loss_function="port": the output is the loss
        return PortTerm(key)
    if isinstance(spec, Layer):
        return _with_alias(net, LayerTerm(key, spec, net.port_types[key], _target_key(net, key)))
    raise OptionError(f"loss_function[{key!r}] must be a loss layer, a callable, 'Automatic', the port's name "
                      f"{key!r} (the output itself is the loss), a weight or (spec, weight); found {spec!r}"
                      f"{loss_name_hint(spec)}",
                      kind="loss-term", option="loss_function", port=key, found=spec,
                      detail=f"must be a weight, a mapping {{loss: ..., weight: ..., "
                      f"warmup: ...}}, 'Automatic' or the port's name {key!r} (the output itself is the loss); found "
                      f"{spec!r}")  # the command line's words (netgraph train --loss), which give no Python objects


def attach_losses(net: Any, spec: Any) -> Loss:
    """The Loss for ``net`` given ``loss_function=spec`` (see the module docstring for the forms)."""
    outputs = net.output_ports
    if spec in AUTOMATIC:
        require_outputs(net, "loss_function", "to attach a loss to", "loss_function")  # nothing to compare
        ports = [p for p in outputs if is_loss_port(net, p)] or list(outputs)
        return Loss([(1.0, _auto(net, p)) for p in ports])
    if isinstance(spec, str):
        if spec not in outputs:
            raise OptionError(f"loss_function={not_an_output_port(spec, outputs, str(list(outputs)))}"
                              f"{loss_name_hint(spec)}", **_no_port(net, spec))
        return Loss([(1.0, PortTerm(spec))])
    if isinstance(spec, Layer):
        plain = [p for p in outputs if not is_loss_port(net, p)]
        if len(plain) != 1:
            raise OptionError(f"loss_function={spec!r} needs a net with one output; this one has {list(outputs)}: "
                              f"give a dict {{port: loss layer}} instead", option="loss_function", kind="port-count",
                              expected=1, found=tuple(outputs))
        key = lone_target_key(net.input_ports, plain[0])
        return Loss([(1.0, _with_alias(net, LayerTerm(plain[0], spec, net.port_types[plain[0]], key)))])
    if callable(spec):
        return Loss([(1.0, CallableTerm("loss", spec))])
    if isinstance(spec, Mapping) and spec:
        terms, schedules = [], []
        for key, value in spec.items():
            inner, schedule = parse_weight(str(key), value)
            terms.append((schedule.weight, _term(net, str(key), inner)))
            schedules.append(schedule)
        return Loss(terms, schedules)
    raise OptionError(f"loss_function must be {_FORMS}; found {spec!r}{_listed(net, spec)}", option="loss_function",
                      kind="option-value", expected=_FORMS, found=spec)


#: what loss_function takes, in words
_FORMS = ("None (automatic), an output port name, a loss layer, a callable f(outputs, batch) or a dict of weighted "
          "losses")


def _no_port(net: Any, name: str) -> dict[str, Any]:
    """The Diagnostic fields of loss_function naming ``name``, which is no output port of ``net``."""
    return {"option": "loss_function", "kind": "unknown-port", "port": name, "expected": tuple(net.output_ports),
            "found": name}


def _listed(net: Any, spec: Any) -> str:
    """How Wolfram's list of losses (summed) is written: a dict by output port."""
    if not isinstance(spec, (list, tuple)) or not spec:
        return ""
    layers = [loss_layer_for(s) for s in spec]
    if None not in layers and len(layers) == len(net.output_ports):  # Keras's losses, one per output in order
        rules = ", ".join(f"{port!r}: {layer}" for port, layer in zip(net.output_ports, layers))
        return f" (Keras's list of losses, one per output, is a dict by output port here: loss_function={{{rules}}})"
    example = ", ".join(f"{s!r}: {s!r}" for s in spec) if all(isinstance(s, str) for s in spec) else "port: loss"
    return (f" (Wolfram's list of losses, which are summed, is a dict by output port here: loss_function="
            f"{{{example}}}, each output the loss itself; a weight or (loss, weight) as a value)")


def surrogate_term(module: torch.nn.Module, per_example: torch.Tensor | None, total: torch.Tensor,
                   modules: list[torch.nn.Module] | None = None, whole_batch: bool = False) -> torch.Tensor | None:
    """The score-function surrogate term for the draws of discrete random layers (None when there are none).

    It is added to the objective before ``backward`` only (its value is exactly 0), so the reported
    loss is the real one. Layers that drew record themselves, per thread
    (``netgraph.layers.estimators.record_score``, ``pending_here``); ``modules`` (the module's submodules, cached by the
    caller) makes the check for such records cheap; ``whole_batch``: every draw scored by the whole loss
    (``surrogate_loss``'s ``score_whole_batch``).
    """
    here = this_thread()
    if not any(pending_here(m, here) for m in (modules if modules is not None else module.modules())):
        return None
    return _surrogate(module, per_example if per_example is not None else total, "mean", strict=False, modules=modules,
                      whole_batch=whole_batch)

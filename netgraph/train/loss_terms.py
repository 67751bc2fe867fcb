"""The terms a net_train loss sums: an output port used as the loss, a loss layer or loss net applied to an output
(the automatic choice among them), and a Python function of the outputs and the batch. Each gives one value per
example (array-valued losses summed per example); ``netgraph.train.loss`` attaches and weighs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from netgraph.train.torch_objects import channel_classes_hint, class_labels, logits_hint, refuse_torch_loss
from netgraph.core.layer import Layer
from netgraph.core.errors import NetGraphError, OptionError
from netgraph.train.data import Expect
from netgraph.train.loss_inputs import loss_inputs
from netgraph.train.callables import call_user, function_name, refuse_misfit
from netgraph.core.types import INTEGER, REAL, PortType
from netgraph.core.graph import NetGraph
from netgraph.backend.initialize import net_initialize
from netgraph.layers.losses import CrossEntropyLossLayer, MeanSquaredLossLayer

__all__ = ["Term", "PortTerm", "LayerTerm", "AutoTerm", "CallableTerm", "loss_layer"]


def _per_example(x: torch.Tensor, reduce: str = "sum") -> torch.Tensor:
    if x.dim() <= 1:
        return x
    flat = x.flatten(1)
    return flat.sum(1) if reduce == "sum" else flat.mean(1)


class Term:
    label: str
    target_key: str | None = None
    alias: str | None = None  # another key the target may be given under (a single output's own name)
    home_key: str | None = None  # the key the loss names first, where it has an alias ('Target', 'OutputTarget')

    def targets(self, samples: Mapping[str, torch.Tensor]) -> dict[str, Expect]:
        return {}

    def to(self, device: torch.device) -> None:
        pass


class PortTerm(Term):
    """An output port used as the loss (summed per example)."""

    def __init__(self, port: str):
        self.label = self.port = port

    def describe(self) -> str:
        return f"output {self.port!r} as the loss"

    def __call__(self, outputs: dict, batch: dict, where: Callable[[], str] | None = None) -> torch.Tensor:
        return _per_example(outputs[self.port])


class LayerTerm(Term):
    """A loss layer or loss net (ports Input and optional Target) applied to an output port."""

    def __init__(self, port: str, layer: Layer, out: PortType, target_key: str):
        self.label, self.port, self.layer, self.out, self.target_key = port, port, layer, out, target_key
        self.module = None
        ports = tuple(layer.input_ports)
        if "Input" not in ports or set(ports) - {"Input", "Target"} or len(layer.output_ports) != 1:
            raise OptionError(f"loss_function {layer!r} for output {port!r} must have an input port 'Input', an "
                              f"optional 'Target' and one output; it has inputs {list(ports)} and outputs "
                              f"{list(layer.output_ports)}", option="loss_function", kind="option-value", port=port,
                              expected="an input port 'Input', an optional 'Target' and one output",
                              found=(ports, tuple(layer.output_ports)))
        if "Target" not in ports:
            self.target_key = None

    def describe(self) -> str:
        return f"{self.layer.type_name} on {self.port!r}" + (f" vs key {self.target_key!r}" if self.target_key else "")

    def _limits(self) -> dict[str, Any]:
        form, shape = getattr(self.layer, "form", None), self.out.shape
        if self.layer.type_name != "CrossEntropyLossLayer":
            return {}
        if form == "Index" and shape and isinstance(shape[-1], int):
            return {"classes": shape[-1]}
        return {"unit_interval": True} if form in ("Binary", "Probabilities") else {}  # targets: probabilities

    def _graph(self, declared: dict) -> Any:
        try:
            return NetGraph({"loss": self.layer}, [], **declared)
        except NetGraphError as exc:
            raise type(exc)(f"loss_function {self.layer!r} on output port {self.port!r}: {exc}") from None

    def targets(self, samples: Mapping[str, torch.Tensor]) -> dict[str, Expect]:
        declared = {"Input": self.out}
        graph = self._graph(declared)
        expect = {}
        if self.target_key:
            t, sample = graph.port_types["Target"], samples.get(self.target_key)
            if not t.known and sample is not None:
                dtype = REAL if sample.is_floating_point() else INTEGER
                graph = self._graph({**declared, "Target": PortType(tuple(sample.shape[1:]), dtype)})
            expect[self.target_key] = Expect(graph.port_types["Target"], f"target of output port {self.port!r} "
                                              f"({self.describe().split(' on ')[0]}"
                                              f"{self._alias_hint()})",
                                              role=f"target of output port {self.port!r}", finite=True,
                                              alias=self._other_key(), hint=self._target_hint(sample),
                                              missing_hint=self._missing_hint(), **self._limits())
            if sample is None:
                return expect  # the data check reports the missing key
        self.module = net_initialize(graph).compile()
        self.module.requires_grad_(False)
        return expect

    def _target_hint(self, target: torch.Tensor | None) -> str:
        """The usual cause of a target that does not fit, said with the shape error (or '')."""
        if self.layer.type_name == "CrossEntropyLossLayer" and getattr(self.layer, "form", None) == "Index":
            return channel_classes_hint(target, self.out.shape)
        return ""

    def _missing_hint(self) -> str:
        """What to give when the target is missing (or ''): see AutoTerm."""
        return ""

    def _alias_hint(self) -> str:
        """'; key <alias> works too', unless the data already uses that key (or there is none)."""
        return f"; key {self.alias!r} works too" if self.alias and self.alias != self.target_key else ""

    def _other_key(self) -> str | None:
        """The other key the target may be given under: the output's name for 'Target', and back."""
        return None if self.alias is None else self.alias if self.target_key != self.alias else self.home_key

    def to(self, device: torch.device) -> None:
        if self.module is not None:
            self.module.to(device)

    def __call__(self, outputs: dict, batch: dict, where: Callable[[], str] | None = None) -> torch.Tensor:
        args = {"Input": outputs[self.port]}
        if self.target_key:
            args["Target"] = batch[self.target_key]
        return _per_example(self.module(**args))


class AutoTerm(LayerTerm):
    """The automatic loss for an output: the catalogue's MeanSquaredLossLayer or CrossEntropyLossLayer."""

    NAMES = {"mse": "mean squared error", "binary": "binary cross-entropy", "index": "cross-entropy",
             "probabilities": "cross-entropy (probabilities)"}

    def __init__(self, port: str, kind: str, out: PortType, target_key: str):
        super().__init__(port, loss_layer(kind), out, target_key)
        self.kind = kind

    def describe(self) -> str:
        return f"{self.NAMES[self.kind]} on {self.port!r} vs key {self.target_key!r}"

    def _missing_hint(self) -> str:
        """For an output of one value per example (a loss computed in the net, such as a KL term): how to minimise
        it as it is, which needs no target."""
        if self.out.shape != ():
            return ""
        return (f"; to minimise the output {self.port!r} itself (one value per example), give the port's own name as "
                f"its loss: loss_function={{{self.port!r}: {self.port!r}, ...}} (netgraph train --loss "
                f"'{{{self.port}: {self.port}, ...}}')")

    def targets(self, samples: Mapping[str, torch.Tensor]) -> dict[str, Expect]:
        t, shape = samples.get(self.target_key), self.out.shape
        if self.kind == "index" and t is not None and t.is_floating_point() and shape and t.dim() == len(shape) + 1:
            self.kind, self.layer = "probabilities", loss_layer("probabilities")
        return super().targets(samples)

    def _target_hint(self, target: torch.Tensor | None) -> str:
        if hint := channel_classes_hint(target, self.out.shape):  # whichever loss: the scores' layout is the cause
            return hint
        if self.kind == "mse" and class_labels(target, self.out.shape):  # a torch classifier's logits, as they are
            return logits_hint(self.port, self.target_key in ("Target", self.alias))
        return ""


class CallableTerm(Term):
    """A Python function f(outputs, batch) -> a scalar or one loss per example."""

    def __init__(self, label: str, fn: Callable):
        refuse_torch_loss(fn)  # nn.CrossEntropyLoss() takes (input, target), not (outputs, batch)
        self.label, self.fn = label, fn
        self._described = f"{function_name(fn)}(outputs, batch)"  # read at every batch
        self._subject = f"loss_function {self._described}"
        self._check_arity()

    def _check_arity(self) -> None:
        """OptionError before training when ``fn``'s signature cannot take (outputs, batch) by position (a builtin's
        that cannot be read is trusted)."""
        refuse_misfit(self.fn, "loss_function", "f(outputs, batch)",
                      meaning=": the net's outputs and the batch's data, dicts by name")

    def describe(self) -> str:
        return self._described

    def __call__(self, outputs: dict, batch: dict, where: Callable[[], str] | None = None) -> torch.Tensor:
        """The loss per example; an exception of ``fn``'s own is an OptionError naming ``where()`` it was called."""
        value = call_user(self.fn, *loss_inputs(outputs, batch, self._described), option="loss_function", where=where,
                          subject=self._subject)
        if not isinstance(value, torch.Tensor):
            raise OptionError(f"loss_function {self.describe()} must return a tensor (a scalar or one value per "
                              f"example), returned {type(value).__name__}", option="loss_function",
                              kind="option-value", expected="a tensor", found=type(value).__name__)
        if not value.is_floating_point():  # torch's mean() of integers, or a complex backward, fails deep inside
            raise OptionError(f"loss_function {self.describe()} must return a tensor of real floating-point values "
                              f"(a scalar or one value per example), returned one of dtype {value.dtype}: "
                              f"{_NOT_A_LOSS[value.is_complex()]}", option="loss_function", kind="option-value",
                              expected="a floating-point dtype", found=str(value.dtype))
        return _per_example(value)


#: Why a callable's tensor of another dtype is no loss (by whether it is complex), and what to return instead.
_NOT_A_LOSS = {False: "integers and booleans (a count, a comparison) have no gradient; compute the loss from the "
                      "outputs' values (a cross-entropy, a squared error) instead",
               True: "complex numbers have no order to minimise; return a real value such as .abs() or .real"}


def loss_layer(kind: str) -> Layer:
    forms = {"index": "Index", "probabilities": "Probabilities", "binary": "Binary"}
    return MeanSquaredLossLayer() if kind == "mse" else CrossEntropyLossLayer(forms[kind])

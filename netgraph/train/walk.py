"""net_train's runs of the net: a batch through the model (a bad distribution parameter named with the round and
batch), the first layer output that is not finite, the layers that reach the loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.backend.interpreter import ModuleRunner
from netgraph.core.errors import DataError, TrainingError
from netgraph.core.ir import Node
from netgraph.train.wording import counted

__all__ = ["run_model", "first_nonfinite", "reaching_layers"]


def run_model(model: torch.nn.Module, inputs: dict, n: int, where: Callable[[], tuple[str, bool]]) -> Any:
    """``model``'s outputs on a batch (``n`` examples); a DataError it raises (a distribution parameter gone bad
    as the arrays changed) as a TrainingError naming ``where()``: (the round and batch, whether steps were taken)."""
    try:
        return model(**inputs) if inputs else model(batch_size=n)
    except DataError as exc:
        place, trained = where()
        advice = (" A smaller learning_rate or method=('Adam', {'max_gradient_norm': 1.0}) keeps the arrays from "
                  "growing that far." if trained else "")
        raise TrainingError(f"training stopped at {place}: {exc}{advice}", diagnostics=exc.diagnostics) from exc


def first_nonfinite(net: Any, module: torch.nn.Module, inputs: dict, batch_size: int) -> tuple[tuple, str] | None:
    """Run ``net`` layer by layer (as the interpreter does) and return the first (path, port) key whose
    value is NaN or infinite, with a count of the bad values; None when every layer output is finite."""
    try:
        with torch.no_grad():
            _NonfiniteFinder(net, module, batch_size).run(inputs)
    except _Nonfinite as found:
        return found.args[0]
    return None


class _Nonfinite(Exception):
    """Stops the walk at the first non-finite layer output (carries the key and a description)."""


class _NonfiniteFinder(ModuleRunner):
    def visit_node(self, node: Node, inputs: Any) -> Any:
        results = super().visit_node(node, inputs)
        for port, value in zip(node.output_ports, results):
            if value.is_floating_point() and not bool(torch.isfinite(value).all()):
                nan, inf = int(value.isnan().sum()), int(value.isinf().sum())
                raise _Nonfinite(((node.path, port), f"{nan} NaN and {inf} infinite of {counted(value.numel(), 'value')}"))
        return results


def reaching_layers(net: Any, ports: set[str]) -> set[tuple]:
    """Paths of the leaf layers whose outputs reach any of the output ``ports``."""
    ir = net.ir
    seen = {ir.outputs[p].node for p in ports} - {None}
    for node in reversed(ir.nodes):  # consumers come after their producers: one backward pass
        if node.path in seen:
            seen.update(v.node for v in node.inputs.values() if v.node is not None)
    return seen

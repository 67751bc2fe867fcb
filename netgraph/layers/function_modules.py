"""The torch modules of FunctionLayer and ElementwiseLayer where no code is emitted inline: a parsed expression or
lowered expressions evaluated on the inputs (the interpreter's reference path), and a user's Python function.

>>> import torch
>>> align(torch.ones(2, 3), 1, 2).shape  # a (batch, 3) input aligned to rank-2 outputs: its dims trail
torch.Size([2, 1, 3])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.core.errors import DataError
from netgraph.core.wording import counted
from netgraph.layers._modules import LayerModule, init_module
from netgraph.layers.expression import Expression, evaluate

__all__ = ["ExpressionModule", "LoweredModule", "CallableModule", "align", "align_code", "as_outputs"]


def align(x: torch.Tensor, rank: int, out_rank: int) -> torch.Tensor:
    """Insert size-1 dims after the batch dim so a rank-``rank`` port broadcasts to ``out_rank``."""
    return x[(slice(None),) + (None,) * (out_rank - rank)] if rank < out_rank else x


def align_code(var: str, rank: int, out_rank: int) -> str:
    """The code form of ``align``: ``x[:, None]`` and so on."""
    return f"{var}[:{', None' * (out_rank - rank)}]" if rank < out_rank else var


class ExpressionModule(LayerModule):
    """Evaluates a parsed expression on its (rank-aligned) inputs; the interpreter's reference path."""

    def __init__(self, expression: Expression, ranks: tuple[int, ...], out_rank: int):
        init_module(self)  # as super().__init__(), and plain attributes set without Module.__setattr__'s search
        self.__dict__.update(expression=expression, ranks=ranks, out_rank=out_rank)

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        env = {s: align(x, r, self.out_rank) for s, x, r in zip(self.expression.slots, inputs, self.ranks)}
        return evaluate(self.expression.tree, env)


class LoweredModule(LayerModule):
    """Evaluates lowered expressions (one per output port) on the inputs; the reference path."""

    def __init__(self, slots: tuple[str, ...], trees: list[tuple]):
        super().__init__()
        self.slots, self.trees = slots, trees

    def forward(self, *inputs: torch.Tensor) -> Any:
        env = dict(zip(self.slots, inputs))
        results = tuple(evaluate(tree, env) for tree in self.trees)
        return results if len(results) > 1 else results[0]


class CallableModule(LayerModule):
    """Calls a user's Python function with rank-aligned inputs."""

    def __init__(self, fn: Callable, ranks: tuple[int, ...], out_rank: int, outputs: tuple[str, ...] = ("Output",)):
        super().__init__()
        self.fn, self.ranks, self.out_rank, self.outputs = fn, ranks, out_rank, outputs

    def forward(self, *inputs: torch.Tensor) -> Any:
        result = self.fn(*(align(x, r, self.out_rank) for x, r in zip(inputs, self.ranks)))
        results = as_outputs(result, self.outputs, DataError)
        return results if len(results) > 1 else results[0]


def as_outputs(result: Any, ports: tuple[str, ...], error: type[Exception]) -> list[Any]:
    """A Python function's result as one value per output port: a dict by name, or a tuple in order."""
    if len(ports) == 1 and not isinstance(result, (dict, tuple, list)):
        return [result]
    if isinstance(result, dict):
        if set(result) != set(ports):
            raise error(f"the Python function returned keys {sorted(result)}, expected the outputs {list(ports)}",
                        expected=tuple(ports), found=tuple(sorted(result)))
        return [result[p] for p in ports]
    if isinstance(result, (tuple, list)) and len(result) == len(ports):
        return list(result)
    raise error(f"the Python function must return {counted(len(ports), 'tensor')} (a tuple, or a dict by port name) "
                f"for the outputs {list(ports)}, found {type(result).__name__}",
                expected=counted(len(ports), "tensor"), found=type(result).__name__)

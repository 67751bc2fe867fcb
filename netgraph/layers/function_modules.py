"""The torch modules of FunctionLayer and ElementwiseLayer where no code is emitted inline: a parsed expression or
lowered expressions evaluated on the inputs (the interpreter's reference path), and a user's Python function; and
the runs of a Python function on meta tensors (or zeros) that find its outputs' shapes (``probe_run``).

>>> import torch
>>> align(torch.ones(2, 3), 1, 2).shape  # a (batch, 3) input aligned to rank-2 outputs: its dims trail
torch.Size([2, 1, 3])
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import torch

from netgraph.core.errors import DataError
from netgraph.core.naming_scope import quoted
from netgraph.core.torch_state import working_dtype
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, REAL, PortType
from netgraph.core.wording import counted
from netgraph.layers._modules import LayerModule, init_module
from netgraph.layers._shapes import fill, probe_batch
from netgraph.layers.expression import Expression, evaluate
from netgraph.layers.function_lengths import (MAX_STRIDE, ZEROS_MAX_STRIDE, UnnamedLength, named_output_shapes,
                                              retried_output_shapes, run_once)
from netgraph.layers.probe_runs import contradicted_words, contradicting_run, widest

__all__ = ["ExpressionModule", "LoweredModule", "CallableModule", "align", "align_code", "as_outputs", "ProbeFacts",
           "probe_run", "probed_once", "ran_facts", "fill_results"]


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
    """Calls a user's Python function with rank-aligned inputs; ``mixes``: its outputs depend on other examples, in
    training and not (``MIXES_EXAMPLES``, read by ``score_baselines.mixes_examples``)."""

    def __init__(self, fn: Callable, ranks: tuple[int, ...], out_rank: int, outputs: tuple[str, ...] = ("Output",),
                 mixes: bool = False):
        super().__init__()
        self.fn, self.ranks, self.out_rank, self.outputs = fn, ranks, out_rank, outputs
        self.MIXES_EXAMPLES = mixes

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


@dataclasses.dataclass
class ProbeFacts:
    """What the runs of a Python function on meta tensors (or zeros) of some input shapes showed: the positions of
    the inputs it changed in place, its outputs' dtypes (none: it never ran through), and whether it raised."""
    mutated: set[int] = dataclasses.field(default_factory=set)
    dtypes: tuple[torch.dtype, ...] = ()
    raised: bool = False
    needs_data: bool = False  # it failed first on meta tensors and ran on zeros: other sizes on meta are not tried
    largest: tuple = ()  # each input's largest sizes it ran at (``widest``): its lengths were read off them


def ran_facts(probe: Callable[[str], Any], held: dict, shapes: tuple) -> ProbeFacts:
    """The ProbeFacts of the runs on meta tensors for these input ``shapes``, else of those on zeros, else none:
    ``probe(device)`` runs them once (a FunctionLayer's ``_probed``), and ``held["_probes"]`` holds what they showed."""
    for device in ("meta", "cpu"):
        try:
            probe(device)
        except Conflict:
            pass
        facts = held["_probes"].get(("seen", shapes, device))
        if facts is not None and facts.dtypes:
            return facts
    return ProbeFacts()


def probe_run(fn: Callable, shapes: list[tuple], device: str, ports: tuple[str, ...], seen: ProbeFacts) -> list[tuple]:
    """The output shapes (after the batch dim) of the Python function ``fn`` run on zeros of ``shapes`` on ``device``
    ("meta": no data), a batch of a few examples; what it showed noted in ``seen``; a Conflict when it fails."""
    args, batch = _zeros(shapes, device)
    try:
        result = fn(*args)
    except Exception as exc:  # a user's function failing on shapes is a shape conflict
        if device == "meta" and not seen.raised and not seen.dtypes:  # its first run: is it meta tensors' fault?
            seen.needs_data = _runs(fn, _zeros(shapes, "cpu")[0])
        failure, seen.raised = f"{type(exc).__name__}: {exc}", True
        raise Conflict(f"the Python function failed on inputs of shapes {shapes}: {failure} (each input a batch "
                       f"of {batch} examples)", expected=shapes, found=failure) from None
    seen.mutated.update(i for i, a in enumerate(args) if a._version)  # x.add_(1): a copy for it, as compiled
    results = as_outputs(result, ports, Conflict)
    if bad := [r for r in results if not isinstance(r, torch.Tensor) or r.dim() == 0]:
        shown = ", ".join("a scalar tensor" if isinstance(r, torch.Tensor) else type(r).__name__ for r in bad)
        raise Conflict(f"the Python function must return tensors with the batch dimension first, found {shown}",
                       expected="tensors with the batch dimension first", found=shown)
    if mixed := [tuple(r.shape) for r in results if r.shape[0] != batch]:  # x[0], x.T, x.mean(0)
        raise Conflict(f"the Python function must keep the batch dimension first, one result per example: a "
                       f"batch of {batch} examples gave shape {', '.join(map(str, mixed))}",
                       expected=f"a batch of {batch} results", found=mixed)
    seen.dtypes, seen.largest = tuple(r.dtype for r in results), widest(seen.largest, shapes)
    return [tuple(r.shape[1:]) for r in results]


def _zeros(shapes: list[tuple], device: str) -> tuple[list[torch.Tensor], int]:
    """(zeros of ``shapes`` on ``device``, a batch of a few examples, aligned for the function; that batch)."""
    out_rank, batch = max(len(s) for s in shapes), probe_batch(shapes, 2)
    zeros = [torch.zeros((batch, *s), dtype=working_dtype(), device=device) for s in shapes]  # not another thread's
    return [align(z, len(s), out_rank) for z, s in zip(zeros, shapes)], batch


def _runs(fn: Callable, args: list[torch.Tensor]) -> bool:
    """Whether ``fn`` runs on ``args`` without raising (what it returns is not looked at)."""
    try:
        fn(*args)
    except Exception:  # user code: any failure means it does not run there
        return False
    return True


def probed_once(memo: dict, fn: Callable, shapes: list[tuple], device: str, ports: tuple[str, ...]) -> list[tuple]:
    """``probed_output_shapes`` of ``fn`` run on ``device``, once per input shapes (inference asks on every pass):
    ``memo`` holds each result (a failure's Conflict, raised afresh) and its ``ProbeFacts``, so the function runs at
    most ``calls_bound(shapes)`` times per device (on zeros, with the far probes nearer)."""
    key = (tuple(shapes), device)
    if key not in memo:
        seen = memo[("seen", *key)] = ProbeFacts()
        try:
            memo[key] = probed_output_shapes(fn, shapes, device, ports, seen)
        except Conflict as exc:
            memo[key] = copy.copy(exc)  # no traceback: it would keep the failed build's frames (and net) alive
    if isinstance(memo[key], Conflict):
        raise copy.copy(memo[key])  # a fresh one each time: raising one object again lengthens its traceback
    return memo[key]


def probed_output_shapes(fn: Callable, shapes: list[tuple], device: str, ports: tuple[str, ...],
                         seen: ProbeFacts) -> list[tuple]:
    """``named_output_shapes`` of the Python function ``fn`` run on ``device`` (``probe_run``), probed again where
    it raised at the first sizes (``retried_output_shapes``: longer ones, a kernel of 15), as a TorchLayer's module
    is, but lengths named apart are never tied (``a + b`` of an ``n`` and an ``m`` is refused saying so), and not
    where its first run failed on meta tensors but ran on zeros; each input shapes run once. The first failure is
    raised where no retry finds the shapes."""
    max_stride = MAX_STRIDE if device == "meta" else ZEROS_MAX_STRIDE
    run = run_once(lambda sizes: probe_run(fn, sizes, device, ports, seen))
    try:
        found = named_output_shapes(shapes, run, ports, max_stride=max_stride)
    except UnnamedLength:
        raise
    except Conflict:
        retry = seen.raised and not seen.needs_data  # (on zeros, where it needs data, it runs)
        found = retried_output_shapes(shapes, run, ports, max_stride, tie=False) if retry else None
        if isinstance(found, UnnamedLength):
            raise found from None
        if found is None:
            raise
    if wrong := contradicting_run(shapes, found, run):  # a fit of some sizes only: min(n // 2, 60)
        raise _contradicted(shapes, found, *wrong)
    return found


def _contradicted(shapes: list[tuple], found: list[tuple], ins: list[tuple], outs: list[tuple]) -> UnnamedLength:
    """The UnnamedLength where a run past the sizes the output shapes were read off (``found``) returned others (a
    given output shape stands)."""
    return UnnamedLength(contradicted_words("the Python function's", f"of shapes {shapes}", found, str(ins), outs,
                                            "; declare the sizes it returns with output="),
                         expected=tuple(found), found=tuple(outs))


def fill_results(types: dict[str, PortType], ports: tuple[str, ...], shapes: list, dtypes: tuple) -> None:
    """Fill a Python function's output ``ports`` with its results' ``shapes`` and, for floating ``dtypes``, Real
    (an integer or boolean result's dtype is left open: ``FunctionLayer.default_dtypes``); a floating result at a port
    that needs Integer refused saying what the function returns."""
    for port, shape, dtype in zip(ports, shapes, dtypes):
        real = dtype.is_floating_point or dtype.is_complex
        try:
            fill(types, port, shape, REAL if real else None)
        except Conflict as exc:
            if not (exc.expected == REAL and exc.found == INTEGER):  # a shape conflict: as any layer's
                raise
            returned = str(dtype).removeprefix("torch.")
            raise exc.reworded(f"port {quoted(port)}: the function returns {returned} on the probe, a Real output, but "
                               f"the port is Integer where it goes (.long() gives indices)", port) from None

"""The modules NetMapOperator, NetFoldOperator and NetNestOperator build: what their compiled forward code does, as
plain forwards (the reference interpreter runs these)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from netgraph.core.errors import DataError
from netgraph.core.naming_scope import quoted
from netgraph.core.torch_state import working_dtype
from netgraph.layers._modules import LayerModule
from netgraph.layers._masks import valid
from netgraph.layers.bad_index import examples_at, raise_unfolded

__all__ = ["_MapModule", "_FoldModule", "_NestModule"]


def _outputs(result: Any, ports: tuple[str, ...]) -> tuple:
    return tuple(result[p] for p in ports) if isinstance(result, dict) else (result,)


class _MapModule(LayerModule):
    """The sequence folded into the batch, one call of ``net``, as the compiled forward (``emit_block``): a call
    per step gave other values where the batch matters (a batch norm's statistics in training mode). A fixed
    ``length`` is the one its outputs are viewed back with, as there: a sequence of another length fails the view."""

    def __init__(self, net: nn.Module, ports: tuple[str, ...], length: int | None = None):
        super().__init__()
        self.net, self.ports, self.length = net, ports, length

    unfold_error = staticmethod(raise_unfolded)  # the compiled forward's, as forward's below

    def forward(self, *xs: torch.Tensor, lengths: tuple | None = None) -> Any:
        given = next((n for n in lengths or () if n is not None), None)
        if given is not None and self.training and bool((given < xs[0].shape[1]).any()):  # some padding
            return self.real_elements(xs, given)  # else each element alone gives what it gives in a batch
        try:
            result = self.net(*(x.flatten(0, 1) for x in xs))
        except Exception as error:
            raise_unfolded(error, xs[0].shape[1])
            raise
        folded = _outputs(result, self.ports)
        length = xs[0].shape[1] if self.length is None else self.length
        unfolded = tuple(y.view((xs[0].shape[0], length) + y.shape[1:]) for y in folded)
        return unfolded if len(self.ports) > 1 else unfolded[0]

    def real_elements(self, xs: tuple[torch.Tensor, ...], lengths: torch.Tensor) -> Any:
        """Padded sequences in training (an inner net with batch statistics, ``NetMapOperator.masking``): ``net`` on
        the real elements only, so that a batch norm's statistics count no padding; each padding row then holds its
        sequence's first element's output, as padding holds the first element."""
        mask = valid(xs[0], lengths, 0)
        rows = mask.flatten()
        try:
            with examples_at(lambda: rows.nonzero().flatten().tolist()):  # read only for an error
                result = self.net(*(x.flatten(0, 1)[rows] for x in xs))
        except Exception as error:
            raise_unfolded(error, xs[0].shape[1])
            raise
        unfolded = []
        for y in _outputs(result, self.ports):
            full = y.new_zeros((rows.shape[0], *y.shape[1:])).index_put((rows,), y).view(*mask.shape, *y.shape[1:])
            unfolded.append(torch.where(valid(full, lengths), full, full[:, :1]))
        return tuple(unfolded) if len(self.ports) > 1 else unfolded[0]


def _running(lengths: torch.Tensor, step: int, like: torch.Tensor) -> torch.Tensor:
    """True for the examples whose sequence is longer than ``step``, shaped to broadcast over ``like``."""
    return (lengths.to(like.device) > step).reshape(-1, *(1,) * (like.dim() - 1))


class _FoldModule(LayerModule):
    def __init__(self, net: nn.Module, order: tuple[str, ...], elements: tuple[str, ...], shape: tuple, given: bool,
                 integer_state: bool = False):
        super().__init__()
        self.net, self.order, self.elements, self.shape, self.given = net, order, elements, shape, given
        self.integer_state = integer_state  # an Integer State port: zeros of integers when no InitialState
        self.length, self.layer_label = None, "NetFoldOperator"  # the compiler names the layer
        self.steps_running_only = False  # padded with batch statistics: each step runs its running examples only
        self.layer_path: tuple[str, ...] | None = None  # and tells its path, for its errors' Diagnostic.layer

    def integer_zeros(self, like: torch.Tensor) -> torch.Tensor:
        """The zero state for integer elements ``like``, in the inner net's first real array's dtype (a module moved
        by ``.to(torch.bfloat16)`` computes in it; float32 zeros met bfloat16 weights), else this thread's working
        precision. Cast to that array itself, not its dtype: fx records the array, so a traced module moved by
        ``.to(...)`` follows."""
        zeros = like.new_zeros((like.shape[0], *self.shape))
        arrays = (*self.net.parameters(), *self.net.buffers())
        anchor = next((t for t in arrays if t.is_floating_point()), None)
        return zeros.to(working_dtype()) if anchor is None else zeros.to(anchor)

    def step_error(self, error: BaseException, step: int) -> None:
        """Raise ``error`` as seen outside the fold (a bad value named by example and step) where it names an
        index; else return (the caller raises it as it is)."""
        raise_unfolded(error, step, step=True)

    def length_error(self, *xs: torch.Tensor) -> None:
        """A fixed-length fold given another length (the loop would run over it): a DataError that a compiled
        module replaces by the one naming its own input port, as ``net(x)`` gives (``blames_inputs``)."""
        port, x = next((p, x) for p, x in zip(self.elements, xs) if x.shape[1] != self.length)
        error = DataError(f"{self.layer_label} port {quoted(port)}: expected a sequence of length {self.length}, found "
                          f"shape {tuple(x.shape)} (its batch dim first)", port=port, layer=self.layer_path,
                          kind="data-shape", expected=self.length, found=tuple(x.shape))
        error.blames_inputs = True
        raise error

    def forward(self, *xs: torch.Tensor, lengths: tuple | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The states after every step and the final one; given the lengths of padded sequences, each example's
        state stops changing after its length (its final state is its last real step's)."""
        if self.length is not None and any(x.shape[1] != self.length for x in xs[:len(self.elements)]):
            self.length_error(*xs[:len(self.elements)])
        seqs = dict(zip(self.elements, xs))
        if self.given:
            state = xs[-1]
        elif self.integer_state:
            state = xs[0].new_zeros((xs[0].shape[0], *self.shape), dtype=torch.long)
        elif xs[0].is_floating_point():
            state = xs[0].new_zeros((xs[0].shape[0], *self.shape))
        else:
            state = self.integer_zeros(xs[0])
        given = next((n for n in (lengths or ())[:len(self.elements)] if n is not None), None)
        known = given.tolist() if self.steps_running_only and given is not None and self.training else None  # one sync
        states = []
        for i in range(xs[0].shape[1]):
            if known is not None:
                state = self.running_step(seqs, state, known, i)
                states.append(state)
                continue
            try:
                step = self.net(*(state if p == "State" else seqs[p][:, i] for p in self.order))
            except Exception as error:
                self.step_error(error, i)
                raise
            state = step if given is None else torch.where(_running(given, i, step), step, state)
            states.append(state)
        return (torch.stack(states, 1) if states else state.unsqueeze(1)[:, :0]), state  # a batch 0 of length 0

    def running_step(self, seqs: dict, state: torch.Tensor, lengths: list[int], i: int) -> torch.Tensor:
        """Step ``i`` of the examples still running (longer than ``i``, ``lengths`` read once per forward) alone,
        so that a batch norm's statistics count no padding; the others keep their state."""
        running = [j for j, n in enumerate(lengths) if n > i]
        if not running:
            return state
        rows = torch.tensor(running, device=state.device)
        try:
            with examples_at(running):
                step = self.net(*(state[rows] if p == "State" else seqs[p][rows, i] for p in self.order))
        except Exception as error:
            self.step_error(error, i)
            raise
        dtype = torch.promote_types(state.dtype, step.dtype)  # as torch.where's of the other steps
        return state.to(dtype).index_put((rows,), step.to(dtype))


class _NestModule(LayerModule):
    def __init__(self, net: nn.Module, n: int):
        super().__init__()
        self.net, self.n = net, n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.n):
            x = self.net(x)
        return x

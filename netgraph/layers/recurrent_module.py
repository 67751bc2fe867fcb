"""The torch module of a recurrent layer: its gate arrays by Wolfram name, stacked in torch's gate order on each
call into torch's fused kernels (``torch.lstm``, ``torch.gru``, ``torch.rnn_tanh``/``rnn_relu``); padded sequences
packed by length where the final states are asked for.

>>> import torch
>>> arrays = {f"{g}{k}": torch.zeros(2, 3 if k == "InputWeights" else 2) if k != "Biases" else torch.zeros(2)
...           for g in ("ResetGate", "UpdateGate", "MemoryGate") for k in _KINDS}
>>> RecurrentModule("gru", ("ResetGate", "UpdateGate", "MemoryGate"), arrays)(torch.ones(4, 5, 3)).shape
torch.Size([4, 5, 2])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from netgraph.core.errors import DataError
from netgraph.core.tracing import tracing
from netgraph.layers._modules import LayerModule
from netgraph.layers._torch_compat import compiler_disable

__all__ = ["RecurrentModule"]

_KINDS = ("InputWeights", "StateWeights", "Biases")
_STATE_BIASES = "MemoryGateStateBiases"


class RecurrentModule(LayerModule):
    """Holds the gate arrays by Wolfram name; stacks them in torch's gate order on each call."""

    def __init__(self, kind: str, gates: tuple[str, ...], arrays: Mapping[str, torch.Tensor],
                 state_output: bool = False):
        super().__init__()
        self.kind, self.gates, self.state_output = kind, gates, state_output
        self.layer_label, self.ports = kind, ("InitialState", "InitialCellState")  # the compiler names the layer
        self.layer_path: tuple[str, ...] | None = None  # and tells its path, for its errors' Diagnostic.layer
        for name, value in arrays.items():
            self.register_parameter(name, nn.Parameter(value.clone()))
        # the size of the state biases torch's kernels take, zeros: never its values, which are outside the state
        # dict (to_empty, after building on the meta device, leaves them unset)
        self.register_buffer("zero_bias", torch.zeros(len(gates) * arrays[f"{gates[0]}Biases"].shape[0]),
                             persistent=False)
        self.state_biases = _STATE_BIASES in arrays  # a GRU's bias inside the reset product (torch's b_hn)

    def forward(self, x: torch.Tensor, *initial: torch.Tensor, lengths: tuple | None = None) -> Any:
        """``Output`` for ``Input`` ``x`` (and the initial states, each (batch, size), zeros when not given);
        with ``state_output`` the tuple (Output, State[, CellState]) of the final states. Given the lengths of a
        padded ``x`` and asked for final states, each sequence runs packed to its own length, so that they are its
        last step's; ``Output`` alone needs no packing: its real steps never see the padding that follows them."""
        stack = [torch.cat([getattr(self, f"{g}{k}") for g in self.gates]) for k in _KINDS]
        state_bias = stack[2].new_zeros(self.zero_bias.shape[0])  # made from the biases: fx records the call
        if self.state_biases:
            own = getattr(self, _STATE_BIASES)
            size = self.zero_bias.shape[0] // len(self.gates)  # own's, read off the buffer: fx makes own.shape a proxy
            state_bias = torch.cat([state_bias[:-size], own])
        params = [stack[0], stack[1], stack[2], state_bias]
        if not tracing():
            self._check_input(x, stack[0].shape[1])
            if initial:
                self._check_states(x, initial, self.zero_bias.shape[0] // len(self.gates))
        states = [s.unsqueeze(0) for s in initial]  # torch's (layers, batch, size)
        if not states:
            states = [x.new_zeros(1, x.shape[0], self.zero_bias.shape[0] // len(self.gates))]
        hx = (states[0], states[-1]) if self.kind == "lstm" else states[0]
        if self.state_output and lengths and lengths[0] is not None:
            result = self._packed(x, hx, params, lengths[0])
        else:
            result = _kernel(self.kind)(x, hx, params, True, 1, 0.0, self.training, False, True)
        if not self.state_output:
            return result[0]
        finals = range(1, 3 if self.kind == "lstm" else 2)  # indexed, not iterated: fx's proxies cannot be
        return (result[0], *(result[i][0] for i in finals))

    def _check_input(self, x: torch.Tensor, features: int) -> None:
        """DataError unless ``x`` is (batch, length, features), as nn.LSTM checks its input (torch.lstm's fused
        kernel does not: it ran on with any other feature size, reading its weights out of shape)."""
        if x.dim() != 3 or x.shape[2] != features:
            raise DataError(f"{self.layer_label}: input port 'Input': expected shape (batch, length, {features}) "
                            f"({features} features per step), found {tuple(x.shape)}", port="Input",
                            layer=self.layer_path, expected=("batch", "length", features), found=tuple(x.shape))

    def _check_states(self, x: torch.Tensor, initial: tuple, size: int) -> None:
        """DataError unless each initial state is (batch, size), as nn.LSTM checks its hx (the fused kernels
        do not: a wrong size ran on, a wrong batch too)."""
        for port, state in zip(self.ports, initial):
            if state.dim() != 2 or state.shape[0] != x.shape[0] or state.shape[1] != size:
                raise DataError(f"{self.layer_label}: input port {port!r}: expected shape ({x.shape[0]}, {size}) (the "
                                f"batch size and the state size), found {tuple(state.shape)}", port=port,
                                layer=self.layer_path, expected=(x.shape[0], size), found=tuple(state.shape))

    def _packed(self, x: torch.Tensor, hx: Any, params: list, lengths: torch.Tensor) -> tuple:
        """The fused kernel on the sequences packed by length: (padded outputs, final states in batch order)."""
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        order, back = packed.sorted_indices, packed.unsorted_indices
        hx = tuple(h[:, order] for h in hx) if isinstance(hx, tuple) else hx[:, order]
        out, *finals = _kernel(self.kind)(packed.data, packed.batch_sizes, hx, params, True, 1, 0.0,
                                          self.training, False)
        padded, _ = nn.utils.rnn.pad_packed_sequence(packed._replace(data=out), batch_first=True,
                                                     total_length=x.shape[1])
        return (padded, *(s[:, back] for s in finals))


def _lstm(*args: Any) -> Any:
    return torch.lstm(*args)


_OUTSIDE_GRAPH: list = []  # torch.lstm run outside the compiled graph, made at the first torch.compile of an LSTM


def _lstm_outside_graph() -> Any:
    """``torch.lstm`` behind ``torch.compiler.disable``, made on first use: the decorator imports torch._dynamo
    (about 1 s), which a net that is never compiled by torch does not need."""
    if not _OUTSIDE_GRAPH:
        _OUTSIDE_GRAPH.append(compiler_disable("the LSTM's fused kernel runs outside the graph, as nn.LSTM's: "
                                               "AOTAutograd fails on its backward; set torch._dynamo.config.allow_rnn"
                                               "=True to trace it, as for nn.LSTM")(_lstm))
    return _OUTSIDE_GRAPH[0]


def _kernel(kind: str) -> Any:
    """torch's fused kernel for ``kind``. Under torch.compile the LSTM's runs outside the graph unless dynamo's
    ``allow_rnn`` is set, as nn.LSTM's does: AOTAutograd (the aot_eager and inductor backends) fails on its
    backward, which saves a None (torch's "expected all tensors_saved_with_vc_check to be Tensors")."""
    if kind == "lstm" and torch.compiler.is_compiling() and not torch._dynamo.config.allow_rnn:
        return _lstm_outside_graph()
    return getattr(torch, kind)

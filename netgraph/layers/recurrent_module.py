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

import functools
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from netgraph.core.errors import DataError
from netgraph.core.naming_scope import quoted
from netgraph.core.tracing import jit_tracing, tracing
from netgraph.layers._modules import LayerModule
from netgraph.layers._torch_compat import disabled_at_first_need

__all__ = ["RecurrentModule"]

_KINDS = ("InputWeights", "StateWeights", "Biases")
_STATE_BIASES = "MemoryGateStateBiases"


class RecurrentModule(LayerModule):
    """Holds the gate arrays by Wolfram name; stacks them in torch's gate order on each call (see ``_params``)."""

    def __init__(self, kind: str, gates: tuple[str, ...], arrays: Mapping[str, torch.Tensor],
                 state_output: bool = False):
        super().__init__()
        self.kind, self.gates, self.state_output = kind, gates, state_output
        self.layer_label, self.ports = kind, ("InitialState", "InitialCellState")  # the compiler names the layer
        self.layer_path: tuple[str, ...] | None = None  # and tells its path, for its errors' Diagnostic.layer
        for name, value in arrays.items():
            self.register_parameter(name, nn.Parameter(value.clone()))
        self.state_biases = _STATE_BIASES in arrays  # a GRU's bias inside the reset product (torch's b_hn)
        self.state_size = int(arrays[f"{gates[0]}Biases"].shape[0])
        self.stacked_names = tuple(tuple(f"{g}{k}" for g in gates) for k in _KINDS)  # per torch array, in gate order

    def forward(self, x: torch.Tensor, *initial: torch.Tensor, lengths: tuple | None = None) -> Any:
        """``Output`` for ``Input`` ``x`` (and the initial states, each (batch, size), zeros when not given);
        with ``state_output`` the tuple (Output, State[, CellState]) of the final states. Given the lengths of a
        padded ``x`` and asked for final states, each sequence runs packed to its own length, so that they are its
        last step's; ``Output`` alone needs no packing: its real steps never see the padding that follows them."""
        traced = tracing()
        recorded = traced or jit_tracing()  # zeros made in the call, which a trace records (ONNX export)
        params = self._params(traced, recorded)
        if not traced:
            self._check_input(x, params[0].shape[1])
            if initial:
                self._check_states(x, initial, self.state_size)
        if initial:
            states = [s.unsqueeze(0) for s in initial]  # torch's (layers, batch, size)
        elif recorded:
            states = [x.new_zeros(1, x.shape[0], self.state_size)]  # of the traced batch size
        else:
            states = [self._zeros("_zero_states", (1, x.shape[0], self.state_size), x)]
        hx = (states[0], states[-1]) if self.kind == "lstm" else states[0]
        if self.state_output and lengths and lengths[0] is not None:
            result = self._packed(x, hx, params, lengths[0])
        else:
            result = (_kernel(self.kind) if traced else _KERNELS[self.kind])(x, hx, params, True, 1, 0.0,
                                                                           self.training, False, True)
        if not self.state_output:
            return result[0]
        finals = range(1, 3 if self.kind == "lstm" else 2)  # indexed, not iterated: fx's proxies cannot be
        return (result[0], *(result[i][0] for i in finals))

    def _params(self, traced: bool, recorded: bool) -> list:
        """torch's four arrays (w_ih, w_hh, b_ih, b_hh): the gates' arrays stacked in torch's gate order, b_hh zeros
        but for a GRU's state biases. Stacked on each call, as the gradient must reach each gate's own parameter
        (one ``cat`` per array, none for a single gate). Eager calls read the parameters from ``_parameters``
        (``nn.Module.__getattr__`` is slow); traced ones by attribute, which fx records, as does a parametrization
        (which subclasses the module to compute them)."""
        fast = not traced and type(self) is RecurrentModule
        get = self._parameters.__getitem__ if fast else functools.partial(getattr, self)
        weights = [get(names[0]) if len(names) == 1 else torch.cat([get(name) for name in names])
                   for names in self.stacked_names]
        if recorded:  # made from the biases: a trace records the call
            state_bias = weights[2].new_zeros(len(self.gates) * self.state_size)
        else:
            state_bias = self._zeros("_zero_state_bias", (len(self.gates) * self.state_size,), weights[2])
        if self.state_biases:
            state_bias = torch.cat([state_bias[:-self.state_size], get(_STATE_BIASES)])
        weights.append(state_bias)
        return weights

    def _zeros(self, slot: str, shape: tuple, like: torch.Tensor) -> torch.Tensor:
        """Zeros of ``shape`` in ``like``'s dtype and on its device, kept in ``slot`` from the last eager call that
        made them (torch's kernels never write them). Made outside inference mode, so that a later call with grad
        may save them for its backward."""
        zeros = self.__dict__.get(slot)
        if zeros is None or zeros.shape != shape or zeros.dtype != like.dtype or zeros.device != like.device:
            with torch.inference_mode(False):
                zeros = torch.zeros(shape, dtype=like.dtype, device=like.device)
            self.__dict__[slot] = zeros
        return zeros

    def _check_input(self, x: torch.Tensor, features: int) -> None:
        """DataError unless ``x`` is (batch, length, features), as nn.LSTM checks its input (torch.lstm's fused
        kernel does not: it ran on with any other feature size, reading its weights out of shape)."""
        if x.dim() != 3 or x.shape[2] != features:
            raise DataError(f"{self.layer_label}: input port 'Input': expected shape (batch, length, {features}) "
                            f"({features} features per step), found {tuple(x.shape)}", port="Input",
                            layer=self.layer_path, expected=("batch", "length", features), found=tuple(x.shape),
                            kind="data-shape")

    def _check_states(self, x: torch.Tensor, initial: tuple, size: int) -> None:
        """DataError unless each initial state is (batch, size), as nn.LSTM checks its hx (the fused kernels
        do not: a wrong size ran on, a wrong batch too)."""
        for port, state in zip(self.ports, initial):
            if state.dim() != 2 or state.shape[0] != x.shape[0] or state.shape[1] != size:
                raise DataError(f"{self.layer_label}: input port {quoted(port)}: expected shape ({x.shape[0]}, {size}) "
                                f"(the batch size and the state size), found {tuple(state.shape)}", port=port,
                                layer=self.layer_path, expected=(x.shape[0], size), found=tuple(state.shape),
                                kind="data-shape")

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


# torch.lstm run outside the compiled graph, made at the first torch.compile of an LSTM
_lstm_outside_graph = disabled_at_first_need(_lstm, "the LSTM's fused kernel runs outside the graph, as nn.LSTM's: "
                                             "AOTAutograd fails on its backward; set torch._dynamo.config.allow_rnn"
                                             "=True to trace it, as for nn.LSTM")


_KERNELS = {"lstm": torch.lstm, "gru": torch.gru, "rnn_tanh": torch.rnn_tanh, "rnn_relu": torch.rnn_relu}


def _kernel(kind: str) -> Any:
    """torch's fused kernel for ``kind``. Under torch.compile the LSTM's runs outside the graph unless dynamo's
    ``allow_rnn`` is set, as nn.LSTM's does: AOTAutograd (the aot_eager and inductor backends) fails on its
    backward, which saves a None (torch's "expected all tensors_saved_with_vc_check to be Tensors")."""
    if kind == "lstm" and torch.compiler.is_compiling() and not torch._dynamo.config.allow_rnn:
        return _lstm_outside_graph()
    return _KERNELS[kind]

"""Recurrent layers from packed gate stacks: torch's ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` (``recurrent_from_torch``)
and ONNX's ``LSTM`` / ``GRU`` / ``RNN`` nodes (``netgraph.export.onnx_recurrent``) both stack every gate's weights in
one matrix, ``weight_ih_l0`` (gates·n, d), ``weight_hh_l0`` (gates·n, n), and biases ``bias_ih_l0``, ``bias_hh_l0``
(gates·n); ``packed_layer`` splits them into the per-gate arrays our layers hold (Wolfram's names).

Both use the formulation of a GRU whose reset gate multiplies the recurrent product (torch's, ONNX's
``linear_before_reset=1``), as GatedRecurrentLayer does: the memory gate's recurrence bias (torch's ``b_hn``) stays
inside that product as ``MemoryGateStateBiases``; every other pair of input and recurrence biases adds up.

>>> from torch import nn
>>> sorted(recurrent_from_torch(nn.GRU(3, 4)).arrays)[:3]
['MemoryGateBiases', 'MemoryGateInputWeights', 'MemoryGateStateBiases']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from netgraph.core.chain import NetChain
from netgraph.core.errors import OptionError
from netgraph.layers.normalization import DropoutLayer
from netgraph.layers.recurrent import BasicRecurrentLayer, GatedRecurrentLayer, LongShortTermMemoryLayer
from netgraph.layers.twin_operators import NetBidirectionalOperator

__all__ = ["recurrent_from_torch"]

_LAYERS = {"LSTM": LongShortTermMemoryLayer, "GRU": GatedRecurrentLayer, "RNN": BasicRecurrentLayer}
_TORCH_OPS = ((nn.LSTM, "LSTM"), (nn.GRU, "GRU"), (nn.RNN, "RNN"))
_TORCH_ACTIVATIONS = {"tanh": "Tanh", "relu": "Ramp"}


def packed_layer(op: str, stacks: Sequence[Any], order: Sequence[int], activation: str = "Tanh") -> Any:
    """The layer of ``op`` ("LSTM", "GRU" or "RNN") holding the gates of ``stacks`` = (input weights (gates·n, d),
    state weights (gates·n, n), input biases, recurrence biases (gates·n each)), numpy arrays or tensors;
    ``order[i]`` is the place in the stacks of the layer's gate ``GATES[i]``."""
    cls, (w, r, wb, rb) = _LAYERS[op], stacks
    size = int(r.shape[-1])
    rows = {gate: slice(k * size, (k + 1) * size) for gate, k in zip(cls.GATES, order)}
    arrays = {}
    for gate, part in rows.items():
        arrays[f"{gate}InputWeights"], arrays[f"{gate}StateWeights"] = _copy(w[part]), _copy(r[part])
        apart = op == "GRU" and gate == "MemoryGate"  # b_hn: inside the reset product
        arrays[f"{gate}Biases"] = _copy(wb[part] if apart else wb[part] + rb[part])
    if op == "RNN":
        return cls(size, activation=activation).with_arrays(arrays)
    if op == "LSTM":
        return cls(size).with_arrays(arrays)
    state_biases = _copy(rb[rows["MemoryGate"]])
    return cls(size, memory_gate_state_biases=state_biases if bool((state_biases != 0).any()) else None
               ).with_arrays(arrays)


def _copy(array: Any) -> torch.Tensor:
    """A tensor of its own on the CPU, where layers hold their arrays (a module's parameter detached, maybe from a
    GPU; an ONNX initialiser's rows made contiguous)."""
    return torch.as_tensor(array).detach().to("cpu", copy=True).contiguous()


def recurrent_from_torch(module: nn.Module) -> Any:
    """The net computing torch's ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN`` ``module`` (batch_first either way: the net
    is batch-first) with its arrays: a LongShortTermMemoryLayer, GatedRecurrentLayer or BasicRecurrentLayer; else a
    NetChain of one per layer, or of a NetBidirectionalOperator of two (Catenate, as torch) per layer of a
    bidirectional module, a DropoutLayer between layers for torch's ``dropout``. OptionError for another module or
    ``proj_size``.

    >>> import torch
    >>> gru = torch.nn.GRU(3, 5, batch_first=True)
    >>> net = recurrent_from_torch(gru)
    >>> type(net).__name__, torch.allclose(net(torch.ones(2, 4, 3)), gru(torch.ones(2, 4, 3))[0], atol=1e-6)
    ('GatedRecurrentLayer', True)
    """
    op = next((name for cls, name in _TORCH_OPS if isinstance(module, cls)), None)
    if op is None:
        raise OptionError(f"recurrent_from_torch takes an nn.LSTM, nn.GRU or nn.RNN, found "
                          f"{type(module).__name__}", option="module", expected=["LSTM", "GRU", "RNN"],
                          found=type(module).__name__, kind="option-value")
    if getattr(module, "proj_size", 0):
        raise OptionError(f"recurrent_from_torch: nn.LSTM proj_size={module.proj_size} (a projected state) is not "
                          f"supported: LongShortTermMemoryLayer's state is its output", option="proj_size",
                          expected=0, found=module.proj_size, kind="option-value")
    activation = _TORCH_ACTIVATIONS[getattr(module, "nonlinearity", "tanh")]
    stages = []
    for level in range(module.num_layers):
        directions = [_direction(module, op, f"_l{level}{suffix}", activation)
                      for suffix in ("", "_reverse")[:2 if module.bidirectional else 1]]
        if level and module.dropout:
            stages.append(DropoutLayer(module.dropout))
        stages.append(directions[0] if len(directions) == 1 else NetBidirectionalOperator(directions))
    if len(stages) == 1 and not module.bidirectional:
        return stages[0].replace(input=module.input_size)
    return NetChain(stages, input=("n", module.input_size))


def _direction(module: nn.Module, op: str, suffix: str, activation: str) -> Any:
    """The layer of torch's arrays ending in ``suffix`` (``_l0``, ``_l1_reverse``); zero biases without them."""
    w, r = (getattr(module, f"weight_{k}{suffix}") for k in ("ih", "hh"))
    biases = [getattr(module, f"bias_{k}{suffix}") if module.bias else w.new_zeros(w.shape[0]) for k in ("ih", "hh")]
    return packed_layer(op, (w, r, *biases), range(len(_LAYERS[op].GATES)), activation)  # torch's order is ours

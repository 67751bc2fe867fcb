"""recurrent_from_torch: a torch nn.LSTM / nn.GRU / nn.RNN (packed gate arrays, torch's gate order) becomes our
recurrent layer (per-gate arrays), a NetBidirectionalOperator of two, or a NetChain of layers, computing the same
values and gradients, on sequences of their own lengths too."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence

from netgraph import (DropoutLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer,
                      NetBidirectionalOperator, NetChain, OptionError, Padded, SequenceLastLayer, WiringError,
                      net_initialize, net_replace_part, recurrent_from_torch)

GATES = {nn.LSTM: ("InputGate", "ForgetGate", "MemoryGate", "OutputGate"),
         nn.GRU: ("ResetGate", "UpdateGate", "MemoryGate"), nn.RNN: ("",)}
LENGTHS = (5, 2, 7, 4)


def _module(cls, seed=0, **options):
    """A torch module with every array drawn from N(0, 0.5²): biases large enough that adding a GRU's b_hn to its
    input bias (outside the reset product) would change the outputs visibly."""
    torch.manual_seed(seed)
    module = cls(3, 4, **options).eval()
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.5)
    return module


def _theirs(module, xs):
    """torch's outputs for sequences ``xs`` of their own lengths: one (length, features) tensor each."""
    out, lengths = pad_packed_sequence(module(pack_sequence(xs, enforce_sorted=False))[0], batch_first=True)
    return [o[:n] for o, n in zip(out, lengths)]


def _batch(module, x):
    """torch's output for the batch-first ``x``, read batch-first whatever the module's layout."""
    if module.batch_first:
        return module(x)[0]
    return module(x.transpose(0, 1))[0].transpose(0, 1)


def _sequences(seed=1):
    torch.manual_seed(seed)
    return [torch.randn(n, 3) for n in LENGTHS]


SINGLE = [(nn.LSTM, {}), (nn.LSTM, {"batch_first": True}), (nn.LSTM, {"bias": False}), (nn.GRU, {}),
          (nn.GRU, {"batch_first": True, "bias": False}), (nn.RNN, {}), (nn.RNN, {"nonlinearity": "relu"}),
          (nn.RNN, {"bias": False, "batch_first": True})]


@pytest.mark.parametrize("cls, options", SINGLE)
def test_one_layer_gives_torchs_values_on_sequences_of_their_own_lengths(cls, options):
    module = _module(cls, **options)
    layer = recurrent_from_torch(module)
    assert type(layer).__name__ == {nn.LSTM: "LongShortTermMemoryLayer", nn.GRU: "GatedRecurrentLayer",
                                    nn.RNN: "BasicRecurrentLayer"}[cls]
    xs = _sequences()
    with torch.no_grad():
        theirs = _theirs(module, xs)
    for ours in (layer(xs), layer(Padded(nn.utils.rnn.pad_sequence(xs, batch_first=True), list(LENGTHS)))):
        assert [tuple(o.shape) for o in ours] == [(n, 4) for n in LENGTHS]
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def _packed_grads(module_ours, cls, prefix):
    """Our per-gate gradients stacked in torch's order, as torch's (weight_ih, weight_hh, bias_ih + bias_hh)."""
    grads = dict((n, p.grad) for n, p in module_ours.named_parameters())
    stacked = [torch.cat([grads[f"{prefix}{g}{k}"] for g in GATES[cls]]) for k in ("InputWeights", "StateWeights",
                                                                                     "Biases")]
    return stacked, grads


@pytest.mark.parametrize("cls, options", SINGLE)
def test_one_layer_gives_torchs_gradients_compiled_and_called(cls, options):
    module = _module(cls, **options)
    torch.manual_seed(2)
    x, weights = torch.randn(3, 6, 3), torch.randn(3, 6, 4)
    _batch(module, x.requires_grad_()).mul(weights).sum().backward()
    theirs_x = x.grad.clone()
    layer = recurrent_from_torch(module)
    compiled = NetChain([layer]).compile()
    for run in (compiled, layer):
        x.grad = None
        compiled.zero_grad()
        run(x).mul(weights).sum().backward()
        torch.testing.assert_close(x.grad, theirs_x, atol=1e-5, rtol=1e-5)
    x.grad = None
    compiled(x).mul(weights).sum().backward()
    (w, r, b), grads = _packed_grads(compiled, cls, "1.")
    torch.testing.assert_close(w, module.weight_ih_l0.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(r, module.weight_hh_l0.grad, atol=1e-5, rtol=1e-5)
    if options.get("bias", True):
        n = 4
        expected_b = module.bias_ih_l0.grad.clone()
        if cls is nn.GRU:  # b_hn: its own array, inside the reset product
            torch.testing.assert_close(grads["1.MemoryGateStateBiases"], module.bias_hh_l0.grad[2 * n:], atol=1e-5,
                                       rtol=1e-5)
            torch.testing.assert_close(module.bias_hh_l0.grad[:2 * n], expected_b[:2 * n], atol=1e-5, rtol=1e-5)
        else:
            torch.testing.assert_close(module.bias_hh_l0.grad, expected_b, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(b, expected_b, atol=1e-5, rtol=1e-5)


def test_a_grus_state_bias_stays_inside_the_reset_product():
    module = _module(nn.GRU)
    layer = recurrent_from_torch(module)
    torch.testing.assert_close(layer.arrays["MemoryGateStateBiases"], module.bias_hh_l0.detach()[8:])
    torch.testing.assert_close(layer.arrays["MemoryGateBiases"], module.bias_ih_l0.detach()[8:])
    torch.testing.assert_close(layer.arrays["UpdateGateBiases"],
                               module.bias_ih_l0.detach()[4:8] + module.bias_hh_l0.detach()[4:8])
    # the other formulation (b_hn added to the input bias, outside the reset product) computes other values
    x = torch.randn(2, 6, 3)
    summed = GatedRecurrentLayer(4).with_arrays({**layer.arrays, "MemoryGateBiases": module.bias_ih_l0.detach()[8:]
                                                 + module.bias_hh_l0.detach()[8:]})
    assert (summed.replace(memory_gate_state_biases=None)(x) - _batch(module, x)).abs().max() > 1e-3


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("options", [{"bidirectional": True}, {"num_layers": 3, "batch_first": True},
                                     {"num_layers": 2, "bidirectional": True, "bias": False}])
def test_bidirectional_and_stacked_modules_give_torchs_values_and_gradients(cls, options):
    module = _module(cls, **options)
    net = recurrent_from_torch(module)
    xs = _sequences()
    with torch.no_grad():
        theirs = _theirs(module, xs)
    for a, b in zip(net(xs), theirs):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    torch.manual_seed(3)
    x = torch.randn(3, 6, 3, requires_grad=True)
    width = 8 if options.get("bidirectional") else 4
    weights = torch.randn(3, 6, width)
    _batch(module, x).mul(weights).sum().backward()
    theirs_x, theirs_w = x.grad.clone(), module.weight_hh_l0.grad.clone()
    compiled = net.compile()
    x.grad = None
    compiled(x).mul(weights).sum().backward()
    torch.testing.assert_close(x.grad, theirs_x, atol=1e-5, rtol=1e-5)
    prefix = "1.forward_net.layer." if options.get("bidirectional") else "1."
    torch.testing.assert_close(_packed_grads(compiled, cls, prefix)[0][1], theirs_w, atol=1e-5, rtol=1e-5)


def test_the_reverse_direction_is_the_backward_net_and_layers_are_chained_in_order():
    module = _module(nn.LSTM, num_layers=2, bidirectional=True, dropout=0.25)
    net = recurrent_from_torch(module)
    first, dropout, second = net.layers.values()
    assert isinstance(first, NetBidirectionalOperator) and isinstance(second, NetBidirectionalOperator)
    assert isinstance(dropout, DropoutLayer) and dropout.p == 0.25
    backward = second.backward_net.layers["layer"]  # an operator holds its inner layer in a net
    torch.testing.assert_close(backward.arrays["InputGateInputWeights"], module.weight_ih_l1_reverse.detach()[:4])
    assert backward.arrays["InputGateInputWeights"].shape == (4, 8)


def test_a_projected_lstm_and_other_modules_are_refused_naming_what():
    with pytest.raises(OptionError, match=r"proj_size=2 \(a projected state\) is not supported") as info:
        recurrent_from_torch(nn.LSTM(3, 4, proj_size=2))
    d = info.value.diagnostics[0]
    assert (d.option, d.expected, d.found) == ("proj_size", 0, 2)
    with pytest.raises(OptionError, match="takes an nn.LSTM, nn.GRU or nn.RNN, found Linear") as info:
        recurrent_from_torch(nn.Linear(3, 4))
    assert info.value.diagnostics[0].found == "Linear"


def test_torchs_packed_array_names_point_to_recurrent_from_torch():
    net = net_initialize(NetChain({"lstm": LongShortTermMemoryLayer(4), "last": SequenceLastLayer(),
                                    "fc": LinearLayer(2)}, input=("n", 3)), seed=0)
    with pytest.raises(WiringError) as info:
        net_replace_part(net, {("lstm", "weight_ih_l0"): torch.ones(16, 3)})
    assert "torch's weight_ih_l0 stacks every gate's arrays" in str(info.value)
    assert info.value.diagnostics[0].hint.startswith("recurrent_from_torch(module)")
    with pytest.raises(OptionError) as info:
        net.layers["lstm"].with_arrays(bias_hh_l1_reverse=torch.ones(16))
    assert info.value.diagnostics[0].hint.startswith("recurrent_from_torch(module)")
    with pytest.raises(WiringError) as info:  # not a recurrent layer: no such pointer
        net_replace_part(net, {("fc", "weight_ih_l0"): torch.ones(2, 4)})
    assert info.value.diagnostics[0].hint is None and "recurrent_from_torch" not in str(info.value)

"""Recurrent layers: equal to torch.nn.LSTM/GRU/RNN on the same weights, variable-length sequences, shape rules."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (BasicRecurrentLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,
                      NetGraph, OptionError, PortType, SequenceLastLayer, net_extract, net_initialize,
                      net_replace_part)
from tests.layer_families._helpers import shape_error, three_way


def _copy(torch_rnn: nn.Module, ours: nn.Module, gates: tuple[str, ...]) -> None:
    with torch.no_grad():
        torch_rnn.weight_ih_l0.copy_(torch.cat([getattr(ours, f"{g}InputWeights") for g in gates]))
        torch_rnn.weight_hh_l0.copy_(torch.cat([getattr(ours, f"{g}StateWeights") for g in gates]))
        torch_rnn.bias_ih_l0.copy_(torch.cat([getattr(ours, f"{g}Biases") for g in gates]))
        torch_rnn.bias_hh_l0.zero_()


@pytest.mark.parametrize("layer, make, gates", [
    (LongShortTermMemoryLayer(5), lambda: nn.LSTM(3, 5, batch_first=True),
     ("InputGate", "ForgetGate", "MemoryGate", "OutputGate")),
    (GatedRecurrentLayer(5), lambda: nn.GRU(3, 5, batch_first=True), ("ResetGate", "UpdateGate", "MemoryGate")),
    (BasicRecurrentLayer(5), lambda: nn.RNN(3, 5, batch_first=True), ("",)),
    (BasicRecurrentLayer(5, activation="Ramp"), lambda: nn.RNN(3, 5, batch_first=True, nonlinearity="relu"), ("",)),
])
def test_recurrent_layers_equal_torch(layer, make, gates):
    net = NetGraph([layer], [], Input=("n", 3))
    assert net.port_types["Output"] == PortType(("n", 5), "Real")
    x = torch.randn(4, 7, 3)

    def hand(m, Input):
        rnn = make()
        with torch.no_grad():  # non-zero biases, so the bias path is checked too
            for name, p in m.get_submodule("1").named_parameters():
                if name.endswith("Biases"):
                    p.copy_(torch.linspace(-0.5, 0.5, p.numel()))
        _copy(rnn, m.get_submodule("1"), gates)
        return rnn(Input)[0]
    module = net_initialize(net, seed=0).compile()
    expected = hand(module, x)
    torch.testing.assert_close(module(x), expected)
    from netgraph import interpret
    torch.testing.assert_close(interpret(module.net, module, Input=x), expected)


def test_a_gru_with_memory_gate_state_biases_equals_torchs_gru_with_all_its_biases(tmp_path):
    torch.manual_seed(3)
    rnn = nn.GRU(3, 4, batch_first=True)
    w, u, b, c = (p.detach() for p in (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0))
    arrays = {}
    for k, gate in enumerate(("ResetGate", "UpdateGate", "MemoryGate")):  # torch's order r, z, n
        rows = slice(4 * k, 4 * k + 4)
        arrays.update({f"{gate}InputWeights": w[rows], f"{gate}StateWeights": u[rows],
                       f"{gate}Biases": b[rows] + (c[rows] if gate != "MemoryGate" else 0)})
    layer = GatedRecurrentLayer(4, memory_gate_state_biases=c[8:]).with_arrays(arrays)
    assert set(layer.arrays) == {*arrays, "MemoryGateStateBiases"}
    net = NetGraph([layer], [], Input=("n", 3))
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(net(x), rnn(x)[0].detach())
    from netgraph import load, save
    back = load(save(net, tmp_path / "gru.yaml"))  # saved and loaded with the optional array
    torch.testing.assert_close(back.layers["1"].arrays["MemoryGateStateBiases"], c[8:])
    torch.testing.assert_close(back(x), rnn(x)[0].detach())
    assert net_initialize(back, seed=0, all=True).layers["1"].arrays["MemoryGateStateBiases"].abs().sum() == 0


def test_a_gru_takes_its_optional_memory_gate_state_biases_by_net_replace_part_as_torch_users_copy_b_hn():
    torch.manual_seed(4)
    rnn = nn.GRU(3, 4, batch_first=True)
    w, u, b, c = (p.detach() for p in (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0))
    parts = {("gru", "MemoryGateStateBiases"): c[8:]}  # a GRU made without it, as a porting user's is
    for k, gate in enumerate(("ResetGate", "UpdateGate", "MemoryGate")):
        rows = slice(4 * k, 4 * k + 4)
        parts.update({("gru", f"{gate}InputWeights"): w[rows], ("gru", f"{gate}StateWeights"): u[rows],
                      ("gru", f"{gate}Biases"): b[rows] + (c[rows] if gate != "MemoryGate" else 0)})
    net = net_replace_part(NetGraph({"gru": GatedRecurrentLayer(4)}, [], Input=("n", 3)), parts)
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(net(x), rnn(x)[0].detach())
    assert torch.equal(net_extract(net, ("gru", "MemoryGateStateBiases")), c[8:])
    alone = GatedRecurrentLayer(4).with_arrays({"MemoryGateStateBiases": c[8:]})
    assert torch.equal(alone.arrays["MemoryGateStateBiases"], c[8:])
    initialized = net_initialize(NetGraph({"gru": GatedRecurrentLayer(4)}, [], Input=("n", 3)), seed=0)
    with pytest.raises(OptionError, match=r"'MemoryGateStateBiases': expected state size 4 .*found shape \(5\)"):
        net_replace_part(initialized, {("gru", "MemoryGateStateBiases"): torch.zeros(5)})
    with pytest.raises(OptionError, match="no array 'Biases'"):
        GatedRecurrentLayer(4).with_arrays({"Biases": c[8:]})


def test_array_names_are_wolframs():
    net = net_initialize(NetGraph([LongShortTermMemoryLayer(4)], [], Input=("n", 2)), seed=0)
    arrays = net.layers["1"].arrays
    assert set(arrays) == {f"{g}{k}" for g in ("InputGate", "ForgetGate", "MemoryGate", "OutputGate")
                           for k in ("InputWeights", "StateWeights", "Biases")}
    assert arrays["ForgetGateInputWeights"].shape == (4, 2) and arrays["ForgetGateStateWeights"].shape == (4, 4)
    assert set(net.compile().state_dict()) == {f"1.{n}" for n in arrays}
    assert set(net_initialize(NetGraph([GatedRecurrentLayer(4)], [], Input=("n", 2))).layers["1"].arrays) == {
        f"{g}{k}" for g in ("ResetGate", "UpdateGate", "MemoryGate")
        for k in ("InputWeights", "StateWeights", "Biases")}


def test_sequences_of_any_length_and_fixed_lengths():
    net = net_initialize(NetChain([GatedRecurrentLayer(4), SequenceLastLayer()], input=("n", 2)), seed=0)
    assert net.output_shapes == {"Output": (4,)}
    for length in (1, 3, 11):
        x = torch.randn(2, length, 2)
        assert net(x).shape == (2, 4)
    fixed = NetGraph([LongShortTermMemoryLayer(4)], [], Input=(6, 2))
    assert fixed.output_shapes == {"Output": (6, 4)}


def test_recurrent_shape_rules_both_ways():
    # the feature size comes from the neighbour; the sequence length stays variable by default
    assert NetGraph([LongShortTermMemoryLayer(4, input=3)], []).input_shapes == {"Input": ("n", 3)}
    assert NetGraph([LongShortTermMemoryLayer(4)], [], Output=(9, 4)).input_shapes == {"Input": (9, None)}
    net = NetChain([LongShortTermMemoryLayer(4), LinearLayer(2)], input=(5, 3))
    assert net.output_shapes == {"Output": (2,)}  # LinearLayer flattens the (5, 4) sequence
    shape_error(lambda: NetGraph([LongShortTermMemoryLayer(4)], [], Input=3),
                "graph input 'Input'", "rank 2", "LongShortTermMemoryLayer")
    shape_error(lambda: NetGraph([LongShortTermMemoryLayer(4)], [], Input=("n", 3), Output=("n", 5)),
                "graph output 'Output'", "(?, 4)", "(n, 5)")  # the length is the Input's: not yet known there
    shape_error(lambda: NetGraph([LongShortTermMemoryLayer(4, input_gate_input_weights=torch.zeros(4, 2))], [],
                                 Input=("n", 3)),
                "LongShortTermMemoryLayer", "(?, 2)", "(n, 3)")


def test_sequence_last_layer():
    net = NetGraph([SequenceLastLayer()], [], Input=("n", 3))
    x = torch.randn(2, 5, 3)
    three_way(net, lambda m, Input: Input[:, -1], Input=x)
    assert NetGraph([SequenceLastLayer()], [], Output=3).input_shapes == {"Input": ("n", 3)}
    shape_error(lambda: NetGraph([SequenceLastLayer()], [], Input=()), "SequenceLastLayer", "port 'Input'", "scalar")


@pytest.mark.parametrize("make, message", [
    (lambda: LongShortTermMemoryLayer(), r"needs its state size"),
    (lambda: GatedRecurrentLayer(0), "output= must be a positive integer"),
    (lambda: BasicRecurrentLayer(3, activation="Sigmoid"), "activation 'Sigmoid' is not supported"),
    (lambda: LongShortTermMemoryLayer(3, input=(2, 3, 4)), "input= must be the feature size"),
    (lambda: LongShortTermMemoryLayer(3, forget_gate_biases=torch.zeros(4)), "expected state size 3"),
    (lambda: LongShortTermMemoryLayer(4, input_gate_input_weights=torch.zeros(4, 5),
                                      forget_gate_input_weights=torch.zeros(4, 3)),
     r"array 'ForgetGateInputWeights': expected input width 5 \(from array 'InputGateInputWeights'\), found shape "
     r"\(4, 3\)"),
    (lambda: GatedRecurrentLayer(4, reset_gate_input_weights=torch.zeros(4, 5),
                                 memory_gate_input_weights=torch.zeros(4, 2)),
     r"array 'MemoryGateInputWeights': expected input width 5 \(from array 'ResetGateInputWeights'\)"),
])
def test_bad_options(make, message):
    with pytest.raises(OptionError, match=message):
        make()


def test_a_linear_layer_cannot_flatten_a_variable_length_sequence():
    shape_error(lambda: NetChain([LongShortTermMemoryLayer(4), LinearLayer(2)], input=("n", 3)),
                "layer 2 (LinearLayer)", "port 'Input' (n, 4)", "variable-length", "SequenceLastLayer")


@pytest.mark.parametrize("make, wrong, expected, found", [
    (lambda: LongShortTermMemoryLayer(4, input=3, input_gate_input_weights=torch.zeros(4, 5),
                                      forget_gate_input_weights=torch.zeros(4, 3)), "input_gate_input_weights", 3, 5),
    (lambda: GatedRecurrentLayer(4, input=("n", 5), reset_gate_input_weights=torch.zeros(4, 5),
                                 update_gate_input_weights=torch.zeros(4, 3)), "update_gate_input_weights", 5, 3),
])
def test_an_input_width_given_blames_the_array_that_misses_it(make, wrong, expected, found):
    """With input= given, each array is checked against it: the one that fits input= was blamed, "expected input
    width 5 (from InputGate...)", where the other array misfit input=."""
    with pytest.raises(OptionError, match=r"expected input width \d \(from input=\)") as raised:
        make()
    assert (raised.value.option, raised.value.expected, raised.value.found) == (wrong, expected, found)

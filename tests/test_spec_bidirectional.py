"""NetBidirectionalOperator's forward_net: a list is the pair [forward, backward] in YAML as in Python."""

from __future__ import annotations

import pytest
import torch

from netgraph import NetBidirectionalOperator, NetGraph, SpecError, load, net_initialize, save

_SPEC = "netgraph: 1\nlayers:\n  bi: {{type: NetBidirectionalOperator, forward_net: {}}}\ninputs: {{Input: [6, 3]}}\n"


def test_yaml_list_is_the_forward_backward_pair_as_in_python():
    py = NetGraph({"bi": NetBidirectionalOperator(forward_net=["Tanh", "Ramp"])}, [], Input=(6, 3))
    ym = NetGraph.from_yaml(_SPEC.format("[Tanh, Ramp]"))
    assert ym == py
    x = torch.randn(2, 6, 3)
    assert torch.equal(ym(x), py(x))
    assert torch.equal(ym(x)[..., 3:], torch.relu(x))  # the backward half is Ramp, not Tanh -> Ramp


def test_pair_of_chains_round_trips_with_arrays_under_each_direction(tmp_path):
    net = NetGraph.from_yaml(_SPEC.format("[[{type: BasicRecurrentLayer, output: 2}, Tanh], [{type: GatedRecurrentLayer, output: 5}]]"))
    assert net.output_shapes == {"Output": (6, 7)}
    net = net_initialize(net, seed=0)
    assert load(save(net, tmp_path / "bi.yaml")) == net


@pytest.mark.parametrize("items", ["[Tanh]", "[Tanh, Ramp, Tanh]"])
def test_list_of_other_lengths_is_refused_with_the_chain_spelling(items):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_SPEC.format(items))
    n = len(items.split(","))
    assert str(info.value) == (
        f"<string>:3:53: layer 'bi' (NetBidirectionalOperator) option forward_net: a list is the pair "
        f"[forward_net, backward_net], as in Python; found {n} item{'' if n == 1 else 's'}. For one chain of layers "
        f"used as both, write forward_net: {{type: NetChain, layers: [...]}}")


def test_one_chain_for_both_directions_is_written_as_a_netchain():
    net = NetGraph.from_yaml(_SPEC.format("{type: NetChain, layers: [Tanh, Ramp]}"))
    x = torch.randn(2, 6, 3)
    assert torch.equal(net(x), torch.relu(torch.tanh(x)).repeat(1, 1, 2))


def test_net_as_the_other_operators_name_it_is_told_forward_net():
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_SPEC.format("[Tanh, Ramp]").replace("forward_net:", "net:"))
    assert str(info.value) == ("<string>:3:40: layer 'bi' (NetBidirectionalOperator) has no option 'net' (did you mean "
                               "'forward_net'?); its options are forward_net, aggregation, backward_net")

"""One clear error where QA met a misleading one: training a net without outputs, a shape conflict's edges, the
seed words' message, interpret's positional tensor."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, LinearLayer, NetGraph, NetPort, OptionError, ShapeError, interpret, net_initialize,
                      net_train)


def test_training_a_net_without_outputs_says_it_has_none():
    net = NetGraph({"a": LinearLayer(3)}, [("a", None)], Input=2)
    with pytest.raises(OptionError) as info:
        net_train(net, {"Input": torch.randn(4, 2)}, max_training_rounds=1)
    assert info.value.kind == "port-count" and info.value.option == "loss_function"
    assert "no output port" in str(info.value) and "weight 0" not in str(info.value)


def test_a_shape_conflict_names_only_the_edge_joining_the_two_ports():
    layers = {"a": LinearLayer(3, input=2), "b": LinearLayer(2, input=5), "c": LinearLayer(2, input=3),
              "d": LinearLayer(2, input=3)}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [("a", "b"), ("a", "c"), ("a", "d")])
    (problem,) = info.value.diagnostics
    assert problem.message.endswith("joined by edge a -> b)") and problem.edge == 0
    assert [e.text for e in problem.edges] == ["a -> b"]


def test_a_wide_fan_out_conflict_names_the_path_not_every_edge():
    n = 50
    layers = {f"l{i}": LinearLayer(3, input=5 if i == 7 else 4) for i in range(n)}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [(NetPort("x"), f"l{i}") for i in range(n)])
    (problem,) = info.value.diagnostics
    assert sorted(e.text for e in problem.edges) == ["NetPort('x') -> l0", "NetPort('x') -> l7"]
    assert "in all" not in problem.message


@pytest.mark.parametrize("call", [lambda: net_initialize(LinearLayer(2, input=3), seed="automatic"),
                                  lambda: LinearLayer(2, input=3)(torch.ones(3), seed="inherited")],
                         ids=["net_initialize", "net(x)"])
def test_the_seed_words_message_says_what_inherited_does_wherever_it_is_read(call):
    with pytest.raises(OptionError) as info:
        call()
    message = str(info.value)
    assert "'Inherited' (a seed from torch's global generator)" in message and "as None" not in message


def test_interpret_takes_a_one_input_nets_tensor_positionally_as_net_does():
    net = net_initialize(NetGraph({"a": LinearLayer(3, input=2)}, []), seed=1)
    module, x = net.compile(), torch.randn(4, 2)
    assert torch.equal(interpret(net, module, x), interpret(net, module, Input=x))
    assert torch.allclose(interpret(net, module, x), net(x))


@pytest.mark.parametrize("args, keywords", [((torch.ones(1, 2), torch.ones(1, 2)), {}),
                                            ((torch.ones(1, 2),), {"Input": torch.ones(1, 2)})],
                         ids=["two tensors", "tensor and keyword"])
def test_interpret_refuses_other_positional_data_with_one_error(args, keywords):
    net = net_initialize(NetGraph({"a": LinearLayer(3, input=2)}, []), seed=1)
    with pytest.raises(DataError) as info:
        interpret(net, net.compile(), *args, **keywords)
    assert info.value.kind == "positional-data" and "Input=..." in str(info.value)

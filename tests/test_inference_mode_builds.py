"""A module built inside ``torch.inference_mode()`` (a net's first call, ``compile()``, ``to_net()``, a load) has
normal arrays: later calls with grad, and their backward, work and give the gradients of a net never used there."""

from __future__ import annotations

import pytest
import torch

from netgraph import BatchNormalizationLayer, LinearLayer, NetChain, load, net_initialize, net_port_gradient, save


def _net():
    return net_initialize(NetChain([LinearLayer(5), "Ramp", BatchNormalizationLayer(), LinearLayer(3)], input=4),
                          seed=0)


def _input_gradient(call, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_()
    call(x).square().sum().backward()
    return x.grad


@pytest.mark.parametrize("options", [{}, {"precision": "float64"}, {"mode": "train"}])
def test_a_first_call_in_inference_mode_leaves_later_calls_differentiable(options):
    used, fresh = _net(), _net()
    x = torch.randn(6, 4, dtype=torch.float64 if options else torch.float32)
    with torch.inference_mode():
        assert used(x, **options).is_inference()  # the call there still gives what inference mode gives
    assert torch.equal(_input_gradient(lambda v: used(v, **options), x),
                       _input_gradient(lambda v: fresh(v, **options), x))


def test_the_port_gradient_after_a_first_call_in_inference_mode_is_a_fresh_nets():
    used, x = _net(), torch.randn(6, 4)
    with torch.inference_mode():
        used(x)
    with torch.no_grad():
        assert torch.equal(net_port_gradient(used, x), net_port_gradient(_net(), x))


def test_a_module_compiled_in_inference_mode_runs_backward_in_either_mode():
    net, x = _net(), torch.randn(6, 4)
    with torch.inference_mode():
        built = net.compile()
    for train in (False, True):
        expected = net.compile().train(train)
        assert torch.equal(_input_gradient(built.train(train), x), _input_gradient(expected, x))


def test_nets_made_in_inference_mode_by_to_net_and_load_are_differentiable(tmp_path):
    net, x = _net(), torch.randn(6, 4)
    save(net, tmp_path / "net.yaml")
    with torch.inference_mode():
        copied, loaded = net.compile().to_net(), load(tmp_path / "net.yaml")
    expected = _input_gradient(net, x)
    assert torch.equal(_input_gradient(copied, x), expected)
    assert torch.equal(_input_gradient(loaded, x), expected)

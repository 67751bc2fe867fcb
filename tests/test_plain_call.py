"""The plain call ``net(x)``: a closure cached on the net serves one plain tensor; everything else it refuses
reaches the general path, and both give the same answers (``netgraph.backend.plain_call``)."""

from __future__ import annotations

import pytest
import torch
from torch.nn.modules.module import register_module_forward_hook

from netgraph import DataError, LinearLayer, NetChain, net_initialize, set_distribution_checks
from netgraph.backend.evaluation import compiled_for_evaluation


def mlp():
    return net_initialize(NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=4), seed=0)


def by_hand(net, x):
    """The MLP written with torch on the net's arrays, in float64."""
    (w1, b1), (w2, b2) = ((net.layers[k].arrays["Weights"].double(), net.layers[k].arrays["Biases"].double())
                          for k in ("1", "3"))
    return torch.tanh(x.double() @ w1.T + b1) @ w2.T + b2


def primed(net):
    """``net`` after the calls that compile its module and cache its plain call."""
    net(torch.randn(2, 4))
    net(torch.randn(2, 4))
    assert net._plain_call is not None
    return net


def spy(module):
    """Record each call of ``module.forward``: its arguments and whether grad mode was on."""
    seen, forward = [], module.forward

    def recording(*args, **kwargs):
        seen.append((args, kwargs, torch.is_grad_enabled()))
        return forward(*args, **kwargs)
    module.forward = recording
    return seen


def test_the_plain_call_runs_the_module_on_the_callers_tensor_without_grad_and_builds_no_graph():
    net = primed(mlp())
    seen, x = spy(compiled_for_evaluation(net)), torch.randn(5, 4)
    out = net(x)
    assert len(seen) == 1 and seen[0][0][0] is x and seen[0][2] is False
    assert not out.requires_grad and out.grad_fn is None and torch.is_grad_enabled()
    torch.testing.assert_close(out, by_hand(net, x).float())
    x7 = torch.randn(7, 4)  # another batch size
    torch.testing.assert_close(net(x7), by_hand(net, x7).float())
    with torch.no_grad():
        net(x)
        assert not torch.is_grad_enabled()


@pytest.mark.parametrize("make", [
    lambda x: x.double(),                          # another dtype: converted to the working precision
    lambda x: x.long(),                            # integers on a real port
    lambda x: x[0],                                # one unbatched example
    lambda x: torch.nn.Parameter(x.clone()),       # a Tensor subclass (that needs grad)
    lambda x: x.clone().requires_grad_(),          # needs grad: the result does too
    lambda x: x.numpy(),                           # not a tensor
])
def test_what_the_plain_call_refuses_takes_the_general_path_with_the_same_answer(make):
    net, x = primed(mlp()), torch.randint(-3, 4, (3, 4)).float()
    data = make(x)
    assert net._plain_call(data) is None
    out = net(data)
    torch.testing.assert_close(out, by_hand(net, torch.as_tensor(data).detach()).float())
    assert out.requires_grad == (isinstance(data, torch.Tensor) and data.requires_grad)


def test_an_input_that_needs_grad_gets_its_gradient_after_a_plain_call():
    net = primed(mlp())
    x = torch.randn(3, 4, requires_grad=True)
    net(x).sum().backward()
    exact = torch.autograd.functional.jacobian(lambda v: by_hand(net, v).sum(), x.detach().double())
    torch.testing.assert_close(x.grad, exact.float())


@pytest.mark.parametrize("data, message", [
    (lambda: torch.randn(3, 5), r"expected shape \(b, 4\) with b the batch size, found \(3, 5\)"),
    (lambda: torch.randn(3, 4, 1), r"found \(3, 4, 1\)"),
    (lambda: torch.empty(3, 4, device="meta"), r"the data is on device meta"),
    (lambda: torch.randn(3, 4).to_sparse(), r"sparse"),
    (lambda: torch.randn(3, 4, dtype=torch.complex64), r"complex"),
])
def test_wrong_data_after_a_plain_call_is_the_general_paths_data_error(data, message):
    net = primed(mlp())
    net(torch.randn(3, 4))  # the batch size 3 is accepted: the next shapes are compared with it
    assert net._plain_call(data()) is None
    with pytest.raises(DataError, match=rf"input port 'Input'.*{message}"):
        net(data())


def test_a_changed_working_precision_or_checks_setting_gets_the_module_for_it():
    net, x = primed(mlp()), torch.randn(2, 4)
    previous_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert net._plain_call(x) is None and net(x).dtype == torch.float64  # float32 data: the precision wins
        assert net._plain_call(x.double()) is None
        out = net(x.double())
        assert out.dtype == torch.float64 and net(x.double()).dtype == torch.float64
        torch.testing.assert_close(out, by_hand(net, x))
    finally:
        torch.set_default_dtype(previous_dtype)
    assert net(x).dtype == torch.float32
    previous = set_distribution_checks(True)
    set_distribution_checks(previous is not True)  # a setting other than the one the module was compiled for
    try:
        net(x)
        seen = spy(compiled_for_evaluation(net))
        net(x), net(x)
        assert len(seen) == 2
    finally:
        set_distribution_checks(previous)


def test_module_and_global_hooks_are_honoured_and_grad_mode_is_restored_after_an_error():
    net, x = primed(mlp()), torch.randn(2, 4)
    module, calls = compiled_for_evaluation(net), []
    local = module.register_forward_hook(lambda m, args, out: calls.append(args[0]))
    net(x)
    local.remove()
    everywhere = register_module_forward_hook(lambda m, args, out: calls.append(m))
    try:
        net(x)
    finally:
        everywhere.remove()
    assert calls[0] is x and module in calls[1:]

    def failing(m, args, kwargs):
        raise RuntimeError("hook failed")
    handle = module.register_forward_pre_hook(failing, with_kwargs=True)
    with pytest.raises(RuntimeError, match="hook failed"):
        net(x)
    handle.remove()
    assert torch.is_grad_enabled()


def test_a_net_with_other_arrays_does_not_reuse_the_plain_call_of_the_one_it_came_from():
    net, x = primed(mlp()), torch.randn(2, 4)
    other = net.replace_layers({"3": net.layers["3"].with_arrays({"Weights": torch.ones(2, 3), "Biases": torch.zeros(2)})})
    torch.testing.assert_close(other(x), by_hand(other, x).float())
    torch.testing.assert_close(other(x), by_hand(other, x).float())  # its own plain call now
    torch.testing.assert_close(net(x), by_hand(net, x).float())

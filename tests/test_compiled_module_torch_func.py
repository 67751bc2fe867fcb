"""The compiled module under ``torch.func`` and torch's module habits, as a handwritten nn.Module: functional calls,
gradients, Jacobians and vmap give the module's values, and the interpreter gives them too under vmap, no_grad,
inference_mode, train mode and lower precisions."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

from netgraph import (BatchNormalizationLayer, CatenateLayer, ConvolutionLayer, CTCLossLayer, DataError, DropoutLayer,
                      ElementwiseLayer, FlattenLayer, LinearLayer, LongShortTermMemoryLayer, NetArrayLayer, NetChain,
                      NetFoldOperator, NetGraph, NetMapOperator, NetPort, SequenceLastLayer, ThreadingLayer, interpret,
                      net_initialize)

SPECS = Path(__file__).resolve().parent.parent / "specs"
_FOLDED = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3), "tanh": ElementwiseLayer("Tanh")},
                   [([NetPort("State"), NetPort("Input")], "cat"), ("cat", "lin", "tanh", NetPort("Output"))],
                   State=3, Input=2)
NETS = {
    "mlp": (lambda: NetChain([LinearLayer(6), "Tanh", LinearLayer(3)], input=4), (4,)),
    "cnn": (lambda: NetChain([ConvolutionLayer(3, 3), BatchNormalizationLayer(), "ReLU", DropoutLayer(0.3),
                              FlattenLayer(), LinearLayer(2)], input=(2, 5, 5)), (2, 5, 5)),
    "transformer": (lambda: NetGraph.from_yaml(SPECS / "transformer_block.yaml"), (3, 64)),
    "array": (lambda: NetGraph({"w": NetArrayLayer(), "times": ThreadingLayer("Times"), "lin": LinearLayer(2)},
                               [("w", NetPort("times", "Input1")), (NetPort("Input"), NetPort("times", "Input2")),
                                ("times", "lin")], Input=4), (4,)),
    "map": (lambda: NetChain([NetMapOperator(NetChain([LinearLayer(3), "Tanh"])), SequenceLastLayer()],
                             input=("n", 4)), (5, 4)),
    "fold": (lambda: NetGraph({"fold": NetFoldOperator(_FOLDED)}, [(NetPort("fold", "State"), None)],
                              Input=("n", 2)), (4, 2)),
}


def _net(name: str, seed: int = 0):
    return net_initialize(NETS[name][0](), seed=seed)


def _input(name: str, batch: int = 2, seed: int = 0) -> torch.Tensor:
    return torch.randn(batch, *NETS[name][1], generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", NETS)
def test_functional_call_gives_the_values_of_the_module_whose_arrays_it_is_given(name):
    module, other = _net(name).compile().eval(), _net(name, seed=1).compile().eval()
    x = _input(name)
    state = {**dict(other.named_parameters()), **dict(other.named_buffers())}
    torch.testing.assert_close(torch.func.functional_call(module, state, (x,)), other(x))


@pytest.mark.parametrize("name", NETS)
def test_func_grad_over_the_arrays_is_the_backward_passs(name):
    module, x = _net(name).compile().eval(), _input(name)
    params = dict(module.named_parameters())
    grads = torch.func.grad(lambda p: torch.func.functional_call(module, p, (x,)).square().sum())(params)
    expected = torch.autograd.grad(module(x).square().sum(), list(params.values()))
    torch.testing.assert_close(list(grads.values()), list(expected))


@pytest.mark.parametrize("name", NETS)
def test_jacrev_by_the_input_is_autograds_jacobian(name):
    module, x = _net(name).compile().eval(), _input(name)
    torch.testing.assert_close(torch.func.jacrev(module)(x), torch.autograd.functional.jacobian(module, x))


@pytest.mark.parametrize("name", NETS)
def test_vmap_over_batches_gives_each_batchs_values_compiled_and_interpreted(name):
    net = _net(name)
    module = net.compile().eval()
    batches = torch.stack([_input(name, seed=0), _input(name, seed=1)])
    expected = torch.stack([module(b) for b in batches])
    torch.testing.assert_close(torch.func.vmap(module)(batches), expected)
    torch.testing.assert_close(torch.func.vmap(lambda b: interpret(net, module, Input=b))(batches), expected)


def test_vmap_over_a_recurrent_layer_is_torchs_own_error_as_for_nn_lstm():
    module = net_initialize(NetChain([LongShortTermMemoryLayer(3)], input=("n", 2)), seed=0).compile()
    with pytest.raises(RuntimeError, match="Batching rule not implemented for aten::lstm") as info:
        torch.func.vmap(module)(torch.randn(2, 4, 5, 2))
    assert not isinstance(info.value, DataError)


def test_gradcheck_in_float64_by_the_input_and_the_arrays():
    module = _net("cnn").compile().double().eval()
    x = _input("cnn").double().requires_grad_()
    assert torch.autograd.gradcheck(module, (x,))
    names = [n for n, _ in module.named_parameters()]
    arrays = tuple(p.detach().clone().requires_grad_() for p in module.parameters())
    assert torch.autograd.gradcheck(lambda *p: torch.func.functional_call(module, dict(zip(names, p)), (x,)), arrays)


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("setting", ["no_grad", "inference_mode", "train", "bfloat16", "float16", "float64"])
def test_compiled_equals_interpreted_in_torchs_modes_and_precisions(name, setting):
    net = _net(name)
    module, x = net.compile().eval(), _input(name)
    expected = module(x)
    dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float64": torch.float64}.get(setting)
    if dtype:
        module, x = copy.deepcopy(module).to(dtype), x.to(dtype)
    twin = copy.deepcopy(module.train(setting == "train"))  # in train mode, each updates its moving statistics
    context = {"no_grad": torch.no_grad, "inference_mode": torch.inference_mode}.get(setting, torch.enable_grad)
    with context():
        torch.manual_seed(0)
        compiled = module(x)
        torch.manual_seed(0)
        interpreted = interpret(net, twin, Input=x)
    assert compiled.dtype == (dtype or torch.float32)
    torch.testing.assert_close(interpreted, compiled)
    torch.testing.assert_close(list(twin.buffers()), list(module.buffers()))
    if setting != "train":  # the same values, up to the precision's rounding
        torch.testing.assert_close(compiled.float(), expected, atol=0.1 if dtype in (torch.bfloat16, torch.float16)
                                   else 1e-5, rtol=0.05 if dtype in (torch.bfloat16, torch.float16) else 1e-5)


@pytest.mark.parametrize("logits", [False, True])
def test_a_ctc_loss_under_vmap_gives_each_examples_loss(logits):
    # the mark of targets too long for the input (inf) was written in place into a fresh tensor: vmap's error
    module = net_initialize(NetGraph([CTCLossLayer(logits=logits)], [], Input=(3, 4), Target=3)).compile()
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 4, generator=g) + 0.05 if not logits else torch.randn(4, 3, 4, generator=g)
    x = x if logits else x / x.sum(-1, keepdim=True)
    t = torch.tensor([[0, 1, -1], [2, -1, -1], [1, 1, 1], [0, 2, 1]])  # [1, 1, 1] needs 5 steps: inf

    def one(xi, ti):
        return module(xi.unsqueeze(0), ti.unsqueeze(0)).squeeze(0)

    losses = module(x, t)
    assert torch.isinf(losses[2]) and torch.isfinite(losses[[0, 1, 3]]).all()
    torch.testing.assert_close(torch.func.vmap(one)(x, t), losses)

"""A forward longer than PART_LINES lines is compiled in parts of at most about PART_SIZE lines: same values, seeds,
gradients and tracebacks."""

import linecache
import math
import traceback

import pytest
import torch

from netgraph import (ElementwiseLayer, FunctionLayer, LinearLayer, NetArrayLayer, NetChain, NetGraph,
                      NormalDistribution, RandomArrayLayer, interpret, net_initialize)
from netgraph.backend.forward_parts import PART_LINES, PART_SIZE


def chain(n: int) -> NetGraph:
    return NetChain([LinearLayer(4) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(n)], input=4)


def wide(branches: int) -> NetGraph:
    """``branches`` Tanh branches on one input, summed left to right: every branch is read in a later part."""
    layers = {f"b{i}": ElementwiseLayer("Tanh") for i in range(branches)}
    edges, total = [], "b0"
    for i in range(1, branches):
        layers[f"s{i}"] = FunctionLayer("#a + #b")
        edges.append(([total, f"b{i}"], f"s{i}"))
        total = f"s{i}"
    return NetGraph(layers, edges, Input=4)


def part_headers(code: str) -> list[str]:
    return [line for line in code.splitlines() if line.startswith("def ")]


def test_a_long_chain_is_compiled_in_parts_and_equals_the_interpreter_and_handwritten_torch():
    n = 2 * PART_LINES + 500
    module = net_initialize(chain(n), seed=0).compile()
    headers = part_headers(module.code)
    assert headers[0] == "def forward(self, Input):" and len(headers) == 1 + math.ceil(n / PART_SIZE)
    assert all(len(body.splitlines()) <= PART_SIZE + 2 for body in module.code.split("\ndef ")[1:])
    x = torch.randn(5, 4, requires_grad=True)
    y = module(x)
    hand = x
    for i in range(0, n, 2):
        lin = module._modules[str(i + 1)]
        hand = torch.tanh(torch.nn.functional.linear(hand, lin.Weights, lin.Biases))
    torch.testing.assert_close(y, hand, rtol=0, atol=0)
    torch.testing.assert_close(interpret(module.net, module, Input=x), y, rtol=0, atol=0)
    (grad,) = torch.autograd.grad(y.sum(), x)
    (hand_grad,) = torch.autograd.grad(hand.sum(), x)
    torch.testing.assert_close(grad, hand_grad, rtol=0, atol=0)


def test_values_read_in_a_later_part_are_handed_on():
    module = net_initialize(wide(PART_LINES), seed=0).compile()
    assert len(part_headers(module.code)) >= 3
    x = torch.randn(3, 4)
    hand = torch.tanh(x)
    for _ in range(1, PART_LINES):
        hand = hand + torch.tanh(x)  # summed in the net's order
    torch.testing.assert_close(module(x), hand, rtol=0, atol=0)
    torch.testing.assert_close(interpret(module.net, module, Input=x), module(x), rtol=0, atol=0)


def test_the_values_a_part_hands_on_are_one_name_in_forward_however_many_and_later_parts_take_those_they_read():
    branches = PART_LINES + PART_LINES // 2  # the first part's branches are summed in the second part and the third
    module = net_initialize(wide(branches), seed=0).compile()
    parts = len(part_headers(module.code)) - 1
    assert parts >= 3
    # self, Input, and one name per part (its tuple, or its one value): Python compiles a function passing tens of
    # thousands of names in more than linear time
    assert type(module).forward.__code__.co_nlocals <= 2 + parts
    x = torch.randn(3, 4)
    hand = torch.tanh(x)
    for _ in range(1, branches):
        hand = hand + torch.tanh(x)
    torch.testing.assert_close(module(x), hand, rtol=0, atol=0)
    torch.testing.assert_close(interpret(module.net, module, Input=x), module(x), rtol=0, atol=0)


def test_a_net_without_inputs_hands_each_part_the_batch_size_and_draws_in_the_same_order():
    layers = {"a": NetArrayLayer(output=3)}
    edges, last = [], "a"
    for i in range(PART_LINES + 200):
        layers[f"r{i}"] = RandomArrayLayer(NormalDistribution(0, 1), output=3)
        layers[f"s{i}"] = FunctionLayer("#a + #b")
        edges.append(([last, f"r{i}"], f"s{i}"))
        last = f"s{i}"
    module = net_initialize(NetGraph(layers, edges), seed=0).compile()
    headers = part_headers(module.code)
    assert headers[0] == "def forward(self, batch_size=None):" and len(headers) >= 3
    assert all(header.startswith("def forward_part") and "(self, size" in header for header in headers[1:])
    torch.manual_seed(7)
    single, batch = module(), module(6)
    torch.manual_seed(7)
    again_single = interpret(module.net, module)
    torch.testing.assert_close(single, again_single, rtol=0, atol=0)
    assert single.shape == (3,) and batch.shape == (6, 3)


def test_a_layer_named_like_a_part_function_does_not_shadow_it():
    layers = {f"forward_part{i}": ElementwiseLayer("Tanh") for i in range(1, PART_LINES + 300)}
    net = NetGraph(layers, [tuple(layers)], Input=4)
    module = net_initialize(net, seed=0).compile()
    x = torch.randn(2, 4)
    torch.testing.assert_close(module(x), interpret(module.net, module, Input=x), rtol=0, atol=0)


def test_tracebacks_show_the_failing_line_of_the_part_it_is_in():
    module = net_initialize(chain(2 * PART_LINES), seed=0).compile()
    with pytest.raises(RuntimeError) as info:
        module.forward(torch.randn(2, 5))  # the module itself, past net(x)'s input checks: F.linear fails
    frames = [f for f in traceback.extract_tb(info.value.__traceback__) if f.filename.startswith("<netgraph-compiled")]
    line = module.code.splitlines()[frames[-1].lineno - 1]
    assert frames[-1].name == "forward_part1" and line.strip() == "x1 = F.linear(Input, self._modules['1'].Weights, self._modules['1'].Biases)"
    assert linecache.getline(frames[-1].filename, frames[-1].lineno) == line + "\n"


def test_a_forward_up_to_part_lines_long_stays_one_function():
    module = net_initialize(chain(PART_LINES), seed=0).compile()
    assert part_headers(module.code) == ["def forward(self, Input):"]

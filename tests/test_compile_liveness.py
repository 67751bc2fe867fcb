"""The compiled forward releases each value after its last use, as handwritten torch (``x = layer(x)``) and torch.fx's
code do: at inference, the activations alive at once are those handwritten torch keeps, not every one of the forward.

Counted exactly: each probe's output is watched with ``weakref.finalize`` (CPython frees a tensor when its last
reference goes), and the probe notes how many of its outputs are alive when it makes a new one."""

import math
import weakref

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, NetMapOperator, TorchLayer
from netgraph.backend.forward_parts import PART_LINES, PART_SIZE, Step, compile_source, forward_source
from netgraph.backend.masks import compile_padded
from netgraph.backend.releases import released


class Alive:
    """How many watched tensors are alive now, and the most at once."""

    now = peak = 0

    @classmethod
    def reset(cls) -> None:
        cls.now = cls.peak = 0

    @classmethod
    def watch(cls, tensor: torch.Tensor) -> torch.Tensor:
        cls.now += 1
        cls.peak = max(cls.peak, cls.now)
        weakref.finalize(tensor, cls._gone)
        return tensor

    @classmethod
    def _gone(cls) -> None:
        cls.now -= 1


class Probe(nn.Module):
    """A new tensor (its input plus one), watched."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return Alive.watch(x + 1)


def peak(call) -> int:
    Alive.reset()
    with torch.no_grad():
        result = call()
    del result
    return Alive.peak


def handwritten_chain(x: torch.Tensor, n: int) -> torch.Tensor:
    probe = Probe()
    for _ in range(n):
        x = probe(x)
    return x


def test_a_compiled_chain_keeps_as_few_activations_alive_as_handwritten_torch():
    n = 12
    module = NetChain([TorchLayer(Probe()) for _ in range(n)], input=3).compile()
    x = torch.zeros(2, 3)
    assert peak(lambda: handwritten_chain(x, n)) == 2
    assert peak(lambda: module(x)) == 2
    torch.testing.assert_close(module(x), torch.full((2, 3), float(n)))


def test_a_compiled_dag_keeps_a_value_alive_until_its_last_reader_only():
    """``first`` feeds a chain of five probes and the sum at the end: it stays alive, the chain's values do not."""
    layers = {"first": TorchLayer(Probe()), **{f"p{i}": TorchLayer(Probe()) for i in range(5)},
              "sum": FunctionLayer("#a + #b")}
    edges = [("first", "p0"), ("p0", "p1"), ("p1", "p2"), ("p2", "p3"), ("p3", "p4"), (["first", "p4"], "sum")]
    module = NetGraph(layers, edges, Input=3).compile()
    x = torch.zeros(2, 3)

    def handwritten() -> torch.Tensor:
        probe = Probe()
        first = probe(x)
        y = probe(first)
        for _ in range(4):
            y = probe(y)
        return first + y

    assert peak(handwritten) == 3
    assert peak(lambda: module(x)) == 3
    torch.testing.assert_close(module(x), torch.full((2, 3), 7.0))


def test_a_forward_in_parts_releases_values_in_its_parts_and_in_the_forward():
    """A chain of 12 probes in parts of 3 lines: what a part hands on is released by ``forward`` once passed on."""
    n = 12
    names = ["x", *(f"v{i}" for i in range(n))]
    lines = [f"{b} = probe({a})" for a, b in zip(names, names[1:])]
    steps = [Step(i, (a,), (b,)) for i, (a, b) in enumerate(zip(names, names[1:]))]
    code = forward_source("self, x", lines, steps, [f"return {names[-1]}"], part_lines=3, fresh=str)
    namespace = {"probe": Probe()}
    compile_source(code.splitlines(True), "<parts>", namespace)
    assert code.count("def ") == 1 + 4
    assert peak(lambda: namespace["forward"](None, torch.zeros(2))) == 3  # one more only while the next part runs


class WatchTanh(TorchFunctionMode):
    """Watches what ``torch.tanh`` gives (an ElementwiseLayer("Tanh")'s compiled line)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        return Alive.watch(out) if func is torch.tanh else out


def test_a_compiled_chain_in_parts_keeps_one_more_activation_alive_at_a_part_boundary_only():
    n = PART_LINES + 10
    module = NetChain([TorchLayer(Probe()) for _ in range(n)], input=3).compile()
    assert module.code.count("def ") == 1 + math.ceil(n / PART_SIZE)
    assert peak(lambda: module(torch.zeros(2, 3))) == 3


def test_the_padded_forward_releases_values_too():
    net = NetChain([ElementwiseLayer("Tanh") for _ in range(6)], input=("n", 3))
    module = compile_padded(net, ["Input"])
    x, lengths = torch.zeros(2, 4, 3), torch.tensor([4, 2])
    with WatchTanh():
        assert peak(lambda: module(x, lengths)) == 2


def test_an_operator_s_temporaries_are_released_with_its_values():
    """A NetMapOperator's output is a view of its inner net's output (a temporary): both go after the last use."""
    n = 6
    module = NetChain([NetMapOperator(TorchLayer(Probe())) for _ in range(n)], input=(4, 3)).compile()
    assert peak(lambda: module(torch.zeros(2, 4, 3))) == 2
    torch.testing.assert_close(module(torch.zeros(2, 4, 3)), torch.full((2, 4, 3), float(n)))


def test_a_release_that_cannot_end_a_line_is_a_line_of_its_own():
    """After an indented line, a comment or a compound statement, ``;  a = None`` would run in the wrong place."""
    lines = ["a = f(x)", "for i in range(2):", "    b = g(a)", "c = h(b)  # note", "if c: d = c"]
    steps = [Step(0, ("x",), ("a",)), Step(1, ("a",), ("b",)), Step(3, ("b",), ("c",)), Step(4, ("c",), ("d",))]
    assert released(lines, steps, 5, kept={"d"}) == [
        "a = f(x)", "for i in range(2):", "    b = g(a)", "a = None", "c = h(b)  # note", "b = None",
        "if c: d = c", "c = None"]

"""The generated forwards' file names and ``linecache`` entries (``netgraph.backend.code_lines``): one name per code,
so compiling a net again adds no name CPython keeps for good, and the lines stay while any class of that code lives."""

from __future__ import annotations

import gc
import linecache
import traceback

import pytest
import torch

from netgraph import LinearLayer, NetChain, net_initialize
from netgraph.backend.code_lines import register, release_collected, release_with


class _Owner:
    """Stands for a compiled class: its registration is released once it is collected."""


def _net():
    return net_initialize(NetChain({"a": LinearLayer(3), "t": "Tanh"}, input=2), seed=0)


def test_compiling_one_net_again_and_again_reuses_one_file_name():
    net, names = _net(), set()
    for _ in range(5):
        module = net.compile()
        names.add(type(module)._filename)
        del module
        gc.collect()  # its class collected: the next compile makes a new class of the same code
    assert len(names) == 1


def test_two_registrations_of_one_code_keep_its_lines_until_both_are_collected():
    code = "def forward(self, x):\n    return x + 0.25\n"
    first, second = _Owner(), _Owner()
    name = release_with(first, register(code, code.splitlines(True))) and register(code, code.splitlines(True))
    release_with(second, name)
    del first
    gc.collect()
    release_collected()
    assert linecache.getline(name, 2) == "    return x + 0.25\n"  # the other class still has it
    del second
    gc.collect()
    release_collected()
    assert name not in linecache.cache


def test_a_traceback_through_a_recompiled_net_shows_its_forward_lines():
    net = _net()
    module = net.compile()

    def failing_lines() -> list[tuple[int, str]]:
        with pytest.raises(RuntimeError) as info:
            module.forward(torch.ones(2, 5))  # the module itself, past the input checks: F.linear fails
        frames = [f for f in traceback.extract_tb(info.value.__traceback__) if f.filename.startswith("<netgraph-")]
        assert frames and all(f.line == module.code.splitlines()[f.lineno - 1].strip() for f in frames)
        return [(f.lineno, f.line) for f in frames]

    first = failing_lines()
    del module
    gc.collect()
    module = net.compile()  # a new class of the same code, under the same name: its lines registered again
    assert failing_lines() == first and "F.linear" in first[-1][1]

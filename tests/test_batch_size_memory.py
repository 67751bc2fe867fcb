"""``module(batch_size=n)`` of a net without inputs: a batch whose arrays could not fit in this machine's memory is
refused before anything is allocated.

``module(batch_size=2**40)`` of a net drawing 3 numbers an example met torch's allocator error ("DefaultCPUAllocator:
can't allocate memory: you tried to allocate 13194139533312 bytes"), a RuntimeError from inside the forward."""

from __future__ import annotations

import os

import pytest
import torch

from netgraph import (ElementwiseLayer, NetArrayLayer, NetGraph, NormalDistribution, OptionError, RandomArrayLayer,
                      interpret, net_initialize)


def _draws(n: int = 3):
    return net_initialize(NetGraph({"noise": RandomArrayLayer(NormalDistribution(0, 1), output=n)}, []), seed=0)


def _memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_batch_too_large_for_memory_is_an_option_error_naming_its_bytes(dtype):
    net = _draws()
    module = net.compile().to(dtype)
    size = 2**40
    need = size * 3 * dtype.itemsize  # 3 numbers an example
    assert need > _memory()
    calls = [lambda: module(batch_size=size), lambda: interpret(net, module, batch_size=size)]
    for call in calls + ([lambda: net(batch_size=size)] if dtype == torch.float32 else []):  # net(...): its own module
        with pytest.raises(OptionError) as caught:
            call()
        text = str(caught.value)
        assert text.startswith(f"batch_size={size} would need {need} bytes for layer 'noise' port 'Output' "
                               f"(3 elements of {dtype.itemsize} bytes an example)"), text
        assert f"this machine's memory, {_memory()} bytes" in text
        diagnostic = caught.value.diagnostics[0]
        assert diagnostic.option == "batch_size" and diagnostic.found == size
        assert diagnostic.expected == f"at most {_memory() // (3 * dtype.itemsize)}"


def test_the_largest_array_counts_not_only_the_outputs():
    """1000 draws an example summed to one number: the draws are what would not fit."""
    net = net_initialize(NetGraph({"noise": RandomArrayLayer(NormalDistribution(0, 1), output=1000),
                                   "sum": ElementwiseLayer("Tanh")}, [("noise", "sum")]), seed=0)
    with pytest.raises(OptionError, match=r"^batch_size=4294967296 would need 17179869184000 bytes for layer 'noise'"):
        net.compile()(batch_size=2**32)


def test_batches_that_fit_still_run_past_the_unchecked_size():
    """A NetArrayLayer's batch is a view of its array: 300 examples of 2**20 numbers pass the check (1.2 GB)."""
    net = net_initialize(NetGraph([NetArrayLayer(array=torch.zeros(2**20))], []))
    module = net.compile()
    out = module(batch_size=300)
    assert out.shape == (300, 2**20) and out.stride() == (0, 1)
    with pytest.raises(OptionError, match=r"^batch_size=1099511627776 would need"):
        module(batch_size=2**40)


def test_a_module_off_the_cpu_is_not_checked_against_the_cpus_memory():
    """Another device's memory is not this machine's: no guess (torch's meta device allocates nothing)."""
    module = _draws().compile().to("meta")
    assert module(batch_size=2**40).shape == (2**40, 3)


def test_torchs_largest_size_is_still_said_first():
    with pytest.raises(OptionError, match=r"batch_size must be below 2\*\*62 here"):
        _draws(2).compile()(batch_size=2**62)

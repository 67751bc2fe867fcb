"""net_initialize beside other threads: a layer's ``init_array`` runs without netgraph's lock (it may wait on a thread
that compiles), a ``method=`` draws in the working precision without it, and each array comes out in the calling
thread's working precision, the numbers it draws alone. Every wait has a timeout so a hang fails instead."""

from __future__ import annotations

import threading

import torch
from torch import nn

from netgraph import LinearLayer, NetChain, net_initialize
from netgraph.core.types import unify
from netgraph.core.torch_state import working_precision
from netgraph.layers import Layer

WAIT = 10.0  # seconds a thread waits for the other before giving up


class _Shifted(Layer, register=False):
    """A layer whose array ``Shift`` its own ``init_array`` draws, after calling ``before()``."""

    shift: object = None
    ARRAYS = {"Shift": "shift"}  # noqa: RUF012
    input_ports = ("Input",)
    before = staticmethod(lambda: None)

    def infer(self, types):
        t = unify(types["Input"], types["Output"])
        return {"Input": t, "Output": t}

    def array_shapes(self, types):
        return {"Shift": types["Input"].shape}

    def init_array(self, name, shape, generator):
        type(self).before()
        return torch.rand(shape, generator=generator)

    def build(self, types):
        return nn.Identity()


def _shift(net) -> torch.Tensor:
    return net.information("Arrays")[("2", "Shift")]


def test_an_init_array_that_waits_on_another_thread_s_compile_does_not_hang():
    """Found in review: net_initialize held netgraph's lock while a layer's init_array ran, so one that waited on
    a thread compiling a net (which takes the lock) hung, even in float32 with no other thread."""
    other = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    compiled = []

    def wait_on_compile():
        thread = threading.Thread(target=lambda: compiled.append(other.compile()(torch.ones(1, 3))), daemon=True)
        thread.start()
        thread.join(WAIT)

    class Waiting(_Shifted, register=False):
        before = staticmethod(wait_on_compile)
    net = net_initialize(NetChain([LinearLayer(4), Waiting()], input=3), seed=5)
    assert len(compiled) == 1 and torch.equal(compiled[0], other(torch.ones(1, 3)))
    assert torch.equal(_shift(net), _shift(net_initialize(NetChain([LinearLayer(4), _Shifted()], input=3), seed=5)))


def _beside_window(dtype: torch.dtype, exclusive: bool, work):
    """``work()``'s result, run while another thread holds a ``dtype`` precision window open."""
    opened, done, found = threading.Event(), threading.Event(), []

    def hold() -> None:
        with working_precision(dtype, exclusive=exclusive):
            opened.set()
            done.wait(timeout=WAIT)

    other = threading.Thread(target=hold, daemon=True)
    other.start()
    assert opened.wait(timeout=WAIT)
    worker = threading.Thread(target=lambda: found.append(work()), daemon=True)
    worker.start()
    worker.join(WAIT)
    done.set()
    other.join(WAIT)
    return found


def test_a_method_draws_while_another_thread_holds_a_precision_window():
    """A method= waited for netgraph's lock (held by another thread's compile or precision window) to draw."""
    net = NetChain([LinearLayer(4), LinearLayer(2)], input=3)
    found = _beside_window(torch.float64, True, lambda: net_initialize(net, seed=2, method="Xavier"))
    assert len(found) == 1
    alone = net_initialize(net, seed=2, method="Xavier")
    for name, array in alone.information("Arrays").items():
        assert array.dtype == torch.float32 and torch.equal(found[0].information("Arrays")[name], array), name


def test_an_init_array_beside_another_thread_s_float64_window_draws_float32_the_numbers_it_draws_alone():
    """Run without the lock, the init_array made float64 where another thread's window had set torch's default: it
    is drawn again, from the same generator state, in this thread's precision."""
    net = NetChain([LinearLayer(4), _Shifted()], input=3)
    found = _beside_window(torch.float64, False, lambda: net_initialize(net, seed=7))
    assert len(found) == 1 and _shift(found[0]).dtype == torch.float32
    assert torch.equal(_shift(found[0]), _shift(net_initialize(net, seed=7)))

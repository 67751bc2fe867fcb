"""One torch module object wrapped by two layers is refused when the net is built, as the README's tour says bad
wiring is (QA of the README: ``NetChain([m, m])`` built, net_initialize took it, and the ``shared-module`` error came
only at net(x) or compile()); one layer placed twice, or a nested net placed twice, is two copies and builds."""

from __future__ import annotations

import copy
import gc
import pickle
import tracemalloc

import pytest
import torch
from torch import nn

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, OptionError, TorchLayer, net_initialize,
                      net_replace_part)
from netgraph.core import wrapped_modules

M = nn.Linear(3, 3)


@pytest.mark.parametrize("make, names", [
    (lambda: NetChain([M, M], input=3), (("1",), ("2",))),
    (lambda: NetChain([TorchLayer(M), TorchLayer(M)], input=3), (("1",), ("2",))),
    (lambda: NetChain({"a": TorchLayer(M), "enc": NetChain({"x": LinearLayer(3), "t": TorchLayer(M)})}, input=3),
     (("a",), ("enc", "t"))),
    (lambda: NetChain({"a": TorchLayer(M), "map": NetMapOperator(NetChain({"t": TorchLayer(M)}))}, input=(4, 3)),
     (("a",), ("map", "net", "t"))),
    (lambda: NetGraph({"a": NetMapOperator(M), "b": NetMapOperator(TorchLayer(M))}, [("a", "b")], Input=(4, 3)),
     (("a", "net", "layer"), ("b", "net", "layer"))),
])
def test_two_layers_wrapping_one_module_are_refused_when_the_net_is_built(make, names):
    with pytest.raises(OptionError, match="wrap one Linear object: torch shares a module used twice") as caught:
        make()
    assert (caught.value.kind, caught.value.layer, caught.value.found) == ("shared-module", names[1], names)


def test_the_build_names_the_layers_as_the_compiled_net_did():
    with pytest.raises(OptionError) as caught:
        NetChain({"a": TorchLayer(M), "map": NetMapOperator(NetChain({"t": TorchLayer(M)}))}, input=(4, 3))
    assert str(caught.value).startswith("layer 1 'a' (TorchLayer) and layer 'map/net/t' (TorchLayer) wrap one")
    with pytest.raises(OptionError) as caught:
        NetChain({"a": TorchLayer(M), "enc": NetChain({"x": LinearLayer(3), "t": TorchLayer(M)})}, input=3)
    assert str(caught.value).startswith("layer 1 'a' (TorchLayer) and layer 2 'enc' (NetChain) > layer 2 't' "
                                        "(TorchLayer) wrap one")


def test_a_layer_swapped_in_with_a_module_another_layer_wraps_is_refused():
    net = NetChain({"a": TorchLayer(M), "b": TorchLayer(copy.deepcopy(M))}, input=3)
    with pytest.raises(OptionError, match="wrap one Linear object") as caught:
        net.replace_layers({"b": TorchLayer(M)})  # the same structure: the layers swapped in, the check again
    assert caught.value.found == (("a",), ("b",))


def test_one_layer_or_one_nested_net_placed_twice_builds_initializes_and_runs():
    layer, enc = TorchLayer(M), NetChain([TorchLayer(M)])
    x = torch.randn(2, 3)
    for net in (NetChain([layer, layer], input=3), NetChain({"e1": enc, "e2": enc}, input=3),
                NetChain([M, copy.deepcopy(M)], input=3)):
        net = net_initialize(net, seed=0)  # each copy starts from the module's own weights
        torch.testing.assert_close(net(x), M(M(x)), rtol=0, atol=0)
        again = NetChain({"one": net, "two": pickle.loads(pickle.dumps(net))}, input=3)  # copies: modules of their own
        torch.testing.assert_close(again(x), M(M(M(M(x)))))


def nested(depth: int, module: nn.Module | None = None) -> NetChain:
    """A chain nested ``depth`` deep with a module wrapper beside the nested chain at each level (``module`` at the
    innermost, if given): each level's check sees a wrapper and a nested net, so the early return does not apply."""
    net = NetChain([LinearLayer(3), TorchLayer(module or nn.Identity())], input=3)
    for _ in range(depth):
        net = NetChain([net, TorchLayer(nn.Identity())])
    return net


def test_a_module_nested_deep_and_wrapped_again_on_top_is_refused_with_its_whole_path():
    with pytest.raises(OptionError, match="wrap one Linear object") as caught:
        NetChain({"deep": nested(30, M), "top": TorchLayer(M)})
    assert caught.value.found == (("deep", *["1"] * 30, "2"), ("top",))


def test_checking_a_level_looks_at_its_own_layers_not_at_every_nested_path(monkeypatch):
    """A level's check merged its nested nets' paths by walking each from the top (a chain nested 400 deep: 1.9 s
    of a 5.9 s build): the layer classes looked at for one more level grew with the square of the depth."""
    looked_at = []
    kind = wrapped_modules._kind
    monkeypatch.setattr(wrapped_modules, "_kind", lambda cls: looked_at.append(cls) or kind(cls))
    counts = {}
    for depth in (50, 100):
        net, looked_at[:] = nested(depth), []
        NetChain([net, TorchLayer(nn.Identity())])
        counts[depth] = len(looked_at)
    assert counts[100] <= counts[50] + 10  # 3 and 3 (1,381 and 5,256 walking every path)


def test_one_more_level_keeps_memory_growing_with_the_depth_not_its_square():
    """Each level kept every nested path in full: a chain nested 400 deep kept 3.6 times the bytes one 200 deep did
    for its top level (1.75 times now: a table entry is the layer, its name and its place in the nested table)."""
    kept = {}
    for depth in (200, 400):
        net, top = nested(depth), TorchLayer(nn.Identity())
        gc.collect()
        tracemalloc.start()
        try:
            made = NetChain([net, top])
            kept[depth] = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        del made
    assert kept[400] < 2.5 * kept[200]


@pytest.mark.parametrize("edit", [
    lambda net: net_replace_part(net, {("1", "weight"): torch.ones(3, 3)}),  # replace_leaves: no inference again
    lambda net: net_initialize(net, all=True, seed=0),
])
def test_a_net_whose_wrapper_was_copied_by_an_edit_nests_beside_a_new_wrapper_of_the_module(edit):
    """The edited net's wrapper holds a copy of its own (the module table was the old net's: the old layer, so the
    given module, was found twice, 'wrap one Linear object')."""
    module = nn.Linear(3, 3)
    edited = edit(NetChain([TorchLayer(module), "Tanh"], input=3))
    outer = NetChain([edited, TorchLayer(module)], input=3)
    assert outer.layers["2"].module is not edited.layers["1"].module

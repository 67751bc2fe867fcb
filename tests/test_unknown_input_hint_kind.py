"""The hint for a graph input of unknown shape said ``NetGraph(layers, edges, Input=3)`` also of a NetChain, whose form
is ``NetChain(layers, input=3)``; it now follows the net's kind (YAML's 'inputs:' form stays)."""

from __future__ import annotations

import pytest

from netgraph import (CatenateLayer, EmbeddingLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetGraph, NetPort,
                      net_initialize)
from netgraph.core.errors import ShapeError


@pytest.mark.parametrize("net, form", [
    (NetChain([LinearLayer(2)]), "NetChain(layers, input=3)"),
    (NetChain({"a": LinearLayer(2), "b": LinearLayer(1)}), "NetChain(layers, input=3)"),
    (NetGraph([LinearLayer(2)], []), "NetGraph(layers, edges, Input=3)"),
])
def test_the_hint_has_the_form_of_the_nets_kind(net, form):
    for act in (net_initialize, lambda n: n.compile()):
        with pytest.raises(ShapeError) as info:
            act(net)
        assert f"e.g. {form}, or in YAML under 'inputs:'" in str(info.value)
        assert ("NetGraph(" in str(info.value)) == form.startswith("NetGraph")


def test_a_chains_second_input_is_named_by_its_port():
    net = NetChain([CatenateLayer(), LinearLayer(2)], Input1=3)
    with pytest.raises(ShapeError) as info:
        net_initialize(net)
    assert "e.g. NetChain(layers, Input2=3)" in str(info.value) and "input=" not in str(info.value)


@pytest.mark.parametrize("net, form", [
    (NetChain([LinearLayer(4), "Ramp", LinearLayer(2)], input=(None, 8)), "NetChain(layers, input=8)"),
    (NetGraph(["Tanh"], [], Input=(None, "n", 3)), "NetGraph(layers, edges, Input=('n', 3))"),
])
def test_a_leading_none_as_kerass_batch_dimension_is_named(net, form):
    """Found by QA with Keras habits: input=(None, 8), the batch dimension written in as Keras's batch_shape, was
    'unknown shape (?, 8)' with the hint Input=3, not the shape meant without that dim."""
    import torch
    from netgraph import net_train
    words = f"a leading None, as Keras's batch dimension? shapes exclude the batch dimension: {form}"
    with pytest.raises(ShapeError) as info:
        net.compile()
    assert words in str(info.value)
    if isinstance(net, NetChain):
        with pytest.raises(ShapeError) as trained:
            net_train(net, (torch.randn(16, 8), torch.randn(16, 2)), max_training_rounds=1, progress=False)
        assert words in str(trained.value)


@pytest.mark.parametrize("build, form", [
    (lambda: NetChain([EmbeddingLayer(8, 20), GatedRecurrentLayer(4)], input=(None, "n")), "NetChain(layers, input='n')"),
    (lambda: NetGraph({"gru": GatedRecurrentLayer(4)}, [], Input=(None, "n", 3)),
     "NetGraph(layers, edges, Input=('n', 3))"),
])
def test_a_leading_none_that_breaks_a_rank_is_named_as_kerass_batch_dimension(build, form):
    """Found by QA with Keras habits: input=(None, 'n') into Embedding and GRU was a rank conflict that did not say
    the None is read as a dimension of each example; the shape without it fits."""
    with pytest.raises(ShapeError) as info:
        build()
    assert str(info.value).endswith(f"; a leading None, as Keras's batch dimension? shapes exclude the batch "
                                    f"dimension: {form}")
    assert info.value.diagnostics[0].hint.endswith(form)


def test_a_leading_none_is_not_blamed_when_the_shape_without_it_fails_too():
    with pytest.raises(ShapeError) as info:
        NetChain([LinearLayer(3, input=5)], input=(None, 4))
    assert "batch dimension" not in str(info.value) and info.value.diagnostics[0].hint is None


def test_several_inputs_with_a_leading_none_are_named_together():
    """Found by QA with torch habits: two inputs declared (None, 8) into a Catenate and a Linear had no hint: each
    was tried alone without its None, and none fits while the other keeps its None."""
    net = lambda **shapes: NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(2, input=16)},  # noqa: E731
                                    [((NetPort("a"), NetPort("b")), "cat"), ("cat", "lin")], **shapes)
    with pytest.raises(ShapeError) as info:
        net(a=(None, 8), b=(None, 8))
    hint = info.value.diagnostics[0].hint
    assert hint == ("a leading None, as Keras's batch dimension? shapes exclude the batch dimension: "
                    "NetGraph(layers, edges, a=8, b=8)"), hint
    assert net(a=8, b=8)  # the shapes named fit

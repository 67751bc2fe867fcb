"""Which built modules compile labels with their layer (``layer_label``, read by their errors): those holding a str
``layer_label`` however they hold it (instance, class, ``__getattr__``), and no others."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetNestOperator, net_initialize
from netgraph.core.errors import UninitializedError
from netgraph.core.registry import registry_scope
from netgraph.core.types import unify
from netgraph.layers import Layer


class _ClassLabel(nn.Module):
    layer_label = "Mine"

    def forward(self, x):
        return x + 1


class _NoneLabel(_ClassLabel):
    layer_label = None


class _HookLabel(nn.Module):
    def __getattr__(self, name):
        return "Hooked" if name == "layer_label" else super().__getattr__(name)

    def forward(self, x):
        return x + 1


class _Plain(nn.Module):
    def forward(self, x):
        return x + 1


def _layer_class(module_class):
    class Plus(Layer):
        input_ports = ("Input",)

        def infer(self, types):
            t = unify(types["Input"], types["Output"])
            return {"Input": t, "Output": t}

        def build(self, types):
            return module_class()
    return Plus


@pytest.mark.parametrize("module_class, labelled", [(_ClassLabel, True), (_HookLabel, True), (_NoneLabel, False),
                                                    (_Plain, False)])
def test_a_user_module_is_labelled_when_it_holds_a_str_layer_label(module_class, labelled):
    with registry_scope():
        plus = _layer_class(module_class)
        module = NetGraph({"first": plus(), "second": plus()}, [("first", "second")], Input=2).compile()
    for name in ("first", "second"):
        found = module._modules[name].__dict__
        assert (found.get("layer_label"), found.get("layer_type")) == (
            (f"layer {name!r} (Plus)", "Plus") if labelled else (None, None))
    assert torch.equal(module(torch.zeros(1, 2)), torch.full((1, 2), 2.0))


def test_built_in_modules_are_labelled_only_where_their_errors_name_the_layer():
    net = net_initialize(NetChain({"emb": EmbeddingLayer(3, 5), "lin": LinearLayer(2)}, input=[4]), seed=0)
    module = net.compile()
    assert module.emb.layer_label == "layer 'emb' (EmbeddingLayer)" and module.emb.layer_type == "EmbeddingLayer"
    assert "layer_label" not in module.lin.__dict__ and getattr(module.lin, "layer_label", None) is None


def test_a_net_a_user_layer_compiles_in_its_build_inside_an_operator_compiles_as_it_would_alone():
    """A user layer's build() compiling a net of its own inside an operator's inner net: that compile took the
    operator's as its outer one, skipped its own operator's arrays as already checked and named an uninitialised
    array by a path inside its operator's inner net (layer 1 'layer' (LinearLayer) array 'Weights')."""
    helper = NetGraph([NetNestOperator(NetNestOperator(LinearLayer(3), 1), 1)], [], Input=3)  # not initialised
    with registry_scope():
        helped = _layer_class(lambda: nn.Sequential(helper.compile()))
        messages = []
        for net in (NetGraph([helped()], [], Input=3), NetGraph([NetNestOperator(helped(), 1)], [], Input=3)):
            with pytest.raises(UninitializedError) as caught:
                net.compile()
            messages.append(str(caught.value))
    assert messages[1] == messages[0] and "array 'net.layer.net.layer.Weights'" in messages[0], messages

"""Layers that run their author's code (a Layer subclass of one's own, a FunctionLayer's Python function) get the
protections a TorchLayer's module gets: a mistake is one error naming the layer, not torch's error later."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import NetChain, LinearLayer, ShapeError, net_initialize
from netgraph.core.types import unify
from netgraph.layers import Layer


class _Same(Layer, register=False):
    """Input and Output share one type; ``module`` (a class attribute) is what build gives."""
    input_ports = ("Input",)
    module = nn.Identity

    def infer(self, types):
        t = unify(types["Input"], types["Output"])
        return {"Input": t, "Output": t}

    def build(self, types):
        return type(self).module()


def _layer(forward):
    """A layer of its own class whose module's forward is ``forward``."""
    module = type("Module", (nn.Module,), {"forward": lambda self, x: forward(x)})
    return type("Own", (_Same,), {"module": module}, register=False)()


@pytest.mark.parametrize("forward, found", [(lambda x: None, "NoneType"), (lambda x: {"Output": x}, "dict")])
@pytest.mark.parametrize("compiled", [False, True])
def test_a_module_returning_no_tensor_is_a_shape_error(forward, found, compiled):
    net = net_initialize(NetChain([_layer(forward), LinearLayer(2)], input=3), seed=0)
    with pytest.raises(ShapeError, match=rf"layer 1 \(Own\): the module from Own.build\(\) must return one tensor per "
                                         rf"output port \['Output'\] .*returned {found}") as info:
        (net.compile() if compiled else net)(torch.ones(2, 3))
    assert (info.value.kind, info.value.found) == ("layer-contract", found)

"""A torch user who loaded a state_dict into ``net.compile()`` passes that module where a net goes (``net_train``,
``net_initialize``, ...): the error names it and says how to get the net back (``module.to_net()``), as ``save``
takes it by that route."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetGraphError, export_onnx, net_initialize,
                      net_set_learning_rate_multipliers, net_train)
from netgraph.train import net_measurements


def _module():
    return net_initialize(NetChain({"fc": LinearLayer(2)}, input=3), seed=0).compile()


_DATA = {"Input": torch.ones(4, 3), "Target": torch.zeros(4, 2)}


@pytest.mark.parametrize("call", [lambda m: net_train(m, _DATA, max_training_rounds=1), lambda m: net_initialize(m),
                                  lambda m: net_measurements(m, _DATA), lambda m: export_onnx(m, "unused.onnx"),
                                  lambda m: net_set_learning_rate_multipliers(m, {"fc": 0}), lambda m: NetGraph(m)])
def test_a_compiled_module_where_a_net_goes_says_module_to_net(call):
    with pytest.raises(NetGraphError) as info:
        call(_module())
    assert "a compiled module: module.to_net() gives its net, with the module's arrays" in str(info.value)
    assert info.value.diagnostics[0].hint == "module.to_net()"


def test_other_values_keep_their_message_without_the_hint():
    with pytest.raises(NetGraphError) as info:
        net_train(torch.nn.Linear(3, 2), _DATA)
    assert "to_net" not in str(info.value) and info.value.diagnostics[0].hint is None


def test_a_compiled_module_in_a_layer_list_is_its_net_with_the_modules_arrays():
    from netgraph import TorchLayer
    module = _module()
    with torch.no_grad():
        module.state_dict()["fc.Weights"].mul_(3)  # arrays the net it came from does not have (as after training)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    for net, inner in [(lambda c: (c, c.layers["1"]))(NetChain([module], input=3)),
                       (lambda g: (g, g.layers["m"]))(NetGraph({"m": module}, []))]:
        assert not isinstance(inner, TorchLayer) and inner == module.to_net()
        torch.testing.assert_close(net.compile()(x), module(x))

"""Layer names that are attributes of the compiled module (torch's or netgraph's) are refused, through Python and
YAML: the generated forward and torch.fx reach a layer's module as an attribute, which such a name would hide."""

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, NetMapOperator, SequenceLastLayer, WiringError
from netgraph import net_initialize
from netgraph.backend.compile import CompiledNet
from netgraph.backend.masks import compile_padded
from netgraph.core.errors import NetGraphError
from netgraph.core.graph import RESERVED_NAMES
from netgraph.layers._modules import LayerModule

_ATTRIBUTE_NAMES = ["code_layers", "inner_net", "route", "lengths_arguments", "own_output_dtypes", "working_dtype",
                    "computed_inline", "_net", "_depth", "_code_lines", "_modules", "_parameters", "_buffers",
                    "_forward_hooks", "_state_dict_hooks"]


def _yaml(name: str) -> str:
    return f"netgraph: 1\nlayers:\n  {name}: {{type: LinearLayer, output: 2}}\ninputs: {{Input: 3}}\nedges: []\n"


@pytest.mark.parametrize("name", _ATTRIBUTE_NAMES)
def test_a_layer_named_like_a_compiled_module_attribute_is_refused(name):
    builds = [lambda: NetGraph({name: LinearLayer(2)}, [], Input=3),
              lambda: NetChain({"a": LinearLayer(2), name: "Tanh"}, input=3),
              lambda: NetGraph({"enc": NetChain({name: LinearLayer(2)})}, [], Input=3)]
    for build in builds:
        with pytest.raises(WiringError, match=f"name '{name}' is not allowed") as refused:
            build()
        assert refused.value.kind == "layer-name"
    with pytest.raises(NetGraphError, match=f"name '{name}' is not allowed") as refused:
        NetGraph.from_yaml(_yaml(name))
    assert refused.value.kind == "layer-name"


def _compiled_modules():
    """A compiled module with a nested graph, and a padded one (``own_output_dtypes``, which compile stores for a user's
    layer type whose module gives another dtype, is listed by reading netgraph.backend.module_builder)."""
    nested = net_initialize(NetGraph({"enc": NetChain({"a": LinearLayer(2)})}, [], Input=3), seed=0).compile()
    padded = compile_padded(net_initialize(NetChain({"m": NetMapOperator(LinearLayer(2)), "b": SequenceLastLayer()},
                                                    input=("Varying", 3)), seed=0), ["Input"])
    return [nested, padded]


def test_reserved_names_hold_every_attribute_of_a_compiled_module_and_its_graph_modules():
    holders = [m for root in _compiled_modules() for m in root.modules()
               if isinstance(m, CompiledNet) or type(m) is LayerModule]
    assert any("route" in vars(m) for m in holders) and any("computed_inline" in vars(m) for m in holders)
    for module in holders:
        names = set(dir(type(module))) | set(vars(module))
        assert names <= RESERVED_NAMES, (type(module), sorted(names - RESERVED_NAMES))


@pytest.mark.parametrize("name", ["_layer", "__hidden", "layer_label", "Weights"])
def test_other_names_reach_their_module_in_the_forward_and_torch_fx(name):
    net = net_initialize(NetGraph({"enc": NetChain({name: LinearLayer(2), "act": "Tanh"})}, [], Input=3), seed=0)
    module, x = net.compile(), torch.randn(2, 3)
    torch.testing.assert_close(module(x), net(x))
    torch.testing.assert_close(torch.fx.symbolic_trace(module)(x), net(x))

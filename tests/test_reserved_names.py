"""Layer names that are attributes of the compiled module are refused, through Python and YAML: torch.nn.Module's,
the compiled module's own methods, and any name with netgraph's prefix (``_netgraph_``), which its other attributes
carry, so that names such as ``route`` or ``inner_net`` reach their layer in the generated forward and in torch.fx."""

import pickle

import pytest
import torch

import netgraph
from netgraph import LinearLayer, NetChain, NetGraph, NetMapOperator, SequenceLastLayer, WiringError
from netgraph import net_initialize
from netgraph.backend.compile import CompiledNet
from netgraph.backend.masks import compile_padded
from netgraph.core.errors import NetGraphError
from netgraph.core.graph import RESERVED_NAMES
from netgraph.core.layer_table import NETGRAPH_PREFIX
from netgraph.layers._modules import LayerModule

_TORCH_NAMES = ["_modules", "_parameters", "_buffers", "_forward_hooks", "_state_dict_hooks", "training", "forward"]
_REFUSED = _TORCH_NAMES + ["code", "code_layers", "net", "_netgraph_route", "_netgraph_x"]
#: netgraph's attributes of a compiled module before they took the prefix: names a layer may take again
_FREED = ["route", "inner_net", "working_dtype", "lengths_arguments", "own_output_dtypes", "computed_inline", "_net",
          "_depth", "_folded_draws"]


def _yaml(name: str) -> str:
    return f"netgraph: 1\nlayers:\n  {name}: {{type: LinearLayer, output: 2}}\ninputs: {{Input: 3}}\nedges: []\n"


@pytest.mark.parametrize("name", _REFUSED)
def test_a_layer_named_like_a_compiled_module_attribute_is_refused(name):
    builds = [lambda: NetGraph({name: LinearLayer(2)}, [], Input=3),
              lambda: NetChain({"a": LinearLayer(2), name: "Tanh"}, input=3),
              lambda: NetGraph({"enc": NetChain({name: LinearLayer(2)})}, [], Input=3)]
    for build in builds:
        with pytest.raises(WiringError, match=f"name '{name}' is not allowed .*rename") as refused:
            build()
        assert refused.value.kind == "layer-name"
    with pytest.raises(NetGraphError, match=f"name '{name}' is not allowed") as refused:
        NetGraph.from_yaml(_yaml(name))
    assert refused.value.kind == "layer-name"


@pytest.mark.parametrize("name", _TORCH_NAMES)
def test_the_refusal_of_a_torch_name_says_it_is_torch_nn_modules(name):
    with pytest.raises(WiringError, match="it is torch.nn.Module's attribute"):
        NetGraph({name: LinearLayer(2)}, [], Input=3)


def _padded(name: str):
    net = NetChain({name: NetMapOperator(NetChain({"a": LinearLayer(2)})), "b": SequenceLastLayer()},
                   input=("Varying", 3))
    return net_initialize(net, seed=0)


@pytest.mark.parametrize("name", _FREED)
def test_a_name_netgraph_once_used_reaches_its_layer_everywhere(name, tmp_path):
    x = torch.randn(2, 3)
    for net in [NetGraph({name: LinearLayer(2), "t": "Tanh"}, [(name, "t")], Input=3),
                NetGraph({"enc": NetChain({name: LinearLayer(2), "t": "Tanh"})}, [], Input=3),
                NetGraph.from_yaml(_yaml(name))]:
        net = net_initialize(net, seed=0)
        module = net.compile()
        torch.testing.assert_close(module(x), net(x))
        torch.testing.assert_close(torch.fx.symbolic_trace(module)(x), net(x))
        netgraph.save(net, tmp_path / "net.yaml")
        torch.testing.assert_close(netgraph.load(tmp_path / "net.yaml")(x), net(x))
    net, sequences, lengths = _padded(name), torch.randn(2, 4, 3), torch.tensor([4, 2])
    padded = compile_padded(net, ["Input"])
    torch.testing.assert_close(padded(sequences, lengths)[1], net(sequences[1:, :2])[0])


def _compiled_modules():
    """A compiled module with a nested graph, one with an operator, and a padded one."""
    nested = net_initialize(NetGraph({"enc": NetChain({"a": LinearLayer(2)})}, [], Input=3), seed=0).compile()
    mapped = net_initialize(NetChain({"m": NetMapOperator(LinearLayer(2)), "b": SequenceLastLayer()},
                                     input=("Varying", 3)), seed=0)
    return [nested, mapped.compile(), compile_padded(mapped, ["Input"])]


def test_every_attribute_of_a_compiled_module_is_torchs_the_compiled_modules_or_prefixed():
    torchs = set(vars(torch.nn.Module()))
    modules = [m for root in _compiled_modules() for m in root.modules()]
    assert {type(m) for m in modules} >= {LayerModule} and sum(isinstance(m, CompiledNet) for m in modules) >= 3
    assert any(f"{NETGRAPH_PREFIX}route" in vars(m) for m in modules)
    holders = [m for m in modules if isinstance(m, CompiledNet) or type(m) is LayerModule]  # layers' modules' parents
    for module in holders:  # the class's: netgraph's (torch.compile marks a class it compiled: torch's own name)
        own = {n for n in vars(module) if n not in torchs and not n.startswith(NETGRAPH_PREFIX)}
        assert own <= ({"code", "code_layers"} if isinstance(module, CompiledNet) else set()), (type(module), own)
        names = {n for cls in type(module).__mro__ if cls.__module__.startswith("netgraph.") for n in vars(cls)
                 if not n.startswith(NETGRAPH_PREFIX) and n not in {"__module__", "__doc__", "__qualname__"}}
        assert names <= RESERVED_NAMES, (type(module), sorted(names - RESERVED_NAMES))

def test_a_module_pickled_before_the_prefix_loads_with_it():
    net = net_initialize(NetChain({"m": NetMapOperator(LinearLayer(2)), "b": SequenceLastLayer()},
                                  input=("Varying", 3)), seed=0)
    module, data = compile_padded(net, ["Input"]), (torch.randn(2, 4, 3), torch.tensor([4, 2]))
    cls, arguments, state = module.__reduce_ex__(2)
    unprefixed = {f"{NETGRAPH_PREFIX}net": "_net", f"{NETGRAPH_PREFIX}depth": "_depth"}
    old = {unprefixed.get(k, k.removeprefix(NETGRAPH_PREFIX)): v for k, v in state.items()}
    assert {"_net", "_depth", "route", "working_dtype"} <= set(old)
    loaded = cls(*arguments)
    loaded.__setstate__(old)
    torch.testing.assert_close(loaded(*data), module(*data))
    assert loaded.net is net and pickle.loads(pickle.dumps(loaded))._netgraph_route == module._netgraph_route


@pytest.mark.parametrize("name", ["_layer", "__hidden", "layer_label", "Weights"])
def test_other_names_reach_their_module_in_the_forward_and_torch_fx(name):
    net = net_initialize(NetGraph({"enc": NetChain({name: LinearLayer(2), "act": "Tanh"})}, [], Input=3), seed=0)
    module, x = net.compile(), torch.randn(2, 3)
    torch.testing.assert_close(module(x), net(x))
    torch.testing.assert_close(torch.fx.symbolic_trace(module)(x), net(x))

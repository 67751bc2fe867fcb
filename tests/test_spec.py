"""YAML specs: the seed spec, the format's forms (layers, ports, edges, nesting, references), to_yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from netgraph import (
    ElementwiseLayer,
    FunctionLayer,
    LinearLayer,
    NetArrayLayer,
    NetChain,
    NetGraph,
    NetPort,
    NormalDistribution,
    RandomArrayLayer,
    SpecError,
    UniformDistribution,
    net_initialize,
)

SPECS = Path(__file__).resolve().parent.parent / "specs"


def seed_python() -> NetGraph:
    return NetGraph({"means": NetArrayLayer(array=[0.0, 30.0], output=2),
                     "stds": NetArrayLayer(array=[10.0, 5.0], output=2),
                     "noise": RandomArrayLayer(NormalDistribution(0, 1), output=2),
                     "sample": FunctionLayer("#Means + #Stds * #Random", output=2)},
                    [(["means", "stds", "noise"], "sample"), (NetPort("noise", "Output"), NetPort("Params"))])


def test_seed_spec_equals_the_python_graph():
    net = NetGraph.from_yaml(SPECS / "normal_reparameterization.yaml")
    assert net == seed_python()
    assert net.output_shapes == {"Output": (2,), "Params": (2,)}
    assert net.input_shapes == {}


def test_seed_spec_runs_with_the_seed_statistics():
    net = NetGraph.from_yaml(str(SPECS / "normal_reparameterization.yaml"))
    draws = torch.stack([net()["Output"].detach() for _ in range(4000)])
    mean, std = draws.mean(0), draws.std(0)
    # means [0, 30], stds [10, 5]; standard error of the mean is std / sqrt(4000)
    assert torch.all((mean - torch.tensor([0.0, 30.0])).abs() < 5 * torch.tensor([10.0, 5.0]) / 4000 ** 0.5)
    assert torch.allclose(std, torch.tensor([10.0, 5.0]), rtol=0.06)


def test_from_yaml_text_and_open_file(tmp_path):
    text = (SPECS / "normal_reparameterization.yaml").read_text()
    assert NetGraph.from_yaml(text) == seed_python()
    with open(SPECS / "normal_reparameterization.yaml") as fh:
        assert NetGraph.from_yaml(fh) == seed_python()


def test_list_layers_are_numbered_and_integer_endpoints_work():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  - {type: NetArrayLayer, array: [0.0, 30.0]}
  - {type: NetArrayLayer, array: [10.0, 5.0]}
  - {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: [0, 1]}, output: 2}
  - {type: FunctionLayer, function: "#Means + #Stds * #Random", output: 2}
outputs: {Params: null}
edges:
  - [1, 4]
  - [2, 4]
  - [3, 4]
  - [3.Output, Params]
""")
    python = NetGraph([NetArrayLayer(array=[0.0, 30.0]), NetArrayLayer(array=[10.0, 5.0]),
                       RandomArrayLayer(NormalDistribution(0, 1), output=2),
                       FunctionLayer("#Means + #Stds * #Random", output=2)],
                      [(1, 4), (2, 4), (3, 4), (NetPort(3, "Output"), NetPort("Params"))])
    assert net == python


def test_every_edge_form():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  a: {type: LinearLayer, output: 3}
  b: {type: LinearLayer, output: 3}
  c: {type: FunctionLayer, function: "#x + #y"}
  d: Tanh
  e: Ramp
  f: {type: FunctionLayer, function: "#p * #q"}
inputs: {x: 4}
outputs: {Mid: null}
edges:
  - x -> [a, b]            # fan-out
  - "[a, b] -> c -> d"     # group, then a chain
  - [c, e]                 # two-item list
  - [[d, e], f]            # list form with a group
  - c.Output -> Mid        # a layer port to a declared graph port
""")
    python = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3), "c": FunctionLayer("#x + #y"),
                       "d": ElementwiseLayer("Tanh"), "e": ElementwiseLayer("Ramp"), "f": FunctionLayer("#p * #q")},
                      [(NetPort("x"), ["a", "b"]), (["a", "b"], "c", "d"), ("c", "e"), (["d", "e"], "f"),
                       (NetPort("c", "Output"), NetPort("Mid"))], x=4)
    assert net == python
    assert net.input_shapes == {"x": (4,)}
    assert set(net.output_shapes) == {"Output", "Mid"}


def test_mute_with_none_and_edges_as_a_mapping():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  r: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: ["#mu", 1.0]}, output: 2}
  g: {type: FunctionLayer, function: "2 * #z"}
inputs: {mu: 2}
edges: {r: g, g.Output: None}
""")
    assert net.output_ports == ()
    assert net.input_ports == ("mu",)


def test_port_types_dtype_forms():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  f: {type: FunctionLayer, function: "#a + #b + #c"}
inputs:
  a: {shape: [2, 3], dtype: Real}
  b: Real
  c: [2, 3]
""")
    assert net.input_shapes == {"a": (2, 3), "b": (), "c": (2, 3)}


def test_distribution_slots_become_input_ports_with_gradients():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  z: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: ["#mu", "#sigma"]}}
inputs: {mu: 3, sigma: 3}
""")
    assert net.layers["z"] == RandomArrayLayer(NormalDistribution("#mu", "#sigma"))
    mu, sigma = torch.zeros(5, 3, requires_grad=True), torch.ones(5, 3, requires_grad=True)
    net(mu=mu, sigma=sigma).sum().backward()
    assert mu.grad is not None and torch.all(mu.grad == 1)
    assert sigma.grad is not None


def test_uniform_distribution_takes_one_list_argument():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  u: {type: RandomArrayLayer, distribution: {type: UniformDistribution, args: [[2.0, 3.0]]}, output: 1000}
""")
    assert net.layers["u"].distribution == UniformDistribution([2.0, 3.0])
    draw = net()
    assert draw.min() >= 2.0 and draw.max() <= 3.0


def test_nested_graph_inline_and_chain_shorthand():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  enc:
    type: NetGraph
    layers:
      lin: {type: LinearLayer, output: 4}
      act: Tanh
    edges: [lin -> act]
  head: [3, Ramp, 2]
  tail: {type: NetChain, layers: {one: 5, two: Tanh}}
inputs: {Input: 6}
edges: [Input -> enc -> head -> tail]
""")
    assert isinstance(net.layers["enc"], NetGraph)
    assert isinstance(net.layers["head"], NetChain) and isinstance(net.layers["tail"], NetChain)
    assert net.layer_types(("head", "3"))["Output"].shape == (2,)
    assert net.output_shapes == {"Output": (5,)}
    net = net_initialize(net, seed=1)
    assert net(torch.randn(7, 6)).shape == (7, 5)


def test_top_level_netchain_with_input_alias():
    net = NetGraph.from_yaml("""
netgraph: 1
type: NetChain
layers: [8, Ramp, {type: LinearLayer, output: 2}]
input: 3
""")
    assert net == NetChain([LinearLayer(8), ElementwiseLayer("Ramp"), LinearLayer(2)], input=3)


def test_file_references_are_relative_to_the_referring_file(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "block.yaml").write_text(
        "netgraph: 1\nlayers: {lin: {type: LinearLayer, output: 4}, act: Tanh}\nedges: [lin -> act]\n")
    (tmp_path / "net.yaml").write_text(
        "netgraph: 1\nlayers:\n  b1: {file: parts/block.yaml}\n  b2: {file: parts/block.yaml}\n"
        "inputs: {Input: 3}\nedges: [Input -> b1 -> b2]\n")
    net = NetGraph.from_yaml(tmp_path / "net.yaml")
    block = NetGraph({"lin": LinearLayer(4), "act": ElementwiseLayer("Tanh")}, [("lin", "act")])
    assert net.layers["b1"] == block and net.layers["b2"] == block
    assert net.output_shapes == {"Output": (4,)}


def test_reference_cycles_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("netgraph: 1\nlayers:\n  inner: {file: b.yaml}\n")
    (tmp_path / "b.yaml").write_text("netgraph: 1\nlayers:\n  back: {file: a.yaml}\n")
    with pytest.raises(SpecError, match=r"b\.yaml:3:16: spec files refer to each other in a cycle: a\.yaml -> b\.yaml -> a\.yaml"):
        NetGraph.from_yaml(tmp_path / "a.yaml")


def test_layer_type_name_shorthand_and_anchors():
    net = NetGraph.from_yaml("""
netgraph: 1
layers:
  l1: &lin {type: LinearLayer, output: 4}
  l2: *lin
  l3: {<<: *lin, output: 2}
  s: SoftmaxLayer
edges: [l1 -> l2 -> l3 -> s]
inputs: {Input: 3}
""")
    assert net.layers["l2"] == LinearLayer(4) and net.layers["l3"] == LinearLayer(2)
    assert net.output_shapes == {"Output": (2,)}


def test_yaml_keys_keep_their_text():
    """'no', 'on', '1' are layer names here, not booleans or numbers (the YAML 1.1 'Norway problem')."""
    net = NetGraph.from_yaml("netgraph: 1\nlayers:\n  no: {type: LinearLayer, output: 2}\n  on: Tanh\n"
                             "edges: [no -> on]\ninputs: {Input: 3}\n")
    assert list(net.layers) == ["no", "on"]


def test_to_yaml_reads_back_equal_and_is_readable():
    net = NetGraph.from_yaml(SPECS / "normal_reparameterization.yaml")
    text = net.to_yaml(name="NormalReparameterization")
    assert text.startswith("netgraph: 1\nname: NormalReparameterization\n")
    assert "means: {type: NetArrayLayer, array: [0.0, 30.0], output: 2}" in text
    assert "- '[means, stds, noise] -> sample'" in text
    assert NetGraph.from_yaml(text) == net


def test_to_yaml_keeps_input_order_and_odd_names():
    net = NetGraph({"a b": FunctionLayer("#y - #x"), "c": ElementwiseLayer("Exp")},
                   [(NetPort("y"), NetPort("a b", "y")), (NetPort("x"), NetPort("a b", "x")), ("a b", "c")], x=2, y=2)
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and back.input_ports == ("y", "x")
    x, y = torch.randn(3, 2), torch.randn(3, 2)
    assert torch.equal(back(x=x, y=y), net(x=x, y=y))


def test_the_edges_order_the_ports_not_the_inputs_and_outputs_blocks():
    """As README says: the names under inputs: and outputs: are listed in another order than the edges name them."""
    net = NetGraph.from_yaml("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2}\n  b: {type: LinearLayer, "
                             "output: 3}\ninputs: {y: 2, x: 2}\noutputs: {Q: null, P: null}\nedges: [x -> a -> P, "
                             "y -> b -> Q]\n")
    assert (net.input_ports, net.output_ports) == (("x", "y"), ("P", "Q"))
    assert net.output_shapes == {"P": (2,), "Q": (3,)}


def test_python_callables_cannot_be_written():
    net = NetGraph({"f": FunctionLayer(lambda a, b: a * b)}, [], a=2, b=2)
    with pytest.raises(SpecError, match=r"layer 'f' option function= is a Python function .*specs contain no code"):
        net.to_yaml()


def test_random_array_layer_options_are_plain_fields():
    text = """\
netgraph: 1
layers:
  z: {type: RandomArrayLayer, distribution: {type: BernoulliDistribution, args: ["#p"]}, estimator: straight_through}
inputs: {p: 3}
"""
    net = NetGraph.from_yaml(text)
    assert net.layers["z"].estimator == "straight_through"
    assert NetGraph.from_yaml(net.to_yaml()) == net
    with pytest.raises(SpecError, match=r"<string>:3:101: layer 'z': RandomArrayLayer: .*estimator"):
        NetGraph.from_yaml(text.replace("straight_through", "pathwise"))


@pytest.mark.parametrize("mute", ["c.Output -> None", "c.Output -> null", "'c.Output -> ~'", "[c.Output, null]"])
def test_every_spelling_of_null_ends_an_edge_as_a_mute(mute):
    # 'c.Output -> null' read 'null' as an undeclared graph port, while the list edge [c.Output, null] muted
    net = NetGraph.from_yaml(f"netgraph: 1\nlayers: {{a: 2, b: Ramp, c: Tanh}}\ninputs: {{Input: 3}}\n"
                             f"edges: [a -> b, a -> c, {mute}]\n")
    assert net.output_ports == ("Output",) and net.output_shapes == {"Output": (2,)}


def test_a_numbered_input_in_yaml_is_that_input_as_in_python():
    # cat.2 is cat.Input2, as NetPort("cat", 2) (Wolfram's numbered inputs); it was "no port '2'"
    text = ("netgraph: 1\nlayers: {a: {type: NetArrayLayer, array: [1.0]}, b: {type: NetArrayLayer, array: [2.0, 3.0]},"
            " cat: CatenateLayer}\nedges: [%s]\n")
    net = NetGraph.from_yaml(text % "a -> cat.2, b -> cat.1")
    torch.testing.assert_close(net(), torch.tensor([2.0, 3.0, 1.0]))
    with pytest.raises(SpecError, match=r"3:\d+: edge a -> cat.3: .*has no port 'Input3'.*inputs=3"):
        NetGraph.from_yaml(text % "b -> cat.1, a -> cat.3")
    with pytest.raises(SpecError, match=r"has no port '0'"):
        NetGraph.from_yaml(text % "b -> cat.1, a -> cat.0")

"""``module.code_layers``: each line of ``module.code`` that starts a layer's statements, mapped to that layer's
path, so a line in a traceback (or in the code a user reads) leads back to the layer, and from a spec to its
YAML (``netgraph.spec.layer_locations``)."""

from __future__ import annotations

import pickle
import traceback

import pytest
import torch

from netgraph import (DataError, ElementwiseLayer, FunctionLayer, LinearLayer, NetChain, NetGraph, NetMapOperator,
                      net_initialize)
from netgraph.backend.forward_parts import PART_LINES
from netgraph.backend.masks import compile_padded


def test_each_layer_s_first_line_maps_to_its_path():
    net = net_initialize(NetGraph({"enc": NetChain([LinearLayer(4), ElementwiseLayer("Tanh")]),
                                   "my layer": LinearLayer(3)}, [("enc", "my layer")], Input=3), seed=0)
    module = net.compile()
    lines = module.code.splitlines()
    assert sorted(module.code_layers.values()) == sorted(node.path for node in net.ir.nodes)
    for number, path in module.code_layers.items():  # the line is the one that computes that layer
        assert lines[number - 1].lstrip().startswith(("enc_1 =", "enc_2 =", "my_layer =")[
            [("enc", "1"), ("enc", "2"), ("my layer",)].index(path)])


def test_the_map_survives_a_pickle_and_parts():
    n = PART_LINES + 300
    chain = net_initialize(NetChain([LinearLayer(2) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(n)],
                                    input=2), seed=0)
    module = chain.compile()
    assert len(module.code_layers) == n and module.code.count("\ndef ") >= 2
    lines = module.code.splitlines()
    for number, path in module.code_layers.items():
        expected = f"x{path[0]} = " if path[0] not in ("1",) else "x1 = "
        assert lines[number - 1].strip().startswith(expected), (number, path, lines[number - 1])
    assert pickle.loads(pickle.dumps(module)).code_layers == module.code_layers


def test_a_traceback_line_leads_to_its_layer():
    def fails(x):
        if x.shape[0] == 5:
            raise RuntimeError("no batches of five")
        return x

    net = net_initialize(NetGraph({"enc": LinearLayer(3), "check": FunctionLayer(fails, output=3),
                                   "dec": LinearLayer(2)}, [("enc", "check", "dec")], Input=3), seed=0)
    module = net.compile()
    with pytest.raises(DataError) as info:  # the function's error, the layer named ("module-error"), is the cause
        module(torch.ones(5, 3))
    raised = info.value.__cause__
    assert isinstance(raised, RuntimeError) and info.value.layer == ("check",)
    frame = next(f for f in traceback.extract_tb(raised.__traceback__) if f.filename == module._filename)
    assert module.code_layers[frame.lineno] == ("check",)


def test_a_padded_module_has_its_map_too():
    net = NetGraph({"lin": NetMapOperator(LinearLayer(2)), "act": ElementwiseLayer("Tanh")}, [("lin", "act")],
                   Input=("n", 3))
    module = compile_padded(net_initialize(net, seed=0), ["Input"])
    assert sorted(module.code_layers.values()) == [("act",), ("lin",)]


SPEC = """\
netgraph: 1
nets:
  cell: {type: NetChain, layers: [4, Tanh]}
layers:
  enc: {ref: cell}
  sub:
    type: NetGraph
    layers:
      inner: {type: LinearLayer, output: 2}
  head: {type: NetMapOperator, net: {type: LinearLayer, output: 3}}
inputs: {Input: [5, 3]}
edges:
  - Input -> enc -> sub -> head
"""


def test_a_spec_s_layers_are_located_and_a_code_line_leads_to_its_yaml(tmp_path):
    from netgraph.spec import from_yaml, layer_locations
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    located = layer_locations(spec)
    # a ref: use is where it is used (line 5), its layers where the net defines them (nets: cell, line 3)
    assert {path: where.rsplit(":", 2)[1] for path, where in located.items()} == {
        ("enc",): "5", ("enc", "1"): "3", ("enc", "2"): "3", ("sub",): "6", ("sub", "inner"): "9", ("head",): "10",
        ("head", "net"): "10"}
    assert all(where.startswith(f"{spec}:") for where in located.values())
    assert located[("enc", "1")] != located[("enc", "2")]  # the chain's items, each at its column
    module = net_initialize(from_yaml(spec), seed=0).compile()
    assert {path: located[path] for path in module.code_layers.values()} == {
        path: located[path] for path in [("enc", "1"), ("enc", "2"), ("sub", "inner"), ("head",)]}


def test_layer_locations_of_a_bad_spec_is_its_spec_error():
    from netgraph.core.errors import SpecError
    from netgraph.spec import layer_locations
    with pytest.raises(SpecError, match="unknown layer type 'LinearLayr'"):
        layer_locations("netgraph: 1\nlayers: {a: {type: LinearLayr, output: 3}}\n")

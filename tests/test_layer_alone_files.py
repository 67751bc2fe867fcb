"""A layer alone saved, loaded and written as YAML, as Wolfram's Export["x.wlnet", LinearLayer[...]] and Import give
the layer back (Wolfram-parity follow-up: save said to wrap the layer in a net): the spec is the layer's own mapping
(``type: LinearLayer`` and its options) beside ``netgraph: 1``, its arrays keyed by their names."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from netgraph import (EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, SpecError, load, net_initialize,
                      save)
from netgraph.spec.api import from_yaml, to_yaml

X = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))


def test_a_saved_layer_loads_as_that_layer_with_its_arrays(tmp_path):
    layer = net_initialize(LinearLayer(2, input=3), seed=0)
    path = save(layer, tmp_path / "lin.yaml")
    text = path.read_text()
    assert "type: LinearLayer" in text and "layers:" not in text and "edges:" not in text
    back = load(path)
    assert isinstance(back, LinearLayer) and back == layer
    torch.testing.assert_close(back(X), layer(X), rtol=0, atol=0)
    weights, = tmp_path.glob("lin.*.safetensors")  # keyed by the layer's array names, as its information()
    assert sorted(load_file(weights)) == ["Biases", "Weights"]


def test_an_uninitialised_layer_round_trips_through_yaml_text():
    layer = EmbeddingLayer(4, 10, input=("n",))
    text = to_yaml(layer)
    assert text.startswith("netgraph: 1\n") and "type: EmbeddingLayer" in text
    assert from_yaml(text) == layer


def test_an_operator_saved_alone_keeps_its_inner_nets_arrays(tmp_path):
    mapped = net_initialize(NetMapOperator(NetChain({"lin": LinearLayer(2)}, input=3)), seed=1)
    back = load(save(mapped, tmp_path / "map.yaml"))
    assert isinstance(back, NetMapOperator) and back == mapped
    x = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(back(x), mapped(x), rtol=0, atol=0)


def test_a_layer_file_with_a_wrong_array_names_the_layer_and_shapes(tmp_path):
    path = save(net_initialize(LinearLayer(2, input=3), seed=0), tmp_path / "lin.yaml")
    path.write_text(path.read_text().replace("input: 3", "input: 4"))
    with pytest.raises(SpecError, match=r"lin.yaml:\d+:\d+: .*'LinearLayer' \(LinearLayer\): array 'Weights': expected "
                                        r"shape \(2, 4\) \(from the layer's options\), found \(2, 3\)"):
        load(path)


def test_a_spec_of_an_unknown_top_level_type_names_layers_too():
    with pytest.raises(SpecError, match=r"a spec's top-level type is NetGraph, NetChain or a layer type \(a layer "
                                        r"alone\), found 'LinearLayr' \(did you mean 'LinearLayer'\?\)"):
        from_yaml("netgraph: 1\ntype: LinearLayr\noutput: 2\n")


@pytest.mark.parametrize("kind, meant", [("Tanh", ""), ("Tanhh", " (did you mean 'Tanh'?)")])
def test_a_function_as_the_top_level_type_is_told_the_mapping_form_alone(kind, meant, yaml_loader):
    """Found by review: the hint offered 'Tanh alone', which no whole file can be; then a {...} mapping, which a file
    is not written as (review F): its keys are the file's."""
    with pytest.raises(SpecError) as info:
        from_yaml(f"netgraph: 1\ntype: {kind}\ninput: 2\n")
    assert str(info.value) == (f"<string>:2:7: a spec's top-level type is NetGraph, NetChain or a layer type (a layer "
                               f"alone), found {kind!r}{meant}; 'Tanh' is a function: write the layer with "
                               f"type: ElementwiseLayer and function: Tanh as the file's keys")
    layer = from_yaml("netgraph: 1\ntype: ElementwiseLayer\nfunction: Tanh\ninput: 2\n")  # the form told reads
    assert (type(layer).__name__, layer.function) == ("ElementwiseLayer", "Tanh")


@pytest.mark.parametrize("command", ["check", "summary", "run"])
def test_the_command_line_works_on_a_layer_file_as_on_the_net_of_it_alone(cli, command):
    layer_file = save(LinearLayer(2, input=3), cli.folder / "lin.yaml")
    net_file = save(NetGraph({"LinearLayer": LinearLayer(2, input=3)}, [], Input=3), cli.folder / "net.yaml")
    seed = ("--seed", "0") if command == "run" else ()
    ran, expected = cli(command, layer_file, *seed), cli(command, net_file, *seed)
    assert expected.code == 0 and (ran.code, ran.out) == (0, expected.out.replace("net.", "lin."))


def test_the_schema_accepts_a_saved_layer_file_as_the_loader_does(tmp_path):
    """``netgraph schema`` allowed only a net at the top (``layers:`` required), so an editor flagged a layer file
    that ``load`` reads; a layer file is checked against its type's own options."""
    import jsonschema
    import yaml

    from netgraph.spec.schema import spec_schema

    validator = jsonschema.Draft202012Validator(spec_schema())
    layer = save(net_initialize(LinearLayer(2, input=3), seed=0), tmp_path / "lin.yaml", name="lin", description="d")
    mapped = to_yaml(NetMapOperator(NetChain({"lin": LinearLayer(2)}, input=3)))
    assert isinstance(load(layer), LinearLayer)
    for text in (layer.read_text(), mapped, "netgraph: 1\nnets: {inner: [2, Tanh]}\ntype: NetMapOperator\nnet: {ref: inner}\n"):
        if "arrays:" not in text:
            from_yaml(text)
        assert not list(validator.iter_errors(yaml.safe_load(text))), text
    good = "netgraph: 1\ntype: LinearLayer\noutput: 2\n"
    from_yaml(good)
    assert not list(validator.iter_errors(yaml.safe_load(good)))
    for bad in (good.replace("output", "outptu"), good.replace("output: 2", "output: two"),  # an unknown option,
                "netgraph: 1\ntype: ElementwiseLayer\n", good + "edges: []\n", good + "layers: {a: Tanh}\n",  # function missing,
                "netgraph: 1\ntype: LinearLayr\noutput: 2\n", good.replace("netgraph: 1\n", "")):  # net keys; no version
        with pytest.raises(SpecError):
            from_yaml(bad)
        assert list(validator.iter_errors(yaml.safe_load(bad))), bad


def test_train_on_a_layer_file_writes_back_a_layer_file(cli):
    """The command line reads a layer file as the net of it alone; ``train -o`` writes what it read, the trained
    layer alone (as ``net_train(layer, ...)`` gives the layer back), not that net."""
    save(LinearLayer(1, input=3), cli.folder / "lin.yaml", name="Lin")
    ran = cli("train", "lin.yaml", "--data", cli.data(), "--rounds", "1", "--seed", "0", "--quiet", "-o", "out")
    assert ran.code == 0, ran.err
    text = (cli.folder / "out" / "lin.yaml").read_text()
    assert "type: LinearLayer" in text and "name: Lin" in text and "layers:" not in text
    trained = load(cli.folder / "out" / "lin.yaml")
    assert isinstance(trained, LinearLayer) and trained.arrays["Weights"].shape == (1, 3)

"""save / load: spec YAML plus a safetensors file of the arrays; atomic, no pickle, clear refusals."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch
import yaml

from netgraph import (
    FunctionLayer,
    LinearLayer,
    NetArrayLayer,
    NetChain,
    NetGraph,
    SpecError,
    TorchLayer,
    limits,
    load,
    net_initialize,
    save,
)

SPECS = Path(__file__).resolve().parent.parent / "specs"


@pytest.fixture
def vae():
    return net_initialize(NetGraph.from_yaml(SPECS / "vae.yaml"), seed=3)


def _outputs(net, x, seed=0):
    torch.manual_seed(seed)
    return net(Input=x)


def test_save_writes_spec_and_safetensors_and_load_restores_equal_outputs(vae, tmp_path):
    path = save(vae, tmp_path / "vae.yaml")
    assert path == tmp_path / "vae.yaml"
    (weights,) = tmp_path.glob("vae.*.safetensors")  # named by its SHA-256 (see test_saving_integrity)
    assert sorted(p.name for p in tmp_path.iterdir()) == [weights.name, "vae.yaml"]
    text = path.read_text()
    assert text.startswith(f"netgraph: 1\narrays: {weights.name}\n")
    assert "weights:" not in text and "biases:" not in text  # arrays live in the safetensors file
    back = load(path)
    assert back == vae
    x = torch.randn(6, 16)
    a, b = _outputs(vae, x), _outputs(back, x)
    assert torch.equal(a["Reconstruction"], b["Reconstruction"]) and torch.equal(a["Loss"], b["Loss"])


def test_safetensors_keys_are_the_state_dict_names_and_no_pickle_is_involved(vae, tmp_path):
    save(vae, tmp_path / "m.yaml")
    raw = _weights(tmp_path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])  # safetensors: a JSON header then raw bytes (nothing executable)
    assert header.pop("__metadata__") == {"format": "netgraph", "netgraph": "1", "spec": "m.yaml"}
    assert set(header) == set(vae.compile().state_dict())
    assert b"\x80\x04" not in raw[:2]  # not a pickle stream


def test_a_compiled_module_saves_its_learned_arrays(tmp_path):
    net = net_initialize(NetGraph({"lin": LinearLayer(2)}, [], Input=3), seed=0)
    module = net.compile()
    with torch.no_grad():
        module.lin.Weights.add_(1.0)
    save(module, tmp_path / "m.yaml")
    back = load(tmp_path / "m.yaml")
    assert torch.equal(back.layers["lin"].weights, module.lin.Weights.detach())
    x = torch.randn(4, 3)
    assert torch.equal(back(x), module(Input=x))


def test_dtypes_survive_save_and_load(tmp_path):
    net = NetGraph({"a": NetArrayLayer(array=torch.tensor([1.0, 2.5], dtype=torch.float64))}, [])
    save(net, tmp_path / "a.yaml")
    back = load(tmp_path / "a.yaml")
    assert back.layers["a"].array.dtype == torch.float64 and back == net


def test_a_net_without_initialised_arrays_saves_only_the_spec(tmp_path):
    net = NetGraph({"lin": LinearLayer(2)}, [], Input=3)
    save(net, tmp_path / "m.yaml")
    assert [p.name for p in tmp_path.iterdir()] == ["m.yaml"]
    assert load(tmp_path / "m.yaml") == net


def test_overwriting_is_atomic_and_leaves_no_temporary_files(vae, tmp_path):
    save(vae, tmp_path / "m.yaml")
    other = net_initialize(vae, seed=9, all=True)
    save(other, tmp_path / "m.yaml")
    assert sorted(p.name for p in tmp_path.iterdir()) == [_weights(tmp_path).name, "m.yaml"]
    assert load(tmp_path / "m.yaml") == other


def test_python_code_cannot_be_saved_and_nothing_is_written(tmp_path):
    (tmp_path / "m.yaml").write_text("old")
    net = NetGraph({"f": FunctionLayer(lambda x: x * 2), "t": TorchLayer(torch.nn.Linear(2, 2))},
                   [("f", "t")], x=2)
    with pytest.raises(SpecError) as info:
        save(net, tmp_path / "m.yaml")
    assert info.value.errors == [
        ("layer 'f' option function= is a Python function (<lambda>), which a spec cannot hold: specs contain no "
         "code. Write it as a slot expression such as \"#x * LogisticSigmoid[#y]\", or keep this net in Python"),
        ("layer 't' option module= is a Python torch module (Linear), which a spec cannot hold: specs contain no "
         "code. Rebuild it from netgraph layers, or keep this net in Python")]
    assert (tmp_path / "m.yaml").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


def test_save_refuses_a_safetensors_path(vae, tmp_path):
    with pytest.raises(SpecError, match="give the path of the YAML spec"):
        save(vae, tmp_path / "m.safetensors")


def _weights(folder: Path) -> Path:
    (weights,) = folder.glob("m.*.safetensors")
    return weights


def _saved(vae, tmp_path) -> Path:
    save(vae, tmp_path / "m.yaml")
    return tmp_path / "m.yaml"


def test_a_missing_or_corrupt_arrays_file_is_a_spec_error_at_the_arrays_line(vae, tmp_path):
    path = _saved(vae, tmp_path)
    weights = _weights(tmp_path)
    weights.write_bytes(b"\x00" * 40)
    with pytest.raises(SpecError, match=r"m\.yaml:2:9: .*m\.[0-9a-f]{64}\.safetensors' is not a valid safetensors"):
        load(path)
    weights.unlink()
    with pytest.raises(SpecError, match=r"m\.yaml:2:9: cannot read the arrays file"):
        load(path)


def test_arrays_that_match_no_layer_or_the_wrong_shape_are_reported(tmp_path):
    from safetensors.torch import save_file
    net = net_initialize(NetGraph({"lin": LinearLayer(2)}, [], Input=3), seed=0)
    path = save(net, tmp_path / "m.yaml")
    path.write_text(path.read_text().replace(_weights(tmp_path).name, "m.safetensors"))  # unhashed, as before
    save_file({"lin.Weights": torch.zeros(2, 3), "lin.Biases": torch.zeros(2), "gone.Weights": torch.zeros(1)},
              tmp_path / "m.safetensors")
    with pytest.raises(SpecError, match=r"m\.yaml:2:9: the arrays file has 'gone\.Weights', but the spec has no layer"):
        load(path)
    save_file({"lin.Weights": torch.zeros(2, 4), "lin.Biases": torch.zeros(2)}, tmp_path / "m.safetensors")
    # at the layer whose saved weights do not fit (line 4), no longer at the graph input's 'Input: 3' (line 6), with
    # the shape the net needs
    with pytest.raises(SpecError, match=r"m\.yaml:4:3: layer 'lin' \(LinearLayer\) array 'Weights': expected shape "
                                        r"\(2, 3\), found \(2, 4\) \(key 'lin.Weights'"):
        load(path)


def test_load_reads_plain_specs_too():
    assert load(SPECS / "normal_reparameterization.yaml") == NetGraph.from_yaml(SPECS / "normal_reparameterization.yaml")


def test_a_net_holding_nan_equals_its_saved_and_loaded_copy(tmp_path):
    from netgraph import NetArrayLayer
    net = NetGraph({"a": NetArrayLayer(array=torch.tensor([[1.0, float("nan")], [float("-inf"), 2.0]]))}, [])
    assert net == net  # NaN != NaN made it unequal even to itself (found by QA)
    assert load(save(net, tmp_path / "m.yaml")) == net
    other = NetGraph({"a": NetArrayLayer(array=torch.tensor([[1.0, 2.0], [float("-inf"), float("nan")]]))}, [])
    assert other != net


def test_save_and_to_yaml_write_the_name_and_description_they_are_given(vae, tmp_path):
    # a NetGraph does not keep a spec's name/description (they are not part of the net, nor of its equality):
    # a caller passes them on; save and to_yaml wrote no description at all
    text = "A VAE.\nSecond line: with a colon."
    path = save(vae, tmp_path / "vae.yaml", name="VAE", description=text)
    lines = path.read_text().splitlines()
    assert lines[0] == "netgraph: 1" and lines[1].startswith("arrays: ") and lines[2] == "name: VAE"
    data = yaml.safe_load(path.read_text())
    assert data["name"] == "VAE" and data["description"] == text
    assert load(path) == vae
    assert yaml.safe_load(vae.to_yaml(name="VAE", description=text))["description"] == text
    assert "name" not in yaml.safe_load(vae.to_yaml())


@pytest.mark.parametrize("option", ["name", "description"])
def test_a_name_or_description_that_is_not_text_is_refused(vae, tmp_path, option):
    with pytest.raises(SpecError, match=f"option {option}= of a spec takes text, found int 3"):
        save(vae, tmp_path / "vae.yaml", **{option: 3})
    assert not list(tmp_path.iterdir())


def test_a_save_over_a_folder_names_it(vae, tmp_path):
    # it said "failed: is not a regular file ..." with no subject
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    with pytest.raises(SpecError, match=rf"failed: '{folder}' is not a regular file \(a device, folder or link "
                                        rf"to one\); refusing to replace it; nothing was changed$"):
        save(vae, folder)
    # a missing folder was told by the weights file's name, "No such file or directory: '.../m.<sha256>.safetensors'"
    with pytest.raises(SpecError, match=rf"failed: folder '{tmp_path}/missing' does not exist; nothing was changed$"):
        save(vae, tmp_path / "missing" / "m.yaml")


def _multi_dim_nets():
    """Nets whose LinearLayers see elements of more than one dimension (weights n x product of the shape)."""
    from netgraph import (NetBidirectionalOperator, NetChain, NetFoldOperator, NetMapOperator,
                          NetPairEmbeddingOperator, NetPort)
    step = NetGraph({"lin": LinearLayer(3), "add": "TotalLayer"}, [(NetPort("Input"), "lin"), ([NetPort("State"), "lin"], "add")],
                    State=3)
    return {
        "map": NetChain([NetMapOperator(LinearLayer(5))], input=(3, 4, 2)),
        "fold": NetChain([NetFoldOperator(step)], input=(4, 2)),
        "pair": NetGraph({"p": NetPairEmbeddingOperator(LinearLayer(3))}, [], Input1=(4, 2), Input2=(4, 2)),
        "bidirectional": NetChain([NetBidirectionalOperator(NetMapOperator(LinearLayer(3)))], input=(5, 4, 2)),
        "plain": NetGraph({"tanh": "Tanh", "lin": LinearLayer(3)}, [("tanh", "lin")], Input=(4, 2)),
    }


@pytest.mark.parametrize("name", list(_multi_dim_nets()))
def test_linear_layers_over_multi_dim_inputs_load_back(name, tmp_path):
    # a LinearLayer's weights give its input's size, not its shape: read back, the (8) it suggests must not
    # override the (4, 2) its operator or graph gives it ("takes a sequence of (8) elements ... (3, 4, 2)")
    net = net_initialize(_multi_dim_nets()[name], seed=0)
    inputs = {p: torch.randn(2, *s) for p, s in net.input_shapes.items()}
    for back in (load(save(net, tmp_path / "net.yaml")), NetGraph.from_yaml(net.to_yaml())):
        assert back == net and back.port_types == net.port_types
        torch.testing.assert_close(back(**inputs), net(**inputs))


@pytest.mark.parametrize("layer, key", [("3", "a"), ("[3]", "a.1"), ("[Tanh, 3]", "a.2"),
                                        ("{type: LinearLayer, output: 3}", "a")])
def test_arrays_file_reaches_layers_written_as_shorthands(layer, key, tmp_path):
    # 'a: 3' or 'a: [3]' with 'arrays:' said "the arrays file has 'a.Weights', but the spec has no layer with that array"
    import safetensors.torch as st
    st.save_file({f"{key}.Weights": torch.full((3, 2), 0.5), f"{key}.Biases": torch.ones(3)}, tmp_path / "w.safetensors")
    (tmp_path / "net.yaml").write_text(f"netgraph: 1\narrays: w.safetensors\nlayers: {{a: {layer}}}\ninputs: {{Input: 2}}\n")
    net = load(tmp_path / "net.yaml")
    x = torch.randn(4, 2)
    expected = (torch.tanh(x) if "Tanh" in layer else x).sum(1, keepdim=True) * 0.5 + 1
    torch.testing.assert_close(net(x), expected.expand(4, 3))


def _nested(levels: int) -> NetGraph:
    inner = LinearLayer(3)
    for _ in range(levels):
        inner = NetChain([inner])
    return net_initialize(NetGraph({"top": inner}, [], Input=3), seed=0)


def test_what_save_writes_loads_back_under_the_same_yaml_depth_limit(tmp_path):
    """A net nested 50 deep needs more than 100 YAML levels: save refuses it, saying how to raise the limit,
    rather than writing a spec that load refuses; every spec it does write loads with the same limits."""
    for levels in range(44, 52):
        try:
            save(_nested(levels), tmp_path / "deep.yaml")
        except SpecError as exc:
            assert "more than the yaml_depth limit (100)" in str(exc)
            continue
        assert load(tmp_path / "deep.yaml") == _nested(levels)
    for p in tmp_path.iterdir():
        p.unlink()
    with pytest.raises(SpecError, match=r"would nest 104 YAML levels deep .*yaml_depth limit \(100\).*limits\(yaml_depth"):
        save(_nested(50), tmp_path / "deep.yaml")
    assert list(tmp_path.iterdir()) == []
    with limits(yaml_depth=200):
        save(_nested(50), tmp_path / "deep.yaml")
        assert load(tmp_path / "deep.yaml") == _nested(50)


def test_what_save_writes_loads_back_under_the_same_yaml_layers_limit(tmp_path):
    """A net of more layers (nested ones counted) than yaml_layers allows is refused by save, not written for
    load to refuse; at the limit it saves and loads."""
    inner = NetChain([LinearLayer(3), "Tanh"])
    net = NetChain([inner, LinearLayer(2), inner, "Ramp"], input=2)  # 4 + 2 + 2 = 8 layers
    with limits(yaml_layers=8):
        save(net, tmp_path / "net.yaml")
        assert load(tmp_path / "net.yaml") == net
    with limits(yaml_layers=7):
        with pytest.raises(SpecError, match=r"would hold 8 layers .*yaml_layers limit \(7\).*limits\(yaml_layers"):
            save(net, tmp_path / "other.yaml")
        with pytest.raises(SpecError, match="more than 7 layers"):
            load(tmp_path / "net.yaml")
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".yaml"]  # the refused save left nothing behind


@pytest.mark.parametrize("name, pointer", [("model.onnx", "for ONNX, export_onnx(net, path)"),
                                           ("model.pt", "for torch, torch.save(net.compile(), path)"),
                                           ("model.PTH", "for torch, torch.save(net.compile(), path)")])
def test_save_under_another_formats_name_is_refused_with_a_pointer(tmp_path, name, pointer):
    """A YAML spec written as model.onnx or model.pt (a new user's QA) would mislead onnx, torch.load and netgraph
    render alike; nothing is written."""
    from netgraph import LinearLayer, NetChain, SpecError, net_initialize, save
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(SpecError) as info:
        save(net, tmp_path / name)
    assert f"writes a YAML spec (e.g. 'model.yaml', its arrays beside it), not a {name[5:]} file; {pointer}" in \
        str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_load_of_an_onnx_model_points_to_import_onnx(tmp_path):
    from netgraph import LinearLayer, NetChain, SpecError, export_onnx, load, net_initialize
    path = tmp_path / "m.onnx"
    export_onnx(net_initialize(NetChain([LinearLayer(2)], input=3), seed=0), path)
    with pytest.raises(SpecError, match=r"is not UTF-8 text; a spec is UTF-8 .*; an ONNX model: import_onnx\(path\) "
                                        r"reads it \(every netgraph command takes it as it is\)"):
        load(path)


@pytest.mark.parametrize("name, kind", [("d.npz", "a data file"), ("i.png", "an image"), ("i.jpg", "an image")])
def test_load_of_a_data_file_or_an_image_says_what_it_is(tmp_path, name, kind):
    """Found by QA: 'netgraph train d.npz --data d.npz' (arguments swapped) said only 'byte 0x85 is not UTF-8 text'."""
    import numpy as np
    from PIL import Image
    from netgraph import SpecError, load
    path = tmp_path / name
    if name.endswith(".npz"):
        np.savez(path, Input=np.zeros((2, 3), np.float32))
    else:
        Image.new("RGB", (8, 8), (200, 10, 10)).save(path)
    with pytest.raises(SpecError, match=f"is not UTF-8 text; a spec is UTF-8 .*; {kind}"):
        load(path)


def test_a_mapping_with_no_spec_key_is_one_problem(tmp_path):
    """Found by QA: 'netgraph check trained/results.json' listed 19 problems, one per key of the JSON, where the
    file is simply no spec; a mapping with none of a spec's keys is now refused once."""
    from netgraph import SpecError, load
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"round_losses": [1.0, 0.5], "final_loss": 0.5, "rounds": 2}))
    with pytest.raises(SpecError) as info:
        load(path)
    assert len(info.value.errors) == 1
    assert "not a netgraph spec: it has no 'netgraph: 1' line and none of a spec's keys" in str(info.value)
    (tmp_path / "typo.yaml").write_text("netgraph: 1\nlayer: {a: 3}\n")  # a spec with a typo still gets its details
    with pytest.raises(SpecError, match="a spec has no key 'layer' \\(did you mean 'layers'"):
        load(tmp_path / "typo.yaml")


@pytest.mark.parametrize("name, text, kind", [
    ("net.svg", '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n  <g id="a">x: y</g>\n</svg>\n',
     "a diagram"),
    ("set.csv", "text,label\ngood film,pos\n", "a text table"),
    ("set.jsonl", '{"text": "good", "label": "pos"}\n{"text": "bad", "label": "neg"}\n', "a text table")])
def test_load_of_a_diagram_or_a_text_table_says_what_it_is(tmp_path, name, text, kind):
    """Found by QA: 'netgraph check net.svg' said only 'invalid YAML: mapping values are not allowed here', a
    .jsonl 'expected <document start>', a .csv 'a spec is a mapping ..., found a str value'."""
    from netgraph import SpecError, load
    (tmp_path / name).write_text(text)
    with pytest.raises(SpecError, match=f"; {kind}") as info:
        load(tmp_path / name)
    assert len(info.value.errors) == 1

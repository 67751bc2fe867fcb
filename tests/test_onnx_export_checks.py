"""export_onnx refuses what it cannot write faithfully, naming the layer, and keeps every port: a valid model
(onnx's checker) or an OptionError; bad arguments are NetGraphErrors."""

from __future__ import annotations

import json
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from netgraph import (ElementwiseLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer,
                      NetChain, NetGraph, NetGraphError, NetPort, OptionError, export_onnx, import_onnx,
                      net_initialize)


def test_an_input_no_output_needs_stays_a_model_input(tmp_path):
    """B feeds a layer whose output is muted: torch's trace dropped it, so feeding every port failed."""
    net = net_initialize(NetGraph({"f": LinearLayer(2), "g": ElementwiseLayer("Tanh")},
                                  [(NetPort("A"), "f"), (NetPort("B"), "g"), (NetPort("g", "Output"), None)],
                                  A=3, B=("n", 4)), seed=0)
    path = export_onnx(net, tmp_path / "muted.onnx")
    model = onnx.load(path)
    onnx.checker.check_model(model)
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in model.graph.input}
    assert dims == {"A": ["batch", 3], "B": ["batch", "n", 4]}
    feeds = {"A": np.ones((2, 3), np.float32), "B": np.ones((2, 5, 4), np.float32)}
    out = ort.InferenceSession(str(path)).run(None, feeds)[0]
    np.testing.assert_allclose(out, net(A=torch.ones(2, 3), B=torch.ones(2, 5, 4)).detach().numpy(), rtol=1e-5)
    with pytest.warns(UserWarning, match=": graph input 'B' feeds no output; ") as caught:  # not "input(s) 'B' feed"
        assert import_onnx(path).input_ports == ("A",)  # a NetGraph holds no unconnected input
    assert [w.filename for w in caught] == [__file__]  # the user's call: a fixed frame count named importer.py


def test_the_batch_axis_is_named_apart_from_a_length_named_batch(tmp_path):
    net = net_initialize(NetChain([ElementwiseLayer("Tanh")], input=("batch", 3)))
    model = onnx.load(export_onnx(net, tmp_path / "b.onnx"))
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims[1] == "batch" and dims[0] not in ("batch", 3)
    ports = json.loads({p.key: p.value for p in model.metadata_props}["netgraph_ports"])
    assert ports["inputs"]["Input"][0] == dims[0]


@pytest.mark.parametrize("layer, opset, shape", [
    (LongShortTermMemoryLayer(4), 7, ("n", 3)), (GatedRecurrentLayer(4), 8, ("n", 3)), (ElementwiseLayer("Cosh"), 8, 3)])
def test_an_opset_the_model_cannot_hold_is_refused_naming_the_layer(tmp_path, layer, opset, shape):
    """torch wrote ConstantOfShape at opset 7 and 8 (it needs 9): a model onnx and onnxruntime reject."""
    net = net_initialize(NetChain({"rec": layer}, input=shape), seed=0)
    with pytest.raises(OptionError, match=rf"not valid ONNX at opset {opset}: .* from layer 'rec' \({layer.type_name}"):
        export_onnx(net, tmp_path / "old.onnx", opset=opset)
    assert not (tmp_path / "old.onnx").exists()
    onnx.checker.check_model(onnx.load(export_onnx(net, tmp_path / "new.onnx", opset=9)))


@pytest.mark.parametrize("function, x", [("Sinh", 0.7), ("Cosh", 0.7), ("ArcSinh", 0.7), ("ArcCosh", 1.5),
                                         ("ArcTanh", 0.5), ("Sech", 0.7), ("ArcCsch", 0.7), ("ArcCoth", 1.5),
                                         ("InverseGudermannian", 0.5), ("Csch", 0.7), ("ArcCot", -0.5), ("Sign", -0.5)])
def test_hyperbolic_functions_export_and_round_trip(tmp_path, function, x):
    """ONNX has Sinh, Cosh, Asinh, Acosh, Atanh since opset 9; torch's exporter refused them all."""
    net = net_initialize(NetChain({"act": ElementwiseLayer(function)}, input=3))
    path = export_onnx(net, tmp_path / "h.onnx")
    feeds = np.full((2, 3), x, np.float32)
    out = ort.InferenceSession(str(path)).run(None, {"Input": feeds})[0]
    np.testing.assert_allclose(out, net(torch.from_numpy(feeds)).detach().numpy(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(import_onnx(path)(torch.from_numpy(feeds)), net(torch.from_numpy(feeds)))


def test_a_function_without_an_onnx_form_names_its_layer(tmp_path):
    net = net_initialize(NetGraph({"enc": NetChain({"lin": LinearLayer(4), "act": ElementwiseLayer("Cosh")}),
                                   "out": LinearLayer(2)}, [("enc", "out")], Input=3), seed=0)
    with pytest.raises(OptionError, match=r"not valid ONNX at opset 8: its Cosh node .* from layer 'enc/act' "
                                          r"\(ElementwiseLayer 'Cosh'\)"):
        export_onnx(net, tmp_path / "c.onnx", opset=8)


@pytest.mark.parametrize("call, message", [
    (lambda p: export_onnx("net.yaml", p), "needs a NetGraph, a NetChain or a layer; found str"),
    (lambda p: export_onnx(net_initialize(NetChain([LinearLayer(2)], input=3)), p, name=123), "name= must be a string"),
    (lambda p: export_onnx(net_initialize(NetChain([LinearLayer(2)], input=3)), p, description=["x"]),
     "description= must be a string"),
])
def test_bad_arguments_are_netgraph_errors(tmp_path, call, message):
    with pytest.raises(NetGraphError, match=message):
        call(tmp_path / "x.onnx")


def test_an_operator_torch_cannot_export_names_the_layer_and_function(tmp_path):
    """torch's refusal named only aten::erfinv, as an OptionError on opset= although no opset has it."""
    net = net_initialize(NetGraph({"enc": NetChain({"lin": LinearLayer(4), "inv": ElementwiseLayer("InverseErf")})},
                                  [], Input=3), seed=0)
    with pytest.raises(OptionError, match=r"cannot export layer 'enc/inv' \(ElementwiseLayer 'InverseErf'\): "
                                          r"InverseErf and InverseErfc \(torch's erfinv\) have no ONNX form") as info:
        export_onnx(net, tmp_path / "e.onnx")
    assert info.value.diagnostics[0].option is None


def test_a_numbered_layer_torch_cannot_export_is_named_too(tmp_path):
    """Layers of a list are numbered and compile to locals x1, x2, ...; the refusal said only 'this net'."""
    net = net_initialize(NetChain([LinearLayer(3), ElementwiseLayer("InverseErf")], input=3), seed=0)
    with pytest.raises(OptionError, match=r"cannot export layer '2' \(ElementwiseLayer 'InverseErf'\)"):
        export_onnx(net, tmp_path / "e.onnx")
    nested = net_initialize(NetChain({"enc": NetChain([ElementwiseLayer("GELU")])}, input=3), seed=0)
    with pytest.raises(OptionError, match=r"Erf node .* from layer 'enc/1' \(ElementwiseLayer 'GELU'\).*opset 9"):
        export_onnx(nested, tmp_path / "g.onnx", opset=8)


@pytest.mark.parametrize("name, what", [("m.yaml", "a spec"), ("M.YML", "a spec"), ("w.safetensors", "a spec's arrays")])
def test_a_path_named_as_a_netgraph_file_is_refused(tmp_path, name, what):
    """export_onnx(net, "m.yaml") wrote ONNX bytes there, which load and every command then read as a YAML spec (as
    save refuses a .onnx path for a spec)."""
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(OptionError, match=rf"export_onnx\(net, '.*{name}'\) writes an ONNX model, not {what}: give "
                                          rf"the path the suffix \.onnx \(save\(net, path\) writes a spec\)") as info:
        export_onnx(net, tmp_path / name)
    assert info.value.diagnostics[0].option == "path" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_path_ending_with_a_separator_names_a_folder_and_is_refused(tmp_path, as_bytes):
    # export_onnx(net, "t.onnx/") wrote the file t.onnx and returned "t.onnx"
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    given, b = f"{tmp_path}/t.onnx/", "b" if as_bytes else ""  # bytes shown as given
    with pytest.raises(OptionError, match=rf"export_onnx\(net, {b}'.*/t\.onnx/'\) names a folder \(it ends with '/'\): "
                                          rf"give a file path, e\.g\. {b}'.*/t\.onnx/model\.onnx'") as info:
        export_onnx(net, os.fsencode(given) if as_bytes else given)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.option, diagnostic.found) == ("output-path", "path", given)
    assert list(tmp_path.iterdir()) == []


def test_a_bytes_path_that_is_not_utf8_is_shown_as_given_when_it_names_a_folder(tmp_path):
    """export_onnx(net, b"\\xff/") showed the path as os.fsdecode made it, '\\udcff/' (no path the user typed); the
    bytes are shown as given, and so is the file path suggested."""
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(OptionError) as info:
        export_onnx(net, b"\xff/")
    assert str(info.value) == ("export_onnx(net, b'\\xff/') names a folder (it ends with '/'): give a file path, "
                               "e.g. b'\\xff/model.onnx'")
    assert info.value.diagnostics[0].found == os.fsdecode(b"\xff/")  # a str, as for every path


def test_a_bytes_path_of_a_netgraph_suffix_that_is_not_utf8_is_shown_as_given(tmp_path):
    """export_onnx(net, b".../\xff.yaml") showed the decoded path '.../\udcff.yaml' (no path the user typed) where
    the folder refusal shows the bytes given."""
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    given = os.fsencode(f"{tmp_path}/") + b"\xff.yaml"
    with pytest.raises(OptionError) as info:
        export_onnx(net, given)
    assert str(info.value).startswith(f"export_onnx(net, {given!r}) writes an ONNX model, not a spec: ")
    assert list(tmp_path.iterdir()) == []


def test_a_layer_alone_exports_as_the_net_of_it_alone(tmp_path):
    """Wolfram's Export["x.onnx", layer]: the README called a bare layer an OptionError, which export_onnx never gave."""
    layer = net_initialize(LinearLayer(2, input=3), seed=0)
    back = import_onnx(export_onnx(layer, tmp_path / "lin.onnx"))
    x = torch.randn(4, 3)
    assert (back.input_ports, back.output_ports) == (("Input",), ("Output",))
    torch.testing.assert_close(back(x), NetGraph(layer)(x))


def test_a_bytes_path_is_written_as_import_onnx_reads_it_and_no_path_is_an_option_error(tmp_path, monkeypatch):
    # bytes (which import_onnx takes) and an int were refused only once the export was done, as an "unwritable-file"
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    written = export_onnx(net, os.fsencode(tmp_path / "b.onnx"))
    assert os.fspath(written) == os.fspath(tmp_path / "b.onnx") and import_onnx(written).port_types == net.port_types
    from netgraph.export import exporter
    monkeypatch.setattr(exporter, "_export_bytes", lambda *a: pytest.fail("exported before the path was checked"))
    for path in (3, None):
        with pytest.raises(OptionError, match=r"export_onnx needs a file path \(str or os.PathLike\), found") as info:
            export_onnx(net, path)
        problem = info.value.diagnostics[0]
        assert (problem.kind, problem.option, problem.found) == ("option-value", "path", type(path).__name__)
    # bytes with a NUL byte (no path: a model's contents?) said "found bytes", as import_onnx said once
    with pytest.raises(OptionError, match=r"export_onnx needs a file path \(str or os.PathLike\), found 5 bytes that "
                                          r"are no path$") as info:
        export_onnx(net, b"a\0b.x")
    assert (info.value.diagnostics[0].found, info.value.diagnostics[0].option) == ("bytes", "path")


def test_a_net_whose_outputs_are_all_muted_is_refused_before_any_file_is_written(tmp_path):
    """It wrote a model of no outputs and no nodes, which onnxruntime could not load; net_train refuses such a net."""
    net = net_initialize(NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), "a"), ("a", None)], x=2), seed=0)
    with pytest.raises(OptionError, match=r"^export_onnx: the net has no output port to export \(its outputs are "
                                          r"all muted\); leave one unmuted") as info:
        export_onnx(net, tmp_path / "none.onnx")
    assert (info.value.kind, info.value.expected, info.value.found) == ("port-count", "an output port", ())
    assert not os.listdir(tmp_path)

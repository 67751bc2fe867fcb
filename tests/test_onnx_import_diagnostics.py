"""import_onnx's refusal carries one Diagnostic per refused ONNX node (and graph output), with fields a tool reads
instead of parsing the message: the node's name in ``layer``, its op in ``found`` (a refused attribute's value where
one is named in ``option``), a stable ``kind``, the reason in ``detail`` and the remedy, where the message gives one,
in ``hint``."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import pinned_model


def _value(name, shape=None):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


@pytest.fixture(scope="module")
def refusal(tmp_path_factory):
    """The SpecError of a model with one node of each kind of refusal, each fed by the input alone."""
    nodes = [helper.make_node("Hardmax", ["x"], ["c"], name="cum"),
             helper.make_node("RandomUniformLike", ["x"], ["r"], name="draw"),
             helper.make_node("Frob", ["x"], ["f"], name="frob", domain="my.ops"),
             helper.make_node("MaxPool", ["x"], ["m"]),  # no kernel_shape, and no name
             helper.make_node("Softmax", ["x"], ["s"], name="soft", axis=0),
             helper.make_node("Shape", ["x"], ["shape"], name="shape"),
             helper.make_node("Gather", ["shape", "one"], ["n"], name="size"),
             helper.make_node("Cast", ["n"], ["float_n"], name="cast", to=TensorProto.FLOAT),
             helper.make_node("Add", ["x", "float_n"], ["a"], name="add")]
    constants = [numpy_helper.from_array(np.array(1, np.int64), "one"),
                 numpy_helper.from_array(np.ones(2, np.float32), "k")]
    graph = helper.make_graph(nodes, "g", [_value("x", ["b", "n", 4])], [_value(n) for n in "crfmsak"], constants)
    path = tmp_path_factory.mktemp("refused") / "refused.onnx"
    onnx.save(pinned_model(graph, 17, ("my.ops", 1)), str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    return info.value


def _by_layer(error):
    return {d.layer: d for d in error.diagnostics}


def test_each_refused_node_is_one_diagnostic_naming_the_node_and_its_op(refusal):
    found = {layer: (d.kind, d.found) for layer, d in _by_layer(refusal).items()}
    assert found == {("cum",): ("unsupported-op", "Hardmax"), ("draw",): ("random-op", "RandomUniformLike"),
                     ("frob",): ("custom-op", "Frob"), ("MaxPool_3",): ("malformed-node", "MaxPool"),
                     ("soft",): ("unsupported-node", 0),  # refused for one attribute: its value (option: axis)
                     ("shape",): ("dynamic-size-as-data", "Shape"),
                     (): ("constant-output", None)}
    # the messages as before, one per diagnostic
    assert _by_layer(refusal)[("soft",)].option == "axis"
    assert refusal.errors == [d.message for d in refusal.diagnostics]
    assert "node 'cum' (Hardmax): no layer for this op" in refusal.errors
    assert "node 3 (MaxPool): cannot be read (KeyError: 'kernel_shape')" in refusal.errors


def test_a_diagnostic_holds_the_reason_apart_from_its_subject(refusal):
    diagnostics = _by_layer(refusal)
    for d in diagnostics.values():
        assert d.message.endswith(d.detail) and d.detail != d.message
    assert diagnostics[("cum",)].detail == "no layer for this op"
    assert "'my.ops'" in diagnostics[("frob",)].detail
    assert diagnostics[()].port == "k" and diagnostics[()].detail == "it is a constant, not computed from the graph inputs"


def test_an_op_without_a_layer_lists_the_ops_that_have_one(refusal):
    cum = _by_layer(refusal)[("cum",)]
    assert "Relu" in cum.expected and "MaxPool" in cum.expected and "Hardmax" not in cum.expected
    assert cum.hint.startswith("ops with a netgraph layer: Abs, ") and cum.hint in str(refusal)


def test_a_size_used_as_data_names_the_node_using_it_and_the_remedy(refusal):
    shape = _by_layer(refusal)[("shape",)]
    assert "node 'add' (Add) uses a size computed from it" in shape.message
    assert shape.hint and shape.message.endswith(shape.hint) and "Reshape, Expand or Resize" in shape.hint


def test_a_constant_node_without_a_readable_value_is_named(tmp_path):
    value = TensorProto(name="v", data_type=TensorProto.FLOAT, dims=[3], float_data=[1.0, 2.0])  # 2 values of 3
    nodes = [helper.make_node("Constant", [], ["c"], name="bias", value=value),
             helper.make_node("Add", ["x", "c"], ["y"], name="add")]
    path = tmp_path / "constant.onnx"
    onnx.save(pinned_model(helper.make_graph(nodes, "g", [_value("x", ["b", 3])], [_value("y")])), str(path))
    with pytest.raises(SpecError, match="Constant node 'bias' has no readable value") as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.found) == ("malformed-node", ("bias",), "Constant")


def test_an_expand_of_a_constant_to_a_shape_it_cannot_take_is_named(tmp_path):
    nodes = [helper.make_node("Expand", ["k", "to"], ["c"]), helper.make_node("Add", ["x", "c"], ["y"], name="add")]
    constants = [numpy_helper.from_array(np.ones(3, np.float32), "k"), numpy_helper.from_array(np.array([2]), "to")]
    path = tmp_path / "expand.onnx"
    graph = helper.make_graph(nodes, "g", [_value("x", ["b", 3])], [_value("y")], constants)
    onnx.save(pinned_model(graph), str(path))
    with pytest.raises(SpecError, match=r"node 'Expand' \(Expand\) cannot broadcast its constant of shape \[3\]") as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.found) == ("malformed-node", ("Expand_0",), "Expand")


def _external(folder, location):
    """A model whose initializer 'W' keeps its data in ``location``."""
    w = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[2], data_location=TensorProto.EXTERNAL)
    entry = w.external_data.add()
    entry.key, entry.value = "location", location
    graph = helper.make_graph([helper.make_node("Add", ["x", "W"], ["y"], name="add")], "g", [_value("x", [2])],
                              [_value("y", [2])], [w])
    path = folder / "external.onnx"
    path.write_bytes(pinned_model(graph, 17).SerializeToString())
    return path


def _file_case(folder, name):
    """The path of a model file that cannot be read, and the fields its problem has besides ``file``."""
    if name == "invalid-model":
        (path := folder / "garbage.onnx").write_bytes(b"\xff" * 64)
        return path, {"kind": "invalid-model"}
    if name == "missing":
        return folder / "gone.onnx", {"kind": "unreadable-file", "found": str(folder / "gone.onnx")}
    if name == "folder":
        return folder, {"kind": "unreadable-file", "found": str(folder)}
    if name == "limit":
        with open(path := folder / "huge.onnx", "wb") as f:
            f.truncate(2**31 + 1)  # sparse: nothing written, and nothing read
        return path, {"kind": "limit", "found": 2**31 + 1, "expected": 2**31}
    return _external(folder, "../out.bin"), {"kind": "external-data", "port": "W", "found": "../out.bin"}


@pytest.mark.parametrize("name", ["invalid-model", "missing", "folder", "limit", "external-data"])
def test_a_model_file_that_cannot_be_read_has_a_kind_and_names_the_file(tmp_path, name):
    """They had the one kind "onnx"; a model onnx refuses is "invalid-model" as the importer's own check's is."""
    path, fields = _file_case(tmp_path, name)
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert {field: getattr(problem, field) for field in fields} == fields, problem
    assert problem.file == str(path) and problem.detail and problem.detail in problem.message
    if name == "invalid-model":
        assert problem.found == "DecodeError", problem


def test_a_size_used_as_data_names_only_the_nodes_using_it_as_data(tmp_path):
    # a Reshape whose target is the shape is a use every import takes: it was named beside the Add, as if it were one
    index = numpy_helper.from_array(np.array(1, np.int64), "one")
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"),
             helper.make_node("Reshape", ["x", "s"], ["r"], name="reshape"),
             helper.make_node("Gather", ["s", "one"], ["n"], name="length"),
             helper.make_node("Cast", ["n"], ["f"], name="cast", to=TensorProto.FLOAT),
             helper.make_node("Add", ["r", "f"], ["y"], name="add")]
    path = tmp_path / "length.onnx"
    onnx.save(pinned_model(helper.make_graph(nodes, "g", [_value("x", ["b", "n", 3])], [_value("y")], [index])),
              str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert problem.kind == "dynamic-size-as-data" and problem.layer == ("shape",)
    assert "and node 'add' (Add) uses a size computed from it" in problem.message


@pytest.mark.parametrize("command", ["check", "train"])
def test_a_yaml_spec_named_onnx_is_said_to_be_text(cli, command):
    """A YAML spec saved as x.onnx got protobuf's 'DecodeError: Error parsing message with type onnx.ModelProto':
    it is named, and said to read as text, on one line; binary garbage keeps onnx's reason."""
    (cli.folder / "x.onnx").write_text("layers:\n  - LinearLayer: {size: 3}\ninput: 4\n", encoding="utf-8")
    ran = cli(command, "x.onnx", *(["--data", "d.npz"] if command == "train" else []))
    head = "netgraph train: " if command == "train" else ""
    assert (ran.code, ran.err + ran.out) == (1, f"{head}x.onnx is not an ONNX model: it reads as text (a YAML spec? "
                                                f"give it a .yaml name)\n")

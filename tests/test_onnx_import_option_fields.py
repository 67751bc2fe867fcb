"""import_onnx's Diagnostic of a node refused for one ONNX attribute's value names it (``option``) with the value
(``found``) and what maps (``expected``); one our layer refuses keeps that layer's option fields; a model refused as
a whole gets a kind of its own."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import (DropoutLayer, NetChain, PartLayer, ReshapeLayer, SpecError, export_onnx, import_onnx,
                      net_initialize)
from tests.onnx_helpers import pinned_model


def _value(name, shape=None):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _refused(tmp_path, nodes, inputs, initializers=(), outputs=("y",)):
    path = tmp_path / "model.onnx"
    graph = helper.make_graph(nodes, "g", inputs, [_value(o) for o in outputs], list(initializers))
    onnx.save(pinned_model(graph), str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    return info.value


def _node_problem(error):
    (problem,) = error.diagnostics
    return problem


def test_a_conv_refused_for_its_auto_pad_names_the_attribute_and_its_value(tmp_path):
    kernel = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "w")
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", auto_pad="SAME_UPPER", strides=[2, 2])
    problem = _node_problem(_refused(tmp_path, [conv], [_value("x", ["b", 3, "h", 8])], [kernel]))
    assert (problem.kind, problem.layer, problem.option, problem.found) == (
        "unsupported-node", ("conv",), "auto_pad", "SAME_UPPER")
    assert problem.expected == "spatial dims of known size where the stride is not 1"
    assert "auto_pad='SAME_UPPER'" in problem.detail


def test_a_resize_refused_for_its_coordinate_transformation_mode_names_it(tmp_path):
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    resize = helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up", mode="linear",
                              coordinate_transformation_mode="tf_crop_and_resize")
    problem = _node_problem(_refused(tmp_path, [resize], [_value("x", ["b", 3, 4, 4])], [scales]))
    assert (problem.option, problem.found) == ("coordinate_transformation_mode", "tf_crop_and_resize")
    assert "half_pixel" in problem.expected and "align_corners" in problem.expected


def _lstm(tmp_path, **attributes):
    hidden, features = 2, 3
    arrays = [numpy_helper.from_array(np.zeros((1, 4 * hidden, features), np.float32), "W"),
              numpy_helper.from_array(np.zeros((1, 4 * hidden, hidden), np.float32), "R")]
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node("LSTM", ["xt", "W", "R"], ["ys"], name="lstm", hidden_size=hidden, **attributes),
             helper.make_node("Squeeze", ["ys", "axis"], ["yt"]),
             helper.make_node("Transpose", ["yt"], ["y"], perm=[1, 0, 2])]
    arrays.append(numpy_helper.from_array(np.array([1], np.int64), "axis"))
    return _node_problem(_refused(tmp_path, nodes, [_value("x", ["b", 5, features])], arrays))


def test_a_recurrence_refused_for_its_direction_names_it(tmp_path):
    problem = _lstm(tmp_path, direction="reverse")
    assert (problem.layer, problem.option, problem.found) == (("lstm",), "direction", "reverse")
    assert problem.expected == ("forward", "bidirectional")


def test_a_recurrence_refused_for_its_activations_names_them(tmp_path):
    problem = _lstm(tmp_path, activations=["Relu", "Tanh", "Tanh"])
    assert (problem.option, problem.found) == ("activations", ("relu", "tanh", "tanh"))  # a tuple: hashable


@pytest.mark.parametrize("op, gates", [("GRU", 3), ("LSTM", 4)])
def test_a_recurrence_given_its_initial_state_as_data_says_so(op, gates, tmp_path):
    # torch's gru(x, h0) with h0 an input: it was refused as "a non-zero initial state", though h0 may be zeros
    hidden, features = 2, 3
    arrays = [numpy_helper.from_array(np.zeros((1, gates * hidden, features), np.float32), "W"),
              numpy_helper.from_array(np.zeros((1, gates * hidden, hidden), np.float32), "R")]
    extra = {"linear_before_reset": 1} if op == "GRU" else {}
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node(op, ["xt", "W", "R", "", "", "h0"], ["ys"], name="rnn", hidden_size=hidden, **extra),
             helper.make_node("Squeeze", ["ys", "axis"], ["yt"]),
             helper.make_node("Transpose", ["yt"], ["y"], perm=[1, 0, 2])]
    arrays.append(numpy_helper.from_array(np.array([1], np.int64), "axis"))
    inputs = [_value("x", ["b", 5, features]), _value("h0", [1, "b", hidden])]
    problem = _node_problem(_refused(tmp_path, nodes, inputs, arrays))
    assert (problem.layer, problem.option, problem.found) == (("rnn",), "initial_h", "data of shape (1, 'b', 2)")
    assert problem.expected == "no initial_h, zeros, or an Unsqueeze of (batch, n)"
    assert "non-zero" not in problem.detail
    assert problem.detail.endswith(  # one sentence (it ended "...; torch's h0 comes time-major, directions first ...)")
        "initial_h is data of shape (1, 'b', 2), which does not import: an initial state must be zeros or, for a "
        "one-direction recurrence, an Unsqueeze (axis 0) of a (batch, n) tensor, not a (directions, batch, n) tensor "
        "such as torch's h0")


def test_a_recurrence_given_both_initial_states_says_each_and_names_no_joined_option(tmp_path):
    # its option was the text "initial_h, initial_c", no attribute's name
    hidden, features = 2, 3
    arrays = [numpy_helper.from_array(np.zeros((1, 4 * hidden, features), np.float32), "W"),
              numpy_helper.from_array(np.zeros((1, 4 * hidden, hidden), np.float32), "R"),
              numpy_helper.from_array(np.array([1], np.int64), "axis")]
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node("LSTM", ["xt", "W", "R", "", "", "h0", "c0"], ["ys"], name="rnn", hidden_size=hidden),
             helper.make_node("Squeeze", ["ys", "axis"], ["yt"]),
             helper.make_node("Transpose", ["yt"], ["y"], perm=[1, 0, 2])]
    inputs = [_value("x", ["b", 5, features]), _value("h0", [1, "b", hidden]), _value("c0", [1, "b", hidden])]
    problem = _node_problem(_refused(tmp_path, nodes, inputs, arrays))
    assert (problem.layer, problem.option, problem.found) == (("rnn",), None, "LSTM")  # two attributes: the op
    assert "initial_h is data of shape (1, 'b', 2)" in problem.detail
    assert "initial_c is data of shape (1, 'b', 2)" in problem.detail


def test_a_refusal_about_no_one_attribute_names_no_option(tmp_path):
    gemm = helper.make_node("Gemm", ["x", "w", "bias"], ["y"], name="gemm")
    arrays = [numpy_helper.from_array(np.ones((2, 3), np.float32), "w"), "bias"]
    problem = _node_problem(_refused(tmp_path, [gemm], [_value("x", ["b", 2]), _value("bias", [3])], arrays[:1]))
    assert (problem.kind, problem.option, problem.found) == ("unsupported-node", None, "a computed bias")


def test_a_node_our_layer_refuses_keeps_the_layers_option_fields(tmp_path):
    kernel = numpy_helper.from_array(np.ones((4, 1, 3, 3), np.float32), "w")  # 4 outputs in 3 groups
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", group=3)
    problem = _node_problem(_refused(tmp_path, [conv], [_value("x", ["b", 3, 8, 8])], [kernel]))
    assert (problem.kind, problem.layer, problem.option, problem.found) == (
        "unsupported-node", ("conv",), "channel_groups", 3)
    assert "4" in problem.expected and "not divisible by channel_groups" in problem.detail


def test_a_model_onnx_finds_invalid_is_an_invalid_model(tmp_path):
    relu = helper.make_node("Relu", ["x"], ["y"], name="relu")
    graph = helper.make_graph([relu], "g", [_value("x", ["b", 3])], [_value("y")])
    model = onnx.ModelProto(ir_version=8, graph=graph)  # no opset for ONNX's own ops: onnx cannot infer Relu
    onnx.save(model, str(tmp_path / "model.onnx"))
    with pytest.raises(SpecError, match="not a valid ONNX model") as info:
        import_onnx(tmp_path / "model.onnx")
    problem = _node_problem(info.value)
    assert (problem.kind, problem.found) == ("invalid-model", "InferenceError")
    assert "No opset import for domain" in problem.detail and problem.message.endswith(problem.detail)


def test_a_model_passing_its_input_straight_through_imports_as_an_identity(tmp_path):
    """A graph of an Identity alone (also our export of a DropoutLayer, PartLayer(["All"]), ReshapeLayer([4]) of
    (4,)) was refused as having "no computing node to import": it imports as one ElementwiseLayer("#") per output."""
    identity = helper.make_node("Identity", ["x"], ["y"], name="same")
    onnx.save(pinned_model(helper.make_graph([identity], "g", [_value("x", ["b", "n", 3])], [_value("y")])),
              str(tmp_path / "same.onnx"))
    net = import_onnx(tmp_path / "same.onnx")
    assert [layer.function for layer in net.layers.values()] == ["#"]
    x = torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(net(x), x)
    for k, layer in enumerate([DropoutLayer(0.5), PartLayer(["All"]), ReshapeLayer([4])]):
        ours = net_initialize(NetChain([layer], input=("n", 4) if k == 0 else 4), seed=0)
        back = import_onnx(export_onnx(ours, tmp_path / f"ours{k}.onnx"))
        x = torch.randn(3, 6, 4) if k == 0 else torch.randn(3, 4)
        assert torch.equal(back(x), ours(x)) and torch.equal(back(x), x)


def test_an_initializer_without_readable_data_is_named(tmp_path):
    short = TensorProto(name="k", data_type=TensorProto.FLOAT, dims=[3], float_data=[1.0, 2.0])  # 2 values of 3
    add = helper.make_node("Add", ["x", "k"], ["y"], name="add")
    problem = _node_problem(_refused(tmp_path, [add], [_value("x", ["b", 3])], [short]))
    assert (problem.kind, problem.port, problem.found) == ("unreadable-initializer", "k", (3,))


def test_an_initializer_with_a_negative_dim_is_named(tmp_path):
    # numpy read [4, -5] of no data as (4, 0): LinearLayer was blamed, "output= dims must be positive ints, found 0"
    weights = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[4, -5])
    matmul = helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")
    error = _refused(tmp_path, [matmul], [_value("x", ["b", 4])], [weights])
    problem = _node_problem(error)
    assert (problem.kind, problem.port, problem.found) == ("unreadable-initializer", "W", (4, -5))
    assert "initializer 'W' of shape [4, -5] has no readable data (ValueError: a dim is negative)" in str(error)


def _int(name, shape=None):
    return helper.make_tensor_value_info(name, TensorProto.INT64, shape)


def _shape_refusal(tmp_path, nodes, inputs, initializers=(), opset=17):
    """The one Diagnostic of a model of ``nodes`` refused at import, made at ``opset``."""
    path = tmp_path / "model.onnx"
    graph = helper.make_graph(nodes, "g", inputs, [_value("y")], list(initializers))
    onnx.save(pinned_model(graph, opset), str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    return _node_problem(info.value)


def _gather_by_computed_indices(tmp_path):
    node = helper.make_node("Gather", ["x", "i"], ["y"], name="pick", axis=1)
    return _shape_refusal(tmp_path, [node], [_value("x", ["b", 5, 4]), _int("i", ["b", 2])])


def _gather_along_the_batch(tmp_path):
    index = numpy_helper.from_array(np.array(0, np.int64), "i")
    node = helper.make_node("Gather", ["x", "i"], ["y"], name="pick", axis=0)
    return _shape_refusal(tmp_path, [node], [_value("x", ["b", 5, 4])], [index])


def _old_softmax_over_unknown_sizes(tmp_path):
    node = helper.make_node("Softmax", ["x"], ["y"], name="soft", axis=1)
    return _shape_refusal(tmp_path, [node], [_value("x", ["b", "n", 4])], opset=11)


def _negative_pads(tmp_path):
    pads = numpy_helper.from_array(np.array([0, 0, -1, 0, 0, 0], np.int64), "pads")
    node = helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")
    return _shape_refusal(tmp_path, [node], [_value("x", ["b", 3, 6])], [pads])


def _cubic_over_three_dims(tmp_path):
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2, 2], np.float32), "scales")
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up", mode="cubic")
    return _shape_refusal(tmp_path, [node], [_value("x", ["b", 2, 4, 4, 4])], [scales])


@pytest.mark.parametrize("refused, layer, option, expected, found", [
    (_gather_by_computed_indices, ("pick",), "axis", 0, 1),
    (_gather_along_the_batch, ("pick",), "axis", "a non-batch axis", 0),
    (_old_softmax_over_unknown_sizes, ("soft",), "axis", 2, 1),
    (_negative_pads, ("pad",), "pads", "pads >= 0, none on the batch dim", (0, 0, -1, 0, 0, 0)),
    (_cubic_over_three_dims, ("up",), "mode", ("linear", "nearest"), "cubic"),
])
def test_a_refusal_of_an_attribute_for_the_inputs_shape_names_the_attribute(tmp_path, refused, layer, option,
                                                                            expected, found):
    """These mixed an attribute with a condition on the input's shape and were message-only (``found`` the op)."""
    problem = refused(tmp_path)
    assert (problem.kind, problem.layer, problem.option, problem.expected, problem.found) == (
        "unsupported-node", layer, option, expected, found), problem.message
    hash(problem)


def test_an_integer_input_passed_straight_through_is_refused_naming_both_ports(tmp_path):
    """An Identity of an int64 input was refused as "unassembled-import", in the importer's words (an
    ElementwiseLayer's dtype Real, EmbeddingLayer): our layers compute on reals, so no layer passes it through."""
    x, y = (helper.make_tensor_value_info(n, TensorProto.INT64, ["b", 3]) for n in "xy")
    onnx.save(pinned_model(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])),
              str(tmp_path / "int.onnx"))
    with pytest.raises(SpecError, match=r"input 'x' \(Integer\) is passed straight to output 'y'") as info:
        import_onnx(tmp_path / "int.onnx")
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.port) == ("no-computation", "x")
    assert "ElementwiseLayer" not in str(info.value) and "EmbeddingLayer" not in str(info.value)

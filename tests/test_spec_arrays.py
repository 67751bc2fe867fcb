"""load checks every array it reads against its layer: wrong shapes, missing arrays, shared arrays whose users
disagree; one SpecError lists them all, each at its layer's YAML."""

from __future__ import annotations

import json
import re

import pytest
import torch
import yaml
from safetensors.torch import save_file

from netgraph import LinearLayer, NetGraph, NetSharedArray, SpecError, load, net_initialize, save


def _load_error(path) -> str:
    with pytest.raises(SpecError) as info:
        load(path)
    return str(info.value)


def test_inline_array_of_the_wrong_shape_is_refused_at_its_option():
    text = "netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 4, biases: [[0, 0], [0, 0]]}\ninputs: {Input: 3}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    col = text.splitlines()[2].index("[[") + 1
    assert str(info.value) == (f"<string>:3:{col}: layer 'a' (LinearLayer) array 'Biases': expected shape (4,), "
                               f"found (2, 2)")


def test_weights_file_arrays_of_wrong_shapes_are_all_listed_with_their_keys(tmp_path):
    save_file({"a.Weights": torch.zeros(4, 3), "a.Biases": torch.zeros(7, 7),
               "b.Weights": torch.zeros(2, 4), "b.Biases": torch.zeros(5)}, tmp_path / "w.safetensors")
    (tmp_path / "m.yaml").write_text("netgraph: 1\narrays: w.safetensors\nlayers:\n  a: {type: LinearLayer, output: 4}\n"
                                     "  b: {type: LinearLayer, output: 2}\ninputs: {Input: 3}\nedges:\n  - Input -> a -> b\n")
    message = _load_error(tmp_path / "m.yaml")
    assert message.startswith(f"2 problems in {tmp_path / 'm.yaml'}:")
    assert "m.yaml:4:3: layer 'a' (LinearLayer) array 'Biases': expected shape (4,), found (7, 7) " \
           "(key 'a.Biases' of the weights file 'w.safetensors')" in message
    assert "m.yaml:5:3: layer 'b' (LinearLayer) array 'Biases': expected shape (2,), found (5,) " \
           "(key 'b.Biases' of the weights file 'w.safetensors')" in message


def test_a_shorthand_layer_whose_saved_array_it_rejects_is_a_spec_error_at_the_layer(tmp_path):
    save_file({"lin.Weights": torch.zeros(2, 3, 4)}, str(tmp_path / "w.safetensors"))  # was an AttributeError
    (tmp_path / "s.yaml").write_text("netgraph: 1\narrays: w.safetensors\nlayers:\n  lin: 3\ninputs: {Input: 4}\n")
    assert _load_error(tmp_path / "s.yaml").startswith(f"{tmp_path / 's.yaml'}:4:8: layer 'lin': LinearLayer weights=")


def test_weights_file_missing_an_array_of_a_layer_is_named(tmp_path):
    save_file({"a.Weights": torch.zeros(4, 3)}, tmp_path / "w.safetensors")
    (tmp_path / "m.yaml").write_text("netgraph: 1\narrays: w.safetensors\nlayers:\n  a: {type: LinearLayer, output: 4}\n"
                                     "inputs: {Input: 3}\n")
    message = _load_error(tmp_path / "m.yaml")
    assert message.startswith(f"{tmp_path / 'm.yaml'}:4:3: layer 'a' (LinearLayer) has no array 'Biases': the weights "
                              f"file 'w.safetensors' gives its other arrays but has no 'a.Biases'")


def test_a_transposed_weights_file_array_is_expected_in_the_net_s_input_size_with_the_permute_hint(tmp_path):
    """It said 'expected shape (8, 8)', the input size taken from the wrong array itself, beside 'Input' (5)."""
    save_file({"fc1.Weights": torch.zeros(5, 8), "fc1.Biases": torch.zeros(8)}, tmp_path / "w.safetensors")
    (tmp_path / "m.yaml").write_text("netgraph: 1\narrays: w.safetensors\ntype: NetChain\nlayers:\n"
                                     "  fc1: {type: LinearLayer, output: 8}\ninputs: {Input: 5}\n")
    with pytest.raises(SpecError) as info:
        load(tmp_path / "m.yaml")
    assert "array 'Weights': expected shape (8, 5), found (5, 8); Keras's or " \
           "TensorFlow's layout (..., inputs, outputs)? give w.permute(1, 0)" in str(info.value)
    assert (info.value.diagnostics[0].expected, info.value.diagnostics[0].found) == ((8, 5), (5, 8))


def test_shared_array_users_needing_different_shapes_are_refused_at_load():
    text = ("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2, weights: {shared: w}}\n"
            "  b: {type: LinearLayer, output: 3, weights: {shared: w}}\ninputs: {Input: 2}\nedges:\n  - Input -> a -> b\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert str(info.value) == (
        f"<string>:4:{text.splitlines()[3].index('{shared') + 1}: shared array 'w' is used as layer 'a' (LinearLayer) "
        f"array 'Weights' of shape (2, 2) and as layer 'b' (LinearLayer) array 'Weights' of shape (3, 2); the users "
        f"of a shared array need one shape")


def test_saved_nets_with_shared_and_uninitialised_layers_still_load(tmp_path):
    w = NetSharedArray("w")
    tied = net_initialize(NetGraph({"a": LinearLayer(4, weights=w), "b": LinearLayer(4, weights=w)},
                                   [("a", "b")], Input=4), seed=0)
    assert load(save(tied, tmp_path / "tied.yaml")) == tied
    fresh = NetGraph({"a": LinearLayer(4), "b": LinearLayer(2)}, [("a", "b")], Input=3)
    partial = fresh.replace_layers({"a": net_initialize(fresh, seed=1).layers["a"]})
    assert load(save(partial, tmp_path / "partial.yaml")) == partial
    half = NetGraph({"a": LinearLayer(4, weights=torch.ones(4, 3))}, [], Input=3)  # Biases left to net_initialize
    assert "biases: null" in save(half, tmp_path / "half.yaml").read_text()
    assert load(tmp_path / "half.yaml") == half


def test_shared_array_with_two_values_is_reported_at_the_second_users_option():
    text = ("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2, weights: {shared: w, array: [[1, 2], [3, 4]]}}\n"
            "  m:\n    type: NetMapOperator\n    net:\n      type: NetChain\n      layers:\n"
            "        - {type: LinearLayer, output: 2, weights: {shared: w, array: [[1, 2], [3, 5]]}}\n"
            "inputs: {Input: [3, 2]}\nedges:\n  - Input -> a -> m\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    col = text.splitlines()[8].index("{shared") + 1
    assert str(info.value).startswith(f"<string>:9:{col}: shared array 'w' has different values in layer 'a' (shape "
                                      f"(2, 2)) and layer 'm/net/1' (shape (2, 2))")


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool])
def test_integer_arrays_of_any_width_are_read_as_float32_and_complex_ones_refused(tmp_path, dtype):
    values = torch.tensor([[1, 0, 1], [0, 1, 1]]).to(dtype)  # int32 and int64 were read, uint8/int8/int16 refused
    assert LinearLayer(2, weights=values) == LinearLayer(2, weights=values.float())
    net = net_initialize(NetGraph({"a": LinearLayer(2)}, [], Input=3), seed=0)
    save(net, tmp_path / "m.yaml")
    spec = (tmp_path / "m.yaml").read_text().splitlines()
    save_file({"a.Weights": values, "a.Biases": torch.zeros(2).to(dtype)}, tmp_path / "w.safetensors")
    (tmp_path / "x.yaml").write_text("\n".join([spec[0], "arrays: w.safetensors", *spec[2:]]))
    assert torch.equal(load(tmp_path / "x.yaml").layers["a"].arrays["Weights"], values.float())
    with pytest.raises(SpecError, match="LinearLayer weights= needs a numeric array .*found a complex array"):
        save_file({"a.Weights": values.to(torch.complex64), "a.Biases": torch.zeros(2)}, tmp_path / "w.safetensors")
        load(tmp_path / "x.yaml")


@pytest.mark.parametrize("array, found, row", [
    ("[[1.0, 2.0], [3.0]]", "row [2] has 1 value where row [1] has 2", "[3.0]"),
    ("[[[1, 2], [3, 4]], [[5, 6], [7]]]", "row [2, 2] has 1 value where row [2, 1] has 2", "[7]"),
    ("[[1, 2], 3]", "row [2] is a single value where row [1] is a list", "3]")])
def test_an_inline_array_with_rows_of_different_lengths_names_the_short_row(array, found, row):
    text = f"netgraph: 1\nlayers:\n  w: {{type: NetArrayLayer, array: {array}}}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    col = text.splitlines()[2].rindex(row) + 1  # at the short row
    assert str(info.value) == (f"<string>:3:{col}: layer 'w': NetArrayLayer array= needs a numeric array (a real "
                               f"tensor, a number or nested lists of numbers); found nested lists whose rows differ in "
                               f"length: {found} (1-based)")
    with pytest.raises(ValueError, match=f"rows differ in length: {re.escape(found)}"):
        LinearLayer(2, weights=json.loads(array))


def _array_spec(array: str) -> str:
    return f"netgraph: 1\nlayers:\n  w: {{type: NetArrayLayer, array: {array}}}\n"


def test_an_array_s_dtype_name_it_does_not_know_is_one_error_at_the_name():
    text = _array_spec("{array: [0.1], dtype: float46}")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    col = text.splitlines()[2].index("float46") + 1
    assert str(info.value) == (f"<string>:3:{col}: layer 'w' option array: an array's dtype is one of float16, "
                               f"bfloat16, float32, float64, found 'float46' (did you mean 'float64'?)")
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.expected, problem.found, problem.layer) == (
        "option-value", ("float16", "bfloat16", "float32", "float64"), "float46", ("w",))


@pytest.mark.parametrize("array, message", [
    ("{array: [1.0, 70000.0], dtype: float16}", "the array holds 7e+04, beyond float16's range"),
    ("{array: [1.0, 1.0e400], dtype: float64}",
     ":3:49: layer 'w' option array: the array holds 1.0e400 at [2], beyond float64's range (it would become inf); "
     "write .inf for an infinity"),
    ("{array: [[-1.0e400]], dtype: float16}", "the array holds -1.0e400 at [1, 1], beyond float64's range"),
    ("[0.5, 2, 1.0e400, 3]", ":3:44: layer 'w' option array: the array holds 1.0e400 at [3], beyond float64's range"),
    ("[[1, 2], [3, 1e999]]", "the array holds 1e999 at [2, 2], beyond float64's range"),
    ("{shared: s, dtype: float64}", "dtype: float64 goes with the array's values"),
    ("{dtype: float64}", "an array is a list of numbers, null, {array: [...], dtype: float64}")])
def test_an_array_whose_dtype_cannot_hold_it_or_has_no_values_is_refused(array, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        NetGraph.from_yaml(_array_spec(array))


def test_an_array_with_its_dtype_is_read_in_that_dtype_and_the_schema_takes_it():
    import jsonschema
    from netgraph.spec.schema import spec_schema
    validator = jsonschema.Draft202012Validator(spec_schema())
    text = _array_spec("{array: [[0.1, 1.0e+300]], dtype: float64}")
    array = NetGraph.from_yaml(text).layers["w"].array
    assert array.dtype == torch.float64 and array.tolist() == [[0.1, 1e300]]
    assert NetGraph.from_yaml(_array_spec("{array: [0.1]}")).layers["w"].array.dtype == torch.float32
    infinite = NetGraph.from_yaml(_array_spec("{array: [.inf, -.Inf], dtype: float64}")).layers["w"].array
    assert infinite.tolist() == [float("inf"), float("-inf")]  # written as infinities: no overflow
    assert not list(validator.iter_errors(yaml.safe_load(text)))
    for wrong in ("{array: [0.1], dtype: float46}", "{dtype: float64}", "{array: [0.1], dtype: float64, x: 1}",
                  "{array: null, dtype: float64}", "{shared: s, array: null, dtype: float64}"):
        assert list(validator.iter_errors(yaml.safe_load(_array_spec(wrong)))), wrong


@pytest.mark.parametrize("given, expected, found", [("output: 3, biases: [1.0, 2.0]", (3,), (2,)),
                                                    ("output: 2, weights: [[1.0, 2.0, 3.0]]", (2, None), (1, 3)),
                                                    ("input: 4, weights: [[1.0, 2.0, 3.0]]", (1, 4), (1, 3))])
def test_array_of_another_size_than_the_layers_own_option_is_the_arrays_problem(given, expected, found):
    """The layer's own output=/input= fixes the port: the array is what was found, at its place (it read
    'port Output: expected size 2 (from biases=), found (3,)', expected and found swapped), in the words Python's
    check uses when the layer is made (review r3: a LinearLayer-only copy said '(from output=)')."""
    text = f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, {given}}}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    col = text.splitlines()[2].index("[") + 1
    array = "Biases" if "biases" in given else "Weights"
    shown = str(expected).replace("None", "·")  # a dim only the array itself would size: the input's, unknown
    assert str(info.value).startswith(f"<string>:3:{col}: layer 1 'a' (LinearLayer): array {array!r}: expected shape "
                                      f"{shown} (from the layer's options), found {found}")
    assert (info.value.diagnostics[0].expected, info.value.diagnostics[0].found) == (expected, found)
    assert info.value.diagnostics[0].option == array.lower()


def test_weights_whose_input_sizes_break_inference_are_all_listed_each_as_the_net_sizes_it(tmp_path):
    """Found by QA: 'a.Weights' of input size 5 (the net gives 3) stopped shape inference, and only it was told."""
    save_file({"a.Weights": torch.zeros(4, 5), "a.Biases": torch.zeros(4),
               "b.Weights": torch.zeros(2, 7), "b.Biases": torch.zeros(2)}, tmp_path / "w.safetensors")
    (tmp_path / "m.yaml").write_text("netgraph: 1\narrays: w.safetensors\nlayers:\n"
                                     "  a: {type: LinearLayer, output: 4}\n  b: {type: LinearLayer, output: 2}\n"
                                     "inputs: {Input: 3}\nedges:\n  - Input -> a -> b\n")
    with pytest.raises(SpecError) as info:
        load(tmp_path / "m.yaml")
    message = str(info.value)
    assert message.startswith(f"2 problems in {tmp_path / 'm.yaml'}:")
    assert "m.yaml:4:3: layer 'a' (LinearLayer) array 'Weights': expected shape (4, 3), found (4, 5) " \
           "(key 'a.Weights' of the weights file 'w.safetensors')" in message
    assert "m.yaml:5:3: layer 'b' (LinearLayer) array 'Weights': expected shape (2, 4), found (2, 7) " \
           "(key 'b.Weights' of the weights file 'w.safetensors')" in message
    assert [(d.kind, d.layer, d.option, d.expected, d.found) for d in info.value.diagnostics] == [
        ("array-shape", ("a",), "weights", (4, 3), (4, 5)), ("array-shape", ("b",), "weights", (2, 4), (2, 7))]


def test_a_layer_whose_options_come_from_its_array_stays_whole_while_a_misfit_elsewhere_is_told():
    """Review r4: the net made without arrays left the EmbeddingLayer with no output= and load raised its bare
    OptionError instead of the SpecError naming 'a''s weight."""
    text = ("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 4, weights: " + str([[0.0] * 5] * 4) + "}\n"
            "  e: {type: EmbeddingLayer, weights: [[1.0, 2.0], [3.0, 4.0]]}\n"
            "inputs: {Input: 3, I: {shape: [], dtype: Integer}}\noutputs: {Output: null, E: null}\n"
            "edges: [Input -> a -> Output, I -> e -> E]\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    col = text.splitlines()[2].index("[") + 1
    assert str(info.value).startswith(f"<string>:3:{col}: layer 'a' (LinearLayer) array 'Weights': expected shape "
                                      "(4, 3), found (4, 5)")
    assert [(d.layer, d.option) for d in info.value.diagnostics] == [(("a",), "weights")]

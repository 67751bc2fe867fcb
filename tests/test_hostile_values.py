"""Regressions from the session-29 fuzzing: values that let torch's own error escape (an array nested past torch's 64
dims, distribution parameters that do not broadcast) are refused as NetGraphErrors naming what is wrong."""

from __future__ import annotations

import pytest
import torch

import netgraph
from netgraph import (FunctionLayer, GammaDistribution, LinearLayer, NetArrayLayer, NetChain, NetGraph, NetPort,
                      NormalDistribution, OptionError, RandomArrayLayer, ShapeError, SpecError, UniformDistribution,
                      WiringError, net_append, net_delete, net_initialize, net_replace_part, net_train)
from netgraph.render import render_svg


def _data():
    return {"Input": torch.rand(8, 3), "Target": torch.rand(8, 2)}


def _nested(depth: int, value: float = 1.0):
    for _ in range(depth):
        value = [value]
    return value


def test_an_array_nested_past_64_levels_is_read_and_its_port_refused():
    # as_array's float32 range check took a 70-dim mask (torch: "only tensors with up to 64 dims are supported")
    layer = NetArrayLayer(array=_nested(70))
    assert layer.array.dim() == 70
    with pytest.raises(ShapeError) as caught:
        NetGraph([layer], [])
    d = caught.value.diagnostics[0]
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("too-large", ("1",), "Output", 63, 70)
    assert "has 70 dims, more than the 63" in str(caught.value)


def test_an_array_nested_past_64_levels_still_says_float32_overflow():
    with pytest.raises(OptionError, match=r"holds 1e\+300, beyond float32's range"):
        NetArrayLayer(array=_nested(70, 1e300))


def test_a_port_of_64_dims_is_refused_where_63_run():
    # a reduction over 70 dims raised torch's RuntimeError in the compiled forward
    ok = NetChain([FunctionLayer("Total[#]")], Input=[1] * 63)
    assert ok(torch.ones([2] + [1] * 63)).flatten().tolist() == [1.0, 1.0]
    with pytest.raises(ShapeError, match="port 'Input' has 64 dims, more than the 63"):
        NetChain([FunctionLayer("Total[#]")], Input=[1] * 64)


def test_a_spec_array_nested_past_64_levels_is_placed_at_its_layer():
    text = "netgraph: 1\nlayers:\n  a: {type: NetArrayLayer, array: " + "[" * 90 + "1" + "]" * 90 + "}\n"
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(text)
    assert caught.value.errors[0].startswith("<string>:3:3: layer 1 'a' (NetArrayLayer) port 'Output' has 90 dims")


_DEEP_PARAMETERS = [lambda p: NormalDistribution(p, 1), lambda p: NormalDistribution(torch.zeros([1] * 70), 1)]


@pytest.mark.parametrize("make", _DEEP_PARAMETERS, ids=["nested-lists", "tensor"])
def test_a_distribution_parameter_of_more_than_63_dims_is_refused(make):
    with pytest.raises(OptionError) as caught:
        make(_nested(70))
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.expected, d.found) == ("option-value", "mu", 63, 70)
    assert "NormalDistribution parameter mu has 70 dims, more than the 63" in str(caught.value)


def test_distribution_parameters_that_do_not_broadcast_are_named():
    # torch's "The size of tensor a (2) must match the size of tensor b (3)" escaped from the overflow check
    with pytest.raises(OptionError) as caught:
        NormalDistribution([0.0, 1.0], [1.0, 2.0, 3.0])
    assert str(caught.value) == ("NormalDistribution: parameters mu (mean) of shape (2) and sigma (standard deviation) "
                                 "of shape (3) do not broadcast together (each dim equal, or 1)")
    assert caught.value.diagnostics[0].kind == "option-value"
    with pytest.raises(OptionError, match=r"min of shape \(2\) and max of shape \(3\) do not broadcast"):
        UniformDistribution([[0, 1], [2, 3, 4]])
    with pytest.raises(OptionError, match=r"alpha \(shape\) of shape \(2\) and beta \(scale\) of shape \(3\)"):
        RandomArrayLayer(GammaDistribution([1, 1], [1, 2, 3]))


def test_distribution_parameters_that_broadcast_are_kept():
    dist = NormalDistribution([[0.0], [1.0]], [1.0, 2.0, 3.0])
    assert NetGraph([RandomArrayLayer(dist)], []).output_shapes == {"Output": (2, 3)}


def test_a_spec_places_parameters_that_do_not_broadcast_at_their_args():
    text = ("netgraph: 1\nlayers:\n  a: {type: RandomArrayLayer, distribution: {type: NormalDistribution, "
            "args: [[0, 1], [1, 2, 3]]}}\n")
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(text)
    assert caught.value.errors == ["<string>:3:78: layer 'a' option distribution: NormalDistribution: parameters mu "
                                   "(mean) of shape (2) and sigma (standard deviation) of shape (3) do not broadcast "
                                   "together (each dim equal, or 1)"]


def test_an_edge_from_an_input_port_has_a_documented_kind():
    # "wrong-direction" was passed through Wiring.problem's parameter, which the README check's walk did not follow
    with pytest.raises(WiringError) as caught:
        NetGraph([LinearLayer(2), LinearLayer(2)], [(NetPort(1, "Input"), 2)], Input=3)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.layer, d.port) == ("wrong-direction", ("1",), "Input")


def _small():
    return net_initialize(NetChain([LinearLayer(2)], Input=3), seed=0)


_TRAIN = {"max_training_rounds": 1, "progress": False}


@pytest.mark.parametrize("call", [
    lambda: net_train(_small(), _data(), validation_set=("Scaled", 0.5), **_TRAIN),
    lambda: net_train(_small(), _data(), validation_set="10%", **_TRAIN),
    lambda: net_train(_small(), _data(), random_seed=-1, **_TRAIN),
    lambda: net_train(_small(), _data(), learning_rate_multipliers={"zz": 1}, **_TRAIN),
    lambda: net_initialize(_small(), seed=2**70),
    lambda: net_replace_part(_small(), {(1, "Weights"): "abc"}),
    lambda: net_replace_part(_small(), {(1, "Weights"): [[1e300] * 3] * 2}),
], ids=["scaled", "percent", "train-seed", "multiplier-key", "initialize-seed", "text-array", "float32-overflow"])
def test_refused_option_values_of_whole_net_calls_have_a_kind(call):
    # these were raised with the default kind "error" (net_train's options, seeds, net_replace_part's arrays)
    with pytest.raises(OptionError) as caught:
        call()
    assert [d.kind for d in caught.value.diagnostics] == ["option-value"]


@pytest.mark.parametrize("call, kind", [
    (lambda p: _small().render(None), "output-path"),
    (lambda p: _small().render(p / "a"), "option-value"),
    (lambda p: _small().render(p / "a.svg", format="jpg"), "option-value"),
    (lambda p: _small().render(p / "a.svg", format="png"), "option-combination"),
    (lambda p: _small().render(p / "a.svg", backend="nope"), "option-value"),
    (lambda p: _small().render(p / "a.svg", backend="builtin", rankdir="XX"), "option-value"),
    (lambda p: _small().render(p / "a.svg", backend="builtin", colour=1), "unknown-option"),
    (lambda p: _small().to_dot(backend="dot"), "option-combination"),
    (lambda p: _small().render(p / "missing" / "a.svg", backend="builtin"), "unwritable-file"),
    (lambda p: render_svg(5), "not-a-net"),
    (lambda p: netgraph.limits(port_elements=None).__enter__(), "option-value"),
    (lambda p: net_append(_small(), None), "not-a-layer"),
    (lambda p: net_delete(_small(), NetPort("Nope")), "unknown-port"),
], ids=["render-none", "render-no-suffix", "render-format", "render-format-suffix", "render-backend", "rankdir",
        "unknown-option", "dot-backend", "render-no-folder", "render-svg-int", "limits", "append-none", "delete-port"])
def test_refusals_of_diagrams_limits_and_surgery_have_a_kind(tmp_path, call, kind):
    # these were NetGraphErrors of the default kind "error"
    with pytest.raises(netgraph.NetGraphError) as caught:
        call(tmp_path)
    assert [d.kind for d in caught.value.diagnostics] == [kind]


def _classes():
    return NetChain([LinearLayer(3), "SoftmaxLayer"], Input=2, Output=netgraph.ClassDecoder(["a", "b", "c"]))


@pytest.mark.parametrize("call, kind", [
    (lambda p: netgraph.image_folder(p / "none"), "missing-file"),
    (lambda p: netgraph.image_folder(p), "missing-data"),
    (lambda p: netgraph.text_table(p / "none.csv"), "missing-file"),
    (lambda p: netgraph.text_table((p / "d.csv").mkdir() or p / "d.csv"), "unreadable-file"),
    (lambda p: netgraph.text_table((p / "t.txt").write_text("x") and p / "t.txt"), "table-suffix"),
    (lambda p: netgraph.text_table((p / "t.csv").write_text("") or p / "t.csv"), "missing-data"),
    (lambda p: netgraph.text_table((p / "t.csv").write_text("text,label\n") and p / "t.csv"), "missing-data"),
    (lambda p: net_initialize(_classes(), seed=0)(torch.rand(1, 2), decoder="Foo"), "option-value"),
], ids=["no-folder", "no-images", "no-table", "table-folder", "table-suffix", "empty-table", "no-rows", "decoder"])
def test_refusals_of_data_files_and_decoders_have_a_kind(tmp_path, call, kind):
    # image_folder's, text_table's and the decoders' DataErrors and OptionErrors had the default kind "error"
    with pytest.raises(netgraph.NetGraphError) as caught:
        call(tmp_path)
    assert [d.kind for d in caught.value.diagnostics] == [kind]


def test_a_class_given_to_function_layer_is_refused_not_taken_for_its_constructor():
    # FunctionLayer(nn.ReLU) made a layer whose port was ReLU's constructor parameter 'inplace'
    with pytest.raises(OptionError) as caught:
        FunctionLayer(torch.nn.ReLU)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.found) == ("option-value", "function", torch.nn.ReLU)
    assert str(caught.value).endswith("found the class ReLU; a torch module goes in TorchLayer(ReLU(...)), an instance")
    with pytest.raises(OptionError, match="found the class int$"):
        FunctionLayer(int)


def test_a_function_without_inputs_is_named_without_its_address():
    with pytest.raises(OptionError) as caught:
        FunctionLayer(lambda: torch.ones(3))
    assert str(caught.value).startswith("FunctionLayer of the function <lambda> uses no input")


def test_a_layer_value_whose_repr_fails_is_refused_naming_it_not_with_pythons_error():
    # a set holding an integer past Python's 4300 written digits: repr raised ValueError out of the refusal itself
    with pytest.raises(WiringError, match=r"layer 1 'a' is not a layer .* found a set holding an integer too long"):
        NetGraph({"a": {10**5000}})

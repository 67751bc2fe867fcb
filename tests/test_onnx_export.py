"""export_onnx: every example spec and one net per layer family run in onnxruntime as compiled."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import onnx  # noqa: E402  (the test extra installs it)

from netgraph import (AggregationLayer, BatchNormalizationLayer, BernoulliDistribution, CatenateLayer,  # noqa: E402
                      ConstantArrayLayer, DataError, ExtractLayer, PortType, ConvolutionLayer, CrossEntropyLossLayer, DotLayer, DropoutLayer, ElementwiseLayer,
                      EmbeddingLayer, FlattenLayer, FunctionLayer, GammaDistribution, GatedRecurrentLayer,
                      LayerNormalizationLayer, LinearLayer, LongShortTermMemoryLayer, BasicRecurrentLayer,
                      MeanAbsoluteLossLayer, MeanSquaredLossLayer, NetArrayLayer, NetChain, NetFoldOperator,
                      NetGraph, NetMapOperator, NetNestOperator,
                      NetGraphError, NetPort, NormalDistribution, OptionError, PartLayer, PoolingLayer,
                      DeconvolutionLayer, PaddingLayer, ParametricRampLayer, ResizeLayer,
                      RandomArrayLayer, ReplicateLayer, ReshapeLayer, SequenceLastLayer, ShapeError, SoftmaxLayer,
                      SummationLayer, ThreadingLayer, UniformDistribution, TotalLayer, TransposeLayer, export_onnx, load, net_initialize)
from netgraph.cli import main  # noqa: E402
from netgraph.export.exporter import EXPORTABLE_DISTRIBUTIONS, OPSETS, example_inputs  # noqa: E402
from tests.onnx_helpers import as_list, draw_onnx, assert_same_distribution, assert_same_outputs, run_onnx  # noqa: E402

SPECS = sorted((Path(__file__).resolve().parents[1] / "specs").glob("*.yaml"))
DRAWS = 4000


def is_random(net) -> bool:
    return any(layer.type_name == "RandomArrayLayer" for _, layer in net.leaves())


def family_nets() -> dict[str, NetGraph]:
    pair = {"x": 4, "y": 4}
    return {
        "linear": NetChain([LinearLayer(5), LinearLayer(3)], input=(2, 4)),
        "function": NetGraph({"f": FunctionLayer("#a * Exp[#b] + Sin[#a] / 2")}, [], a=3, b=3),
        "elementwise": NetChain([ElementwiseLayer(f) for f in ("Tanh", "LogisticSigmoid", "Ramp", "Softplus", "GELU",
                                                              "ELU")], input=6),
        "merge": NetGraph({"t": ThreadingLayer("Times", inputs=2), "tot": TotalLayer(inputs=2),
                           "c": CatenateLayer(inputs=2), "d": DotLayer()},
                          [(NetPort("x"), [NetPort("t", "Input1"), NetPort("tot", "Input1"), NetPort("c", "Input1")]),
                           (NetPort("y"), [NetPort("t", "Input2"), NetPort("tot", "Input2"), NetPort("c", "Input2")]),
                           ("t", NetPort("d", "Input1")), ("tot", NetPort("d", "Input2"))], x=(3, 3), y=(3, 3)),
        "normalization": NetChain([BatchNormalizationLayer(), LayerNormalizationLayer(), DropoutLayer(0.3),
                                   SoftmaxLayer()], input=(3, 5)),
        "reshape": NetChain([ReshapeLayer((3, 4)), TransposeLayer(), FlattenLayer(), PartLayer(2), ReplicateLayer(2)],
                            input=12),
        "conv": NetChain([ConvolutionLayer(4, 3, padding_size=1), PoolingLayer(2, function="Mean"),
                          PoolingLayer(2, stride=2)], input=(2, 9, 9)),
        "aggregation": NetChain([AggregationLayer("Mean"), SummationLayer()], input=(3, 4, 4)),
        "resize": NetChain([DeconvolutionLayer(3, 2, stride=2), PaddingLayer([0, 1, [1, 0]], padding="Reflected"),
                            ParametricRampLayer(), ResizeLayer([5, 6])], input=(2, 3, 3)),
        "embedding": NetChain([EmbeddingLayer(4, 10)], input=["n"]),
        "recurrent": NetChain([LongShortTermMemoryLayer(4), GatedRecurrentLayer(3), BasicRecurrentLayer(2),
                               SequenceLastLayer()], input=["n", 3]),
        "losses": NetGraph({"m": MeanSquaredLossLayer(), "a": MeanAbsoluteLossLayer(),
                            "c": CrossEntropyLossLayer("Probabilities")},
                           [(NetPort("x"), [NetPort(k, "Input") for k in "mac"]),
                            (NetPort("y"), [NetPort(k, "Target") for k in "mac"])], **pair),
        "arrays": NetGraph({"a": NetArrayLayer(array=[1.0, 2.0]), "k": ConstantArrayLayer(array=[3.0, 4.0]),
                            "f": FunctionLayer("#a * #b + #x")}, [(["a", "k", NetPort("x")], "f")], x=2),
    }


@pytest.mark.parametrize("family", sorted(family_nets()))
def test_each_layer_family_runs_in_onnxruntime_as_compiled(family, tmp_path):
    net = net_initialize(family_nets()[family], seed=0)
    path = export_onnx(net, tmp_path / f"{family}.onnx")
    assert_same_outputs(path, net.compile().eval(), family_inputs(family, net))


def family_inputs(family: str, net) -> dict:
    """Example inputs of a family's net at other sizes than the traced ones (2 and 3): its dims are dynamic."""
    inputs = example_inputs(net, batch=5, length=4, seed=1)
    if family == "embedding":
        inputs["Input"] = torch.randint(0, 10, (5, 4))
    if family == "losses":  # the cross-entropy takes probabilities (others are a DataError)
        inputs = {port: x.softmax(-1) for port, x in inputs.items()}
    return inputs


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_example_spec_runs_in_onnxruntime(spec, tmp_path):
    net = net_initialize(load(spec), seed=0)
    refused = [path for path, layer in net.leaves() if layer.type_name == "RandomArrayLayer"
               and type(layer.options()["distribution"]).__name__ not in EXPORTABLE_DISTRIBUTIONS]
    if refused:
        with pytest.raises(OptionError, match=f"{refused[0][-1]!r}.*no faithful ONNX form"):
            export_onnx(net, tmp_path / "model.onnx")
        return
    path = export_onnx(net, tmp_path / "model.onnx", name=spec.stem)
    module = net.compile().eval()
    if not is_random(net):
        assert_same_outputs(path, module, example_inputs(net, batch=5, seed=1))
        return
    if not net.input_ports:  # unbatched draws: one per run
        onnx_draws = draw_onnx(path, DRAWS)
        assert_same_distribution(onnx_draws, as_list(module(DRAWS)))
        return
    one = example_inputs(net, batch=1, seed=1)
    inputs = {k: v.expand(DRAWS, *v.shape[1:]).contiguous() for k, v in one.items()}  # one example, many draws
    torch.manual_seed(0)
    assert_same_distribution(run_onnx(path, inputs), as_list(module(**inputs)))


def test_a_random_layer_fed_by_an_input_samples_the_same_distribution(tmp_path):
    net = NetGraph({"r": RandomArrayLayer(NormalDistribution("#mu", 2.0))}, [], mu=3)
    path = export_onnx(net, tmp_path / "normal.onnx")
    mu = torch.tensor([[-5.0, 0.0, 7.0]]).expand(DRAWS, 3).contiguous()
    draws = run_onnx(path, {"mu": mu})
    assert_same_distribution(draws, [net.compile()(mu)])
    assert abs(float(draws[0][:, 2].mean()) - 7.0) < 5 * 2.0 / DRAWS ** 0.5  # and it is N(mu, 2)


def test_uniform_draws_match_in_distribution(tmp_path):
    net = NetGraph({"u": RandomArrayLayer(UniformDistribution([-1.0, 3.0]), output=2)}, [])
    path = export_onnx(net, tmp_path / "u.onnx")
    onnx_draws = draw_onnx(path, DRAWS)
    assert_same_distribution(onnx_draws, as_list(net.compile()(DRAWS)))


def test_a_distribution_without_an_onnx_sampler_is_refused_naming_the_layer(tmp_path):
    net = NetGraph({"gamma_noise": RandomArrayLayer(GammaDistribution(2.0, 1.0), output=3)}, [])
    target = tmp_path / "gamma.onnx"
    target.write_bytes(b"previous")
    with pytest.raises(OptionError, match="'gamma_noise'.*GammaDistribution.*no faithful ONNX form") as info:
        export_onnx(net, target)
    assert info.value.diagnostics[0].layer == ("gamma_noise",)
    assert target.read_bytes() == b"previous"  # nothing half-written


def test_a_distribution_without_an_onnx_sampler_is_refused_inside_an_operator_too(tmp_path):
    # only the top-level layers were checked: a Bernoulli inside a NetMapOperator exported with wrong statistics
    inner = NetGraph({"coin": RandomArrayLayer(BernoulliDistribution(0.3), output=3), "f": FunctionLayer("#a + #b")},
                     [(["coin", NetPort("Input")], "f")], Input=3)
    net = net_initialize(NetChain({"map": NetMapOperator(inner)}, input=(4, 3)), seed=0)
    with pytest.raises(OptionError, match=r"layer 'map/net/coin' \(RandomArrayLayer\) samples BernoulliDistribution"):
        export_onnx(net, tmp_path / "coin.onnx")


@pytest.mark.parametrize("position, shape", [((1,), (2, 3)), ((2,), (2, 3)), ((3, 2), (2, 3, 4))])
def test_an_extract_layer_exports_and_matches_at_every_valid_position(position, shape, tmp_path):
    # the exporter traced with Integer inputs 0 or 1, and 0 is no 1-based position: every ExtractLayer net failed
    net = NetGraph([ExtractLayer()], [], Input=shape, Position=PortType(position, "Integer"))
    net = net_initialize(net, seed=0)
    path = export_onnx(net, tmp_path / "extract.onnx")
    generator = torch.Generator().manual_seed(1)
    for sign in (1, -1):  # 1-based, and negative from the end
        index = [torch.randint(1, shape[j] + 1, (5, *position[:-1]), generator=generator) for j in range(position[-1])]
        inputs = {"Input": torch.randn(5, *shape, generator=generator), "Position": sign * torch.stack(index, -1)}
        assert_same_outputs(path, net.compile().eval(), inputs)


def test_integer_inputs_valid_for_no_example_are_a_data_error_before_tracing(tmp_path):
    # Position feeds an ExtractLayer (needs 1 or more) and an embedding of one vector (needs 0)
    net = NetGraph({"x": ExtractLayer(), "e": EmbeddingLayer(2, 1)}, [(NetPort("Position"), ["e", NetPort("x", "Position")])],
                   Input=3, Position=PortType((1,), "Integer"))
    with pytest.raises(DataError, match=r"none runs \(Integer port 'Position'.*1-based") as info:
        export_onnx(net_initialize(net, seed=0), tmp_path / "m.onnx")
    assert "torch's ONNX exporter" not in str(info.value) and not (tmp_path / "m.onnx").exists()


def test_the_ports_tried_in_vain_are_listed_a_few_and_counted(tmp_path):
    # the message listed every input port: a big net's could be thousands
    reals = [f"r{i}" for i in range(25)]
    net = NetGraph({"x": ExtractLayer(), "e": EmbeddingLayer(2, 1), "cat": CatenateLayer()},
                   [(NetPort("Position"), ["e", NetPort("x", "Position")]), ([NetPort(r) for r in reals], "cat")],
                   Input=3, Position=PortType((1,), "Integer"), **{r: 1 for r in reals})
    with pytest.raises(DataError, match=r"none runs \(Integer port 'Position'") as info:
        export_onnx(net_initialize(net, seed=0), tmp_path / "m.onnx")
    assert "'r0', 'r1'" in str(info.value) and "(26 in all)" in str(info.value) and "'r24'" not in str(info.value)


def fold(shape) -> NetGraph:
    step = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": "Tanh"},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin"), ("lin", "act")])
    return NetGraph({"fold": NetFoldOperator(step)}, [], Input=shape)


@pytest.mark.parametrize("net", [fold(("n", 3)), NetGraph({"map": NetMapOperator(fold(("n", 3)))}, [], Input=(4, "n", 3))],
                         ids=["top", "inside a map"])
def test_a_fold_over_a_variable_length_is_refused_naming_the_layer(net, tmp_path):
    # torch's tracer unrolls the fold's Python loop to the tracing length: the model was wrong at other lengths
    with pytest.raises(ShapeError, match=r"NetFoldOperator '(map/net/)?fold'.*variable length.*fixed length") as info:
        export_onnx(net_initialize(net, seed=0), tmp_path / "fold.onnx")
    assert info.value.diagnostics[0].port == "Input"
    assert not (tmp_path / "fold.onnx").exists()


def test_a_fold_over_a_fixed_length_and_a_nest_export_and_match(tmp_path):
    nest = NetMapOperator(NetChain([NetNestOperator(NetChain([LinearLayer(3), "Tanh"], input=3), 3)]))
    for name, net in {"fold": fold((7, 3)), "nest": NetChain([nest], input=("n", 3))}.items():
        net = net_initialize(net, seed=0)
        path = export_onnx(net, tmp_path / f"{name}.onnx")
        assert_same_outputs(path, net.compile().eval(), example_inputs(net, batch=5, length=7 if name == "fold" else 4))


def test_ports_dynamic_dims_and_metadata(tmp_path):
    net = net_initialize(NetChain([EmbeddingLayer(4, 10), LongShortTermMemoryLayer(3)], input=["n"]), seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx", name="Tagger", description="tags tokens")))
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in model.graph.input]
    assert [v.name for v in model.graph.input] == ["Input"] and dims == [["batch", "n"]]
    assert [v.name for v in model.graph.output] == ["Output"]
    assert [d.dim_param or d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim] == ["batch", "n", 3]
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["name"] == "Tagger" and meta["description"] == model.doc_string == "tags tokens"
    assert not list(tmp_path.glob(".*tmp"))


def test_an_empty_name_or_description_is_none_given_in_a_model_and_a_spec_alike(tmp_path):
    """One rule for both (session 34's note: save dropped name="" where export_onnx wrote "NetGraph"): empty text is
    no name, so the model gets its default name and text, the spec no name or description key."""
    from netgraph import save
    net = net_initialize(NetChain([2], input=3), seed=0)
    meta = [{p.key: p.value for p in onnx.load(str(export_onnx(net, tmp_path / f"{i}.onnx", **given))).metadata_props}
            for i, given in enumerate(({"name": "", "description": ""}, {}))]
    assert meta[0] == meta[1] and meta[0]["name"] == "NetGraph"
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    texts = [save(net, tmp_path / folder / "m.yaml", **given).read_text() for folder, given in
             zip("ab", ({"name": "", "description": ""}, {}))]
    assert texts[0] == texts[1] and "name:" not in texts[0] and "description:" not in texts[0]


@pytest.mark.parametrize("function", ["Median", "Variance", "StandardDeviation", "Times", "MeanDeviation"])
def test_output_dims_of_fixed_size_are_declared_so(function, tmp_path):
    """torch's shape inference loses the size of an output dim after some reductions (``DivOutput_dim_1``); the
    model declares the port's shape: the batch and variable dims named, the others their sizes."""
    net = net_initialize(NetChain([AggregationLayer(function, levels=1)], input=["n", 2]), seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx")))
    assert [d.dim_param or d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim] == ["batch", 2]
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": torch.randn(3, 5, 2)})


def test_missing_onnx_package_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    net = net_initialize(NetChain([2], input=3), seed=0)
    with pytest.raises(NetGraphError, match=r"pip install torch-netgraph\[onnx\]"):
        export_onnx(net, tmp_path / "m.onnx")


def test_cli_export_writes_the_spec_name_into_the_model(tmp_path, capsys):
    out = tmp_path / "mlp.onnx"
    assert main(["export", str(SPECS[1]), "-o", str(out), "--opset", "17"]) == 0
    assert "ONNX model written to" in capsys.readouterr().out
    model = onnx.load(str(out))
    assert {p.key: p.value for p in model.metadata_props}["name"] == "MLPClassifier"
    assert model.opset_import[0].version == 17


SUPPORTED = f"\\({OPSETS.start} to {OPSETS.stop - 1}; default \\d+\\)"


@pytest.mark.parametrize("opset", [99, 3, OPSETS.stop])
def test_cli_export_checks_the_opset_first_and_says_which_are_supported(opset, tmp_path, capsys):
    # it printed torch's whole IR graph, then "cannot export this net"
    assert main(["export", str(SPECS[1]), "-o", str(tmp_path / "m.onnx"), "--opset", str(opset)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert re.fullmatch(f"netgraph export: --opset {opset} is outside the opsets torch's ONNX exporter supports "
                        f"{SUPPORTED}", err.strip())
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("opset, message", [(6, f"opset 6 is outside .* {SUPPORTED}"),
                                            (OPSETS.stop, f"opset {OPSETS.stop} is outside .* {SUPPORTED}"),
                                            (True, "opset must be an int, found bool True"),
                                            ("17", "opset must be an int, found str '17'"),
                                            (17.0, "opset must be an int, found float 17.0")])
def test_export_onnx_refuses_an_unsupported_opset(opset, message, tmp_path):
    # "17" and 17.0 were said to be "outside the opsets ... (7 to 20)"
    with pytest.raises(OptionError, match=message) as info:
        export_onnx(net_initialize(NetChain([2], input=3), seed=0), tmp_path / "m.onnx", opset=opset)
    assert info.value.diagnostics[0].option == "opset"


def test_export_onnx_takes_a_numpy_integer_opset(tmp_path):
    # np.int64(17) was refused as "outside the opsets torch's ONNX exporter supports (7 to 20)"
    path = export_onnx(net_initialize(NetChain([2], input=3), seed=0), tmp_path / "m.onnx", opset=np.int64(17))
    assert onnx.load(path).opset_import[0].version == 17


def test_an_exporter_failure_is_one_line_without_torchs_ir_graph(tmp_path, capfd):
    net = net_initialize(load(SPECS[0].with_name("transformer_block.yaml")), seed=0)  # unflatten needs opset 13
    with pytest.raises(OptionError, match="cannot export layer 'query/net/1' \\(LinearLayer\\) \\(opset 7\\).*unflatten"):
        export_onnx(net, tmp_path / "t.onnx", opset=7)
    out, err = capfd.readouterr()
    assert "Torch IR graph" not in out + err

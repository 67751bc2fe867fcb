"""A NormalizationLayer(method="RMS") exports as x * 1/sqrt(mean(x*x) + epsilon) then its arrays, one with
unbiased=True as (x - mean) * 1/sqrt(torch's variance + epsilon), a standardisation over levels not trailing as
(x - mean) * 1/sqrt(mean((x - mean)^2) + epsilon): each imports back as one NormalizationLayer of those options
(they were 12 to 15 layers: ThreadingLayers, ConstantArrayLayers, NetChains); a chain with one constant changed is
no such normalisation and imports node by node, computing what it computes."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import LinearLayer, NetChain, NetMapOperator, NormalizationLayer, export_onnx, import_onnx, net_initialize
from netgraph import SpecError
from tests.onnx_helpers import assert_same_outputs, pinned_model, run_onnx


def _formula_net(options: dict, shape: list):
    net = net_initialize(NetChain({"norm": NormalizationLayer(**options)}, input=shape), seed=0)
    generator = torch.Generator().manual_seed(0)
    for array in net.layers["norm"].arrays.values():  # not the starting ones and zeros
        array.copy_(torch.randn(array.shape, generator=generator))
    return net


@pytest.mark.parametrize("method", [{"method": "RMS"}, {"unbiased": True}], ids=["rms", "unbiased"])
@pytest.mark.parametrize("options, shape, levels", [
    ({}, [3, 4], ("2;;", "Complement")), ({"scaling_levels": "Same", "epsilon": 1e-5}, [3, 4], ("2;;", "Same")),
    ({"aggregation_levels": [1, 3]}, [3, 4, 2], ([1, 3], "Complement")), ({"scaling": False}, [3, 4], ("2;;", None)),
    ({"scaling": False, "biases": False}, [3, 4], ("2;;", None)), ({"scaling_levels": [2]}, ["n", 4], ("2;;", "Same")),
    ({"aggregation_levels": "1;;", "scaling_levels": [2]}, ["n", 4], ("1;;", [2]))])
def test_a_normalization_written_as_its_formula_imports_as_one_layer(method, options, shape, levels, tmp_path):
    _check_round_trip(_formula_net({**method, **options}, shape), shape, levels, tmp_path)


@pytest.mark.parametrize("options, shape, levels", [
    ({"aggregation_levels": [1, 3]}, [3, 4, 2], ([1, 3], "Complement")),
    ({"aggregation_levels": [1]}, [3, 4], ([1], "Complement")),
    ({"aggregation_levels": [1], "scaling": False, "biases": False}, ["n", 4], ([1], None))])
def test_a_standardization_over_levels_not_trailing_imports_as_one_layer(options, shape, levels, tmp_path):
    """No LayerNormalization there: (x - mean) * 1/sqrt(mean((x - mean)^2) + epsilon), it was 15 layers."""
    _check_round_trip(_formula_net(options, shape), shape, levels, tmp_path)


def _check_round_trip(net, shape: list, levels: tuple, tmp_path) -> None:
    path = export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(path)
    [layer] = back.layers.values()
    original = net.layers["norm"]
    assert (type(layer), layer.method, layer.unbiased, layer.epsilon) == (
        NormalizationLayer, original.method, original.unbiased, original.epsilon)
    assert layer.aggregation_levels == levels[0]
    if levels[1] is not None:
        assert layer.scaling_levels == levels[1]
    assert set(layer.arrays) == set(original.arrays)
    for name, array in original.arrays.items():
        np.testing.assert_allclose(np.asarray(layer.arrays[name]), array.numpy(), rtol=1e-6)
    generator = torch.Generator().manual_seed(1)
    for batch, length in [(1, 3), (4, 5)]:
        x = torch.randn(batch, *(length if d == "n" else d for d in shape), generator=generator)
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-5)
        assert_same_outputs(path, back, {"Input": x})


@pytest.mark.parametrize("options, op, slot, value", [
    ({"method": "RMS"}, "Div", 0, 2.0), ({"method": "RMS"}, "Div", 0, -1.0), ({"unbiased": True}, "Div", 0, 2.0),
    ({"unbiased": True}, "ReduceMean", 1, 1), ({"aggregation_levels": [1]}, "Div", 0, 2.0),
    ({"aggregation_levels": [1]}, "ReduceMean", 1, 2)],
    ids=["rms-numerator-2", "rms-numerator-neg", "unbiased-numerator-2", "unbiased-mean-elsewhere",
         "standardize-numerator-2", "standardize-mean-elsewhere"])
def test_a_formula_with_one_constant_changed_imports_node_by_node(options, op, slot, value, tmp_path):
    net = _formula_net(options, [3, 4])
    model = onnx.load(export_onnx(net, tmp_path / "m.onnx"))
    producers = {out: node for node in model.graph.node for out in node.output}
    node = [n for n in model.graph.node if n.op_type == op][-1 if op == "Div" else 0]  # the 1 / sqrt; the centring
    constant = producers[node.input[slot]]
    old = numpy_helper.to_array(constant.attribute[0].t)
    constant.attribute[0].t.CopyFrom(numpy_helper.from_array(np.full_like(old, value), constant.attribute[0].t.name))
    onnx.save(model, tmp_path / "near.onnx")
    back = import_onnx(tmp_path / "near.onnx")
    assert "NormalizationLayer" not in [layer.type_name for layer in back.layers.values()]
    x = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(1))
    [want] = run_onnx(tmp_path / "near.onnx", {"Input": x})
    torch.testing.assert_close(back(x), torch.from_numpy(want), atol=1e-5, rtol=1e-5)


def _standardization_model(epsilon: np.ndarray, numerator: np.ndarray, outputs: tuple[str, ...]) -> onnx.ModelProto:
    """(x - mean) * numerator / sqrt(mean((x - mean)^2) + epsilon) over level 2 of x (batch, 3, 4), written by hand:
    the first centring c1 feeds the square, the second c2 the product; ``outputs`` the graph's."""
    constants = {"axes": np.array([2]), "eps": epsilon, "one": numerator}
    nodes = [helper.make_node("Constant", [], [k], value=numpy_helper.from_array(v, k)) for k, v in constants.items()]
    steps = [("ReduceMean", ["x", "axes"], "m1"), ("Sub", ["x", "m1"], "c1"), ("Mul", ["c1", "c1"], "sq"),
             ("ReduceMean", ["sq", "axes"], "v"), ("Add", ["v", "eps"], "a"), ("Sqrt", ["a"], "r"),
             ("Div", ["one", "r"], "i"), ("ReduceMean", ["x", "axes"], "m2"), ("Sub", ["x", "m2"], "c2"),
             ("Mul", ["c2", "i"], "y")]
    nodes += [helper.make_node(op, ins, [out], **({"keepdims": 1} if op == "ReduceMean" else {}))
              for op, ins, out in steps]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3, 4])],
                              [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs])
    return pinned_model(graph, 18)


@pytest.mark.parametrize("epsilon, numerator, outputs, folded", [
    ((), (), ("y",), True), ((), (1,), ("y",), True), ((1, 1, 1), (1, 1), ("y",), True),
    ((), (), ("y", "c1"), False), ((), (), ("y", "c2"), False)],
    ids=["scalars", "numerator-of-shape-1", "constants-of-x's-rank", "first-centring-an-output",
         "second-centring-an-output"])
def test_a_handwritten_standardization_folds_only_where_nothing_else_reads_its_steps(
        epsilon, numerator, outputs, folded, tmp_path):
    """A centring that is also a graph output stays nodes (it was refused: "cannot import graph output 'c1'");
    a constant 1 of shape (1,) folds too (numpy 2's float() of it raised, so it stayed nodes)."""
    model = _standardization_model(np.full(epsilon, 1e-3, np.float32), np.full(numerator, 1, np.float32), outputs)
    onnx.save(model, tmp_path / "m.onnx")
    back = import_onnx(tmp_path / "m.onnx")
    assert ([layer.type_name for layer in back.layers.values()] == ["NormalizationLayer"]) == folded
    x = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(1))
    got = back(x)
    for want, out in zip(run_onnx(tmp_path / "m.onnx", {"x": x}), got.values() if isinstance(got, dict) else [got]):
        torch.testing.assert_close(out, torch.from_numpy(want), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["eps", "one"])
def test_a_constant_of_more_dims_than_x_is_refused_not_folded(name, tmp_path):
    """A (1, 1, 1, 1) epsilon or 1 on a rank-3 x broadcasts the output to (1, 2, 3, 4) (onnxruntime's, for the
    epsilon): no NormalizationLayer computes that (it folded, giving (2, 3, 4)), and the Add or Div alone is refused."""
    shapes = {"eps": (), "one": (), name: (1, 1, 1, 1)}
    model = _standardization_model(np.full(shapes["eps"], 1e-3, np.float32), np.ones(shapes["one"], np.float32),
                                   ("y",))
    onnx.save(model, tmp_path / "m.onnx")
    with pytest.raises(SpecError) as refused:
        import_onnx(tmp_path / "m.onnx")
    assert (refused.value.kind, refused.value.found) == ("unsupported-node", (1, 1, 1, 1))


@pytest.mark.parametrize("options", [{"method": "RMS"}, {"unbiased": True}, {}, {"aggregation_levels": [1]}],
                         ids=["rms", "unbiased", "layer-norm-and-arrays", "standardize"])
def test_a_norm_the_compiled_forward_writes_inline_imports_named_for_its_kind(options, tmp_path):
    """Its nodes share no scope (``/Mul_2``, ``/Add_1``): the folded layer was named for its last node, "Add_1"."""
    layers = {"lin": NetMapOperator(LinearLayer(6)), "norm": NormalizationLayer(**options),
              "out": NetMapOperator(LinearLayer(3))}
    net = net_initialize(NetChain(layers, input=[5, 4]), seed=0)
    path = export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(path)
    assert [(name, layer.type_name) for name, layer in back.layers.items()][1] == (
        "normalization", "NormalizationLayer")
    x = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-5)
    assert_same_outputs(path, back, {"Input": x})


class _StandardiseOverLevel1(torch.nn.Module):
    def forward(self, x):
        centred = x - x.mean(1, keepdim=True)
        return centred / torch.sqrt((centred * centred).mean(1, keepdim=True) + 1e-5)


@torch.no_grad()
def test_a_float64_standardisation_imports_its_double_constants_unrounded(tmp_path):
    """Its epsilon, a DOUBLE constant 1e-5 in the file, became a float32 ConstantArrayLayer (9.99999974738e-06): the
    import was ~1e-8 relative off onnxruntime and torch where the variance is near epsilon."""
    from tests.onnx_helpers import torch_export
    x = 1e-3 * torch.randn(5, 6, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    path = torch_export(_StandardiseOverLevel1(), x, tmp_path / "s.onnx")
    back = import_onnx(path)
    want = _StandardiseOverLevel1()(x)
    [runtime] = run_onnx(path, {"input": x})
    torch.testing.assert_close(torch.from_numpy(runtime), want, atol=0, rtol=1e-13)
    torch.testing.assert_close(back(x, precision="float64"), want, atol=0, rtol=1e-13)

"""export_onnx -> import_onnx -> compile computes what the net computes for forms import_onnx refused (a map over a
constant operand, a replication of several dims, DotLayer of a matrix and a vector; specs and layer families:
test_onnx_round_trip); refusals of what has no faithful form name the op and node (or the layer and function)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ConstantArrayLayer, DotLayer, FlattenLayer, FunctionLayer, LinearLayer, NetArrayLayer, NetChain,
                      NetGraph, NetMapOperator, NetPort, OptionError, ReplicateLayer, SpecError, export_onnx,
                      import_onnx, net_initialize)
from tests.onnx_helpers import Op, round_trip, run_onnx, torch_export


def _constant_map(layer, expression: str) -> NetChain:
    inner = NetGraph({"k": layer, "f": FunctionLayer(expression)}, [(["k", NetPort("Input")], "f")], Input=3)
    return NetChain({"map": NetMapOperator(inner)}, input=(4, 3))


@pytest.mark.parametrize("net", [_constant_map(ConstantArrayLayer(array=[1.0, -2.0, 3.0]), "#a * #b"),
                                 _constant_map(NetArrayLayer(array=[1.0, 2.0, 3.0]), "#b - #a")],
                         ids=["constant", "learned array"])
def test_a_map_over_a_constant_operand_imports_back(net, tmp_path):
    # torch merges the map's dims into the batch: the Mul by the expanded constant was refused
    round_trip(net_initialize(net, seed=0), tmp_path)


@pytest.mark.parametrize("sizes, level", [((2, 3), 1), ((2, 3), -1), (2, 2)])
def test_a_replication_of_one_or_more_dims_then_flatten_imports_back(sizes, level, tmp_path):
    # two Unsqueezes before the Expand (a ReplicateLayer of (2, 3)) were refused: "broadcasts more than the new axis"
    net = net_initialize(NetChain([ReplicateLayer(sizes, level=level), FlattenLayer()], input=(4,)), seed=0)
    round_trip(net, tmp_path)


def test_new_axes_apart_replicate_each_at_its_level(tmp_path):
    """x[:, None, :, None].expand(b, 2, 4, 3): new axes 1 and 3 of the output, one ReplicateLayer each."""
    path = torch_export(Op(lambda x: x[:, None, :, None].expand(-1, 2, 4, 3)), torch.randn(2, 4), tmp_path / "r.onnx")
    back = import_onnx(path)
    assert [layer.type_name for _, layer in back.leaves()] == ["ReplicateLayer", "ReplicateLayer"]
    x = torch.randn(5, 4)
    torch.testing.assert_close(back.compile()(x), x[:, None, :, None].expand(-1, 2, 4, 3))
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"input": x})[0]), back.compile()(x))


_DOT_RANKS = {"matrix-vector": ((3, 4), 4), "vector-matrix": (4, (4, 3)), "array-vector": ((2, 3, 4), 4),
              "matrix-array": ((3, 4), (4, 5, 6)), "vector-array": (4, (4, 2, 3)), "array-array": ((2, 3), (3, 2, 2))}


@pytest.mark.parametrize("shapes", _DOT_RANKS.values(), ids=_DOT_RANKS.keys())
def test_a_dot_of_any_ranks_imports_back(shapes, tmp_path):
    # exported as Einsum 'zay,zy->za' (matrix-vector) or 'zaby,zy->zab' (array-vector): "not a matrix product"
    net = NetGraph({"d": DotLayer()}, [], Input1=shapes[0], Input2=shapes[1])
    back = round_trip(net_initialize(net, seed=0), tmp_path)
    assert [layer.type_name for _, layer in back.leaves()] == ["DotLayer"]


@pytest.mark.parametrize("shapes", [((5, 2, 3, 4), (5, 4)), ((5, 3, 4), (5, 4, 2, 3))],
                         ids=["array-vector", "matrix-array"])
def test_a_dot_mapped_over_a_dim_imports_back(shapes, tmp_path):
    net = NetGraph({"d": NetMapOperator(DotLayer())}, [], Input1=shapes[0], Input2=shapes[1])
    back = round_trip(net_initialize(net, seed=0), tmp_path)
    assert [type(layer).__name__ for layer in back.layers.values()] == ["NetMapOperator"]


def test_a_torch_einsum_of_wolfram_dot_form_imports_as_a_dot(tmp_path):
    path = torch_export(Op(lambda x: torch.einsum("bijk,bk->bij", x, torch.sin(x[:, 0, 0]))), torch.randn(2, 2, 3, 4),
                        tmp_path / "e.onnx", "x")
    back = import_onnx(path)
    x = torch.randn(5, 2, 3, 4)
    torch.testing.assert_close(back.compile()(x), torch.einsum("bijk,bk->bij", x, torch.sin(x[:, 0, 0])))
    assert "DotLayer" in [layer.type_name for _, layer in back.leaves()]


def test_a_count_reaching_a_truncating_op_is_refused_naming_that_op_and_node(tmp_path):
    # the refusal said only "only a Cast to float32 ... is supported" of the Cast, not what truncates
    path = torch_export(Op(lambda x: (x > 0).long().sum(1) // 2), torch.randn(2, 4), tmp_path / "c.onnx")
    with pytest.raises(SpecError, match=r"node '/Cast' \(Cast\): its integer value .* reaches node '/Div' \(Div\), "
                                        r"which truncates on integers") as info:
        import_onnx(path)
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].found) == ("unsupported-node", "Div node '/Div'")


def test_a_count_read_by_exact_ops_only_still_imports(tmp_path):
    path = torch_export(Op(lambda x: ((x > 0).long().sum(1) * 3 - 1).float()), torch.randn(2, 4), tmp_path / "c.onnx")
    x = torch.randn(6, 4)
    torch.testing.assert_close(import_onnx(path).compile()(x), ((x > 0).sum(1) * 3 - 1).float())


@pytest.mark.parametrize("count", [lambda x: (x > 0).long().sum(1), lambda x: (x > 0).int().sum(1) * 3 - 1],
                         ids=["int64 sum", "int32 sum, then exact ops"])
def test_a_count_of_reals_that_is_an_integer_output_is_refused_naming_the_cast_and_the_output(count, tmp_path):
    """It imported as a Real output where ONNX says int64 (int32's Cast to int64 was refused as reading it as
    integers): no layer gives an Integer port from reals."""
    path = torch_export(Op(count), torch.randn(2, 4), tmp_path / "c.onnx", output_names=["count"])
    with pytest.raises(SpecError, match=r"node '/Cast' \(Cast\): .* is graph output 'count' of an integer type.*"
                                        r"cast it to float in the model") as info:
        import_onnx(path)
    [refusal] = info.value.diagnostics
    assert (refusal.kind, refusal.found) == ("unsupported-node", "integer graph output 'count'")


def test_erfc_exports_as_one_minus_erf_and_imports_back(tmp_path):
    net = net_initialize(NetGraph({"f": FunctionLayer("Erfc[#x] * 2")}, [], x=5), seed=0)
    x = torch.tensor([[-3.0, -0.5, 0.0, 0.7, 2.5]])
    back = round_trip(net, tmp_path, {"x": x})
    torch.testing.assert_close(back.compile()(x), torch.special.erfc(x) * 2)


@pytest.mark.parametrize("function, named", [("Gamma", "Gamma and LogGamma"), ("LogGamma", "Gamma and LogGamma"),
                                             ("InverseErfc", "InverseErf and InverseErfc")])
def test_a_function_without_an_onnx_form_is_refused_naming_layer_and_function(function, named, tmp_path):
    # torch's refusal named only aten::lgamma, not the Gamma the user wrote
    net = net_initialize(NetGraph({"g": FunctionLayer(f"{function}[#x] + 1")}, [], x=3), seed=0)
    with pytest.raises(OptionError, match=rf"cannot export layer 'g' \(FunctionLayer\): {named} .*no ONNX form"):
        export_onnx(net, tmp_path / "g.onnx")
    assert not (tmp_path / "g.onnx").exists()


@pytest.mark.parametrize("shape", [(3, 4, 2), ("n", "m", 2), (4, "m", 2), ("n", 4, 2), ("n", "m", 4, 2)])
@pytest.mark.parametrize("inner", [lambda: FunctionLayer("Tanh[#] * 2"), lambda: LinearLayer(3)],
                         ids=["tanh", "linear"])
def test_a_map_of_a_map_imports_back(shape, inner, tmp_path):
    """The export merges the batch with every mapped dim, each inner map splitting its own off again (its batch still
    the outer maps' merged one): that Reshape was refused as mixing the batch dim with others; of three maps, the
    middle one's merge (a Reshape of a merged batch) was taken for an unfold."""
    layer = inner()
    for _ in shape[1:]:
        layer = NetMapOperator(layer)
    net = net_initialize(NetChain([layer], input=shape), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    generator = torch.Generator().manual_seed(1)
    for n, m in [(1, 1), (5, 3)]:  # lengths other than the exported ones, and a batch of 1 and of 3
        sizes = [{"n": n, "m": m}.get(d, d) for d in shape]
        x = torch.randn(1 + 2 * (n > 1), *sizes, generator=generator)
        torch.testing.assert_close(back(x), net(x))

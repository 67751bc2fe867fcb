"""An exported model runs on a batch of 0 examples in onnxruntime, as the compiled net does: torch writes a
flatten of inner dims as a Reshape to (b, n, -1), which onnxruntime cannot resolve when b is 0."""

from __future__ import annotations

import pytest
import torch

from netgraph import FlattenLayer, LinearLayer, NetChain, NetMapOperator, export_onnx, load, net_initialize
from tests.onnx_helpers import assert_same_outputs

SPECS = __import__("pathlib").Path(__file__).resolve().parents[1] / "specs"


@pytest.mark.parametrize("net, shape", [
    (NetChain([FlattenLayer(-1)], input=["n", 4, 3]), ("n", 4, 3)),
    (NetChain([FlattenLayer(-1)], input=[2, 4, 3]), (2, 4, 3)),
    (NetChain([FlattenLayer(1)], input=[2, 4, 3]), (2, 4, 3)),
    (NetChain([NetMapOperator(NetChain([FlattenLayer(), LinearLayer(2)]))], input=["n", 4, 3]), ("n", 4, 3)),
])
@pytest.mark.parametrize("batch, length", [(0, 5), (3, 5), (2, 1)])
def test_flatten_runs_on_any_batch_and_length(tmp_path, net, shape, batch, length):
    net = net_initialize(net, seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(batch, *(length if d == "n" else d for d in shape))
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})


def test_imported_transformer_block_exports_for_a_batch_of_0(tmp_path):
    """The transformer block's import (its heads flattened back by a FlattenLayer(-1)) exports again."""
    net = net_initialize(load(SPECS / "transformer_block.yaml"), seed=0)
    export_onnx(net, tmp_path / "first.onnx")
    from netgraph import import_onnx
    back = import_onnx(tmp_path / "first.onnx")
    export_onnx(back, tmp_path / "again.onnx")
    for batch in (0, 2):
        assert_same_outputs(tmp_path / "again.onnx", back, {"Input": torch.randn(batch, 6, 64)}, atol=1e-4)



@pytest.mark.parametrize("shape", [(2, 4, "n"), (3, 2, "n", 2)])
@pytest.mark.parametrize("batch, length", [(0, 1), (0, 5), (3, 1), (3, 5)])
def test_flatten_before_a_variable_length_runs_on_any_batch(tmp_path, shape, batch, length):
    """FlattenLayer(1) before a variable trailing dim: torch's Reshape to (b, 8, n) was fused by onnxruntime into
    (0, 8, -1), which fails on a batch of 0; the export moves the variable dim before the merged ones and back."""
    net = net_initialize(NetChain([FlattenLayer(1)], input=list(shape)), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(batch, *(length if d == "n" else d for d in shape))
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})
    torch.testing.assert_close(net(x), x.flatten(1, 2))


@pytest.mark.parametrize("function", ["Variance", "StandardDeviation", "Times", "Median", "MeanDeviation"])
@pytest.mark.parametrize("levels, shape", [(1, ("n", 3)), (1, (4, 3)), ("2;;", (3, 4, 5)), ("2;;", ("n", 4, 5))])
@pytest.mark.parametrize("batch", [0, 2])
def test_a_flattened_aggregation_runs_on_a_batch_of_0(tmp_path, function, levels, shape, batch):
    # its levels were merged by flatten, a Reshape to (b, ..., -1): onnxruntime failed on a batch of 0
    from netgraph import AggregationLayer
    net = NetChain([AggregationLayer(function, levels)], input=list(shape))
    export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(batch, *(5 if d == "n" else d for d in shape), generator=torch.Generator().manual_seed(0))
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x}, atol=1e-5)


@pytest.mark.parametrize("options", [{"method": "RMS"}, {"unbiased": True}])
@pytest.mark.parametrize("shape", [(4, 3, 3), (4, "n")])
@pytest.mark.parametrize("batch", [0, 2])
def test_a_group_normalization_of_its_own_runs_on_a_batch_of_0(tmp_path, options, shape, batch):
    # its groups were split by unflatten(1, (g, -1)), a Reshape with a -1: onnxruntime failed on a batch of 0
    from netgraph import NormalizationLayer
    net = net_initialize(NetChain([NormalizationLayer(group_number=2, **options)], input=list(shape)), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(batch, *(5 if d == "n" else d for d in shape), generator=torch.Generator().manual_seed(0))
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x}, atol=1e-5)


@pytest.mark.parametrize("opset", [9, 17])
@pytest.mark.parametrize("shape", [(4, 3, 3), (4, "n"), (4,), (6, 2, 2, 2)])
def test_a_group_norm_kernel_runs_on_a_batch_of_0_and_imports_as_one_layer(tmp_path, opset, shape):
    # torch's group_norm export reshaped to (0, g, -1): onnxruntime failed on a batch of 0
    from netgraph import NormalizationLayer, import_onnx
    layer = NormalizationLayer(group_number=2, scaling=torch.linspace(0.5, 2, shape[0]),
                               biases=torch.linspace(-1, 1, shape[0]))
    net = net_initialize(NetChain([layer], input=list(shape)), seed=0)
    export_onnx(net, tmp_path / "m.onnx", opset=opset)
    back = import_onnx(tmp_path / "m.onnx")
    [imported] = back.layers.values()
    assert imported.group_number == 2
    for batch in (0, 1, 3):
        x = torch.randn(batch, *(5 if d == "n" else d for d in shape), generator=torch.Generator().manual_seed(0))
        assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x}, atol=1e-5)
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-5)

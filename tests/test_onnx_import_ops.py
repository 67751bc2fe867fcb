"""import_onnx of single ops from plain torch exports: each imported net computes what onnxruntime computes."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

import onnx

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import run_onnx

_PER_TOKEN = nn.Linear(4, 3).requires_grad_(False)
with torch.no_grad():  # fixed weights, whatever the global seed is when the module is imported
    _gen = torch.Generator().manual_seed(7)
    _PER_TOKEN.weight.copy_(torch.randn(3, 4, generator=_gen))
    _PER_TOKEN.bias.copy_(torch.randn(3, generator=_gen))

#: name -> (forward, input shape, the layer types the import must contain)
OPS = {
    "per_token_linear": (lambda x: torch.relu(_PER_TOKEN(x.reshape(-1, 4))).reshape(x.shape[0], x.shape[1], 3),
                         (6, 4), {"NetMapOperator", "LinearLayer"}),
    "slice_span": (lambda x: x[:, 1:3] * 2, (4, 5), {"PartLayer"}),
    "slice_tail": (lambda x: x[:, :, -2:], (3, 4, 5), {"PartLayer"}),
    "slice_head": (lambda x: x[:, :-1], (6, 2), {"PartLayer"}),
    "flip": (lambda x: x.flip(1), (5, 3), {"SequenceReverseLayer"}),
    "mean": (lambda x: x.mean(-1), (3, 4, 5), {"AggregationLayer"}),
    "sum_all": (lambda x: x.sum((1, 2)), (4, 5), {"SummationLayer"}),
    "max_keepdim": (lambda x: x.amax(1, keepdim=True), (3, 4, 5), {"AggregationLayer", "ReshapeLayer"}),
    "bmm": (lambda x: torch.tanh(x) @ x.transpose(1, 2), (4, 5), {"DotLayer"}),
    "einsum": (lambda x: torch.einsum("bij,bjk->bik", x, torch.sin(x).transpose(1, 2)), (4, 5), {"DotLayer"}),
    "neg_clip": (lambda x: (-x).clamp(-0.5, 1.0), (6,), {"FunctionLayer"}),
    "clip_min": (lambda x: torch.log(x.clamp(min=1e-3)), (6,), {"FunctionLayer"}),
    "reciprocal": (lambda x: torch.reciprocal(x.abs() + 1), (6,), {"FunctionLayer"}),
    "replicate": (lambda x: x.unsqueeze(1).expand(-1, 3, -1) + 0, (4,), {"ReplicateLayer"}),
}


class Op(nn.Module):
    def __init__(self, forward):
        super().__init__()
        self.op = forward

    def forward(self, x):
        return self.op(x)


def kinds(net) -> set[str]:
    found = set()
    for layer in net.layers.values():
        found.add(layer.type_name)
        inner = layer if hasattr(layer, "layers") else getattr(layer, "net", None)  # nested nets, mapped nets
        found |= kinds(inner) if inner is not None else set()
    return found


def torch_export(path, module: nn.Module, example: torch.Tensor, **options) -> None:
    """``module`` exported by plain torch (TorchScript exporter) with input ``x``, its batch dim dynamic."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), dynamo=False, input_names=["x"],
                          dynamic_axes={"x": {0: "batch"}}, **options)


@pytest.mark.parametrize("name", sorted(OPS))
@torch.no_grad()
def test_each_op_imports_and_runs_as_onnxruntime(name, tmp_path):
    forward, shape, expected = OPS[name]
    path = tmp_path / f"{name}.onnx"
    torch_export(path, Op(forward), torch.randn(2, *shape))
    net = import_onnx(path)
    assert expected <= kinds(net), kinds(net)
    x = torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))  # another batch size than the export's
    want = torch.from_numpy(run_onnx(path, {"x": x})[0])
    torch.testing.assert_close(net(x), want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(want, forward(x), atol=1e-5, rtol=1e-4)  # and onnxruntime agrees with torch


def test_a_non_elementwise_op_on_a_merged_batch_is_refused_naming_it(tmp_path):
    def forward(x):  # softmax over the rows of (batch * time, 3): not expressible per element of the sequence
        return torch.softmax(_PER_TOKEN(x.reshape(-1, 4)), 1).reshape(x.shape[0], x.shape[1], 3)
    path = tmp_path / "merged.onnx"
    torch_export(path, Op(forward), torch.randn(2, 6, 4))
    with pytest.raises(SpecError, match=r"\(Softmax\): SoftmaxLayer of a tensor whose batch dim torch merged"):
        import_onnx(path)


#: plain torch activations with options (opset 20 has Gelu) -> the ONNX op, the layer type, the input shape
ACTIVATIONS = {
    "gelu": (nn.GELU(), "Gelu", "ElementwiseLayer", (4,)),
    "gelu_tanh": (nn.GELU("tanh"), "Gelu", "ElementwiseLayer", (4,)),
    "elu": (nn.ELU(), "Elu", "ElementwiseLayer", (4,)),
    "elu_alpha": (nn.ELU(0.5), "Elu", "ElementwiseLayer", (4,)),
    "leaky": (nn.LeakyReLU(0.2), "LeakyRelu", "ElementwiseLayer", (4,)),
    "prelu": (nn.PReLU(init=0.3), "PRelu", "ParametricRampLayer", (4,)),
    "prelu_channels": (nn.PReLU(3, init=0.2), "PRelu", "ParametricRampLayer", (3, 5, 5)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@torch.no_grad()
def test_activations_with_options_import_and_run_as_torch(name, tmp_path):
    # Gelu and Elu (which our own export of GELU and ELU writes) had no converter; nor LeakyRelu and PRelu
    module, op, kind, shape = ACTIVATIONS[name]
    if name == "prelu_channels":
        module.weight.copy_(torch.tensor([0.1, -0.5, 2.0]))
    path = tmp_path / f"{name}.onnx"
    torch_export(path, module, torch.randn(2, *shape), opset_version=20)
    assert op in {node.op_type for node in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    assert kind in kinds(net), kinds(net)
    x = 3 * torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"x": x})[0]), module(x), atol=1e-5, rtol=1e-4)


def test_a_gelu_approximation_without_a_definition_is_refused_naming_it(tmp_path):
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    graph = helper.make_graph([helper.make_node("Gelu", ["x"], ["y"], name="act", approximate="fast")], "g", [x], [y])
    path = tmp_path / "gelu.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    with pytest.raises(SpecError, match=r"node 'act' \(Gelu\): approximate='fast' is neither 'none' \(GELU\) nor 'tanh'"):
        import_onnx(path)


#: pooling nodes -> the conditions the refusal must name (and only those); None: imported, as onnxruntime computes
POOLS = {
    "avg_count_pad": (lambda x: nn.functional.avg_pool2d(x, 3, 2, 1), 7, ["count_include_pad=1 with pads=[1, 1, 1, 1]"]),
    "max_ceil": (lambda x: nn.functional.max_pool2d(x, 2, 2, ceil_mode=True), 7, ["ceil_mode=1"]),
    "max_dilated": (lambda x: nn.functional.max_pool2d(x, 2, 1, dilation=2), 7, ["dilations=[2, 2]"]),
    "avg_both": (lambda x: nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True), 8,
                 ["ceil_mode=1", "count_include_pad=1 with pads=[1, 1, 1, 1]"]),
    "max_ceil_exact": (lambda x: nn.functional.max_pool2d(x, 2, 2, ceil_mode=True), 8, None),  # no partial window
    "avg_excluding_pad": (lambda x: nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False), 7, None),
}


@pytest.mark.parametrize("name", sorted(POOLS))
@torch.no_grad()
def test_a_pooling_refusal_names_only_the_options_that_apply(name, tmp_path):
    # every refusal said "ceil_mode=1 and count_include_pad=1 with padding", whichever applied
    forward, size, named = POOLS[name]
    path = tmp_path / f"{name}.onnx"
    torch_export(path, Op(forward), torch.randn(2, 3, size, size))
    if named is None:
        x = torch.randn(5, 3, size, size, generator=torch.Generator().manual_seed(1))
        torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(run_onnx(path, {"x": x})[0]))
        return
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    reason = str(info.value).split("Pool): ")[1]
    assert all(condition in reason for condition in named), reason
    for option in ("ceil_mode", "count_include_pad", "dilations"):
        assert (option in reason) == any(condition.startswith(option) for condition in named), reason

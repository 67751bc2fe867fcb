"""import_onnx of models written by torch's dynamo-based exporter (``torch.onnx.export(..., dynamo=True)``, torch
2.13's default; ``export_onnx`` uses the TorchScript one): each imported net computes what the exported torch module
and onnxruntime compute, at other batch sizes and (where the export made them dynamic) other lengths."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from netgraph import import_onnx
from tests.onnx_helpers import quiet_exporter, run_onnx


@pytest.fixture(autouse=True)
def _quiet_exporter():
    """The dynamo exporter logs its steps (and torchvision's absence) at WARNING."""
    with quiet_exporter():
        yield


def _dynamo_export(module: nn.Module, args: tuple, path, dynamic: tuple | None = None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, str(path), dynamo=True, dynamic_shapes=dynamic)


def _assert_as_torch_and_onnxruntime(path, module: nn.Module, *inputs: torch.Tensor, onnxruntime: bool = True):
    net = import_onnx(path)
    with torch.no_grad():
        got, want = net(**dict(zip(net.input_ports, inputs))), module(*inputs)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    if onnxruntime:  # a static export runs only at its exported sizes there
        names = [i.name for i in onnx.load(str(path)).graph.input]
        np.testing.assert_allclose(got.numpy(), run_onnx(path, dict(zip(names, inputs)))[0], atol=1e-5, rtol=1e-4)


def test_torch_2_13_exports_with_dynamo_by_default():
    """Why these tests: a plain ``torch.onnx.export`` call writes what they import."""
    assert inspect.signature(torch.onnx.export).parameters["dynamo"].default is True


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.out = nn.LSTM(3, 5, batch_first=True), nn.Linear(5, 2)

    def forward(self, x):
        return self.out(self.lstm(x)[0])


MODELS = {  # name -> (module, input shape, dynamic dims of the input (batch first), the input shapes to compare)
    "mlp": (lambda: nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3), nn.Softmax(-1)), (8,),
            {0: "batch"}, [(3, 8)]),
    "cnn": (lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3),
                                  nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)),
            (1, 10, 10), {0: "batch", 2: "h", 3: "w"}, [(3, 1, 10, 10), (1, 1, 13, 9)]),
    "lstm": (Recurrent, (6, 3), {0: "batch", 1: "n"}, [(3, 6, 3), (1, 9, 3)]),
    # its view(b, 1, c, h, -1) of (b, c, h, w) was refused: "target dims after the batch (1, 5, 'h', -1) are not all
    # known sizes"
    "local_response_norm": (lambda: nn.LocalResponseNorm(3, alpha=0.1, k=1.5), (5, 6, 6), {0: "batch", 2: "h", 3: "w"},
                            [(3, 5, 6, 6), (1, 5, 4, 9)]),
    # of 3 spatial dims: its view(b, 1, c, d, -1) merges h and w, a product of variable lengths no layer holds
    # a nearest upsampling over dynamic dims was refused: ResizeLayer takes known sizes
    "upsample_nearest": (lambda: nn.Upsample(scale_factor=2), (3, 4, 5), {0: "batch", 2: "h", 3: "w"},
                         [(3, 3, 4, 5), (1, 3, 6, 9)]),
    "local_response_norm_3d": (lambda: nn.LocalResponseNorm(4, alpha=0.1, k=1.5), (6, 3, 4, 5),
                               {0: "batch", 2: "d", 4: "w"}, [(3, 6, 3, 4, 5), (1, 6, 5, 4, 7)]),
}


_OLD_EXPORT = pytest.mark.xfail(torch.torch_version.TorchVersion(torch.__version__) < "2.13",
                                raises=torch.onnx.OnnxExporterError, strict=True,
                                reason="torch.export before 2.13 fixes an LSTM's length (seen on 2.11): torch's limit")


@pytest.mark.parametrize("name", [pytest.param(n, marks=_OLD_EXPORT) if n == "lstm" else n for n in sorted(MODELS)])
def test_a_dynamo_export_imports_and_runs_as_the_module(name, tmp_path):
    make, shape, dims, shapes = MODELS[name]
    torch.manual_seed(0)
    module, path = make(), tmp_path / f"{name}.onnx"
    _dynamo_export(module, (torch.randn(2, *shape),), path, ({**dims},))
    for size in shapes:
        _assert_as_torch_and_onnxruntime(path, module, torch.randn(*size))


def test_a_static_dynamo_export_of_a_recurrence_runs_at_any_batch_size_and_length(tmp_path):
    torch.manual_seed(0)
    module, path = Recurrent(), tmp_path / "lstm.onnx"
    _dynamo_export(module, (torch.randn(2, 6, 3),), path)
    _assert_as_torch_and_onnxruntime(path, module, torch.randn(2, 6, 3))
    for size in ((3, 6, 3), (1, 9, 3)):
        _assert_as_torch_and_onnxruntime(path, module, torch.randn(*size), onnxruntime=False)


class Strides(nn.Module):
    """Two stride-2 convolutions and one stride-4 over one length, added (⌊⌊h/2⌋/2⌋ = ⌊h/4⌋)."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Conv1d(3, 3, 2, stride=2), nn.Conv1d(3, 3, 2, stride=2), nn.Conv1d(3, 3, 4, stride=4)

    def forward(self, x):
        return self.b(self.a(x)) + self.c(x)


def test_strides_in_a_row_and_one_stride_of_their_product_join_over_a_dynamic_length(tmp_path):
    # the Add of h_minus_1_over_2_minus_1_over_2 and h_minus_3_over_4 was a ShapeError
    torch.manual_seed(0)
    module, path = Strides(), tmp_path / "strides.onnx"
    _dynamo_export(module, (torch.randn(2, 3, 16),), path, ({0: "batch", 2: "h"},))
    for h in (4, 16, 19, 30):
        _assert_as_torch_and_onnxruntime(path, module, torch.randn(2, 3, h))


#: torch modules whose plain torch.onnx.export (dynamo) imports; the TorchScript exporter refuses the last two itself
#: (aten::threshold with a non-zero threshold, aten::bilinear)
MODULES = {
    "local_response_norm": (lambda: nn.LocalResponseNorm(3, alpha=0.1, beta=0.75, k=1.5), [(2, 5, 6, 6)]),
    "local_response_norm_even_1d": (lambda: nn.LocalResponseNorm(2, alpha=0.2), [(2, 4, 7)]),
    "threshold": (lambda: nn.Threshold(0.5, 2.0), [(2, 5)]),
    "bilinear": (lambda: nn.Bilinear(4, 3, 5), [(2, 4), (2, 3)]),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_torch_module_exported_plainly_imports_and_runs_as_the_module(name, tmp_path):
    make, shapes = MODULES[name]
    torch.manual_seed(0)
    module, path = make(), tmp_path / f"{name}.onnx"
    _dynamo_export(module, tuple(torch.randn(*s) for s in shapes), path)
    inputs = [torch.randn(*s) for s in shapes]
    if name == "threshold":  # values at the threshold too: they are replaced (x <= 0.5)
        inputs[0][0, :3] = torch.tensor([0.5, 0.49, 0.51])
    _assert_as_torch_and_onnxruntime(path, module, *inputs)
    _assert_as_torch_and_onnxruntime(path, module, *(torch.randn(3, *s[1:]) for s in shapes), onnxruntime=False)


def _stats(norm: nn.BatchNorm1d) -> nn.BatchNorm1d:
    norm.running_mean.copy_(torch.tensor([1.0, -2.0, 3.0, 0.5]))
    norm.running_var.copy_(torch.tensor([4.0, 0.25, 2.0, 9.0]))
    return norm


class _NamedLikeTheExporter(nn.Module):
    """A group norm whose weight and bias (at their starting ones and zeros) are named as the exporter names its own
    values (``val_N``), which it folds into (C, 1) initializers."""

    def __init__(self):
        super().__init__()
        self.val_30, self.val_31 = nn.Parameter(torch.ones(4)), nn.Parameter(torch.zeros(4))

    def forward(self, x):
        return nn.functional.group_norm(x, 2, self.val_30, self.val_31)


@pytest.mark.parametrize("make, arrays", [
    (lambda: nn.LayerNorm(8, elementwise_affine=False), False), (lambda: nn.LayerNorm(8), True),
    (lambda: nn.BatchNorm1d(4, affine=False), False), (lambda: _stats(nn.BatchNorm1d(4, affine=False)), False),
    (lambda: nn.BatchNorm1d(4), True), (_NamedLikeTheExporter, True)],
    ids=["ln", "ln affine", "bn", "bn with statistics", "bn affine", "parameters named val_N"])
@torch.no_grad()
def test_a_dynamo_norm_without_affine_arrays_imports_without_them(make, arrays, tmp_path):
    """The dynamo exporter writes LayerNorm(elementwise_affine=False)'s scale as a folded initializer of ones
    (``val_2``), and BatchNorm1d(affine=False)'s as ones and zeros its optimiser shares with equal running
    statistics (scale = running_var): both imported as learned arrays, where the TorchScript export's Constant
    nodes gave none. A module's own parameters of ones and zeros stay arrays."""
    module = make().eval()
    x = torch.randn(2, 4, 8)
    _dynamo_export(module, (x,), tmp_path / "n.onnx", ({0: torch.export.Dim("b")},))
    [layer] = import_onnx(tmp_path / "n.onnx").layers.values()
    assert (layer.scaling is not False, layer.biases is not False) == (arrays, arrays)
    _assert_as_torch_and_onnxruntime(tmp_path / "n.onnx", module, torch.randn(3, 4, 8))

"""ResizeLayer(dims) over an input of variable lengths ("h", "w", "n"): resampled to the fixed sizes at every length.

It failed at every call with torch's TypeError (F.interpolate given scale_factor=(None, None)): a variable length
took the scale factors, which dims= leaves empty.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import NetChain, ResizeLayer, export_onnx, interpret, load
from netgraph.backend import net_initialize
from netgraph.cli import main
from netgraph.cli.run import example_inputs, shown
from tests.onnx_helpers import run_onnx

MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}
CASES = [  # input shape, dims, resampling, scheme, the input's spatial sizes tried
    ((1, "h", "w"), [3, 3], "Linear", "Bin", [(5, 5), (2, 7)]),
    ((1, "h", "w"), [4, 2], "Linear", "Point", [(5, 5), (2, 7)]),
    ((1, "h", "w"), [3, 5], "Nearest", "Bin", [(5, 5), (2, 7)]),
    ((1, "h", "w"), [3, 3], "Cubic", "Bin", [(5, 5), (2, 7)]),
    ((1, "h", "w"), [6, 2], "Cubic", "Point", [(5, 5), (2, 7)]),
    ((1, "h", 4), [3, 6], "Linear", "Bin", [(5, 4), (2, 4)]),
    ((1, "h", 4), [3, 6], "Nearest", "Bin", [(5, 4), (2, 4)]),
    ((1, "n"), [3], "Linear", "Bin", [(5,), (2,)]),
    ((1, "n"), [7], "Linear", "Point", [(5,), (2,)]),
    ((2, "n"), 4, "Nearest", "Bin", [(5,), (9,)]),
]
IDS = [f"{shape}-{dims}-{resampling}-{scheme}" for shape, dims, resampling, scheme, _ in CASES]


def _handwritten(x: torch.Tensor, dims, resampling: str, scheme: str) -> torch.Tensor:
    spatial = x.dim() - 2
    size = tuple(dims) if isinstance(dims, list) else (dims,) * spatial
    mode = {"Nearest": "nearest", "Cubic": "bicubic"}.get(resampling, MODES[spatial])
    extra = {} if mode == "nearest" else {"align_corners": scheme == "Point"}
    return F.interpolate(x, size=size, mode=mode, **extra)


@pytest.mark.parametrize("shape, dims, resampling, scheme, sizes", CASES, ids=IDS)
@torch.no_grad()
def test_fixed_sizes_resample_every_length_as_torch_interpolate(shape, dims, resampling, scheme, sizes):
    net = NetChain([ResizeLayer(dims, resampling=resampling, scheme=scheme)], input=shape)
    out = tuple(dims) if isinstance(dims, list) else (dims,)
    assert net.output_shapes == {"Output": (shape[0], *out)}
    module = net.compile().eval()
    for size in sizes:
        x = torch.randn(2, shape[0], *size)
        want = _handwritten(x, dims, resampling, scheme)
        torch.testing.assert_close(net(x), want)
        torch.testing.assert_close(module(x), want)
        torch.testing.assert_close(interpret(net, module, Input=x), want)


@pytest.mark.parametrize("shape, dims, resampling, scheme, sizes", CASES, ids=IDS)
@torch.no_grad()
def test_fixed_sizes_over_variable_lengths_export_to_onnx(shape, dims, resampling, scheme, sizes, tmp_path):
    net = NetChain([ResizeLayer(dims, resampling=resampling, scheme=scheme)], input=shape)
    path = export_onnx(net, tmp_path / "resize.onnx")
    for size in sizes:  # one exported model, two input sizes
        x = torch.randn(2, shape[0], *size)
        got = torch.from_numpy(run_onnx(path, {"Input": x})[0])
        torch.testing.assert_close(got, _handwritten(x, dims, resampling, scheme), atol=1e-5, rtol=1e-4)


def test_netgraph_run_resamples_a_variable_length_spec(tmp_path, capsys):
    spec = tmp_path / "resize.yaml"
    spec.write_text("netgraph: 1\ntype: NetChain\nlayers:\n  r: {type: ResizeLayer, dims: [2, 2]}\n"
                    "inputs:\n  Input: [3, h, w]\n")
    assert main(["run", str(spec), "-o", str(tmp_path / "r.svg"), "--seed", "4"]) == 0
    printed = capsys.readouterr().out
    net = net_initialize(load(spec), seed=4)  # the inputs `run` drew, drawn again
    torch.manual_seed(4)
    inputs, _ = example_inputs(net)
    want = F.interpolate(inputs["Input"], size=(2, 2), mode="bilinear", align_corners=False)
    prefix = "  Output = "
    assert prefix + shown(want).replace("\n", "\n" + " " * len(prefix)) in printed

"""import_onnx of torch's circular padding (``F.pad(x, ..., mode="circular")``) over dynamic lengths, from both
exporters: the dynamo one writes a Pad of mode "wrap", the TorchScript one a Concat of the input's two ends around
it (``Concat(x[..., -a:], x, x[..., :b])``), which was refused ("Concat along axis 2, whose size is dynamic").
Either imports as a PaddingLayer "Periodic", computing what torch and onnxruntime compute at other lengths."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F

from netgraph import NetChain, PaddingLayer, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import Op, assert_same_outputs, quiet_exporter, run_onnx, torch_export

#: name -> (F.pad's pads, the input shape exported, the same with other lengths, the PaddingLayer's pairs)
CASES = {"1d": ((2, 1), (3, 6), (3, 9), [[0, 0], [2, 1]]),
         "2d": ((1, 2, 2, 1), (2, 5, 6), (2, 7, 4), [[0, 0], [2, 1], [1, 2]])}


def _export(module: torch.nn.Module, x: torch.Tensor, path, dynamo: bool) -> None:
    """``module`` exported with its batch and every dim after the channels dynamic."""
    axes = {0: "b", **{k: f"n{k}" for k in range(2, x.dim())}}
    if not dynamo:
        torch_export(module, x, path, "x", axes={"x": axes})
        return
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dims = {k: torch.export.Dim(name, min=3) if k else torch.export.Dim(name) for k, name in axes.items()}
        torch.onnx.export(module.eval(), (x,), str(path), dynamo=True, dynamic_shapes=(dims,), input_names=["x"])


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_circular_padding_over_dynamic_lengths_imports_as_periodic_padding(name, dynamo, tmp_path):
    pads, shape, other, pairs = CASES[name]
    module = Op(lambda x: F.pad(x, pads, mode="circular"))
    path = tmp_path / f"circular_{name}.onnx"
    generator = torch.Generator().manual_seed(0)
    _export(module, torch.randn(2, *shape, generator=generator), path, dynamo)
    net = import_onnx(path)
    layers = list(net.layers.values())
    # TorchScript's 2d (a Concat per axis, a one-input Concat along an axis left) was two PaddingLayers and a
    # CatenateLayer of one input
    assert [(layer.type_name, layer.padding) for layer in layers] == [("PaddingLayer", "Periodic")]
    assert _levels(layers[0], len(pairs)) == pairs
    for size in (shape, other):  # the length exported and others
        x = torch.randn(4, *size, generator=generator)
        torch.testing.assert_close(net(x), module(x))
        torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {net.input_ports[0]: x})[0]))


def _levels(layer, levels: int) -> list[list[int]]:
    """A PaddingLayer's [before, after] per level, to ``levels`` levels."""
    given = [list(pair) for pair in layer.padding_size]
    return given + [[0, 0]] * (levels - len(given))


def test_a_length_shorter_than_the_pads_wraps_around_as_often_as_needed(tmp_path):
    """Below the pads torch refuses ("wrapping around more than once") and the TorchScript export's Concat gives x
    whole in place of each end (2n + min(b, n) elements): the imported net pads as Wolfram's "Periodic" does, the
    input repeated, as the README says."""
    module, path = Op(lambda x: F.pad(x, (3, 2), mode="circular")), tmp_path / "circular.onnx"
    _export(module, torch.randn(2, 3, 6), path, dynamo=False)
    net = import_onnx(path)
    x = torch.randn(2, 3, 2, generator=torch.Generator().manual_seed(0))  # n = 2 < 3
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        module(x)
    torch.testing.assert_close(net(x), x.repeat(1, 1, 4)[..., 1:8])  # periodic: x[(i - 3) mod 2] for i in 0..6
    assert run_onnx(path, {"x": x})[0].shape == (2, 3, 6)  # x, x, x[:2]: not a padding of x by (3, 2)


@pytest.mark.parametrize("padding", ["Periodic", "Reflected", "Fixed", 0.0, 2.5])
@pytest.mark.parametrize("pairs, shape", [([[0, 0], [2, 1]], (3, 5, 6)), ([[0, 0], [0, 0], [1, 2]], (2, 3, 4, 5)),
                                          ([[0, 0], [2, 1], [1, 1]], (2, 3, 4, 5)), ([[1, 2], [2, 1]], (3, 5, 6))])
def test_a_padding_layer_round_trips_as_one_padding_layer(tmp_path, padding, pairs, shape):
    """export_onnx's F.pad "circular" is a Concat per padded axis (and one of one input along an axis it leaves):
    it imported as a PaddingLayer per axis and a CatenateLayer of one input."""
    net = net_initialize(NetChain({"pad": PaddingLayer(pairs, padding=padding)}, input=list(shape)), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(tmp_path / "m.onnx")
    [layer] = back.layers.values()
    assert (layer.type_name, layer.padding, _levels(layer, len(pairs))) == ("PaddingLayer", padding, pairs)
    x = torch.randn(3, *shape, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(back(x), net(x))
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})


@pytest.mark.parametrize("padding", ["Periodic", "Reflected", "Fixed"])
@pytest.mark.parametrize("pairs, shape", [([[1, 2]], ("n", 3)), ([[0, 0], [3, 1]], (2, "n")),
                                          ([[2, 1], [1, 2]], ("n", "m")), ([[1, 0], [0, 2]], (3, "n"))])
def test_a_method_padding_of_a_variable_length_round_trips(tmp_path, padding, pairs, shape):
    """Its export gathers at indices computed from the length (Shape, Range, Mod, ...): the import was refused, a
    size used as data."""
    net = net_initialize(NetChain({"pad": PaddingLayer(pairs, padding=padding)}, input=list(shape)), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(tmp_path / "m.onnx")
    layers = [(layer.type_name, layer.padding, layer.padding_size) for layer in back.layers.values()]
    assert layers[-1][:2] == ("PaddingLayer", padding) and len(layers) == (2 if shape == (3, "n") else 1)
    generator = torch.Generator().manual_seed(0)
    for n, m in [(1, 1), (2, 5), (7, 3)]:  # shorter and longer than the paddings
        x = torch.randn(2, *(n if d == "n" else m if d == "m" else d for d in shape), generator=generator)
        torch.testing.assert_close(back(x), net(x))
        assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})

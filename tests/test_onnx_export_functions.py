"""FunctionLayer's Wolfram functions (Max and Min of one array, Log[b, x], ArcTan[x, y], Boole, Quotient, Mod,
Norm, First, Last, Length) export to ONNX and onnxruntime computes what the compiled module does, at the edges
(signed zeros, the axes of ArcTan[x, y]) too; what ONNX cannot hold is refused naming the layer and the function."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.onnx._constants import ONNX_DEFAULT_OPSET as DEFAULT_OPSET

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, NetMapOperator, OptionError, export_onnx, net_initialize
from tests.onnx_helpers import run_onnx


def _inputs(shapes: dict, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {k: 3 * torch.randn(4, *((5 if d == "n" else d) for d in s), generator=g) for k, s in shapes.items()}


def _assert_same_bits(path, net, feeds: dict[str, torch.Tensor]) -> None:
    """Same values, NaN where the module has NaN, and the same sign of every zero."""
    got = torch.from_numpy(np.asarray(run_onnx(path, feeds)[0]))
    want = net(**feeds).detach()
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5, equal_nan=True)
    zeros = want == 0
    assert torch.equal(torch.signbit(got[zeros]), torch.signbit(want[zeros]))


@pytest.mark.parametrize("expression, shapes", [
    ("Max[#x]", {"x": (3, 4)}), ("Min[#x]", {"x": (3,)}), ("Max[#x] - Min[#x]", {"x": ("n", 2)}),
    ("Log[2, Abs[#x] + 1]", {"x": (3,)}), ("Log[#b, #x]", {"x": (3,), "b": (3,)}),
    ("ArcTan[#x, #y]", {"x": (3,), "y": (3,)}), ("Boole[#x > 0] + Boole[#x]", {"x": (3,)}),
    ("Quotient[#x, 0.3]", {"x": (3,)}), ("Quotient[#x, #y]", {"x": (3,), "y": (3,)}), ("Mod[#x, 2]", {"x": (3,)}),
    ("Norm[#x]", {"x": (3,)}), ("Norm[#x[[1]]]", {"x": (2, 3)}),
    ("Norm[#x, 1] + Norm[#x, Infinity] + Norm[#x, 3]", {"x": (3,)}), ("Norm[#x, 1] - Norm[#x, Infinity]", {"x": (2, 3)}), ("First[#x]", {"x": (3, 4)}),
    ("Last[#x]", {"x": (3,)}), ("Length[#x] * #x", {"x": ("n", 3)}), ("Length[#x]", {"x": (4, 3)})])
def test_each_function_exports_and_runs_in_onnxruntime_as_compiled(expression, shapes, tmp_path):
    net = net_initialize(NetGraph({"f": FunctionLayer(expression)}, [], **shapes))
    path = export_onnx(net, tmp_path / "f.onnx")
    _assert_same_bits(path, net, _inputs(shapes))


@pytest.mark.parametrize("xs, ys", [
    ([-1.0, -1.0, -2.0, 1.0, 1.0, 0.0, 0.0, -0.0, -0.0, 0.0, -0.0, -1.0, 3.0],
     [0.0, -0.0, 0.0, 0.0, -0.0, 1.0, -1.0, 1.0, -1.0, 0.0, -0.0, 2.0, -4.0])])
def test_arctan_of_a_point_on_an_axis_is_wolframs_in_onnx_too(xs, ys, tmp_path):
    """torch's ONNX form of atan2 took y = 0 with x < 0 as below the axis (-Pi; Wolfram's ArcTan[-1, 0] is Pi)
    and x = -0. as x < 0 (ArcTan[-0., 1] was -Pi/2, not Pi/2)."""
    net = net_initialize(NetGraph({"f": FunctionLayer("ArcTan[#x, #y]")}, [], x=len(xs), y=len(ys)))
    path = export_onnx(net, tmp_path / "a.onnx")
    feeds = {"x": torch.tensor([xs]), "y": torch.tensor([ys])}
    _assert_same_bits(path, net, feeds)


def test_mods_zero_keeps_its_sign_fix_in_onnxruntime(tmp_path):
    """Mod[-2., 2] and Mod[-0., 2] are 0., not -0. (the definition's + 0): onnxruntime's optimiser keeps it."""
    net = net_initialize(NetGraph({"f": FunctionLayer("Mod[#x, 2]")}, [], x=4))
    path = export_onnx(net, tmp_path / "m.onnx")
    out = run_onnx(path, {"x": torch.tensor([[-2.0, -0.0, 2.0, -4.0]])})[0]
    assert not np.signbit(out).any() and (out == 0).all()


@pytest.mark.parametrize("net, layer", [
    (NetGraph({"f": FunctionLayer("Norm[#x] + 1")}, [], x=(3, 4)), "'f'"),
    (NetChain({"enc": NetChain({"g": FunctionLayer("2 * Norm[#Input]")})}, input=(3, 4)), "'enc/g'"),
    # inside an operator's inner net (its own generated forward): torch's linalg.matrix_norm refusal came through
    (NetGraph({"m": NetMapOperator(NetGraph({"f": FunctionLayer("Norm[#x]")}, [], x=(3, 3)))}, [], x=("n", 3, 3)),
     "'m/net/f'")])
def test_the_norm_of_a_matrix_is_refused_naming_the_layer_and_the_function(net, layer, tmp_path):
    """A matrix's Norm is its largest singular value (an SVD), which ONNX lacks: the refusal said only "this net"
    and torch's linalg.matrix_norm, and pointed at opset=, which no opset helps."""
    with pytest.raises(OptionError, match=rf"cannot export layer {layer} \(FunctionLayer\): Norm of a matrix \(its "
                                          r"largest singular value\) has no ONNX form") as info:
        export_onnx(net_initialize(net, seed=0), tmp_path / "n.onnx")
    assert info.value.diagnostics[0].option is None
    assert not (tmp_path / "n.onnx").exists()


def test_an_operator_inside_a_layers_module_is_refused_naming_the_layer(tmp_path):
    """A closed-form Gamma-Gamma KL computes digamma inside the layer's module (no generated line calls it): torch's
    refusal of aten::digamma said only "this net"; the layer is found by running the module once."""
    from netgraph import GammaDistribution, KLDivergenceLayer
    kl = KLDivergenceLayer(GammaDistribution("#a", "#b"), GammaDistribution(2.0, 1.0))
    net = net_initialize(NetChain({"enc": NetGraph({"kl": kl}, [], a=(), b=())}), seed=0)
    with pytest.raises(OptionError, match=rf"cannot export layer 'enc/kl' \(KLDivergenceLayer\) \(opset "
                                          rf"{DEFAULT_OPSET}\): Exporting the operator 'aten::digamma'") as caught:
        export_onnx(net, tmp_path / "kl.onnx")
    problem = caught.value.diagnostics[0]  # the layer as data, as other refusals give it (once found held its text)
    assert (problem.kind, problem.layer, problem.found) == ("unexportable", ("enc", "kl"), "aten::digamma")


def test_finding_the_layer_of_a_refused_operator_warns_nothing(tmp_path):
    """Running the module once to find the layer hooks every module: an inline layer's InlineLayerWarning was printed
    for each on a failed export (that run was outside the exporter's silencing)."""
    import warnings
    from netgraph import GammaDistribution, KLDivergenceLayer, LinearLayer, NetPort
    kl = KLDivergenceLayer(GammaDistribution("#a", "#b"), GammaDistribution(2.0, 1.0))
    layers = {"kl": kl, "fc": LinearLayer(1), "sum": FunctionLayer("#x + #y")}
    net = net_initialize(NetGraph(layers, [("fc", NetPort("sum", "x")), ("kl", NetPort("sum", "y"))],
                                  a=(), b=(), Input=2), seed=0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(OptionError, match=r"cannot export layer 'kl' \(KLDivergenceLayer\)"):
            export_onnx(net, tmp_path / "kl.onnx")
    assert [str(w.message)[:60] for w in seen] == []


@pytest.mark.parametrize("layer", [FunctionLayer("LogSigmoid[#x]"), ElementwiseLayer("LogSigmoid")])
def test_log_sigmoid_keeps_its_tails_in_onnxruntime(layer, tmp_path):
    """torch exports logsigmoid as Log(Sigmoid(x)): Sigmoid underflows to 0 far left, so -40 gave -inf there (and
    the right tail's -4.2e-18 was 0); as -Softplus(-x) both tails are the module's."""
    net = NetChain([layer], input=6)
    path = export_onnx(net, tmp_path / "f.onnx")
    x = torch.tensor([[-100.0, -40.0, -15.0, 0.0, 40.0, 100.0]])  # at -15 Log(Sigmoid) gave -14.84
    got = np.asarray(run_onnx(path, {net.input_ports[0]: x})[0])
    want = net.compile()(x).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-43)  # -3.9e-44 at 100 is subnormal: its last bits
    assert got[0, 1] == -40.0 and -5e-18 < got[0, 4] < -4e-18


@pytest.mark.parametrize("expression", ["IntegerPart[#x]", "FractionalPart[#x]", "IntegerPart[#x] - Floor[#x]"])
def test_integer_and_fractional_part_export_as_floor_and_ceil(expression, tmp_path):
    """torch exports no aten::trunc, so IntegerPart and FractionalPart were refused; now Where(x < 0, Ceil, Floor).
    Values are the module's, NaN and infinities too (a zero from (-1, 0) is 0. there, -0. in torch)."""
    net = NetGraph({"f": FunctionLayer(expression)}, [], x=8)
    path = export_onnx(net, tmp_path / "f.onnx")
    x = torch.tensor([[-2.5, -0.7, -0.0, 0.3, 3.0, -3.0, float("nan"), -float("inf")]])
    got = torch.from_numpy(np.asarray(run_onnx(path, {"x": x})[0]))
    torch.testing.assert_close(got, net(x), atol=0, rtol=0, equal_nan=True)

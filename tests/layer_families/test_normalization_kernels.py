"""NormalizationLayer on torch's fused layer_norm over trailing levels of fixed sizes where it computes the layer,
its formula elsewhere: compiled == interpreted == the formula, gradients too."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, NormalizationLayer, net_initialize
from netgraph.backend.interpreter import interpret

# (options, input shape, the kernel the compiled code calls or None, the padded size of a variable length)
CASES = [({}, (4, 5, 6), "F.layer_norm", None),                                 # instance normalisation
         ({}, (4, 1, 1), "F.layer_norm", None),                                 # one element
         ({}, (4, "n"), None, 7),                                               # a variable length
         ({"aggregation_levels": -1, "scaling_levels": "Same"}, (3, 8), "F.layer_norm", None),
         ({"aggregation_levels": "2;;", "scaling_levels": "Same"}, ("n", 3, 8), "F.layer_norm", 5),
         ({"aggregation_levels": -1}, (3, 8), "F.layer_norm", None),            # arrays over level 1: after
         ({"aggregation_levels": -1}, (2, 3, 8), "F.layer_norm", None),         # arrays over levels 1-2: after
         ({"aggregation_levels": -1, "scaling": False, "biases": False}, ("n", 8), "F.layer_norm", 4),
         ({"aggregation_levels": "2;;", "scaling": False, "biases": False}, (3, "n"), None, 4),
         ({"aggregation_levels": 1}, (3, 8), None, None),                       # not trailing
         ({"aggregation_levels": -1, "unbiased": True}, (3, 8), None, None),    # unbiased variance
         ({"aggregation_levels": -1, "method": "RMS"}, (3, 8), None, None)]


def _formula(layer: NormalizationLayer, module, x: torch.Tensor) -> torch.Tensor:
    """The layer's definition in float64: (x - mean) / sqrt(var + epsilon) (or the RMS), times Scaling plus Biases."""
    aggregated, scaled = layer.dims(x.dim() - 1)
    dims, x = tuple(d + 1 for d in aggregated), x.double()
    if layer.method == "RMS":
        y = x / torch.sqrt(x.square().mean(dims, keepdim=True) + layer.epsilon)
    else:
        y = (x - x.mean(dims, keepdim=True)) / torch.sqrt(
            x.var(dims, correction=int(layer.unbiased), keepdim=True) + layer.epsilon)
    view = [1] + [x.shape[d + 1] if d in scaled else 1 for d in range(x.dim() - 1)]
    for name, apply in (("Scaling", torch.mul), ("Biases", torch.add)):
        if getattr(module, name) is not None:
            y = apply(y, getattr(module, name).double().reshape(view))
    return y


@pytest.mark.filterwarnings("ignore:var")  # the formula's var of a batch of 0
@pytest.mark.parametrize("batch", [0, 1, 3])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("options, shape, kernel, length", CASES)
def test_compiled_equals_interpreted_and_the_formula(options, shape, kernel, length, dtype, batch):
    layer = NormalizationLayer(**options)
    net = net_initialize(NetChain([layer], Input=shape), seed=0)
    module = net.compile()
    if dtype == torch.float64:
        module = module.double()
    inner = module.get_submodule("1")
    with torch.no_grad():  # arrays away from their ones and zeros, so that a misplaced one shows
        for p in inner.parameters():
            p.add_(torch.linspace(0.5, 1.5, p.numel(), dtype=dtype).reshape(p.shape))
    assert (kernel in module.code) if kernel else "F.layer_norm" not in module.code
    sizes = tuple(length if isinstance(n, str) else n for n in shape)
    x = (torch.randn(batch, *sizes, dtype=torch.float64) * 3 + 1).to(dtype).requires_grad_()
    compiled, interpreted = module(x), interpret(module.net, module, Input=x)
    expected = _formula(layer, inner, x)
    tolerance = {"rtol": 1e-4, "atol": 1e-4} if dtype == torch.float32 else {}
    torch.testing.assert_close(compiled, interpreted, rtol=0, atol=0)
    torch.testing.assert_close(compiled.double(), expected, **tolerance)
    weights = torch.linspace(-1, 1, compiled.numel(), dtype=torch.float64).reshape(compiled.shape)
    wrt = [x, *inner.parameters()]
    got = torch.autograd.grad((compiled.double() * weights).sum(), wrt, allow_unused=True)
    want = torch.autograd.grad((expected * weights).sum(), wrt, allow_unused=True)
    for g, w in zip(got, want):
        torch.testing.assert_close(g.double(), w.double(), **tolerance)


@pytest.mark.parametrize("options", [{}, {"aggregation_levels": -1, "scaling_levels": "Same"}])
def test_integer_input_is_normalised_as_real(options):
    net = net_initialize(NetChain([NormalizationLayer(**options)], Input=(2, 3)), seed=0)
    x = torch.arange(12).reshape(2, 2, 3)
    torch.testing.assert_close(net(x), net(x.float()))


@pytest.mark.parametrize("options, shape, kernel, length", [c for c in CASES if c[2]])
@pytest.mark.parametrize("batch", [0, 2])
def test_onnx_export_of_a_kernel_matches(tmp_path, options, shape, kernel, length, batch):
    from netgraph import export_onnx
    from tests.onnx_helpers import assert_same_outputs
    net = net_initialize(NetChain([NormalizationLayer(**options)], Input=shape), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(batch, *(length if isinstance(n, str) else n for n in shape),
                    generator=torch.Generator().manual_seed(0))
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x}, atol=1e-5)


@pytest.mark.parametrize("options", [{"aggregation_levels": -1, "scaling_levels": "Same"}, {"aggregation_levels": -1},
                                     {}])
def test_under_bfloat16_autocast_the_arrays_keep_the_formulas_float32(options):
    """Found in review: under CPU bfloat16 autocast (a LinearLayer before it giving bfloat16) layer_norm given the
    arrays returned bfloat16, where the formula (and the arrays applied after it) gives float32, bfloat16 times them."""
    net = net_initialize(NetChain([LinearLayer((3, 8)), NormalizationLayer(**options)], Input=(5,)), seed=0)
    module, x = net.compile(), torch.randn(4, 5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        outputs = module(x), interpret(net, module, Input=x), torch.fx.symbolic_trace(module)(x)
    assert [y.dtype for y in outputs] == [torch.float32] * 3

"""import_onnx of nn.MultiheadAttention(E, h, batch_first=True) self-attention as torch's TorchScript exporter writes
it with need_weights=False (no mask, or causal: is_causal=True, generate_square_subsequent_mask), alone and inside
nn.TransformerEncoderLayer: the imported net computes what the torch module does, also at another batch size and
length of a dynamic axis; other forms (need_weights=True, cross-attention, other masks, a key_padding_mask) are refused
saying why."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from netgraph import AttentionLayer, NetGraph, Padded, SpecError, import_onnx
from tests.onnx_helpers import quiet_exporter, run_onnx, torch_export


class _Attention(nn.Module):
    def __init__(self, mask: str, weights: bool = False, size: int = 8, heads: int = 2, bias: bool = True):
        super().__init__()
        self.attention = nn.MultiheadAttention(size, heads, batch_first=True, bias=bias)
        self.mask, self.weights = mask, weights
        if bias:
            with torch.no_grad():  # torch starts the biases at 0: give them values, so that importing them is tested
                self.attention.in_proj_bias.normal_()
                self.attention.out_proj.bias.normal_()

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        options = {"plain": {}, "causal": {"attn_mask": mask, "is_causal": True}, "subsequent": {"attn_mask": mask},
                   "random": {"attn_mask": torch.full((x.shape[1], x.shape[1]), 0.5)}}[self.mask]
        return self.attention(x, x, x, need_weights=self.weights, **options)[0]


class _Cross(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x, y):
        return self.attention(x, y, y, need_weights=False)[0]


class _Encoder(nn.Module):
    def __init__(self, stack: bool):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True, dropout=0.0, norm_first=stack)
        self.layer = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False) if stack else layer

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        if isinstance(self.layer, nn.TransformerEncoder):
            return self.layer(x, mask=mask, is_causal=True)
        return self.layer(x, src_mask=mask, is_causal=True)


def _export(module: nn.Module, path, dynamic: bool, inputs: int = 1, size: int = 8):
    torch.manual_seed(0)
    names = ["x", "y"][:inputs]
    examples = tuple(torch.randn(2, 5 + i, size) for i in range(inputs))
    axes = {name: {0: "b", 1: f"n{name}"} for name in names} if dynamic else None
    with torch.enable_grad():  # under no_grad, eval runs torch's fused fast path, which its ONNX exporter refuses
        torch_export(module, examples, path, names, axes=axes or {})
    return path


def _attention_layers(net) -> list:
    found = []
    for layer in net.layers.values():
        if isinstance(layer, AttentionLayer):
            found.append(layer)
        elif isinstance(layer, NetGraph):
            found += _attention_layers(layer)
    return found


@pytest.mark.parametrize("dynamic", [True, False])
@pytest.mark.parametrize("mask", ["plain", "causal", "subsequent"])
@torch.no_grad()
def test_multihead_self_attention_imports_and_computes_as_torch(mask, dynamic, tmp_path):
    module = _Attention(mask)
    path = _export(module, tmp_path / "mha.onnx", dynamic)
    net = import_onnx(path)
    attention, = _attention_layers(net)
    assert attention.multi_head and attention.mask == ("None" if mask == "plain" else "Causal")
    assert net.input_shapes["x"] == (("nx", 8) if dynamic else (5, 8))
    x = torch.randn(2, 5, 8)
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)
    if dynamic:  # the ONNX model itself fails here: torch wrote the length 5 into k's and v's Reshapes
        x = torch.randn(3, 7, 8)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("axes", ["batch", "both"])
@torch.no_grad()
def test_one_head_imports(axes, tmp_path):
    # one head: torch writes b, not b * 1, into the (n, b h, d) Reshape; it was refused as not that Reshape
    module = _Attention("causal", heads=1)
    path = tmp_path / "mha.onnx"
    with torch.enable_grad():
        torch_export(module, torch.randn(2, 5, 8), path, "x", axes={"x": {0: "b", 1: "n"}} if axes == "both" else None)
    x = torch.randn(3, 5, 8)
    torch.testing.assert_close(import_onnx(path)(x), module(x), atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_attention_without_biases_imports(tmp_path):
    # bias=False: no Add after the in_proj MatMul, and out_proj is a MatMul, not a Gemm
    module = _Attention("plain", bias=False)
    net = import_onnx(_export(module, tmp_path / "mha.onnx", True))
    x = torch.randn(3, 6, 8)
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_an_imported_attention_compiles_and_renders(tmp_path):
    net = import_onnx(_export(_Attention("causal", heads=4), tmp_path / "mha.onnx", True))
    module = net.compile()
    x = torch.randn(2, 6, 8)
    torch.testing.assert_close(module(x), net(x))
    assert "AttentionLayer" in net.render_svg()


@pytest.mark.parametrize("stack", [False, True])
@torch.no_grad()
def test_a_transformer_encoder_layer_imports_with_its_causal_mask(stack, tmp_path):
    module = _Encoder(stack)  # stack: nn.TransformerEncoder of two pre-norm layers
    net = import_onnx(_export(module, tmp_path / "tel.onnx", True, size=16))
    assert [a.mask for a in _attention_layers(net)] == ["Causal"] * (1 + stack)
    for shape in ((2, 5, 16), (3, 9, 16)):
        x = torch.randn(*shape)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("dynamic", [True, False])
def test_need_weights_true_is_refused_saying_to_pass_false(dynamic, tmp_path):
    with pytest.raises(SpecError, match=r"as torch exports need_weights=True \(the default\): call the module "
                                        r"with need_weights=False") as info:
        import_onnx(_export(_Attention("plain", weights=True), tmp_path / "mha.onnx", dynamic))
    assert len(info.value.errors) == 1


def test_cross_attention_and_other_masks_are_refused_saying_why(tmp_path):
    with pytest.raises(SpecError, match=r"multiplies by a \(8, 8\) matrix, not \(8, 24\) .*cross-attention"):
        import_onnx(_export(_Cross(), tmp_path / "cross.onnx", True, inputs=2))
    with pytest.raises(SpecError, match=r"the mask added by .* is not causal"):
        import_onnx(_export(_Attention("random"), tmp_path / "random.onnx", False))


class _KeyPadding(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x, pad=None):
        return self.attention(x, x, x, key_padding_mask=pad, need_weights=False)[0]


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_a_key_padding_mask_is_refused_once_naming_its_input_and_the_remedy(dynamo, tmp_path):
    """A key_padding_mask was refused as "not causal", beside a refusal of each node computing it (its
    ConstantOfShape, the dynamo exporter's Reshape): one refusal now names the graph input it comes from."""
    path, x, pad = tmp_path / "padded.onnx", torch.randn(2, 5, 8), torch.zeros(2, 5, dtype=torch.bool)
    axes = {"x": {0: "b", 1: "n"}, "pad": {0: "b", 1: "n"}}
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            auto = torch.export.Dim.AUTO
            torch.onnx.export(_KeyPadding().eval(), (x, pad), str(path), dynamo=True, verbose=False,
                              input_names=["x", "pad"], dynamic_shapes={"x": {0: auto, 1: auto}, "pad": {0: auto, 1: auto}})
        else:
            torch_export(_KeyPadding(), (x, pad), path, ["x", "pad"], axes=axes)
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    (refusal,) = info.value.diagnostics
    assert refusal.option == "perm" and "is computed from graph input 'pad' (a key_padding_mask" in refusal.detail
    assert "call the imported net on sequences of their own lengths" in refusal.detail


def test_sequences_of_their_own_lengths_attend_as_a_key_padding_mask_does(tmp_path):
    """The remedy the refusal gives: the module exported without the mask, called on padded sequences."""
    torch.manual_seed(0)
    module = _KeyPadding().eval()
    net = import_onnx(torch_export(module, torch.randn(2, 5, 8), tmp_path / "m.onnx", "x",
                                   axes={"x": {0: "b", 1: "n"}}))
    x, pad = torch.randn(2, 6, 8), torch.tensor([[False] * 4 + [True] * 2, [False] * 6])
    with torch.no_grad():
        want = module(x, pad)
    got = net(x=Padded(x, [4, 6]))
    torch.testing.assert_close(got[0], want[0, :4])
    torch.testing.assert_close(got[1], want[1])

"""import_onnx of common blocks as plain torch.onnx.export writes them (TorchScript exporter, opsets 13 to 18): each
imported net computes what onnxruntime computes at other batch sizes and lengths, draws, and saves to YAML and loads
back the same. A recurrence over packed sequences (per-example lengths) is refused naming the recurrent node."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import SpecError, import_onnx, load, save
from tests.onnx_helpers import run_onnx, torch_export


class _MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.drop, self.b = nn.Linear(6, 8), nn.Dropout(0.3), nn.Linear(8, 3)

    def forward(self, x):
        return self.b(self.drop(torch.relu(self.a(x))))


class _ConvBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn, self.pool = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.MaxPool2d(2)
        self.bn.running_mean.uniform_(-1, 1)
        self.bn.running_var.uniform_(0.5, 2)

    def forward(self, x):
        return nn.functional.avg_pool2d(self.pool(torch.relu(self.bn(self.conv(x)))), 2)


class _Recurrent(nn.Module):
    def __init__(self, cell, **options):
        super().__init__()
        self.rnn = cell(4, 5, batch_first=True, **options)

    def forward(self, x):
        y, state = self.rnn(x)
        return y if isinstance(state, tuple) else state[-1]


class _EmbeddingMean(nn.Module):
    def __init__(self, cast: bool = False):
        super().__init__()
        self.emb, self.out, self.cast = nn.Embedding(20, 6), nn.Linear(6, 2), cast

    def forward(self, x):
        return self.out(self.emb(x.int() if self.cast else x).mean(1))


class _Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.norm = nn.Linear(6, 6), nn.Linear(6, 6), nn.LayerNorm(6)

    def forward(self, x):
        h = x + torch.relu(self.a(x))
        return self.norm(h + self.b(h))


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(6, 6), nn.Linear(6, 6), nn.Linear(6, 6)

    def forward(self, x):
        weights = torch.softmax(self.q(x) @ self.k(x).transpose(1, 2) / 6 ** 0.5, -1)
        return weights @ self.v(x)


def _reals(*shape):
    return lambda size, length, generator: torch.randn(size, *shape, generator=generator)


def _sequences(last):
    return lambda size, length, generator: torch.randn(size, length, last, generator=generator)


def _indices(size, length, generator):
    return torch.randint(0, 20, (size, length), generator=generator)


#: name -> (module maker, input maker (batch size, length, generator), dynamic axes of x)
BLOCKS = {
    "mlp_dropout": (_MLP, _reals(6), {0: "b"}),
    "conv_bn_relu_pool": (_ConvBlock, _reals(3, 8, 8), {0: "b"}),
    "lstm": (lambda: _Recurrent(nn.LSTM), _sequences(4), {0: "b", 1: "n"}),
    "gru_two_layers_last_state": (lambda: _Recurrent(nn.GRU, num_layers=2), _sequences(4), {0: "b", 1: "n"}),
    "bidirectional_lstm": (lambda: _Recurrent(nn.LSTM, bidirectional=True), _sequences(4), {0: "b", 1: "n"}),
    "embedding_mean": (_EmbeddingMean, _indices, {0: "b", 1: "n"}),
    "embedding_of_int32_indices": (lambda: _EmbeddingMean(cast=True), _indices, {0: "b", 1: "n"}),
    "residual_layer_norm": (_Residual, _sequences(6), {0: "b", 1: "n"}),
    "attention_matmul_softmax": (_Attention, _sequences(6), {0: "b", 1: "n"}),
    "multihead_attention": (lambda: nn.MultiheadAttention(6, 2, batch_first=True), _sequences(6), {0: "b", 1: "n"}),
}


class _SelfAttention(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False)[0]


@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_common_block_torch_exports_imports_draws_and_saves(name, opset, tmp_path):
    make, inputs, axes = BLOCKS[name]
    torch.manual_seed(0)
    module = make()
    module = _SelfAttention(module) if isinstance(module, nn.MultiheadAttention) else module
    opset = 14 if name == "multihead_attention" and opset < 14 else opset  # torch writes its attention from 14
    generator = torch.Generator().manual_seed(opset)
    path = torch_export(module, inputs(2, 5, generator), tmp_path / "m.onnx", "x", axes={"x": axes},
                        opset_version=opset)
    net = import_onnx(path)
    back = load(save(net, tmp_path / "m.yaml"))
    assert "<svg" in net.render_svg(backend="builtin")
    # torch's export of its attention fixes the batch and the length (a Reshape to (length, batch x heads, -)):
    # onnxruntime runs only those
    for size, length in ((2, 5),) if name == "multihead_attention" else ((1, 7), (3, 3)):
        x = inputs(size, length, generator)
        want = torch.from_numpy(run_onnx(path, {"x": x})[0])
        with torch.no_grad():  # (torch exports its attention with grad on: its fast path has no ONNX form)
            torch.testing.assert_close(net(x), want, atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(back(x), want, atol=1e-5, rtol=1e-4)


class _Packed(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(4, 5, batch_first=True)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True)
        y, _ = self.rnn(packed)
        return nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])[0]


@pytest.mark.parametrize("opset", [13, 17])
@pytest.mark.parametrize("cell, layer", [(nn.LSTM, "LongShortTermMemoryLayer"), (nn.GRU, "GatedRecurrentLayer")])
def test_a_recurrence_over_packed_sequences_is_refused_naming_its_lengths(cell, layer, opset, tmp_path):
    """torch casts the lengths to int64, then to int32 for the node's sequence_lens: the refusal named only the
    Cast ("only a Cast to float32 or float64"), not the recurrence's per-example lengths, which no layer has."""
    x, lengths = torch.randn(3, 6, 4), torch.tensor([6, 4, 2])
    path = torch_export(_Packed(cell), (x, lengths), tmp_path / "p.onnx", ["x", "lengths"],
                        axes={"x": {0: "b", 1: "n"}, "lengths": {0: "b"}}, opset_version=opset)
    op = cell.__name__
    with pytest.raises(SpecError, match=rf"node '/rnn/{op}' \({op}\): not supported by {layer}: sequence_lens "
                                        r"\(per-example lengths\)") as info:
        import_onnx(path)
    assert [problem.layer for problem in info.value.diagnostics] == [(f"/rnn/{op}",)]

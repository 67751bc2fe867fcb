"""Small torch models as users write them, for the tests that import their ONNX exports
(``tests/test_onnx_torch_models.py``): each entry of ``MODELS`` is a module class, its example inputs (drawn by
``example_inputs``) and the axes that the export makes dynamic besides the batch."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from tests.torch_sequence_models import (CausalSelfAttention, GruClassifier, GruLastState, LstmClassifier, LstmTagger,
                                         MaskedMeanPool, SelfAttention, SentenceMeanPool, TextCnn,
                                         TransformerClassifier, TransformerStack)

__all__ = ["MODELS", "Model", "built", "example_inputs"]


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.norm, self.drop = nn.Linear(10, 16), nn.LayerNorm(16), nn.Dropout(0.2)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return F.softmax(self.fc2(self.drop(F.gelu(self.norm(self.fc1(x))))), dim=-1)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2 = nn.Linear(16 * 5 * 5, 32), nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = torch.flatten(F.avg_pool2d(F.relu(self.conv2(x)), 2), 1)
        return self.fc2(F.relu(self.fc1(x)))


class SequentialCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(16, 5))

    def forward(self, x):
        return self.classifier(self.features(x))


class Conv1dSignal(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn = nn.Conv1d(3, 8, 5, stride=2, padding=2), nn.BatchNorm1d(8)
        self.pool, self.conv2, self.fc = nn.MaxPool1d(2), nn.Conv1d(8, 8, 3, dilation=2, padding=2), nn.Linear(8, 4)

    def forward(self, x):
        h = F.silu(self.conv2(self.pool(F.relu(self.bn(self.conv1(x))))))
        return self.fc(F.adaptive_avg_pool1d(h, 1).squeeze(-1))


class ResidualBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.conv2, self.bn2 = nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.pool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(4, 2)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)) + x)
        return self.fc(self.pool(h).flatten(1))


class DepthwiseSeparable(nn.Module):
    def __init__(self):
        super().__init__()
        self.depthwise, self.pointwise = nn.Conv2d(6, 6, 3, padding=1, groups=6), nn.Conv2d(6, 8, 1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return F.hardswish(self.bn(self.pointwise(F.relu6(self.depthwise(x)))))


class SqueezeExcite(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.fc1, self.fc2 = nn.Conv2d(3, 8, 3, padding=1), nn.Linear(8, 4), nn.Linear(4, 8)

    def forward(self, x):
        h = F.relu(self.conv(x))
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(h.mean(dim=(2, 3))))))
        return h * s[:, :, None, None]


class Upsampler(nn.Module):
    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return torch.sigmoid(self.up2(F.leaky_relu(self.up1(x), 0.1)))


class PixelShuffleUpsampler(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.shuffle = nn.Conv2d(3, 12, 3, padding=1), nn.PixelShuffle(2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x):
        return self.up(torch.tanh(self.shuffle(self.conv(x))))


class GroupInstanceNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.gn = nn.Conv2d(3, 8, 3, padding=1), nn.GroupNorm(2, 8)
        self.inorm = nn.InstanceNorm2d(8, affine=True)

    def forward(self, x):
        return F.gelu(self.inorm(self.gn(self.conv(x))))


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        h = self.fc(x)
        return torch.cat([F.gelu(h), F.silu(h), F.leaky_relu(h, 0.01), F.hardswish(h), F.elu(h), F.mish(h),
                          F.hardsigmoid(h), F.softplus(h)], dim=1)


class ShapeOps(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 12)

    def forward(self, x):  # (b, 3, 4)
        a, b = torch.split(self.fc(x.reshape(x.shape[0], -1)), [4, 8], dim=1)
        m = b.reshape(-1, 2, 4).permute(0, 2, 1).mean(dim=2)
        return torch.softmax(torch.cat([a, m], dim=1), dim=1)


class TwoHeads(nn.Module):
    """Two inputs, two outputs (a VAE-style encoder's mean and scale)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 6), nn.Linear(5, 6)
        self.mu, self.logvar = nn.Linear(12, 3), nn.Linear(12, 3)

    def forward(self, x, y):
        h = torch.cat([torch.relu(self.a(x)), torch.tanh(self.b(y))], dim=-1)
        return self.mu(h), torch.exp(0.5 * self.logvar(h))


class BatchNormMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(7, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2),
                                 nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.net(x)


class PreNormResidualMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.fc1, self.norm2, self.fc2 = nn.LayerNorm(8), nn.Linear(8, 8), nn.LayerNorm(8), nn.Linear(8, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        x = x + self.fc1(F.relu(self.norm1(x)))
        return self.head(x + self.fc2(F.hardsigmoid(self.norm2(x))))


class ParameterMatmul(nn.Module):
    def __init__(self):
        super().__init__()
        self.w, self.scale = nn.Parameter(torch.randn(5, 4)), nn.Parameter(torch.tensor(0.5))

    def forward(self, x):
        return F.relu6(x @ self.w) * self.scale + 1.0


class ChunkStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 12)

    def forward(self, x):  # the TorchScript exporter computes chunk's bounds from the size: Slices onnx cannot size
        a, b, c = self.fc(x).chunk(3, dim=-1)
        return F.softplus(torch.stack([a, b * c], dim=1)).sum(dim=1) - torch.clamp(c, -0.5, 0.5)


class RmsNormMlp(nn.Module):
    """RMS normalisation written out, as in LLM-style code."""

    def __init__(self):
        super().__init__()
        self.weight, self.fc = nn.Parameter(torch.rand(8) + 0.5), nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight)


class Siamese(nn.Module):
    """One encoder applied to both inputs, the cosine similarity of the two codes."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 4))

    def forward(self, a, b):
        return (F.normalize(self.encoder(a), dim=1) * F.normalize(self.encoder(b), dim=1)).sum(dim=1, keepdim=True)


class PaddedPools(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding="same")
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        h = F.max_pool2d(self.conv2(F.relu(self.conv1(x))), 2, ceil_mode=True)
        return F.avg_pool2d(h, 2, padding=1, count_include_pad=False)


class Volume(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv3d(1, 3, 3, padding=1), nn.BatchNorm3d(3)

    def forward(self, x):
        return F.max_pool3d(F.relu(self.bn(self.conv(x))), 2).flatten(1)


@dataclasses.dataclass(frozen=True)
class Model:
    """A module class; its inputs: name -> (shape of an example, or ("tokens", vocabulary, shape[, dtype])); the
    dims that the export makes dynamic besides the batch, by input name."""

    module: type
    inputs: dict
    lengths: dict = dataclasses.field(default_factory=dict)


MODELS = {
    "mlp": Model(Mlp, {"x": (2, 10)}),
    "lenet": Model(LeNet, {"x": (2, 1, 28, 28)}),
    "sequential_cnn": Model(SequentialCnn, {"x": (2, 3, 8, 8)}),
    "text_cnn": Model(TextCnn, {"tokens": ("tokens", 50, (2, 9))}, {"tokens": (1,)}),
    "conv1d_signal": Model(Conv1dSignal, {"x": (2, 3, 32)}),
    "gru_classifier": Model(GruClassifier, {"x": (2, 7, 6)}, {"x": (1,)}),
    "lstm_classifier": Model(LstmClassifier, {"tokens": ("tokens", 30, (2, 7))}, {"tokens": (1,)}),
    "gru_last_state": Model(GruLastState, {"tokens": ("tokens", 20, (2, 6))}, {"tokens": (1,)}),
    "lstm_tagger": Model(LstmTagger, {"tokens": ("tokens", 15, (2, 5))}, {"tokens": (1,)}),
    "residual_block": Model(ResidualBlock, {"x": (2, 4, 6, 6)}),
    "depthwise_separable": Model(DepthwiseSeparable, {"x": (2, 6, 6, 6)}),
    "squeeze_excite": Model(SqueezeExcite, {"x": (2, 3, 6, 6)}),
    "upsampler": Model(Upsampler, {"x": (2, 4, 5, 5)}),
    "pixel_shuffle": Model(PixelShuffleUpsampler, {"x": (2, 3, 4, 4)}),
    "group_instance_norm": Model(GroupInstanceNorm, {"x": (2, 3, 5, 5)}),
    "transformer": Model(TransformerClassifier, {"x": (2, 6, 16)}, {"x": (1,)}),
    "self_attention": Model(SelfAttention, {"x": (2, 5, 8)}, {"x": (1,)}),
    "causal_self_attention": Model(CausalSelfAttention, {"x": (2, 5, 8)}, {"x": (1,)}),
    "activations": Model(Activations, {"x": (2, 8)}),
    "shape_ops": Model(ShapeOps, {"x": (2, 3, 4)}),
    "two_heads": Model(TwoHeads, {"x": (2, 4), "y": (2, 5)}),
    "batch_norm_mlp": Model(BatchNormMlp, {"x": (2, 7)}),
    "pre_norm_residual": Model(PreNormResidualMlp, {"x": (2, 8)}),
    "parameter_matmul": Model(ParameterMatmul, {"x": (2, 5)}),
    "chunk_stack": Model(ChunkStack, {"x": (2, 6)}),
    "masked_mean": Model(MaskedMeanPool, {"tokens": ("tokens", 20, (2, 6)), "mask": ("tokens", 2, (2, 6))},
                         {"tokens": (1,), "mask": (1,)}),
    "sentence_mean": Model(SentenceMeanPool, {"tokens": ("tokens", 20, (2, 6)), "mask": ("tokens", 2, (2, 6))},
                           {"tokens": (1,), "mask": (1,)}),
    "sentence_mean_real_mask": Model(SentenceMeanPool, {"tokens": ("tokens", 20, (2, 6)),
                                                        "mask": ("tokens", 2, (2, 6), torch.float32)},
                                     {"tokens": (1,), "mask": (1,)}),
    "transformer_stack": Model(TransformerStack, {"x": (2, 5, 8)}, {"x": (1,)}),
    "rms_norm_mlp": Model(RmsNormMlp, {"x": (2, 8)}),
    "siamese": Model(Siamese, {"a": (2, 5), "b": (2, 5)}),
    "padded_pools": Model(PaddedPools, {"x": (2, 3, 9, 9)}),
    "volume": Model(Volume, {"x": (2, 1, 4, 4, 4)}),
}


def example_inputs(model: Model, seed: int, batch: int | None = None, length: int | None = None) -> dict:
    """Inputs drawn with ``seed``: the example's shapes, with ``batch`` and each dynamic dim's ``length`` if given."""
    g = torch.Generator().manual_seed(seed)
    found = {}
    for name, spec in model.inputs.items():
        tokens = spec[0] == "tokens"
        shape = list(spec[2] if tokens else spec)
        shape[0] = batch or shape[0]
        for axis in model.lengths.get(name, ()):
            shape[axis] = length or shape[axis]
        found[name] = torch.randint(0, spec[1], shape, generator=g) if tokens else torch.randn(shape, generator=g)
        if tokens and len(spec) > 3:  # a 0/1 mask of ``spec[3]`` values (float)
            found[name] = found[name].to(spec[3])
    return found


def built(model: Model, seed: int) -> nn.Module:
    """``model``'s module initialised from ``seed``, in eval mode, its batch norms' running statistics drawn (not the
    fresh zeros and ones, which would hide a normalisation imported wrongly), and attention's biases (zeros too)."""
    torch.manual_seed(seed)
    module, g = model.module(), torch.Generator().manual_seed(seed)
    for part in module.modules():
        if isinstance(part, nn.modules.batchnorm._BatchNorm):
            part.running_mean.copy_(0.3 * torch.randn(part.num_features, generator=g))
            part.running_var.copy_(0.5 + torch.rand(part.num_features, generator=g))
        if isinstance(part, nn.MultiheadAttention):
            with torch.no_grad():
                for bias in (part.in_proj_bias, part.out_proj.bias):
                    bias.copy_(0.3 * torch.randn(bias.shape, generator=g))
    return module.eval()

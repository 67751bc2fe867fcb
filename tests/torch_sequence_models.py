"""The sequence models of ``tests/torch_models.py``: text and recurrent classifiers, taggers and attention."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CausalSelfAttention", "GruClassifier", "GruLastState", "LstmClassifier", "LstmTagger", "MaskedMeanPool",
           "SelfAttention", "SentenceMeanPool", "TextCnn", "TransformerClassifier", "TransformerStack"]


class TextCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.conv, self.fc = nn.Embedding(50, 8), nn.Conv1d(8, 12, 3, padding=1), nn.Linear(12, 3)

    def forward(self, tokens):
        h = F.relu(self.conv(self.embed(tokens).permute(0, 2, 1)))
        return self.fc(h.max(dim=2).values)


class GruClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.fc = nn.GRU(6, 8, num_layers=2, batch_first=True, bidirectional=True), nn.Linear(16, 3)

    def forward(self, x):
        return self.fc(self.rnn(x)[0][:, -1])


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(30, 6)
        self.rnn, self.fc = nn.LSTM(6, 8, num_layers=2, batch_first=True, bidirectional=True), nn.Linear(16, 3)

    def forward(self, tokens):
        return self.fc(self.rnn(self.embed(tokens))[0].mean(dim=1))


class GruLastState(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.fc = nn.Embedding(20, 5), nn.Linear(7, 2)
        self.rnn = nn.GRU(5, 7, num_layers=2, batch_first=True)

    def forward(self, tokens):
        return self.fc(self.rnn(self.embed(tokens))[1][-1])


class LstmTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(15, 4), nn.LSTM(4, 5, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(10, 3)

    def forward(self, tokens):
        return F.log_softmax(self.fc(self.rnn(self.embed(tokens))[0]), dim=-1)


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.1, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.fc(self.layer(x, src_mask=mask, is_causal=True).mean(dim=1))


class TransformerStack(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True, activation="gelu")
        self.encoder, self.fc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), nn.Linear(8, 2)

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.fc(self.encoder(x, mask=mask, is_causal=True)[:, -1])


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn, self.fc = nn.MultiheadAttention(8, 2, batch_first=True), nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.attn(x, x, x, need_weights=False)[0][:, 0])


class CausalSelfAttention(nn.Module):
    """The usual multi-head form: (b, n, h, d) transposed to (b, h, n, d), scaled_dot_product_attention, back."""

    def __init__(self):
        super().__init__()
        self.query, self.key, self.value, self.out = (nn.Linear(8, 8) for _ in range(4))

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = (f(x).reshape(b, n, 2, 4).transpose(1, 2) for f in (self.query, self.key, self.value))
        return self.out(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, n, 8))


class MaskedMeanPool(nn.Module):
    """A sentence encoder's mean over the tokens that its 0/1 integer mask keeps."""

    def __init__(self):
        super().__init__()
        self.embed, self.fc = nn.Embedding(20, 6), nn.Linear(6, 2)

    def forward(self, tokens, mask):
        keep = mask.unsqueeze(-1).float()
        return self.fc((self.embed(tokens) * keep).sum(1) / keep.sum(1).clamp(min=1.0))


class SentenceMeanPool(nn.Module):
    """sentence-transformers' mean pooling: the mask unsqueezed and expanded to the embeddings' size."""

    def __init__(self):
        super().__init__()
        self.embed, self.fc = nn.Embedding(20, 6), nn.Linear(6, 2)

    def forward(self, tokens, mask):
        e = self.embed(tokens)
        keep = mask.unsqueeze(-1).expand(e.size()).float()
        return self.fc((e * keep).sum(1) / torch.clamp(keep.sum(1), min=1e-9))

"""The chains of ONNX nodes that one layer replaces, found before the nodes are converted one by one: attention
first, then GroupNorm's, a LayerNorm's arrays after it, an RMS or unbiased normalisation, LRN's window, a Pad before
a Conv, a circular pad's Concat, a padding's Gather of a variable length, positions, a table's first rows, a Total
pooling, a 1-D linear resize's gathers, torch's variance, its cosine distance, an index input's comparisons and
casts, a contrastive loss (each finder sees only the nodes the ones before it left)."""

from __future__ import annotations

from typing import Any

from netgraph.export.onnx_chains import Matched, chain_name
from netgraph.export.onnx_cosine import cosine_patterns
from netgraph.export.onnx_indices import indices_patterns, table_patterns
from netgraph.export.onnx_lookups import lookup_patterns
from netgraph.export.onnx_losses import contrastive_loss_patterns
from netgraph.export.onnx_lrn import lrn_window_patterns
from netgraph.export.onnx_mha import attention_patterns
from netgraph.export.onnx_norm_formulas import formula_norm_patterns
from netgraph.export.onnx_norms import group_norm_patterns, layer_norm_patterns
from netgraph.export.onnx_ops import Context, Converted
from netgraph.export.onnx_merged_stats import merged_mean_deviation_patterns, merged_variance_patterns
from netgraph.export.onnx_pad_lengths import variable_padding_patterns
from netgraph.export.onnx_pooling import total_pool_patterns
from netgraph.export.onnx_resize_gathers import linear_gather_patterns
from netgraph.export.onnx_spatial import circular_pad_patterns, pad_conv_patterns
from netgraph.export.onnx_variance import variance_patterns

__all__ = ["Matched", "chain_name", "find_patterns"]

_FINDERS = (group_norm_patterns, layer_norm_patterns, formula_norm_patterns, lrn_window_patterns, pad_conv_patterns,
            circular_pad_patterns, variable_padding_patterns, indices_patterns, table_patterns, total_pool_patterns,
            linear_gather_patterns, merged_variance_patterns,
            merged_mean_deviation_patterns, variance_patterns, cosine_patterns, lookup_patterns,
            contrastive_loss_patterns)


def find_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each matched chain's last node (by ``id``) -> its layer, and the ids of the nodes the chains take the place
    of."""
    patterns, claimed = attention_patterns(nodes, ctx)
    for find in _FINDERS:
        more, taken = find([n for n in nodes if id(n) not in claimed and id(n) not in patterns], ctx)  # first wins
        patterns, claimed = {**patterns, **more}, claimed | taken
    return patterns, claimed

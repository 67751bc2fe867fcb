"""What torch's (and Keras's) arguments mean here, per layer: ``dim`` is ``level`` for SoftmaxLayer but not for FlattenLayer, and
torch's argument order (``Linear(in_features, out_features)``) is not the layer's (``LinearLayer(output)``).

>>> torch_option_hint("SoftmaxLayer", "dim")
" (torch's dim is netgraph's level, counted after the batch: dim=-1 is level=-1, dim=1 is level=1)"
>>> torch_option_hint("FlattenLayer", "dim")
''
"""

from __future__ import annotations

__all__ = ["torch_option_hint", "torch_order_hint"]

_LEVEL = " (torch's dim is netgraph's level, counted after the batch: dim=-1 is level=-1, dim=1 is level=1)"
_LEVELS = " (torch's dim is netgraph's levels, counted after the batch: dim=1 is levels=[1], dim=-1 levels=[-1])"
_CONV: dict[str, str] = {"in_channels": " (the input channels come from the input's shape: input=(channels, *spatial) if needed)",
         "out_channels": " (torch's out_channels is netgraph's output)",
         "kernel_size": " (torch's kernel_size is netgraph's kernel)",
         "padding": " (torch's padding is netgraph's padding_size: an int or one per spatial level; torch's "
                    "padding='same' is padding_size=(kernel - 1) // 2 for an odd kernel and stride 1)",
         "groups": " (torch's groups is netgraph's channel_groups)",
         "output_padding": " (no such option here: the output size follows from kernel, stride and padding_size)",
         "bias": " (torch's bias=False is netgraph's biases=False: a layer without Biases)"}
_RECURRENT = {"hidden_size": " (torch's hidden_size is netgraph's output)",
              "input_size": " (the input size comes from the input's shape: input=('n', size) if needed)",
              "num_layers": " (one layer per recurrent layer here: NetChain([layer1, layer2]) stacks two)",
              "batch_first": " (netgraph's batch is always first: Input is (n, size) per example, no batch_first)",
              "bidirectional": " (NetBidirectionalOperator([forward, backward]) runs both directions)",
              "dropout": " (torch's dropout acts between stacked layers: NetChain([layer1, DropoutLayer(p), layer2]))",
              "bias": " (recurrent layers always have their Biases here)",
              "proj_size": " (no projected state here: torch's proj_size feeds a learned projection of the state "
                           "back into the recurrence)"}
_NORM = {"eps": " (torch's eps is netgraph's epsilon)",
         "normalized_shape": " (the normalised shape comes from the input here: input=... if needed)",
         "num_features": " (the features come from the input's shape here: input=... if needed)",
         "affine": " (torch's affine=False is netgraph's scaling=False, biases=False: a layer without Scaling and "
                   "Biases)",
         "elementwise_affine": " (torch's elementwise_affine=False is netgraph's scaling=False, biases=False: a layer "
                               "without Scaling and Biases)",
         "bias": " (torch's bias=False is netgraph's biases=False: a layer without Biases)",
         "momentum": " (BatchNormalizationLayer's momentum is Wolfram's: the weight of the old average, 0.9 is "
                     "torch's momentum=0.1)"}

#: A layer's name -> a torch argument -> what it is here (the words after the option's name in the message).
TORCH_OPTIONS: dict[str, dict[str, str]] = {
    "LinearLayer": {"in_features": " (torch's in_features: input)", "out_features": " (torch's out_features: output)",
                    "bias": _CONV["bias"]},
    "ConvolutionLayer": _CONV, "DeconvolutionLayer": _CONV,
    "PoolingLayer": {"kernel_size": " (torch's kernel_size is netgraph's kernel)", "padding": _CONV["padding"],
                     "count_include_pad": " (\"Mean\" leaves padding out of each window's count here, as torch's "
                                          "count_include_pad=False)"},
    "SoftmaxLayer": {"dim": _LEVEL}, "CatenateLayer": {"dim": _LEVEL}, "ReplicateLayer": {"dim": _LEVEL},
    "AggregationLayer": {"dim": _LEVELS, "keepdim": " (the levels are dropped: ReshapeLayer puts them back)"},
    "NormalizationLayer": {"dim": " (torch's dim is netgraph's aggregation_levels, counted after the batch)",
                           "eps": _NORM["eps"], "num_groups": " (torch's num_groups is netgraph's group_number)",
                           "affine": _NORM["affine"]},
    "FlattenLayer": {"start_dim": " (FlattenLayer() flattens all but the batch, as torch's default start_dim=1; "
                                  "level=n flattens the first n+1 levels, level=-n the last n+1)",
                     "end_dim": " (level=n flattens the first n+1 levels, level=-n the last n+1)"},
    "TransposeLayer": {"dims": " (netgraph's perm: level k goes to level perm[k], counted after the batch)",
                       "dim0": " (netgraph's perm=[2, 1] swaps levels 1 and 2, counted after the batch)"},
    "ReshapeLayer": {"shape": " (torch's shape is netgraph's dims, without the batch dim)"},
    "DropoutLayer": {"inplace": " (layers never change their input here)"},
    "ElementwiseLayer": {"inplace": " (layers never change their input here)"},
    "EmbeddingLayer": {"num_embeddings": " (torch's num_embeddings is netgraph's n: EmbeddingLayer(size, n))",
                       "embedding_dim": " (torch's embedding_dim is netgraph's output: EmbeddingLayer(size, n))",
                       "padding_idx": " (no padding index here: give the padded positions a length instead)"},
    "ResizeLayer": {"scale_factor": " (torch's scale_factor is netgraph's scale)",
                    "size": " (torch's size is netgraph's dims: the spatial sizes)",
                    "mode": " (torch's mode is netgraph's resampling: resampling='Linear' for 'bilinear', "
                            "resampling='Nearest' for 'nearest', resampling='Cubic' for 'bicubic')",
                    "align_corners": " (torch's align_corners=True is netgraph's scheme='Point'; False, the default, "
                                     "is scheme='Bin')"},
    "PaddingLayer": {"mode": " (torch's mode is netgraph's padding: padding='Reflected' for 'reflect', "
                             "padding='Periodic' for 'circular', padding='Fixed' for 'replicate')",
                     "value": " (torch's value is netgraph's padding: a number)",
                     "pad": " (torch's pad is netgraph's padding_size: per level from level 1, after the batch)"},
    "AttentionLayer": {"num_heads": " (multi_head=True gives the ports a heads dim: Key (n, h, k) ...)",
                       "embed_dim": " (the sizes come from the Key, Value and Query shapes here)",
                       "is_causal": " (netgraph's mask='Causal': query i sees keys 1 to i)",
                       "attn_mask": " (netgraph's mask: 'None' or 'Causal')",
                       "batch_first": _RECURRENT["batch_first"], "dropout_p": " (torch's dropout_p is netgraph's "
                                                                            "dropout)"},
    **dict.fromkeys(("CrossEntropyLossLayer", "MeanSquaredLossLayer", "MeanAbsoluteLossLayer"), {
        "reduction": " (the Loss port gives one value per example; net_train takes their mean over the batch)"}),
    "LayerNormalizationLayer": _NORM, "BatchNormalizationLayer": _NORM,
    "LongShortTermMemoryLayer": _RECURRENT, "GatedRecurrentLayer": _RECURRENT, "BasicRecurrentLayer": _RECURRENT,
}

_ORDERS = {"LinearLayer": "torch's Linear(in_features, out_features) is LinearLayer(out_features) here; the input "
                          "size comes from the input (input=in_features if needed)",
           "ConvolutionLayer": "torch's Conv2d(in_channels, out_channels, kernel_size) is ConvolutionLayer("
                               "out_channels, kernel_size) here; the input channels come from the input",
           "DeconvolutionLayer": "torch's ConvTranspose2d(in_channels, out_channels, kernel_size) is "
                                 "DeconvolutionLayer(out_channels, kernel_size) here",
           "LayerNormalizationLayer": "torch's normalized_shape comes from the input here (input=... if needed), "
                                      "and eps is epsilon=",
           "BatchNormalizationLayer": "torch's num_features comes from the input here (input=... if needed); "
                                      "momentum= is Wolfram's (0.9 is torch's 0.1)",
           **dict.fromkeys(("LongShortTermMemoryLayer", "GatedRecurrentLayer", "BasicRecurrentLayer"),
                           "torch's (input_size, hidden_size) is (hidden_size) here; the input size comes from the "
                           "input (input=('n', input_size) if needed)")}


_KERAS_RECURRENT = {"return_sequences": " (a recurrent layer's Output is the whole sequence; SequenceLastLayer() after "
                                        "it keeps the last step, as Keras's return_sequences=False)",
                    "return_state": " (state_output=True adds the final states as output ports State, and CellState "
                                    "for an LSTM)"}
_KERAS_STRIDES = {"strides": " (Keras's strides is netgraph's stride)"}
#: Wolfram's Interleaving -> True and Keras's data_format="channels_last": a spatial layer's channels last
_CHANNELS = dict.fromkeys(("interleaving", "Interleaving", "data_format"), (
    " (netgraph is channels-first, as torch: for channels last, as Wolfram's Interleaving -> True, put "
    "TransposeLayer([2, 3, 1]) before the layer and TransposeLayer([3, 1, 2]) after it, for a 2-d input (h, w, c); "
    "1-d: TransposeLayer([2, 1]) before and after; 3-d: [2, 3, 4, 1] and [4, 1, 2, 3])"))
_KERAS_BIAS = {"use_bias": " (Keras's use_bias=False is netgraph's biases=False: a layer without Biases)"}
_KERAS_NORM = {"center": " (Keras's center=False is netgraph's biases=False: a layer without Biases)",
               "scale": " (Keras's scale=False is netgraph's scaling=False: a layer without Scaling)"}

#: A layer's name -> a Keras argument -> what it is here (Keras's names torch does not share).
KERAS_OPTIONS: dict[str, dict[str, str]] = {
    "EmbeddingLayer": {"input_dim": " (Keras's input_dim is netgraph's n: EmbeddingLayer(size, n))",
                       "output_dim": " (Keras's output_dim is netgraph's output: EmbeddingLayer(size, n))",
                       "mask_zero": " (no padding index here: sequences of different lengths go in as a list or "
                                    "Padded(data, lengths), and each is read to its length)"},
    "LinearLayer": _KERAS_BIAS,
    "ConvolutionLayer": {**_KERAS_STRIDES, **_KERAS_BIAS, **_CHANNELS},
    "DeconvolutionLayer": {**_KERAS_STRIDES, **_KERAS_BIAS, **_CHANNELS},
    "PoolingLayer": {"pool_size": " (Keras's pool_size is netgraph's kernel)", **_KERAS_STRIDES, **_CHANNELS},
    "DropoutLayer": {"rate": " (Keras's rate is netgraph's p)"},
    "BatchNormalizationLayer": _KERAS_NORM, "LayerNormalizationLayer": _KERAS_NORM, "NormalizationLayer": _KERAS_NORM,
    "LongShortTermMemoryLayer": _KERAS_RECURRENT, "GatedRecurrentLayer": _KERAS_RECURRENT,
    "BasicRecurrentLayer": _KERAS_RECURRENT,
}
#: Arguments that mean the same to every layer.
_ANY_LAYER = {"activation": ' (activations are layers of their own: NetChain([LinearLayer(3), "Ramp"]))',
              "units": " (Keras's units: netgraph's output)", "filters": " (Keras's filters: output)",
              **dict.fromkeys(("learning_rate_multipliers", "LearningRateMultipliers"),
                              " (Wolfram's LearningRateMultipliers option of a layer is a rule on the net holding it: "
                              "net_set_learning_rate_multipliers(net, {'lin': 0}), or net_train(..., "
                              "learning_rate_multipliers={'lin': 0}), with the layer's name)")}


def torch_option_hint(layer: str, option: str) -> str:
    """' (what torch's or Keras's ``option`` is here)' for the layer named ``layer``, or '' when neither gives it a
    meaning here."""
    return TORCH_OPTIONS.get(layer, {}).get(option) or KERAS_OPTIONS.get(layer, {}).get(option) or \
        _ANY_LAYER.get(option, "")


def torch_order_hint(layer: str) -> str:
    """'; torch's Linear(in_features, out_features) is ...' for a layer given too many options by position."""
    return f" ({_ORDERS[layer]})" if layer in _ORDERS else ""

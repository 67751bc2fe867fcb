"""What torch's arguments mean here, per layer: torch's argument order (``Linear(in_features, out_features)``) is not
the layer's (``LinearLayer(output)``).

>>> torch_order_hint("LinearLayer")[:40]
" (torch's Linear(in_features, out_featur"
"""

from __future__ import annotations

__all__ = ["torch_order_hint"]

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


def torch_order_hint(layer: str) -> str:
    """'; torch's Linear(in_features, out_features) is ...' for a layer given too many options by position."""
    return f" ({_ORDERS[layer]})" if layer in _ORDERS else ""

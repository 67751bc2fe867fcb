"""Other libraries' names of layers and distributions (Keras's, torch's, the usual ones), for the messages on an
unknown name in Python and YAML alike: ``Dense`` is ``LinearLayer`` here, ``Gaussian`` is ``NormalDistribution``.

>>> other_layer_hint("Conv2d")
" (torch's Conv2d is ConvolutionLayer here)"
>>> other_layer_hint("GaussianDistribution")
' (GaussianDistribution is NormalDistribution here)'
>>> other_layer_hint("LinearLayer")
''
"""

from __future__ import annotations

from typing import Any

__all__ = ["OTHER_LAYER_NAMES", "other_layer_hint"]

_KERAS = {"Dense": "LinearLayer", "Conv1D": "ConvolutionLayer", "Conv2D": "ConvolutionLayer",
          "Conv3D": "ConvolutionLayer", "Conv2DTranspose": "DeconvolutionLayer", "LSTM": "LongShortTermMemoryLayer",
          "GRU": "GatedRecurrentLayer", "SimpleRNN": "BasicRecurrentLayer",
          "BatchNormalization": "BatchNormalizationLayer", "LayerNormalization": "LayerNormalizationLayer",
          "MaxPooling1D": "PoolingLayer", "MaxPooling2D": "PoolingLayer", "AveragePooling2D": "PoolingLayer",
          "Add": "the shorthand Plus (ThreadingLayer('Plus'))",
          "Multiply": "the shorthand Times (ThreadingLayer('Times'))",
          "Concatenate": "CatenateLayer", "MultiHeadAttention": "AttentionLayer"}
_TORCH = {"Linear": "LinearLayer", "Conv1d": "ConvolutionLayer", "Conv2d": "ConvolutionLayer",
          "Conv3d": "ConvolutionLayer", "ConvTranspose2d": "DeconvolutionLayer", "RNN": "BasicRecurrentLayer",
          "BatchNorm1d": "BatchNormalizationLayer", "BatchNorm2d": "BatchNormalizationLayer",
          "LayerNorm": "LayerNormalizationLayer", "MaxPool1d": "PoolingLayer", "MaxPool2d": "PoolingLayer",
          "AvgPool2d": "PoolingLayer", "MultiheadAttention": "AttentionLayer", "Embedding": "EmbeddingLayer"}
_TORCH_DISTRIBUTIONS = {name: f"{name}Distribution" for name in (
    "Normal", "Uniform", "Gamma", "Exponential", "Poisson", "Bernoulli", "Binomial", "NegativeBinomial", "HalfNormal",
    "Weibull", "InverseGamma", "Dirichlet", "Categorical")} | {
    "Chi2": "ChiSquareDistribution", "MultivariateNormal": "MultinormalDistribution"}
_USUAL = {"Gaussian": "NormalDistribution", "GaussianDistribution": "NormalDistribution",
          "MultivariateNormalDistribution": "MultinormalDistribution", "MultivariateGaussian": "MultinormalDistribution",
          "MultivariateGaussianDistribution": "MultinormalDistribution"}

#: Another library's (or the usual) name of a layer or distribution -> (whose, netgraph's name); whose '': usual.
OTHER_LAYER_NAMES: dict[str, tuple[str, str]] = {**{k: ("Keras's", v) for k, v in _KERAS.items()},
                                                 **{k: ("torch's", v) for k, v in _TORCH.items()},
                                                 **{k: ("torch's", v) for k, v in _TORCH_DISTRIBUTIONS.items()},
                                                 **{k: ("", v) for k, v in _USUAL.items()}}


def other_layer_hint(name: Any) -> str:
    """' (Keras's Dense is LinearLayer here)', or '' for a name the table does not have."""
    if not isinstance(name, str) or name not in OTHER_LAYER_NAMES:
        return ""
    whose, ours = OTHER_LAYER_NAMES[name]
    return f" ({f'{whose} ' if whose else ''}{name} is {ours} here)"

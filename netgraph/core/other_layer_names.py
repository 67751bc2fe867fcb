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

import re
from collections.abc import Iterable
from typing import Any

from netgraph.core.errors import did_you_mean
from netgraph.core.name_guesses import nearest_name

__all__ = ["OTHER_LAYER_NAMES", "ELEMENTWISE_FORMS", "WOLFRAM_FUNCTIONS", "other_layer_hint", "wolfram_function_hint", "distribution_name_hint",
           "layer_name_hint", "elementwise_name_hint"]

#: Other libraries' element-wise layers that are an expression in # here (torch's defaults): the table's advice on
#: them writes it, and so does the hint on such a name given as a function (``ElementwiseLayer("ReLU6")``).
ELEMENTWISE_FORMS = {"ReLU6": "Clip[#, {0, 6}]", "Identity": "#", "LeakyReLU": "If[# > 0, #, 0.01 * #]"}
_LEAKY = (f'ElementwiseLayer("{ELEMENTWISE_FORMS["LeakyReLU"]}") (torch\'s default slope; Keras\'s is 0.3: '
          '"If[# > 0, #, 0.3 * #]"), or ParametricRampLayer (a learned slope)')
_GLOBAL_MEAN, _GLOBAL_MAX = 'AggregationLayer("Mean")', 'AggregationLayer("Max")'
_KERAS = {"Dense": "LinearLayer", "Conv1D": "ConvolutionLayer", "Conv2D": "ConvolutionLayer",
          "Conv3D": "ConvolutionLayer", "Conv1DTranspose": "DeconvolutionLayer", "Conv2DTranspose": "DeconvolutionLayer",
          "Conv3DTranspose": "DeconvolutionLayer", "SimpleRNN": "BasicRecurrentLayer",
          "BatchNormalization": "BatchNormalizationLayer", "LayerNormalization": "LayerNormalizationLayer",
          "GroupNormalization": "NormalizationLayer(group_number=g)",
          **{f"{p}Pooling{d}D": "PoolingLayer" for p in ("Max", "Average") for d in (1, 2, 3)},
          **{f"GlobalAveragePooling{d}D": _GLOBAL_MEAN for d in (1, 2, 3)},
          **{f"GlobalMaxPooling{d}D": _GLOBAL_MAX for d in (1, 2, 3)},
          **{f"ZeroPadding{d}D": "PaddingLayer" for d in (1, 2, 3)},
          **{f"UpSampling{d}D": 'ResizeLayer(scale=..., resampling="Nearest")' for d in (1, 2, 3)},
          "Add": "the shorthand Plus (ThreadingLayer('Plus'))",
          "Multiply": "the shorthand Times (ThreadingLayer('Times'))",
          "Concatenate": "CatenateLayer", "MultiHeadAttention": "AttentionLayer", "Permute": "TransposeLayer",
          "Dot": "DotLayer", "Activation": "ElementwiseLayer", "Lambda": "FunctionLayer",
          "TimeDistributed": "NetMapOperator", "Bidirectional": "NetBidirectionalOperator"}
_TORCH = {"Linear": "LinearLayer", "Conv1d": "ConvolutionLayer", "Conv2d": "ConvolutionLayer",
          "Conv3d": "ConvolutionLayer", **{f"ConvTranspose{d}d": "DeconvolutionLayer" for d in (1, 2, 3)},
          "RNN": "BasicRecurrentLayer", **{f"BatchNorm{d}d": "BatchNormalizationLayer" for d in (1, 2, 3)},
          "LayerNorm": "LayerNormalizationLayer", "GroupNorm": "NormalizationLayer(group_number=g)",
          **{f"{p}Pool{d}d": "PoolingLayer" for p in ("Max", "Avg") for d in (1, 2, 3)},
          **{f"AdaptiveAvgPool{d}d": f"{_GLOBAL_MEAN} (for an output size of 1)" for d in (1, 2, 3)},
          **{f"AdaptiveMaxPool{d}d": f"{_GLOBAL_MAX} (for an output size of 1)" for d in (1, 2, 3)},
          **{f"{p}Pad{d}d": "PaddingLayer" for p in ("Zero", "Constant", "Reflection", "Replication") for d in (1, 2, 3)},
          "Upsample": "ResizeLayer", "MultiheadAttention": "AttentionLayer", "SiLU": "the shorthand Swish",
          "ReLU6": f'ElementwiseLayer("{ELEMENTWISE_FORMS["ReLU6"]}")',
          "LogSoftmax": 'SoftmaxLayer then ElementwiseLayer("Log") (before NLLLoss: SoftmaxLayer and '
                        'CrossEntropyLossLayer, which takes probabilities)'}
_SHARED = {"LSTM": "LongShortTermMemoryLayer", "GRU": "GatedRecurrentLayer", "Embedding": "EmbeddingLayer",
           "LeakyReLU": _LEAKY, "PReLU": "ParametricRampLayer (levels=[] for one slope)", "Dropout": "DropoutLayer",
           "Flatten": "FlattenLayer", "Softmax": "SoftmaxLayer", "Sequential": "NetChain",
           "Identity": f'ElementwiseLayer("{ELEMENTWISE_FORMS["Identity"]}")'}  # torch's and Keras's
_TORCH_DISTRIBUTIONS = {name: f"{name}Distribution" for name in (
    "Normal", "Uniform", "Gamma", "Exponential", "Poisson", "Bernoulli", "Binomial", "NegativeBinomial", "HalfNormal",
    "Weibull", "InverseGamma", "Dirichlet", "Categorical")} | {
    "Chi2": "ChiSquareDistribution", "MultivariateNormal": "MultinormalDistribution"}
_USUAL = {"BatchNorm": "BatchNormalizationLayer", "Concat": "CatenateLayer", "Cat": "CatenateLayer",
          "Gaussian": "NormalDistribution", "GaussianDistribution": "NormalDistribution",
          "MultivariateNormalDistribution": "MultinormalDistribution", "MultivariateGaussian": "MultinormalDistribution",
          "MultivariateGaussianDistribution": "MultinormalDistribution"}

#: Another library's (or the usual) name of a layer or distribution -> (whose, netgraph's name); whose '': usual.
OTHER_LAYER_NAMES: dict[str, tuple[str, str]] = {**{k: ("Keras's", v) for k, v in _KERAS.items()},
                                                 **{k: ("torch's", v) for k, v in _TORCH.items()},
                                                 **{k: ("torch's and Keras's", v) for k, v in _SHARED.items()},
                                                 **{k: ("torch's", v) for k, v in _TORCH_DISTRIBUTIONS.items()},
                                                 **{k: ("", v) for k, v in _USUAL.items()}}


def other_layer_hint(name: Any) -> str:
    """' (Keras's Dense is LinearLayer here)', or '' for a name the table does not have."""
    if not isinstance(name, str) or name not in OTHER_LAYER_NAMES:
        return ""
    whose, ours = OTHER_LAYER_NAMES[name]
    return f" ({f'{whose} ' if whose else ''}{name} is {ours} here)"


#: Wolfram's distributions that netgraph does not have: named as such, not matched to a near name of one it has
#: (BetaDistribution is no slip for GammaDistribution)
WOLFRAM_ONLY_DISTRIBUTIONS = frozenset(f"{name}Distribution" for name in (
    "Beta", "StudentT", "Multinomial", "Logistic", "Cauchy", "Laplace", "Geometric", "Gumbel", "Pareto", "LogNormal",
    "Frechet", "Hypergeometric", "BetaBinomial", "InverseGaussian", "Triangular", "Arcsin", "Levy", "Rice", "FRatio",
    "NoncentralChiSquare", "ExtremeValue", "LogLogistic", "MultivariateT", "Zipf", "ExponentialPower", "Skellam",
    "VonMises", "Kumaraswamy", "InverseChiSquare", "BetaPrime", "Dagum", "Benford", "Hotelling", "Wishart"))
_DISTRIBUTION_SUFFIX = re.compile(r"Dist[a-z]*$", re.IGNORECASE)  # 'Distribution' and slips of it ('Distributon')


def distribution_name_hint(name: Any, known: Iterable[str]) -> str:
    """The hint on an unknown distribution name among ``known`` (all ending in 'Distribution'): another library's
    name, a Wolfram distribution netgraph lacks, or a near name compared without the shared suffix (whose 12 letters
    made any XDistribution look near every other), or ''.

    >>> known = ["GammaDistribution", "NormalDistribution"]
    >>> distribution_name_hint("BetaDistribution", known), distribution_name_hint("Gama", known)
    (" (Wolfram's BetaDistribution is not one of netgraph's distributions)", " (did you mean 'GammaDistribution'?)")
    """
    if not isinstance(name, str):
        return ""
    if name in WOLFRAM_ONLY_DISTRIBUTIONS:
        return f" (Wolfram's {name} is not one of netgraph's distributions)"
    stems = {_DISTRIBUTION_SUFFIX.sub("", full): full for full in known}
    near = nearest_name(_DISTRIBUTION_SUFFIX.sub("", name), stems)
    return other_layer_hint(name) or (f" (did you mean {stems[near]!r}?)" if near else "")


#: Wolfram's functions on nets -> netgraph's (snake_case functions, or a method), for ``netgraph.NetTake``.
WOLFRAM_FUNCTIONS = {**{f"Net{n}": f"net_{s}" for n, s in (
    ("Take", "take"), ("Drop", "drop"), ("Extract", "extract"), ("ReplacePart", "replace_part"), ("Replace", "replace"),
    ("Rename", "rename"), ("Flatten", "flatten"), ("Join", "join"), ("Append", "append"), ("Prepend", "prepend"),
    ("Insert", "insert"), ("Delete", "delete"), ("Initialize", "initialize"), ("Train", "train"),
    ("Measurements", "measurements"), ("InsertSharedArrays", "insert_shared_arrays"), ("PortGradient", "port_gradient"))},
    "Information": "net.information(prop)", "NetInformation": "net.information(prop)"}


def wolfram_function_hint(name: Any) -> str:
    """' (Wolfram's NetTake is net_take here)', or '' for a name that is no Wolfram function on nets."""
    return f" (Wolfram's {name} is {WOLFRAM_FUNCTIONS[name]} here)" if name in WOLFRAM_FUNCTIONS else ""


def layer_name_hint(name: Any, known: Iterable[object]) -> str:
    """The hint on an unknown layer name: the table's (``LeakyReLU``'s netgraph layer) before a near spelling of a
    known name (which would guess ``ReLU``)."""
    return other_layer_hint(name) or did_you_mean(name, known)


def elementwise_name_hint(name: Any, argument: str | None = None) -> str:
    """The table's advice on another library's element-wise layer (``ReLU6``) given as a function name, or ''; called
    in an expression on ``argument``, its form there, to paste in its place: ' (torch's ReLU6[#x] is Clip[#x, {0, 6}]
    here)'."""
    if name not in ELEMENTWISE_FORMS:
        return ""
    if argument is None or not argument.strip():
        return other_layer_hint(name)
    whose, argument = OTHER_LAYER_NAMES[name][0], argument.strip()
    slope = ": torch's default slope; Keras's is 0.3" if name == "LeakyReLU" else ""
    return f" ({whose} {name}[{argument}] is {substituted(ELEMENTWISE_FORMS[name], argument)} here{slope})"


def substituted(form: str, argument: str) -> str:
    """``form`` with ``argument`` for each ``#``, in parentheses unless it is one term or a whole argument of a call
    (the result replaces a call, one term, in the user's expression).

    >>> substituted("If[# > 0, #, 0.01 * #]", "#x - 1")
    'If[(#x - 1) > 0, #x - 1, 0.01 * (#x - 1)]'
    >>> substituted("#", "#x - 1")
    '(#x - 1)'
    """
    grouped = argument if re.fullmatch(r"#?\w*(\.\d*)?|\w+\[[^\[\]]*\]", argument) else f"({argument})"

    def one(match: re.Match) -> str:
        before, after = form[:match.start()].rstrip()[-1:], form[match.end():].lstrip()[:1]
        return argument if before in ("[", ",") and after in ("]", ",") else grouped
    return re.sub("#", one, form)

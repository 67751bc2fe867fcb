"""Layer specs, one module per family, and the registry from Wolfram type name to class.

Each family module lists its public names in ``__all__``; they are re-exported here (and from
``netgraph``). Families load lazily, on first use of one of their names: as an attribute
(``netgraph.layers.LinearLayer``, ``from netgraph.layers import LinearLayer``) or as a layer type
looked up in ``REGISTRY``; listing the registry loads them all. ``FAMILY_NAMES`` is the static table
that makes that possible (tests check it against the modules): a new family module, or a new public
name, goes there.

>>> from netgraph.layers import REGISTRY
>>> "LinearLayer" in REGISTRY
True
"""

from __future__ import annotations

import importlib
from typing import Any

from netgraph.core.layer import REGISTRY, Layer, layer_class, register
from netgraph.core.module_dir import public_dir
from netgraph.core.naming_scope import quoted

__all__ = ["Layer", "REGISTRY", "layer_class", "register"]

# Family module -> its ``__all__`` (tests/test_layer_catalogue.py checks this against the modules).
FAMILY_NAMES = {
    "arrays": "NetArrayLayer ConstantArrayLayer",
    "distributions": "Distribution VectorDistribution DISTRIBUTIONS distribution_class NormalDistribution "
        "UniformDistribution ExponentialDistribution MaxwellDistribution RayleighDistribution "
        "HalfNormalDistribution WeibullDistribution GammaDistribution ChiDistribution NakagamiDistribution "
        "ChiSquareDistribution ErlangDistribution LogGammaDistribution ExpGammaDistribution "
        "InverseGammaDistribution BernoulliDistribution BinomialDistribution PoissonDistribution "
        "NegativeBinomialDistribution DiscreteUniformDistribution MultinormalDistribution "
        "MultinormalCholeskyDistribution MultinormalDiagonalDistribution DirichletDistribution "
        "CategoricalDistribution",
    "function": "FunctionLayer ElementwiseLayer ELEMENTWISE align_code align",
    "activation": "ParametricRampLayer",
    "linear": "LinearLayer",
    "random": "RandomArrayLayer set_distribution_checks distribution_checks",
    "kl_divergence": "KLDivergenceLayer",
    "losses": "MeanSquaredLossLayer MeanAbsoluteLossLayer CrossEntropyLossLayer ContrastiveLossLayer CTCLossLayer "
        "LOSS_LAYERS EPSILON",
    "normalization": "SoftmaxLayer DropoutLayer BatchNormalizationLayer LayerNormalizationLayer",
    "normalization_levels": "NormalizationLayer NORMALIZATION_METHODS",
    "merge": "ThreadingLayer TotalLayer CatenateLayer THREADING",
    "dot": "DotLayer",
    "reshape": "FlattenLayer ReshapeLayer TransposeLayer PartLayer ReplicateLayer",
    "conv": "ConvolutionLayer PoolingLayer POOLING",
    "deconv": "DeconvolutionLayer",
    "resize": "PaddingLayer ResizeLayer PADDING_METHODS RESAMPLING SCHEMES",
    "extract": "ExtractLayer",
    "aggregation": "AggregationLayer SummationLayer AGGREGATION",
    "embedding": "EmbeddingLayer",
    "recurrent": "LongShortTermMemoryLayer GatedRecurrentLayer BasicRecurrentLayer SequenceLastLayer",
    "sequence": "SequenceMostLayer SequenceRestLayer SequenceReverseLayer AppendLayer PrependLayer SequenceIndicesLayer",
    "attention": "AttentionLayer",
    "torch_layer": "TorchLayer register_module",
    "operators": "NetMapOperator NetFoldOperator NetNestOperator",
    "twin_operators": "NetBidirectionalOperator NetPairEmbeddingOperator",
}

FAMILIES = tuple(FAMILY_NAMES)
FAMILY_OF = {name: family for family, names in FAMILY_NAMES.items() for name in names.split()}
# Layer type name -> the module that registers it: every public *Layer / *Operator class, NetGraph, NetChain.
LAYER_MODULES = {**{name: f"netgraph.layers.{family}" for name, family in FAMILY_OF.items()
                    if name.endswith(("Layer", "Operator"))},
                 "NetGraph": "netgraph.core.graph", "NetChain": "netgraph.core.chain"}
REGISTRY.defer(LAYER_MODULES)
#: names a family exports for netgraph's own modules, which the README does not document: attributes, not ``__all__``
INTERNAL_NAMES = frozenset({"align", "align_code", "EPSILON", "LOSS_LAYERS", "THREADING", "SCHEMES", "ELEMENTWISE",
                            "PADDING_METHODS", "RESAMPLING", "POOLING", "AGGREGATION", "NORMALIZATION_METHODS",
                            "DISTRIBUTIONS", "distribution_class", "distribution_checks"})
__all__ += [name for name in FAMILY_OF if name not in INTERNAL_NAMES]


def __getattr__(name: str) -> Any:
    """Load the family that defines ``name`` on first use (``import netgraph.layers`` itself loads none)."""
    family = FAMILY_OF.get(name)
    if family is None:
        raise AttributeError(f"module 'netgraph.layers' has no attribute {quoted(name)}")
    # importlib rather than an import statement: deferring a family until one of its names is used is the point
    value = globals()[name] = getattr(importlib.import_module(f"netgraph.layers.{family}"), name)
    return value


def __dir__() -> list[str]:
    """The public names and the family modules loaded so far (not this module's own imports)."""
    return public_dir(__name__, __all__)

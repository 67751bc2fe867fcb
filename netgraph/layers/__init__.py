"""Layer specs, one module per family, and the registry from Wolfram type name to class.

Each family module lists its public names in ``__all__``; they are re-exported here (and from
``netgraph``). A new family module is added to ``FAMILIES``.

>>> from netgraph.layers import REGISTRY
>>> "LinearLayer" in REGISTRY
True
"""

import importlib

from netgraph.core.layer import REGISTRY, Layer, layer_class, register

FAMILIES = ("arrays", "distributions", "function", "activation", "linear", "random", "kl_divergence", "losses",
            "normalization", "normalization_levels", "merge", "reshape", "conv", "deconv", "resize", "extract",
            "aggregation", "embedding", "recurrent", "sequence", "attention", "torch_layer", "operators", "twin_operators")

__all__ = ["Layer", "REGISTRY", "layer_class", "register"]
for _family in FAMILIES:
    _module = importlib.import_module(f"netgraph.layers.{_family}")
    globals().update({name: getattr(_module, name) for name in _module.__all__})
    __all__ += list(_module.__all__)
del _family, _module

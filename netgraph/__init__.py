"""netgraph: a Mathematica-style NetGraph DSL for PyTorch.

The pipeline, one module per stage::

    Python objects / YAML spec (spec.py)
      -> NetGraph (graph.py: wiring.py normalises edges, inference.py infers every port's type)
      -> net_initialize (initialize.py) -> compile() (compile.py: generated forward; interpreter.py
         is the reference executor) -> nn.Module
      -> to_dot() / render_svg() (render.py), net_train (train.py), command line (cli.py)

Layers live in the ``layers`` package (one module per family); everything is importable from here.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "NetGraph": "netgraph.graph", "NetPort": "netgraph.ports",
    "net_initialize": "netgraph.initialize", "interpret": "netgraph.interpreter",
    "CompiledNet": "netgraph.compile", "PortType": "netgraph.types",
    "save": "netgraph.spec", "load": "netgraph.spec", "NetChain": "netgraph.chain",
    "net_train": "netgraph.train", "NetTrainResults": "netgraph.train",
    "net_extract": "netgraph.surgery", "net_replace_part": "netgraph.surgery", "net_rename": "netgraph.surgery",
    "net_take": "netgraph.surgery", "net_drop": "netgraph.surgery", "net_join": "netgraph.surgery",
    "net_flatten": "netgraph.surgery",
    "NetGraphError": "netgraph.errors", "WiringError": "netgraph.errors", "CycleError": "netgraph.errors",
    "ShapeError": "netgraph.errors", "SpecError": "netgraph.errors", "OptionError": "netgraph.errors",
    "DataError": "netgraph.errors", "UninitializedError": "netgraph.errors", "TrainingError": "netgraph.errors",
}


def _public_names() -> list[str]:
    import importlib.util

    import layers
    present = [n for n, m in _EXPORTS.items() if importlib.util.find_spec(m) is not None]
    return sorted({*present, *layers.__all__, "__version__"})


def __getattr__(name: str) -> Any:
    """Load public names lazily (keeps ``import netgraph`` fast and free of import cycles)."""
    if name == "__all__":
        return _public_names()
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    import layers
    if hasattr(layers, name):
        return getattr(layers, name)
    raise AttributeError(f"module 'netgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_public_names()})

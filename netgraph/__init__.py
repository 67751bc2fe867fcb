"""netgraph: a Mathematica-style NetGraph DSL for PyTorch.

The pipeline, one subpackage per stage, dependencies pointing one way (checked in CI)::

    core     types, ports, the layer base and registry, wiring, inference, the graph IR,
             NetGraph, NetChain, surgery                          (imports nothing below)
    layers   the layer catalogue, one module per family           (imports core)
    backend  initialise, compile, evaluate, interpret             (imports core, layers)
    spec     YAML read/write, save/load, JSON Schema              (imports core, layers, backend)
    render   diagrams: DOT, SVG, built-in layout                  (imports core, layers)
    train    NetTrain, NetMeasurements                            (imports core, layers, backend, spec)
    export   ONNX export and import                               (imports core, layers, backend, spec)
    cli      the ``netgraph`` command                             (imports any of them)

This module is the façade: it exports every public name lazily and tells the core which function
serves each stage it calls but may not import (``net.compile()``, ``net(x)``, ``net.to_yaml()`` ...).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from netgraph.core import plugins as _plugins

__version__ = "0.1.0"

_plugins.provide(
    shorthand="netgraph.layers.shorthand:from_shorthand",
    layer_names="netgraph.layers.shorthand:known_names",
    compile="netgraph.backend.compile:compile_net",
    evaluate="netgraph.backend.evaluation:evaluate",
    layer_call="netgraph.core.layer_call:call_layer",
    net_item="netgraph.core.net_items:net_item",
    to_dot="netgraph.render.api:to_dot",
    render_svg="netgraph.render.api:render_svg",
    render="netgraph.render.api:render",
    to_yaml="netgraph.spec.api:to_yaml",
    layer_information="netgraph.core.layer_information:layer_information",
    refused_array="netgraph.core.replaced_arrays:refused_array",
    from_yaml="netgraph.spec.api:from_yaml",
)

_EXPORTS = {
    "NetGraph": "netgraph.core.graph", "NetPort": "netgraph.core.ports", "NetChain": "netgraph.core.chain",
    "Padded": "netgraph.backend.masks",
    "NetSharedArray": "netgraph.core.shared", "net_insert_shared_arrays": "netgraph.core.shared_insert",
    "PortType": "netgraph.core.types",
    "net_extract": "netgraph.core.surgery", "net_replace_part": "netgraph.core.surgery",
    "net_rename": "netgraph.core.surgery", "net_take": "netgraph.core.surgery", "net_drop": "netgraph.core.surgery",
    "net_join": "netgraph.core.surgery", "net_flatten": "netgraph.core.surgery",
    "net_append": "netgraph.core.chain_edit", "net_prepend": "netgraph.core.chain_edit",
    "net_insert": "netgraph.core.chain_edit", "net_delete": "netgraph.core.chain_edit",
    "net_replace": "netgraph.core.chain_edit",
    "net_set_learning_rate_multipliers": "netgraph.core.multipliers",
    "NetGraphError": "netgraph.core.errors", "WiringError": "netgraph.core.errors",
    "CycleError": "netgraph.core.errors", "ShapeError": "netgraph.core.errors", "SpecError": "netgraph.core.errors",
    "OptionError": "netgraph.core.errors", "DataError": "netgraph.core.errors",
    "UninitializedError": "netgraph.core.errors", "TrainingError": "netgraph.core.errors",
    "ExpressionError": "netgraph.layers.expression_errors",
    "net_initialize": "netgraph.backend", "net_port_gradient": "netgraph.backend", "interpret": "netgraph.backend", "CompiledNet": "netgraph.backend",
    "save": "netgraph.spec", "load": "netgraph.spec",
    "limits": "netgraph.core.limits", "set_limits": "netgraph.core.limits", "current_limits": "netgraph.core.limits",
    "Limits": "netgraph.core.limits",
    "net_train": "netgraph.train", "NetTrainResults": "netgraph.train", "net_measurements": "netgraph.train",
    "export_onnx": "netgraph.export", "import_onnx": "netgraph.export",
    "recurrent_from_torch": "netgraph.layers.recurrent_torch",
    **{name: "netgraph.core.coders" for name in ("ClassEncoder", "ClassDecoder", "BooleanEncoder", "BooleanDecoder",
                                                  "ScalarEncoder", "ImageEncoder", "TokensEncoder", "CharactersEncoder",
                                                  "Restricted")},
    "image_folder": "netgraph.data", "text_table": "netgraph.data",
    "FrozenLayerError": "netgraph.core.errors", "IndeterminateWarning": "netgraph.layers.expression_indeterminate",
    "EstimatorWarning": "netgraph.layers.estimators", "InlineLayerWarning": "netgraph.layers._modules",
    "RenderBackendWarning": "netgraph.render.engines", "OnnxImportWarning": "netgraph.export.onnx_problems",
    # for your own layer types (README, "Your own layer types")
    "unify": "netgraph.core.types", "Within": "netgraph.core.option_ranges", "Shape": "netgraph.core.options",
    "Array": "netgraph.core.options", "registry_scope": "netgraph.core.registry", "layer_locations": "netgraph.spec",
}


def _public_names() -> list[str]:
    layers = importlib.import_module("netgraph.layers")
    return sorted({*_EXPORTS, *layers.__all__, "__version__"})


def __getattr__(name: str) -> Any:
    """Load public names lazily (``import netgraph`` stays fast: torch loads on first use)."""
    if name == "__all__":
        return _public_names()
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name == "layers":
        return importlib.import_module("netgraph.layers")
    layers = importlib.import_module("netgraph.layers")
    if name in layers.__all__ or name in layers.INTERNAL_NAMES:  # (those out of ``__all__`` read as before)
        return getattr(layers, name)
    # imported lazily as the exports are: the package imports next to nothing, so that Ctrl-C while ``netgraph``
    # starts comes in netgraph/__main__.py, which catches it, not in this module's imports (a traceback)
    missing = importlib.import_module("netgraph.core.missing_names")
    raise missing.missing_name_error(__name__, name, _public_names(), importing=missing.imported_by(sys._getframe(1)))


def __dir__() -> list[str]:
    """The public names, the public subpackages loaded so far and the module's dunders (``__file__``,
    ``__path__``, ...), not this module's own imports nor private names."""
    public = _public_names()  # (loads netgraph.layers, a global: before globals are read)
    return importlib.import_module("netgraph.core.module_dir").public_dir(__name__, public)

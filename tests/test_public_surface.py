"""What a user sees of the package: ``dir(netgraph)``, ``__all__``, the names the README tells users to import, help
texts and signatures, and ``to_yaml`` of a layer alone (QA of the design contract)."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import warnings

import pytest

import netgraph
import netgraph.layers
from netgraph import LinearLayer, NetChain, NetGraph
from tests.subprocess_env import checkout_env

#: (name, the module the README named it in)
README_NAMES = [
    ("FrozenLayerError", "netgraph.core.errors"), ("IndeterminateWarning", "netgraph.layers.expression_indeterminate"),
    ("EstimatorWarning", "netgraph.layers.estimators"), ("InlineLayerWarning", "netgraph.layers._modules"),
    ("RenderBackendWarning", "netgraph.render.engines"), ("OnnxImportWarning", "netgraph.export.onnx_problems"),
    ("unify", "netgraph.core.types"), ("Within", "netgraph.core.options"), ("Shape", "netgraph.core.options"),
    ("Array", "netgraph.core.options"), ("registry_scope", "netgraph.core.registry"),
    ("layer_locations", "netgraph.spec"),
]
INTERNAL = ["align", "align_code", "EPSILON", "LOSS_LAYERS", "THREADING", "SCHEMES", "ELEMENTWISE", "PADDING_METHODS",
            "RESAMPLING", "POOLING", "AGGREGATION", "NORMALIZATION_METHODS", "DISTRIBUTIONS", "distribution_class",
            "distribution_checks"]  # (none of them in the README)


def test_dir_lists_public_names_not_the_modules_own_imports():
    names = dir(netgraph)
    assert not {"Any", "annotations", "importlib", "sys", "ModuleType"} & set(names)
    assert {"NetGraph", "LinearLayer", "save", "layers", "__version__"} <= set(names)


def test_dir_of_layers_lists_public_names_and_loaded_families_not_its_own_imports():
    importlib.import_module("netgraph.layers.linear")
    names = dir(netgraph.layers)
    assert not {"Any", "annotations", "importlib", "quoted", *INTERNAL} & set(names)
    assert {"LinearLayer", "REGISTRY", "register", "linear"} <= set(names)


def test_dir_keeps_the_module_dunders_and_leaves_out_private_names():
    names = set(dir(netgraph))
    assert {"__file__", "__path__", "__doc__", "__name__"} <= names
    assert not {name for name in names if name.startswith("_") and not name.endswith("__")}


@pytest.mark.parametrize("name", INTERNAL)
def test_undocumented_internals_stay_importable_but_out_of_all(name):
    assert name not in netgraph.layers.__all__ and name not in netgraph.__all__
    assert getattr(netgraph.layers, name) is not None and getattr(netgraph, name) is not None


@pytest.mark.parametrize("name, module", README_NAMES, ids=[n for n, _ in README_NAMES])
def test_names_the_readme_tells_users_to_use_are_exported(name, module):
    assert name in netgraph.__all__ and name in dir(netgraph)
    assert getattr(netgraph, name) is getattr(importlib.import_module(module), name)


def test_a_warning_filtered_by_its_exported_class_is_filtered():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=netgraph.EstimatorWarning)
        warnings.warn("x", importlib.import_module("netgraph.layers.estimators").EstimatorWarning)
    assert seen == []


@pytest.mark.parametrize("function", [NetGraph, NetChain, NetGraph.__call__, NetChain.__call__],
                         ids=["NetGraph", "NetChain", "NetGraph.__call__", "NetChain.__call__"])
def test_signatures_show_a_readable_default(function):
    shown = str(inspect.signature(function))
    assert "object at 0x" not in shown and "NOT_GIVEN" in shown


def test_help_of_netgraph_points_at_the_readme_not_a_missing_file():
    assert "DESIGN.md" not in NetGraph.__doc__ and "README" in NetGraph.__doc__


def test_a_layer_alone_has_to_yaml_as_save_writes_it():
    layer = LinearLayer(3, input=2)
    text = layer.to_yaml(name="lin")
    assert text == netgraph.spec.to_yaml(layer, name="lin")
    assert netgraph.spec.from_yaml(text) == layer


#: public names whose modules need no torch (``from netgraph import NetPort`` in a tool that only reads specs)
TORCH_FREE = ["NetPort", "PortType", "NetGraphError", "ShapeError", "Limits", "limits", "unify", "Within",
              "registry_scope"]


@pytest.mark.parametrize("name", TORCH_FREE)
def test_names_that_need_no_torch_load_without_it(name):
    script = f"import sys, netgraph; netgraph.{name}; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env=checkout_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False"

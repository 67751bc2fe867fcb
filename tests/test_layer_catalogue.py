"""The layer catalogue loads lazily: ``netgraph.layers`` names each family's public names and layer types in a
static table, imports a family on first use of one of them, and the registry loads every family before it
lists itself. The table is checked here against the modules themselves, so it cannot drift."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import netgraph
import netgraph.layers as layers
from netgraph.core.errors import OptionError
from netgraph.core.layer import REGISTRY, Layer, layer_class

ROOT = Path(__file__).resolve().parents[1]


def _fresh_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_the_table_equals_every_familys_all_and_the_registry():
    modules = {family: importlib.import_module(f"netgraph.layers.{family}") for family in layers.FAMILIES}
    assert {family: m.__all__ for family, m in modules.items()} == \
        {family: names.split() for family, names in layers.FAMILY_NAMES.items()}
    assert layers.LAYER_MODULES == {name: cls.__module__ for name, cls in REGISTRY.items() if cls.__module__
                                    .startswith("netgraph.")}
    assert sorted(layers.__all__) == sorted(["Layer", "REGISTRY", "layer_class", "register",
                                            *(n for m in modules.values() for n in m.__all__
                                              if n not in layers.INTERNAL_NAMES)])


#: one fresh interpreter, three steps in the order each leaves the next valid: a name loads only its family (none
#: loaded before), a lookup by type name loads just its own (attention still not loaded), listing loads them all
LAZY_STEPS = (
    "import sys, netgraph.layers as L; from netgraph.core.layer import REGISTRY, layer_class\n"
    "before = [m for m in sys.modules if m.startswith('netgraph.layers.')]; from netgraph.layers import LinearLayer\n"
    "print(before, 'netgraph.layers.linear' in sys.modules, 'netgraph.layers.conv' in sys.modules)\n"
    "c = layer_class('PoolingLayer')\n"
    "print(c.__module__, 'AttentionLayer' in REGISTRY, 'netgraph.layers.attention' in sys.modules, "
    "REGISTRY.get('Nope'))\n"
    "n = len(REGISTRY)\n"
    "print(n == len(L.LAYER_MODULES), all(f'netgraph.layers.{f}' in sys.modules for f in L.FAMILIES))")


@pytest.fixture(scope="module")
def lazy_steps() -> list[str]:
    """LAZY_STEPS' three printed lines."""
    return _fresh_python(LAZY_STEPS).splitlines()


def test_importing_the_package_loads_no_family_and_a_name_loads_only_its_own(lazy_steps):
    assert lazy_steps[0] == "[] True False"


def test_a_registry_lookup_by_type_name_loads_just_that_family(lazy_steps):
    assert lazy_steps[1] == "netgraph.layers.conv True False None"


def test_listing_the_registry_loads_every_family_first(lazy_steps):
    assert lazy_steps[2] == "True True"


def test_unknown_type_names_still_get_suggestions_from_the_whole_catalogue():
    code = ("import netgraph.layers; from netgraph.core.layer import layer_class\n"
            "try: layer_class('AttentionLayr')\nexcept ValueError as e: print(e)")
    assert _fresh_python(code) == "unknown layer type 'AttentionLayr' (did you mean 'AttentionLayer'?)"
    with pytest.raises(OptionError, match="did you mean 'ConvolutionLayer'"):
        layer_class("ConvolutionLayr")


def test_a_class_taking_a_deferred_name_still_clashes():
    out = _fresh_python("import netgraph.layers; from netgraph.core.layer import Layer\n"
                        "try:\n class AttentionLayer(Layer): pass\nexcept ValueError as e: print(e)")
    assert out.startswith("layer type name 'AttentionLayer' is taken by netgraph.layers.attention.AttentionLayer")


def test_every_public_name_resolves_from_both_packages():
    for name in layers.FAMILY_NAMES["conv"].split():
        assert getattr(netgraph, name) is getattr(layers, name) is getattr(sys.modules["netgraph.layers.conv"], name)
    assert {"LinearLayer", "AttentionLayer", "NetGraph"} <= set(dir(netgraph)) and "LinearLayer" in dir(layers)
    assert issubclass(layers.AttentionLayer, Layer)
    with pytest.raises(AttributeError, match="no attribute 'NoSuchLayer'"):
        layers.NoSuchLayer  # noqa: B018

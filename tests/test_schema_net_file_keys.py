"""A spec file's top-level keys follow its net's type, as a nested net's do: ``type: NetChain`` takes ``input:`` and
``output:`` (and ``inputs:``) but no ``edges:``, a NetGraph (the default) ``edges:``, ``inputs:`` and ``outputs:`` but no ``input:``."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.core.errors import NetGraphError
from netgraph.spec.api import from_yaml
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())


@pytest.mark.parametrize("spec", [
    {"netgraph": 1, "type": "NetChain", "layers": ["Tanh"], "edges": []},
    {"netgraph": 1, "type": "NetGraph", "layers": {"a": "Tanh"}, "input": 4},
    {"netgraph": 1, "layers": {"a": "Tanh"}, "output": 4}], ids=["chain-edges", "graph-input", "default-output"])
def test_keys_of_the_other_net_type_are_refused_by_loader_and_schema(spec):
    with pytest.raises(NetGraphError):
        from_yaml(yaml.safe_dump(spec))
    assert list(VALIDATOR.iter_errors(spec))


@pytest.mark.parametrize("spec", [
    {"netgraph": 1, "type": "NetChain", "layers": ["Tanh"], "input": 4},
    {"netgraph": 1, "type": "NetChain", "layers": ["Tanh"], "inputs": {"Input": 4}},
    {"netgraph": 1, "type": "NetGraph", "layers": {"a": "Tanh"}, "edges": [], "inputs": {"Input": 4}},
    {"netgraph": 1, "layers": {"a": "Tanh"}, "inputs": {"Input": 4}}])
def test_a_nets_own_keys_still_validate(spec):
    from_yaml(yaml.safe_dump(spec))
    assert not list(VALIDATOR.iter_errors(spec))

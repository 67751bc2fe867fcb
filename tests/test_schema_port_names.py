"""A variadic layer's ``inputs:`` (ThreadingLayer, CatenateLayer, TotalLayer) in the JSON Schema says what the loader
takes (``_port_names``): a count, or distinct port names; not a mapping of port types, an empty list, repeated names or
names that are no identifiers."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.core.errors import NetGraphError
from netgraph.spec.api import from_yaml
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
LAYERS = {"ThreadingLayer": {"function": "Plus"}, "CatenateLayer": {}, "TotalLayer": {}}


def _spec(layer: str, inputs: object) -> dict:
    return {"netgraph": 1, "type": layer, **LAYERS[layer], "inputs": inputs}


def _loads(spec: dict) -> bool:
    try:
        from_yaml(yaml.safe_dump(spec, allow_unicode=True))
    except NetGraphError:
        return False
    return True


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("inputs", [{"x": 3, "y": 3}, [], ["x", "x"], ["1x"], ["a b"], 0, 10_001],
                         ids=["mapping", "empty", "repeated", "digit-first", "space", "zero", "too-many"])
def test_inputs_the_loader_refuses_the_schema_refuses(layer, inputs):
    spec = _spec(layer, inputs)
    assert not _loads(spec)
    assert list(VALIDATOR.iter_errors(spec)), f"the schema takes inputs: {inputs!r}"


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("inputs", [3, ["a", "b"], ["μ", "σ"], None])
def test_inputs_the_loader_takes_the_schema_takes(layer, inputs):
    spec = _spec(layer, inputs)
    assert _loads(spec)
    assert not list(VALIDATOR.iter_errors(spec))

"""A function option (ElementwiseLayer's, ThreadingLayer's) in the JSON Schema agrees with the loader's
``is_expression``: an expression in ``#`` slots or Wolfram's ``Function[x, body]`` validates, other words do not."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.layers.function import ElementwiseLayer
from netgraph.layers.merge import ThreadingLayer
from netgraph.spec.api import from_yaml
from netgraph.spec.dump import to_yaml
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())


@pytest.mark.parametrize("layer", [ElementwiseLayer("Function[x, Max[x, 0]]"),
                                   ThreadingLayer(" Function[{x, y}, x + y]")], ids=["Elementwise", "Threading"])
def test_a_function_written_as_wolframs_function_validates_as_the_loader_takes_it(layer):
    """The schema took only ``#`` expressions, but the loader takes ``Function[x, body]`` too."""
    text = to_yaml(layer)
    assert from_yaml(text) == layer
    data = yaml.safe_load(text)
    assert not list(VALIDATOR.iter_errors(data))
    assert list(VALIDATOR.iter_errors({**data, "function": "Funktion[x, x]"}))  # neither name nor expression


def test_an_expression_in_slots_still_validates():
    assert not list(VALIDATOR.iter_errors(yaml.safe_load(to_yaml(ElementwiseLayer("#^2")))))

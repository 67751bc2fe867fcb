"""A function option (ElementwiseLayer's, ThreadingLayer's) in the JSON Schema agrees with the loader's
``is_expression``: an expression in ``#`` slots or Wolfram's ``Function[x, body]`` validates, other words do not."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.core.errors import OptionError
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


@pytest.mark.parametrize("function", ["Function[{x, y, z}, x * y + z]", "#1 * #2 + #3"])
@pytest.mark.parametrize("inputs", [2, 3, ["a", "b", "c"]])
def test_inputs_beside_an_expression_is_refused_by_layer_and_schema_alike(function, inputs):
    """``Function[{x, y, z}, ...]`` with ``inputs=2`` made a layer showing inputs=2 whose net had Input1..3 (the rule
    looked for a ``#`` only): now refused as ``#1 * #2 + #3`` with inputs= is, and the schema says so too."""
    with pytest.raises(OptionError, match="names its own ports") as caught:
        ThreadingLayer(function, inputs=inputs)
    assert caught.value.kind == "option-combination" and caught.value.option == "inputs"
    errors = list(VALIDATOR.iter_errors({"netgraph": 1, "type": "ThreadingLayer", "function": function,
                                         "inputs": inputs}))
    assert errors
    assert not list(VALIDATOR.iter_errors({"netgraph": 1, "type": "ThreadingLayer", "function": function}))

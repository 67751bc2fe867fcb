"""A net's sections written with nothing after them (``inputs:``, ``outputs:``, ``edges:``, or null) are refused with
their position and "found nothing", as ``nets:`` and ``learning_rate_multipliers:`` are and as the JSON Schema says
(they were read as left out); ``name:`` and ``description:`` are free text, a number or null too, as README says."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph import NetGraph
from netgraph.core.errors import NetGraphError
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())


@pytest.mark.parametrize("key", ["inputs", "outputs", "edges", "nets", "learning_rate_multipliers"])
@pytest.mark.parametrize("nothing", ["null", ""])
def test_a_section_with_nothing_after_it_is_refused_where_it_stands(key, nothing):
    text = f"netgraph: 1\n{key}: {nothing}\nlayers:\n  a: Tanh\n"
    with pytest.raises(NetGraphError, match="found nothing") as caught:
        NetGraph.from_yaml(text)
    assert str(caught.value).startswith("<string>:2:")  # the line of the key
    assert caught.value.kind == "value-type"
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text)))


@pytest.mark.parametrize("value", ["null", "5", "true", "a net"])
@pytest.mark.parametrize("key", ["name", "description"])
def test_free_text_the_loader_takes_the_schema_takes(key, value):
    text = f"netgraph: 1\n{key}: {value}\nlayers:\n  a: Tanh\n"
    NetGraph.from_yaml(text)
    assert not list(VALIDATOR.iter_errors(yaml.safe_load(text)))

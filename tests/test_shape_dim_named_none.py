"""A port shape's dim written ``None`` in YAML is text, which made a variable length named "None": refused, pointing to
null (an unknown dim) and a length name such as "n"; the schema refuses it too."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph import NetGraph
from netgraph.core.errors import NetGraphError
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())


@pytest.mark.parametrize("text", [
    "netgraph: 1\ninputs: {Input: [None, 3]}\nlayers:\n  a: Tanh\nedges: [Input -> a]\n",
    "netgraph: 1\ntype: NetChain\ninput: [None, 3]\nlayers: [Tanh]\n"], ids=["graph", "chain"])
def test_none_as_a_dim_is_refused_with_null_and_a_length_name_offered(text):
    with pytest.raises(NetGraphError, match=r"'None' as a dim.*write null for an unknown dim.*such as \"n\"") as caught:
        NetGraph.from_yaml(text)
    assert str(caught.value).startswith("<string>:")
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text)))


@pytest.mark.parametrize("dims, shape", [("[n, 3]", ("n", 3)), ("[null, 3]", (None, 3))])
def test_a_length_name_and_null_still_read(dims, shape):
    text = f"netgraph: 1\ninputs: {{Input: {dims}}}\nlayers:\n  a: Tanh\nedges: [Input -> a]\n"
    net = NetGraph.from_yaml(text)
    assert net.port_types["Input"].shape == shape
    assert not list(VALIDATOR.iter_errors(yaml.safe_load(text)))

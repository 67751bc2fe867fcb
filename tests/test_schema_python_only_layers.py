"""A layer no spec can hold is not in the JSON Schema: TorchLayer needs a torch module, which YAML cannot hold (the
loader says "needs a torch.nn.Module, found str"; README: a spec contains no code)."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.core.errors import NetGraphError
from netgraph.spec.api import from_yaml
from netgraph.spec.schema import spec_schema

SCHEMA = spec_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("spec", [
    {"netgraph": 1, "type": "TorchLayer", "module": "Linear"},
    {"netgraph": 1, "layers": {"t": {"type": "TorchLayer", "module": {"type": "Linear"}}}}], ids=["file", "nested"])
def test_a_torch_layer_in_a_spec_is_refused_by_loader_and_schema(spec):
    with pytest.raises(NetGraphError):
        from_yaml(yaml.safe_dump(spec))
    assert list(VALIDATOR.iter_errors(spec))


def test_the_schema_offers_no_torch_layer_type():
    assert "TorchLayer" not in SCHEMA["$defs"]
    assert "TorchLayer" not in SCHEMA["properties"]["type"]["enum"]
    assert "LinearLayer" in SCHEMA["properties"]["type"]["enum"]

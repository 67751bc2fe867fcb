"""The JSON Schema says what the loader says of ReshapeLayer's dims (at most one inferred, -1 or Automatic) and of
TransposeLayer's perm (a permutation of 1..k, for k up to 8): a spec it takes loads, one it refuses the loader refuses
too. Before, the schema took ``dims: [-1, -1]`` and ``perm: [2]``, which the loader refuses."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.core.errors import NetGraphError
from netgraph.spec.api import from_yaml
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
BOTH_TAKE = ["{type: ReshapeLayer, dims: [-1, 2, Inherited]}", "{type: ReshapeLayer, dims: [Automatic, 20]}",
             "{type: ReshapeLayer, dims: 60}", "{type: TransposeLayer, perm: [3, 1, 2]}",
             "{type: TransposeLayer, perm: [1]}", "{type: TransposeLayer, perm: '1<->3'}"]
BOTH_REFUSE = ["{type: ReshapeLayer, dims: [-1, -1]}", "{type: ReshapeLayer, dims: [Automatic, 3, -1]}",
               "{type: TransposeLayer, perm: [2]}", "{type: TransposeLayer, perm: [1, 3]}",
               "{type: TransposeLayer, perm: [0, 1]}", "{type: TransposeLayer, perm: [2, 2]}"]


def _spec(layer: str) -> str:
    return f"netgraph: 1\nlayers:\n  t: {layer}\ninputs: {{Input: [3, 4, 5]}}\n"


def _loads(text: str) -> bool:
    try:
        from_yaml(text)
    except NetGraphError:
        return False
    return True


@pytest.mark.parametrize("layer", BOTH_TAKE + BOTH_REFUSE)
def test_the_schema_takes_a_reshape_or_transpose_exactly_where_the_loader_does(layer):
    text = _spec(layer)
    assert VALIDATOR.is_valid(yaml.safe_load(text)) == _loads(text) == (layer in BOTH_TAKE)


def test_a_permutation_longer_than_eight_levels_is_left_to_the_loader():
    perm = [*range(1, 9), 10, 9]
    assert VALIDATOR.is_valid(yaml.safe_load(_spec(f"{{type: TransposeLayer, perm: {perm}}}")))

"""A list of levels names each level once: the loader refuses [1, 1] (a repeated level would be dropped), and the
JSON Schema, which took it, refuses it too ("uniqueItems"); both take [1, 2]."""

from __future__ import annotations

import pytest
import yaml

from netgraph.core.errors import NetGraphError
from netgraph.spec.api import from_yaml
from tests.test_schema_shape_options import VALIDATOR

LAYERS = [("AggregationLayer", "levels", {"function": "Max"}), ("ParametricRampLayer", "levels", {}),
          ("NormalizationLayer", "aggregation_levels", {}), ("NormalizationLayer", "scaling_levels", {})]


def _spec(layer, option, options, levels):
    return {"netgraph": 1, "layers": {"l": {"type": layer, option: levels, **options}}, "inputs": {"Input": [3, 4, 5]}}


@pytest.mark.parametrize("layer, option, options", LAYERS)
def test_repeated_levels_are_refused_by_loader_and_schema(layer, option, options):
    spec = _spec(layer, option, options, [1, 1])
    with pytest.raises(NetGraphError, match="must name each level once"):
        from_yaml(yaml.safe_dump(spec))
    assert list(VALIDATOR.iter_errors(spec))


@pytest.mark.parametrize("layer, option, options", LAYERS)
def test_distinct_levels_are_taken_by_loader_and_schema(layer, option, options):
    spec = _spec(layer, option, options, [1, 2])
    from_yaml(yaml.safe_dump(spec))
    assert not list(VALIDATOR.iter_errors(spec))

"""Encoders and decoders in the JSON Schema: each option as its declared kind says (the schema let any value by), and
an encoder only on an input port, a decoder only on an output port (one definition served both) -- as the loader."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.core.coders import CODERS
from netgraph.core.errors import NetGraphError
from netgraph.spec.api import from_yaml
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
REFUSED = [
    ("inputs", {"encoder": {"type": "ImageEncoder", "size": "abc"}}),
    ("inputs", {"encoder": {"type": "ImageEncoder", "color_space": "CMYK"}}),
    ("inputs", {"encoder": {"type": "ClassEncoder", "labels": "abc"}}),
    ("inputs", {"encoder": {"type": "ClassEncoder", "labels": []}}),
    ("inputs", {"encoder": {"type": "ClassEncoder", "labels": ["a", "a"]}}),
    ("inputs", {"encoder": {"type": "ClassEncoder", "labels": ["a", "b"], "output": "Bogus"}}),
    ("inputs", {"encoder": {"type": "TokensEncoder", "vocabulary": ["a"], "max_length": -1}}),
    ("inputs", {"encoder": {"type": "CharactersEncoder", "vocabulary": ["a"], "lowercase": "yes"}}),
    ("inputs", {"encoder": {"type": "CharactersEncoder", "vocabulary": ["a"], "normalization": "XYZ"}}),
    ("inputs", {"encoder": {"type": "ScalarEncoder", "min": "0", "max": 1}}),
    ("outputs", {"encoder": {"type": "ScalarEncoder"}}),
    ("inputs", {"decoder": {"type": "ClassDecoder", "labels": ["a", "b"]}})]
TAKEN = [
    ("inputs", {"encoder": {"type": "ImageEncoder", "size": [8, 8], "color_space": "Grayscale", "mean": 0.5,
                            "std": [0.2]}}),
    ("inputs", {"encoder": {"type": "ImageEncoder", "size": 8}}),
    ("inputs", {"encoder": {"type": "ClassEncoder", "labels": ["a", "b"], "output": "UnitVector"}}),
    ("inputs", {"encoder": {"type": "ScalarEncoder", "min": 0, "max": 1.5}}),
    ("outputs", {"decoder": {"type": "ClassDecoder", "labels": ["a", "b"]}})]


def _spec(section: str, port: dict) -> dict:
    return {"netgraph": 1, "layers": {"f": "Tanh"}, section: {"Input" if section == "inputs" else "Output": port}}


@pytest.mark.parametrize("section, port", REFUSED, ids=[str(i) for i in range(len(REFUSED))])
def test_a_coder_the_loader_refuses_the_schema_refuses(section, port):
    spec = _spec(section, port)
    with pytest.raises(NetGraphError):
        from_yaml(yaml.safe_dump(spec))
    assert list(VALIDATOR.iter_errors(spec)), f"the schema takes {section}: {port}"


@pytest.mark.parametrize("section, port", TAKEN, ids=[str(i) for i in range(len(TAKEN))])
def test_a_coder_the_loader_takes_the_schema_takes(section, port):
    spec = _spec(section, port)
    from_yaml(yaml.safe_dump(spec))
    assert not list(VALIDATOR.iter_errors(spec))


@pytest.mark.parametrize("name", sorted(CODERS))
def test_a_coder_given_only_its_type_the_schema_takes_as_the_loader(name):
    """Options the loader needs (Restricted's range, ClassEncoder's labels) are required in the schema too."""
    kind = CODERS[name].kind
    spec = _spec("inputs" if kind == "encoder" else "outputs", {kind: {"type": name}})
    try:
        from_yaml(yaml.safe_dump(spec))
        loads = True
    except NetGraphError:
        loads = False
    assert VALIDATOR.is_valid(spec) == loads

"""A graph's ``inputs:`` keys in the JSON Schema say what the loader takes (``usable_input_name``): a Python identifier
that Python reads as written (in NFKC form), no keyword and not ``self``; names NFKC changes only by joining
characters, or beyond the BMP, the schema cannot tell (its description says so) and the loader refuses at load."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph.core.errors import SpecError
from netgraph.spec.api import from_yaml
from netgraph.spec.schema import spec_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_schema())


def _spec(name: str) -> dict:
    return {"netgraph": 1, "layers": {"a": {"type": "LinearLayer", "output": 2}}, "edges": [f"{name} -> a"],
            "inputs": {name: 3}}


def _load(spec: dict) -> object:
    return from_yaml(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))


@pytest.mark.parametrize("name", ["\u00b5", "\ufb01x", "x\u2168", "\u00aa", "x\u00b2", "1x", "if", "self"],
                         ids=["micro-sign", "ligature", "roman-numeral", "ordinal", "superscript", "digit-first",
                              "keyword", "self"])
def test_input_names_the_loader_refuses_the_schema_refuses(name):
    with pytest.raises(SpecError):
        _load(_spec(name))
    assert list(VALIDATOR.iter_errors(_spec(name))), f"the schema takes the input name {name!r}"


@pytest.mark.parametrize("name", ["x", "Input", "\u03bc", "caf\u00e9", "x\u0301", "match", "_x1"])
def test_input_names_the_loader_takes_the_schema_takes(name):
    assert _load(_spec(name)).input_ports == (name,)
    assert not list(VALIDATOR.iter_errors(_spec(name)))


@pytest.mark.parametrize("name", ["cafe\u0301", "\U0001d465"], ids=["combining-accent", "beyond-bmp"])
def test_input_names_nfkc_changes_the_pattern_cannot_see_the_loader_refuses_at_their_key(name):
    with pytest.raises(SpecError) as caught:
        _load(_spec(name))
    assert caught.value.diagnostics[0].kind == "graph-input-name"
    assert str(caught.value).startswith("<string>:9:3: ")  # its key under inputs:
    assert "NFKC" in spec_schema()["$defs"]["inputName"]["description"]

"""Names in the JSON Schema (a variadic layer's port names, a shape's length names) are the identifiers the loader
takes, from one rule (``str.isidentifier``, ``core.option_words.name_pattern``): the schema took any non-ASCII
character, so a name holding a non-letter beyond ASCII (``a€``, ``x²``, a no-break space) passed it and the loader
refused it. Beyond the Basic Multilingual Plane the schema takes any character (the loader decides there). (A graph
input's name is asked more, unchanged by NFKC: a keyword argument; that rule is not the schema's.)"""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from tests.test_schema_shape_options import VALIDATOR, _loads

TAKEN = ["x", "_x1", "café", "μ", "日本", "a·b", "ℕ", "Ⅳ", "℘", "ａ", "x٣", "𝑥"]
REFUSED = ["a€", "x²", "a\u00a0b", "a—b", "a\u200bb", "€", "·a", "1x", "a-b", "٣x", "«x»", "x\u3000",
           "x\n"]  # Python's $ matches before a final newline
PLACES = {"port name": lambda name: {"netgraph": 1, "layers": {"t": {"type": "TotalLayer", "inputs": [name, "b"]}},
                                     "inputs": {"x": [3], "y": [3]}, "edges": [f"x -> t.{name}", "y -> t.b"]},
          "length name": lambda name: {"netgraph": 1, "type": "NetChain", "input": [name, 3], "layers": ["Tanh"]}}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("name", TAKEN + REFUSED)
def test_the_schema_and_the_loader_take_the_same_names(place, name):
    spec = PLACES[place](name)
    taken = name in TAKEN
    assert (VALIDATOR.is_valid(spec), _loads(yaml.safe_dump(spec, allow_unicode=True))) == (taken, taken)


def test_every_character_of_the_bmp_is_read_as_isidentifier_reads_it():
    """The pattern is derived from str.isidentifier, character by character (first and following), so no
    hand-written range can drift from it."""
    import re

    from netgraph.core.option_words import name_pattern
    name = re.compile(name_pattern())
    for code in range(0x10000):
        c = chr(code)
        assert (bool(name.fullmatch(c)), bool(name.fullmatch("a" + c))) == (c.isidentifier(), ("a" + c).isidentifier())


@pytest.mark.parametrize("slot, taken", [("#café", True), ("#μ1", True), ("#a€", False), ("#x²", False),
                                         ("#if", False), ("#1a", False),
                                         ("#x\n", False)])
def test_a_slot_takes_the_same_names_less_the_keywords(slot, taken):
    from netgraph.core.option_words import slot_schema
    assert jsonschema.Draft202012Validator(slot_schema()).is_valid(slot) == taken

"""A problem inside a YAML anchor's value (or a 'ref:' net) is told once, at the anchor, naming the layers that
take the value through an alias (or reference) and where they do."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgraph import SpecError
from netgraph.spec.load import load_spec

TYPO = "has no option 'outptu' (did you mean 'output'?); its options are output, input, weights, biases"


def _problems(text: str) -> list:
    with pytest.raises(SpecError) as caught:
        load_spec((text, "s.yaml", Path(".")))
    return caught.value.diagnostics


def test_a_typo_in_an_anchored_layer_is_told_once_naming_each_alias_use():
    """It was repeated at 3:29 for each use (2 identical places; 3 with a merge key), none pointing at the use."""
    text = ("netgraph: 1\nlayers:\n  a: &L {type: LinearLayer, outptu: 2}\n  b: *L\n  c: {<<: *L, output: 3}\n"
            "inputs: {Input: [3]}\n")
    (problem,) = _problems(text)
    assert (problem.kind, problem.layer, problem.option, problem.line, problem.column) == \
        ("layer-argument", ("a",), "outptu", 3, 29)
    assert problem.message == (f"layer 'a' (LinearLayer) {TYPO}; the same for layers 'b' (4:3) and 'c' (5:3), "
                               f"which take this value through a YAML alias or reference")


def test_a_typo_in_a_net_used_twice_by_ref_names_the_second_use():
    text = ("netgraph: 1\nnets:\n  blk:\n    type: NetGraph\n    layers:\n      lin: {type: LinearLayer, outptu: 2}\n"
            "layers:\n  x: {ref: blk}\n  y: {ref: blk}\ninputs: {Input: [3]}\n")
    (problem,) = _problems(text)
    assert (problem.layer, problem.line, problem.column) == (("x", "lin"), 6, 32)
    assert problem.message.endswith(f"{TYPO}; the same for layer 'y/lin' (9:3), which takes this value through a "
                                    f"YAML alias or reference")


def test_the_same_typo_written_twice_is_told_at_each_place():
    text = ("netgraph: 1\nlayers:\n  a: {type: LinearLayer, outptu: 2}\n  b: {type: LinearLayer, outptu: 2}\n"
            "inputs: {Input: [3]}\n")
    problems = _problems(text)
    assert [(p.layer, p.line, p.message) for p in problems] == \
        [(("a",), 3, f"layer 'a' (LinearLayer) {TYPO}"), (("b",), 4, f"layer 'b' (LinearLayer) {TYPO}")]

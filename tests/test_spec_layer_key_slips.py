"""A layer written without ``type:`` whose keys hold a slip for ``type``, ``file`` or ``ref`` says which key was meant;
found by QA: ``x: {fiel: parts/block.yaml}`` said only "layer 'x' needs 'type:'", not that it was a file reference."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError

HEAD = "netgraph: 1\ninputs: {Input: 3}\nlayers:\n"


@pytest.mark.parametrize("layer, meant", [("{fiel: parts/block.yaml}", "'fiel:' (did you mean 'file:'?)"),
                                          ("{Type: LinearLayer, output: 2}", "'Type:' (did you mean 'type:'?)"),
                                          ("{refs: cell}", "'refs:' (did you mean 'ref:'?)")])
def test_a_slip_for_type_file_or_ref_is_named(layer, meant):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(HEAD + f"  x: {layer}\n")
    (problem,) = info.value.diagnostics
    assert problem.message == f"layer 'x' needs 'type:' (a layer type such as LinearLayer, or NetGraph); its key {meant}"
    assert (problem.kind, problem.line, problem.column) == ("missing-key", 4, 3)


def test_a_layer_without_type_and_no_slip_says_only_what_it_needs():
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(HEAD + "  x: {output: 2}\n")
    assert info.value.diagnostics[0].message == "layer 'x' needs 'type:' (a layer type such as LinearLayer, or NetGraph)"

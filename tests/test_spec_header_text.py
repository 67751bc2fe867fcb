"""A spec's ``name`` and ``description`` are free text, as the schema says: found by QA, ``description: [a, b]``
passed `netgraph check` and `netgraph train -o` wrote it into the trained spec (and export into the model) as the
Python repr "['a', 'b']"."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError

BODY = "layers: {a: 2}\ninputs: {Input: 3}\n"


@pytest.mark.parametrize("line, found", [("description: [a, b]", "a list"), ("name: {first: x}", "a mapping")])
def test_a_name_or_description_that_is_no_text_is_refused_at_its_place(line, found):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\n{line}\n{BODY}")
    (problem,) = info.value.diagnostics
    key = line.split(":")[0]
    assert (problem.line, problem.column, problem.kind, problem.option, problem.found) == (
        2, len(key) + 3, "value-type", key, found)
    assert problem.message.startswith(f"'{key}:' is free text, found {found}; write it as one string")


@pytest.mark.parametrize("header", ["name: 42\n", "name: 'Net: one'\ndescription: |\n  two\n  lines\n", "name:\n", ""])
def test_text_and_empty_headers_still_load(header):
    assert NetGraph.from_yaml(f"netgraph: 1\n{header}{BODY}").output_shapes == {"Output": (2,)}


def test_the_version_is_still_checked_first():
    with pytest.raises(SpecError, match=r"<string>:1:11: unsupported format version 2"):
        NetGraph.from_yaml(f"netgraph: 2\n{BODY}")

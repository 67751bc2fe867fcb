"""YAML merge keys '<<': a mapping gives '<<' once, like any other key (a second one was taken silently, the first
winning); a merge value that is no mapping is told where it is written, once per use, not at the anchor of the list
an alias names. Several sources in one '<<' (a list, earlier wins) keep working."""

import pytest

from netgraph.spec.yaml_nodes import YamlRefused, read_yaml
from tests.spec_refusals import spec_problems


def problems(text: str) -> list[tuple]:
    return spec_problems(text, ("line", "column", "kind", "message"))


@pytest.mark.parametrize("layer, where", [
    ("  a:\n    <<: {type: LinearLayer, output: 3}\n    <<: {output: 4}\n", (5, 5)),
    ("  a: {<<: {type: LinearLayer, output: 3}, <<: {output: 4}}\n", (3, 43)),
], ids=["block", "flow"])
def test_a_repeated_merge_key_is_a_duplicate_key(yaml_loader, layer, where):
    found = problems(f"netgraph: 1\nlayers:\n{layer}inputs: {{Input: 2}}\n")
    assert [(line, col, kind) for line, col, kind, _ in found] == [(*where, "duplicate-key")]
    assert found[0][3].startswith("duplicate key '<<' (first given at line")
    assert found[0][3].endswith("give several merge sources in one: <<: [*a, *b]")  # PyYAML merges both: none is lost


def test_a_repeated_merge_key_is_refused_without_a_problem_list(yaml_loader):
    with pytest.raises(YamlRefused) as info:
        read_yaml("a: {<<: {x: 1}, <<: {x: 2}}\n", "m.yaml")
    assert (info.value.loc.line, info.value.loc.col, info.value.kind) == (1, 17, "duplicate-key")


def test_several_sources_in_one_merge_key_keep_working(yaml_loader):
    data = read_yaml("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc: {<<: [*a, *b], y: 3}\n", "m.yaml")
    assert dict(data["c"]) == {"x": 1, "y": 3, "z": 2}
    assert read_yaml("l: &l [{x: 1}, {x: 2, y: 2}]\nc: {<<: *l}\n", "m.yaml")["c"] == {"x": 1, "y": 2}


@pytest.mark.parametrize("text, places", [
    # found by QA: told at the anchored list, once per item (3:10, 3:13), where layer 'f' is valid
    ("netgraph: 1\nlayers:\n  f: &f [3, Ramp]\n  g: {<<: *f, type: LinearLayer, output: 2}\n"
     "  h: {<<: *f, type: LinearLayer, output: 2}\ninputs: {Input: 2}\nedges: [Input -> f]\n", [(4, 11), (5, 11)]),
    # found by QA: '<<: [*a, *f]' with *f a list was told at f's anchor (3:10), where layer 'f' is valid
    ("netgraph: 1\nlayers:\n  f: &f [3, Ramp]\n  a: &a {type: LinearLayer, output: 2}\n"
     "  g: {<<: [*a, *f]}\n  h: {<<: [*f, *a]}\ninputs: {Input: 2}\nedges: [Input -> f]\n", [(5, 16), (6, 12)])])
def test_an_aliased_list_merged_is_told_at_each_use_once(yaml_loader, text, places):
    found = problems(text)
    assert [(line, col, kind) for line, col, kind, _ in found] == [(*place, "yaml-syntax") for place in places]
    assert found[0][3].startswith("a merge key '<<' takes a mapping")


def test_items_of_a_merged_list_are_told_each_where_written(yaml_loader):
    found = problems("netgraph: 1\nlayers:\n  a: &a {type: LinearLayer, output: 3}\n  e: {<<: [*a, 3, Ramp]}\n"
                     "inputs: {Input: 2}\n")
    assert [(line, col) for line, col, *_ in found] == [(4, 16), (4, 19)]


def test_an_alias_in_a_merged_list_still_merges_its_mapping(yaml_loader):
    data = read_yaml("a: &a {x: 1}\nl: &l [*a, {y: 2}]\nc: {<<: [*a, {x: 3, z: 3}]}\nd: {<<: *l}\n", "m.yaml")
    assert (dict(data["c"]), dict(data["d"])) == ({"x": 1, "z": 3}, {"x": 1, "y": 2})
    assert [(i, loc.line, loc.col) for i, loc in data["l"].alias_locs.items()] == [(0, 2, 8)]

"""One slip, one problem: a merge key of no mapping (``d: {<<: 7}``) is not also a layer missing its 'type:' (the
'<<' may have been meant to give it); a key past YAML's 1024 characters is told as that, not as PyYAML's "did not
find expected ','"."""

import pytest

from tests.spec_refusals import spec_problems


def _problems(text: str) -> list[tuple]:
    return spec_problems(text, ("line", "column", "kind", "message"))


def test_a_merge_key_of_no_mapping_is_the_layers_one_problem(yaml_loader):
    found = _problems("netgraph: 1\nlayers:\n  d: {<<: 7}\ninputs: {Input: 2}\n")
    assert [(line, col, kind) for line, col, kind, _ in found] == [(3, 11, "yaml-syntax")]
    assert "a merge key '<<' takes a mapping" in found[0][3]


def test_a_layer_with_no_type_and_no_merge_key_still_needs_one(yaml_loader):
    assert [p[:3] for p in _problems("netgraph: 1\nlayers:\n  d: {}\ninputs: {Input: 2}\n")] == [
        (3, 3, "missing-key")]


@pytest.mark.parametrize("layers, where", [("{KEY: 3}\n", (2, 10)), ("\n  KEY: 3\n", (3, 3)),
                                           ("\n  - KEY: 3\n", (3, 5)), ("{a: 3, 'KEY': 3}\n", (2, 16))])
def test_a_key_past_1024_characters_is_told_with_the_limit(layers, where, yaml_loader):
    key = "k" * 1100
    found = _problems("netgraph: 1\nlayers: " + layers.replace("KEY", key))
    assert [(line, col) for line, col, _, _ in found] == [where]
    assert "of at most 1024" in found[0][3] and "characters" in found[0][3]


@pytest.mark.parametrize("layers, where", [("{KEY : 3}\n", (2, 10)), ("\n  KEY : 3\n", (3, 3))])
def test_the_spaces_before_a_keys_colon_count_towards_the_1024_characters(layers, where, yaml_loader):
    found = _problems("netgraph: 1\nlayers: " + layers.replace("KEY", "k" * 1024))  # the parser counts to the ':'
    assert [(line, col) for line, col, _, _ in found] == [where]
    assert "this key has 1025 characters (with the spaces before its :), and YAML reads a key" in found[0][3]
    assert "of at most 1024" in found[0][3]

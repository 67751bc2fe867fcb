"""A number the spec cannot read (an integer beyond 64 bits, one with a leading zero, one too long to convert) is
one problem among the file's others, at its file:line:col, with either YAML loader; what its absence causes (a list
of numbers holding it) is not told again. Such a number used to refuse the whole file alone, hiding the rest."""

import pytest

from netgraph import NetGraph
from netgraph.core.errors import SpecError
from tests.spec_refusals import spec_problems


def problems(text: str) -> list[tuple]:
    return spec_problems(text, ("line", "column", "kind", "message"))


BIG = "99999999999999999999999"
OTHERS = ("  b: {type: LinearLayr, output: 2}\n"
          "inputs: {Input: 3}\n"
          "edges: [Input -> a, a -> nowhere]\n")


def test_an_option_past_64_bits_names_its_option_and_the_number_as_written(yaml_loader):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: {BIG}}}\ninputs: {{Input: 2}}\n")
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.option, problem.found) == ("option-value", ("a",), "output", BIG)


@pytest.mark.parametrize("value", [BIG, f"[2, {BIG}]", f"[[{BIG}], 2]", f"{{n: {BIG}}}"],
                         ids=["scalar", "in-a-list", "in-a-nested-list", "in-a-mapping"])
def test_a_number_past_64_bits_within_an_option_names_the_option(yaml_loader, value):
    """Within a plain layer's option written as a list (``input: [2, ...]``), the number was told as the shape of a
    port Input (port-shape), as though the layer were a net; it is the option's value (option-value), as written
    alone, and as Python's ``LinearLayer(3, input=[2, 10**25])`` tells it."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: 3, input: {value}}}\n")
    (problem,) = [d for d in info.value.diagnostics if "out of range" in d.message]
    assert (problem.kind, problem.layer, problem.option, problem.port, problem.found) == (
        "option-value", ("a",), "input", None, BIG)


@pytest.mark.parametrize("text, line, col, port", [
    (f"netgraph: 1\ntype: NetChain\nlayers: [2]\ninput: {BIG}\n", 4, 8, "Input"),
    (f"netgraph: 1\nlayers: {{a: Tanh}}\ninputs: {{x: 3, y: [n, {BIG}]}}\noutputs: {{z: 2}}\n", 3, 23, "y"),
    (f"netgraph: 1\nlayers: {{a: Tanh}}\ninputs: {{x: 3}}\noutputs:\n  z: [{BIG}]\n", 5, 7, "z"),
    (f"netgraph: 1\nlayers:\n  box: {{layers: [Tanh], inputs: {{p: [{BIG}]}}}}\ninputs: {{x: 3}}\n", 3, 38, "p"),
    (f"netgraph: 1\nlayers:\n  box: {{type: NetChain, layers: [Tanh], input: [{BIG}]}}\n", 3, 49, "Input"),
])
def test_a_port_shape_past_64_bits_is_a_port_shape_problem_at_its_port(yaml_loader, text, line, col, port):
    """It was told as a YAML syntax problem (yaml-syntax), though the YAML is well formed: the port's shape is wrong,
    as 1e400 there is (port-shape)."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    (problem,) = [d for d in info.value.diagnostics if "out of range" in d.message]
    assert (problem.line, problem.column, problem.kind, problem.port, problem.found) == (
        line, col, "port-shape", port, BIG)


@pytest.mark.parametrize("number, told", [
    (BIG, f"integer {BIG} is out of range (a spec's integers fit in 64 bits)"),
    ("010", "'010': a number with a leading zero is ambiguous"),
    ("9" * 5000, "integer " + "9" * 40 + "... is out of range (a spec's integers fit in 64 bits)"),
    ("-" + "9" * 5000, "integer -" + "9" * 39 + "... is out of range (a spec's integers fit in 64 bits)"),
], ids=["beyond-64-bits", "leading-zero", "5000-digits", "5000-digits-negative"])
def test_an_unread_number_is_told_beside_the_other_problems(yaml_loader, number, told):
    """A layer option's integer past 64 bits is an option-value problem, as LinearLayer(10**30)'s is in Python (it
    was yaml-syntax); a leading zero is the YAML's own."""
    found = problems("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: " + number + "}\n" + OTHERS)
    assert [(line, col, kind) for line, col, kind, _ in found] == [
        (3, 34, "yaml-syntax" if number == "010" else "option-value"), (4, 13, "unknown-layer-type"),
        (6, 26, "unknown-layer")]
    assert found[0][3].startswith(told) and "set_int_max_str_digits" not in found[0][3], found[0][3]
    assert "LinearLayr" in found[1][3] and "'nowhere'" in found[2][3]


@pytest.mark.parametrize("layer, col", [
    (f"{{type: NetArrayLayer, array: [[1, 2], [3, {BIG}]]}}", 48),   # the list holding it: not refused again
    (f"{{type: RandomArrayLayer, distribution: {{type: NormalDistribution, args: [{BIG}, 1]}}, output: 3}}", 79),
    (f"{{type: LinearLayer, output: &n {BIG}}}", 37),                 # an anchored one
])
def test_an_unread_number_is_told_once(yaml_loader, layer, col):
    found = problems(f"netgraph: 1\nlayers:\n  a: {layer}\n" + OTHERS)
    assert [(line, c) for line, c, *_ in found] == [(3, col), (4, 13), (6, 26)]
    assert "out of range" in found[0][3]


@pytest.mark.parametrize("value, col", [
    ("!!python/object/apply:os.system [ls]", 6),    # a list: read for its problems, then nothing
    ("!!binary aGVsbG8=", 6),
    ("!custom {type: LinearLayer, output: 3}", 6),
    ("&x !!python/name:os.system Tanh", 9),         # at the tag, past the anchor
])
def test_a_refused_tag_is_told_beside_the_other_problems(yaml_loader, value, col):
    found = problems(f"netgraph: 1\nlayers:\n  a: {value}\n" + OTHERS)
    assert [(line, c, kind) for line, c, kind, _ in found] == [
        (3, col, "yaml-syntax"), (4, 13, "unknown-layer-type"), (6, 26, "unknown-layer")]
    assert "is not allowed: a spec is plain data" in found[0][3]


def test_a_merge_key_of_no_mapping_is_told_beside_the_other_problems(yaml_loader):
    found = problems("netgraph: 1\nlayers:\n  a: {<<: 3, type: LinearLayer, output: 2}\n" + OTHERS)
    assert [(line, c, kind) for line, c, kind, _ in found] == [
        (3, 11, "yaml-syntax"), (4, 13, "unknown-layer-type"), (6, 26, "unknown-layer")]
    assert found[0][3] == "a merge key '<<' takes a mapping (or a list of mappings), e.g. '<<: *defaults'"


@pytest.mark.parametrize("key, col", [("[a]", 3), ("{a: 1}", 3), ("!!python/str c", 3)])
def test_a_key_that_is_no_plain_name_is_told_beside_the_other_problems(yaml_loader, key, col):
    found = problems(f"netgraph: 1\nlayers:\n  a: Tanh\n  {key}: Tanh\n" + OTHERS)
    assert [(line, c, kind) for line, c, kind, _ in found] == [
        (4, col, "yaml-syntax"), (5, 13, "unknown-layer-type"), (7, 26, "unknown-layer")]
    assert "a mapping key must be a plain name" in found[0][3] or "is not allowed on a key" in found[0][3]


def test_an_alias_of_a_list_as_a_key_is_told_at_the_alias(yaml_loader):
    """Found by QA: it was told at the anchored list (3:9), not at the key that names it (4:3)."""
    found = problems("netgraph: 1\nlayers:\n  a: &x [1]\n  *x : Tanh\n  c: {type: LinearLayr}\n")
    assert [(line, c, kind) for line, c, kind, _ in found] == [(4, 3, "yaml-syntax"), (5, 13, "unknown-layer-type")]
    assert found[0][3] == "a mapping key must be a plain name, not a list or mapping"

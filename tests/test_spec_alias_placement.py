"""A section whose value is a YAML alias to a value of the wrong type for it (``outputs: *e``, the edges' anchor)
is reported at the alias, where the slip is; it was placed at the anchor, a line that is right for its own key."""

from tests.spec_refusals import spec_problems


def test_outputs_aliasing_the_edges_are_reported_at_the_alias(yaml_loader):
    text = ("netgraph: 1\nlayers:\n  a: 3\n  b: 2\ninputs: {Input: 2}\nedges: &e [Input -> a -> b, a -> zz]\n"
            "outputs: *e\n")
    assert spec_problems(text) == [(6, 34, "unknown-layer"), (7, 10, "value-type")]  # zz: in the edges, where written


def test_each_section_of_the_wrong_type_through_an_alias_is_reported_at_its_alias(yaml_loader):
    text = "netgraph: 1\nnets: {}\nx: &l 7\nlayers: *l\ninputs: *l\nedges: *l\nname: &n [a]\ndescription: *n\n"
    assert spec_problems(text) == [(3, 1, "unknown-key"), (4, 9, "value-type"), (5, 9, "value-type"),
                                   (6, 8, "value-type"), (7, 10, "value-type"), (8, 14, "value-type")]


def test_a_nets_section_of_the_wrong_type_through_an_alias_is_reported_at_its_alias(yaml_loader):
    text = "netgraph: 1\nlayers: {a: &t 3}\ninputs: {Input: 2}\nnets: *t\n"
    assert spec_problems(text) == [(4, 7, "value-type")]

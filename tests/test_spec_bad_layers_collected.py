"""A spec whose 'layers:' cannot be read still has its other sections read: the loader collects every problem,
so one in 'inputs:' or 'edges:' is not left for the next run (edges naming layers are judged once layers are read)."""

from tests.spec_refusals import spec_problems


def test_a_graphs_ports_and_edge_syntax_are_checked_beside_bad_layers():
    text = "netgraph: 1\nlayers: 7\ninputs: {Input: [-3]}\nedges:\n  - Input => a\n  - 5\n  - Input -> zz\n"
    assert spec_problems(text) == [(2, 9, "value-type"), (3, 18, "port-shape"), (5, 11, "edge-syntax"),
                                   (6, 5, "edge-syntax")]  # zz: no layers to judge it by


def test_sections_of_the_wrong_type_are_reported_beside_bad_layers():
    assert spec_problems("netgraph: 1\nlayers: 7\ninputs: [Input]\nedges: 'Input -> a'\n") == [
        (2, 9, "value-type"), (3, 9, "value-type"), (4, 8, "value-type")]


def test_a_chains_ports_and_edges_are_checked_beside_missing_layers():
    assert spec_problems("netgraph: 1\ntype: NetChain\ninput: [-3]\nedges: [a -> b]\n") == [
        (1, 1, "missing-key"), (3, 9, "port-shape"), (4, 1, "unknown-key")]


STAGES = ("netgraph: 1\ninputs: {Input: [4, -1]}\nlayers:\n  a: {type: LinearLayer, output: -2}\n"
          "  b: {type: LinearLayr, output: 3}\n  c: {type: LinearLayer, outptu: 3}\n"
          "  s: {type: LinearLayer, output: 2, input: 5}\nedges:\n  - Input -> a\n  - Input -> b -> d\n  - Input -> s\n")


def test_ports_options_types_and_edges_of_all_layers_are_told_together_as_the_readme_says():
    assert spec_problems(STAGES) == [(2, 21, "port-shape"), (4, 34, "option-value"), (5, 13, "unknown-layer-type"),
                                     (6, 26, "layer-argument"), (10, 19, "unknown-layer")]


def test_shapes_are_checked_only_once_the_options_and_wiring_pass_as_the_readme_says():
    fixed = STAGES.replace("[4, -1]", "4").replace("-2", "2").replace("LinearLayr", "LinearLayer") \
        .replace("outptu", "output").replace(" -> d", "")
    assert [kind for *_, kind in spec_problems(fixed)] == ["shape"]  # s's input 5 against Input's 4, hidden before

"""Structured diagnostics: every construction error carries its layer path, port, edge index and kind,
and the YAML loader places errors by those fields, never by reading message text."""

from __future__ import annotations

import dataclasses
import re

import pytest

from netgraph import (CycleError, ElementwiseLayer, FunctionLayer, LinearLayer, NetChain, NetGraph, NetPort, ShapeError,
                      SpecError, TotalLayer, WiringError)
from netgraph.core.errors import Diagnostic, EdgeRef
from netgraph.spec.load import SpecReader
from tests.test_spec_errors import BROKEN, EXTRA_OUTPUT, FED_TWICE, SHAPE_JOINED


@pytest.fixture(autouse=True)
def _each_yaml_loader(yaml_loader):
    """Every test here runs with each YAML loader."""


def diagnostics(cls, *args, **kwargs) -> list[Diagnostic]:
    with pytest.raises(cls) as info:
        NetGraph(*args, **kwargs)
    return info.value.diagnostics


def fields(d: Diagnostic) -> tuple:
    return d.kind, d.layer, d.port, d.edge


# -- the core fills the fields --------------------------------------------------------------------

def test_wiring_problems_name_layer_port_and_the_users_edge_index():
    layers = {"a": LinearLayer(2), "b": ElementwiseLayer("Tanh"), "c": ElementwiseLayer("Tanh")}
    found = diagnostics(WiringError, layers, [("a", "b"), ("b", "c", NetPort("c", "Inptu")), ("zz", "a")])
    assert [fields(d) for d in found] == [("unknown-port", ("c",), "Inptu", 1), ("unknown-layer", None, None, 2)]
    assert "did you mean 'Input'" in found[0].message and found[0].edges == [EdgeRef((), 1, found[0].edges[0].text, 1, "c -> NetPort('c', 'Inptu')")]


def test_a_port_fed_twice_is_reported_at_the_second_edge():
    layers = {"a": LinearLayer(2), "b": LinearLayer(2), "t": ElementwiseLayer("Tanh")}
    edges = {"a": NetPort("t", "Input"), "b": NetPort("t", "Input")}
    (found,) = diagnostics(WiringError, layers, edges, Input=3)
    assert fields(found) == ("fed-twice", ("t",), "Input", 1) and len(found.edges) == 2


def test_bad_layer_names_and_graph_ports_are_fields_too():
    (bad_name,) = diagnostics(WiringError, {"for.ward": LinearLayer(2)}, [])
    assert fields(bad_name) == ("layer-name", ("for.ward",), None, None)
    (port,) = diagnostics(WiringError, {"a": LinearLayer(2)}, [], Inptu=3)
    assert fields(port) == ("unknown-graph-port", (), "Inptu", None)


@pytest.mark.parametrize("edges, closing", [
    ([(1, 2), (2, 3), (3, 1)], 2),
    ([(3, 1), (1, 2), (2, 3), (4, 1)], 2),
    ([(1, 2, 3, 1), (3, 4)], 0),
    ([(2, 3), (1, 2), (3, 4), (4, 2)], 3),
])
def test_a_cycle_is_reported_at_the_edge_that_closes_it(edges, closing):
    (found,) = diagnostics(CycleError, [TotalLayer() for _ in range(4)], edges)
    assert found.kind == "cycle" and found.edge == closing
    assert found.message.endswith(f"closed by edge {found.edges[0]}") and found.edges[0].index == closing


def test_a_cycle_closed_within_one_chain_is_reported_at_its_last_link():
    (found,) = diagnostics(CycleError, [TotalLayer() for _ in range(4)], [(1, 2, 3, 1, 4)])
    assert (found.edge, found.hop, found.layer) == (0, 2, ("1",))
    assert found.message.endswith("closed by edge 3 -> 1 (in chain 1 -> 2 -> 3 -> 1 -> 4)")


def test_a_shape_conflict_names_the_port_and_the_edge_that_joined_the_classes():
    layers = {"a": LinearLayer(2), "t": ElementwiseLayer("Tanh"), "f": FunctionLayer("#x + #y", input={"x": 3})}
    (found,) = diagnostics(ShapeError, layers, [("a", "t"), ("a", NetPort("f", "x"))], Input=4)
    assert fields(found) == ("shape", ("f",), "x", 1) and found.graph == ()
    assert [e.index for e in found.edges] == [1]  # the edge joining the two ports, not a -> t of their class


def test_a_conflict_across_a_nested_graph_is_placed_at_the_outer_edge():
    inner = NetGraph({"lin": LinearLayer(3)}, [], Input=5)
    (found,) = diagnostics(ShapeError, {"src": LinearLayer(4), "enc": inner}, [("src", "enc")], Input=2)
    assert found.kind == "shape" and found.edge == 0 and found.graph == ()
    assert found.layer[0] in ("src", "enc")


def test_errors_of_a_nested_shorthand_graph_get_its_path():
    (found,) = diagnostics(WiringError, {"enc": [4, "Tanh", "Bogus"]}, [])
    assert fields(found) == ("not-a-layer", ("enc", "3"), None, None) and found.graph == ("enc",)
    assert found.message.startswith("layer 1 'enc': ")


def test_chain_problems_name_the_layer():
    with pytest.raises(WiringError) as info:
        NetChain([LinearLayer(2), NetGraph({"a": LinearLayer(2), "b": LinearLayer(3)}, []), LinearLayer(2)])
    assert fields(info.value.diagnostics[0]) == ("chain-output", ("2",), None, 1)


def test_within_prefixes_the_layer_the_graph_and_the_edges_and_render_prints_edges_as_asked():
    d = Diagnostic.of("unknown-port", "edge ", EdgeRef((), 3, "a -> b.X"), ": no port X", layer=("b",), port="X", edge=3)
    outer = d.within("enc")
    assert (outer.layer, outer.graph, outer.edges[0].graph, outer.edge) == (("enc", "b"), ("enc",), ("enc",), 3)
    assert outer.render(lambda ref: f"<{'/'.join(ref.graph)}#{ref.index}>") == "edge <enc#3>: no port X"
    assert str(outer) == "edge a -> b.X: no port X"


# -- the YAML loader places errors by fields --------------------------------------------------------

SPECS = {
    "shape": SHAPE_JOINED,
    "fed twice": FED_TWICE,
    "declared": EXTRA_OUTPUT,
    "cycle": """\
netgraph: 1
layers: {a: Tanh, b: TotalLayer, c: Tanh, d: Tanh}
inputs: {Input: 2}
edges:
  - Input -> a
  - a -> b -> c
  - c -> d
  - d -> b
""",
    "joined": """\
netgraph: 1
layers:
  a: {type: LinearLayer, output: 2}
  t: Tanh
  f: {type: FunctionLayer, function: "#x + #y", input: {x: 3}}
inputs: {Input: 4}
edges:
  - Input -> a
  - a -> t
  - a -> f.x
""",
    "nested port": """\
netgraph: 1
layers:
  inner:
    type: NetGraph
    layers:
      x: {type: LinearLayer, output: 2}
      tot: TotalLayer
    edges:
      - x -> tot.Input1
      - x -> tot.Foo
  out: Tanh
inputs: {Input: 3}
edges: [inner -> out]
""",
    "option": "netgraph: 1\ntype: NetChain\nlayers: [3, Tanh]\ninputs: {Input: 4}\ninput: 4\n",
}
#: where each spec's NetGraph-raised problems belong (line:col), and a fragment of the message there
EXPECTED = {
    "shape": [("9:5", "joined by edge [mu, noise] -> f")],
    "fed twice": [("11:5", "all fed by NetPort edges (b.Output -> t.Input), so no input is left for a.Output -> t.")],
    "declared": [("6:11", "'Extra' is declared under outputs:"), ("7:22", "expected shape (3), found (2)")],
    "cycle": [("8:5", "closed by edge d -> b")],
    "joined": [("10:5", "joined by edge a -> f.x)")],  # not a -> t, which plays no part
    "option": [("5:1", "'input:' and 'inputs: {Input: ...}' both give the shape of port 'Input'; keep one")],
    "nested port": [("10:18", "edge x -> tot.Foo: layer 'inner/tot' (TotalLayer) has no port 'Foo'")],
}


def located(text: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return [re.match(r"^<string>:(\d+:\d+): (.*)", e, re.S).groups() for e in info.value.errors]


@pytest.fixture
def reworded(monkeypatch):
    """Every diagnostic NetGraph raises reaches the loader with its message replaced: only fields remain."""
    place = SpecReader.place

    def place_reworded(self, problems, loc_of, where):
        place(self, [dataclasses.replace(p, message="(reworded)", parts=()) for p in problems], loc_of, where)
    monkeypatch.setattr(SpecReader, "place", place_reworded)


@pytest.mark.parametrize("name", SPECS)
def test_errors_land_at_their_yaml_with_the_edge_as_written(name):
    found = located(SPECS[name])
    assert [loc for loc, _ in found] == [loc for loc, _ in EXPECTED[name]]
    for (_, message), (_, fragment) in zip(found, EXPECTED[name]):
        assert fragment in message and "NetPort(" not in message


@pytest.mark.parametrize("name", SPECS)
def test_rewording_every_message_moves_no_error(name, reworded):
    assert [loc for loc, _ in located(SPECS[name])] == [loc for loc, _ in EXPECTED[name]]


def test_rewording_moves_nothing_in_a_file_with_every_kind_of_problem(tmp_path, monkeypatch):
    (tmp_path / "net.yaml").write_text(BROKEN)

    def positions() -> list[str]:
        with pytest.raises(SpecError) as info:
            NetGraph.from_yaml(tmp_path / "net.yaml")
        return [e.split(": ", 1)[0] for e in info.value.errors]
    before = positions()
    place = SpecReader.place
    monkeypatch.setattr(SpecReader, "place", lambda self, problems, loc_of, where: place(
        self, [dataclasses.replace(p, message="?", parts=()) for p in problems], loc_of, where))
    assert positions() == before and len(before) == 12


# -- YAML text problems ----------------------------------------------------------------------------------

def test_a_duplicate_key_is_reported_with_the_other_problems():
    found = located("netgraph: 1\nlayers:\n  a: Tanh\n  a: Tanh\n  b: {type: LinearLayr}\nedges: [a -> c]\n")
    assert [loc for loc, _ in found] == ["4:3", "5:13", "6:14"]
    assert found[0][1] == "duplicate key 'a' (first given at line 3); YAML would silently keep the last one"


@pytest.mark.parametrize("text, loc, hint", [
    ("netgraph: 1\nlayers:\n\ta: Tanh\n", "3:1", "use spaces, not tabs"),
    ("netgraph: 1\nlayers:\n  a: Tanh\n   b: Tanh\n", "4:4", "indented 3 spaces, which lines up with no line above"),
    ("netgraph: 1\nlayers:\n  a: Tanh\n b: Tanh\nedges: []\n", "4:2", "indented 1 space,"),
    ("netgraph: 1\nlayers:\n  a:\n    type: LinearLayer\n     output: 3\n", "5:6", "indented 5 spaces"),
])
def test_indentation_errors_get_a_position_and_a_hint(text, loc, hint):
    ((where, message),) = located(text)
    assert where == loc and message.startswith("YAML indentation: ") and hint in message


def test_other_syntax_errors_keep_the_parser_words():
    ((where, message),) = located("netgraph: 1\nlayers: {a: [1, 2}\n")
    assert where == "2:18" and message.startswith("invalid YAML: ")


def test_suggestions_are_difflibs_closest_match():
    """did_you_mean's faster search gives what difflib.get_close_matches(n=1) gives, ties included."""
    import difflib
    import random
    import string

    from netgraph.core.name_guesses import _closest
    from netgraph.layers import REGISTRY
    names = [*REGISTRY, "Output", "Input", "ab", "ba", "a", ""]
    rng = random.Random(0)
    words = ["", "a", "LinearLayr5", "Outptu"]
    for _ in range(1500):
        word = list(rng.choice(names))
        for _ in range(rng.randint(0, 4)):
            word.insert(rng.randint(0, len(word)), rng.choice(string.ascii_letters))
            if len(word) > 1 and rng.random() < 0.5:
                word.pop(rng.randrange(len(word)))
        words.append("".join(word))
    for word in words:
        expected = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
        assert ([] if (found := _closest(word, names, 0.6)) is None else [found]) == expected, word


def test_a_swap_of_neighbouring_letters_suggests_the_name_it_garbles():
    # 'Tahn' suggested 'Tan' (difflib's ratio prefers the shorter match), for ElementwiseLayer("Tanh")
    from netgraph.core.errors import did_you_mean
    assert did_you_mean("Tahn", ["Tan", "Tanh", "Sin"]) == " (did you mean 'Tanh'?)"
    with pytest.raises(ValueError, match=r"unknown function 'Tahn' \(did you mean 'Tanh'\?\)"):
        ElementwiseLayer("Tahn")


def test_a_missing_layer_in_the_middle_of_a_chain_edge_is_one_problem():
    # ("fc1", "atc", "fc2") listed "there is no layer 'atc'" twice: once as a destination, once as a source
    layers = {"fc1": LinearLayer(4), "act": "Ramp", "fc2": LinearLayer(2)}
    with pytest.raises(WiringError) as info:
        NetGraph(layers, [("fc1", "atc", "fc2")], Input=3)
    assert len(info.value.diagnostics) == 1 and "problems" not in str(info.value)
    assert info.value.diagnostics[0].kind == "unknown-layer" and info.value.diagnostics[0].edge == 0
    assert info.value.diagnostics[0].hop == 0 and "edge fc1 -> atc (in chain fc1 -> atc -> fc2)" in str(info.value)


_TANHS = {name: ElementwiseLayer("Tanh") for name in ("a", "b", "c", "x")}


@pytest.mark.parametrize("edges, kind, place, quoted", [
    ([("a", "b", "c", "typo")], "unknown-layer", (0, 2), "edge c -> typo (in chain a -> b -> c -> typo): there is"),
    ([("a", "b", NetPort("c", "Inptu"), "x")], "unknown-port", (0, 1),
     "edge b -> NetPort('c', 'Inptu') (in chain a -> b -> NetPort('c', 'Inptu') -> x): layer"),
    ([("a", NetPort("c", "Input")), ("x", "b", NetPort("c", "Input"))], "fed-twice", (1, 1),
     "(a -> NetPort('c', 'Input'); b -> NetPort('c', 'Input') (in chain x -> b -> NetPort('c', 'Input')))"),
    ([("a", "c"), ("x", "b", "c")], "too-many-feeds", (1, 1), "2 edges feed it: a -> c, b -> c (in chain x -> b -> c)"),
])
def test_a_wiring_problem_of_one_link_of_a_chain_is_placed_at_that_link(edges, kind, place, quoted):
    """Unknown layers and ports, ports fed twice and too many feeds pointed at the whole chain (shape conflicts
    already named the link)."""
    (found,) = diagnostics(WiringError, _TANHS, edges)
    assert found.kind == kind and (found.edge, found.hop) == place and quoted in found.message


def test_a_wiring_problem_of_a_chain_in_a_spec_is_placed_at_its_link():
    spec = ("netgraph: 1\nlayers:\n  a: Tanh\n  b: Tanh\n  c: Tanh\ninputs: {Input: 2}\nedges:\n"
            "  - Input -> a -> c\n  - Input -> b -> c\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(spec)
    (message,) = info.value.errors
    assert message.startswith("<string>:9:14: ")  # at the link's source 'b', not at the chain's start (9:5)
    assert "feed it: a -> c (in chain Input -> a -> c), b -> c (in chain Input -> b -> c)." in message


def test_an_unknown_graph_input_is_a_field_of_initialize_and_compile_errors():
    """net_initialize's and compile's 'graph input ... has unknown shape' carried no layer or port (text only)."""
    from netgraph import net_initialize
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [(NetPort("X"), "a"), (NetPort("Y"), "b")], X=4)
    for attempt in (lambda: net_initialize(net, seed=0), net.compile):
        with pytest.raises(ShapeError) as caught:
            attempt()
        assert "graph input 'Y'" in str(caught.value)
        assert [(d.kind, d.layer, d.port) for d in caught.value.diagnostics] == [("unknown-shape", (), "Y")]


def test_a_word_in_the_wrong_case_suggests_the_word_itself():
    """YAML's 'type: convolutionlayer' suggested 'DeconvolutionLayer' (difflib's closest is case-sensitive), and
    normalization='nfc' or decoder='probabilities' suggested nothing: a case-only slip hints the right case."""
    import torch

    from netgraph import ClassDecoder, OptionError, SoftmaxLayer, TokensEncoder, net_initialize
    from netgraph.core.errors import did_you_mean
    assert did_you_mean("convolutionlayer", ["DeconvolutionLayer", "ConvolutionLayer"]) == \
        " (did you mean 'ConvolutionLayer'?)"
    with pytest.raises(SpecError, match=r"unknown layer type 'convolutionlayer' \(did you mean 'ConvolutionLayer'\?\)"):
        NetGraph.from_yaml("netgraph: 1\nlayers:\n  c: {type: convolutionlayer, output_channels: 2, kernel: 3}\n"
                           "inputs: {Input: [1, 8, 8]}\n")
    with pytest.raises(OptionError, match=r"found 'nfc' \(did you mean 'NFC'\?\)"):
        TokensEncoder(["a"], normalization="nfc")
    net = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(["a", "b"])), seed=0)
    with pytest.raises(OptionError, match=r"found 'probabilities' \(did you mean 'Probabilities'\?\)"):
        net(torch.ones(1, 3), decoder="probabilities")


def test_a_name_differing_by_an_accent_suggests_the_accented_name():
    """'e' for a name 'é' suggested nothing (difflib finds one-letter names unlike, and 'é' is not 'e' in any case):
    names equal after NFKD without combining marks (and case) hint each other; fullwidth letters fold too."""
    from netgraph.core.errors import did_you_mean
    assert did_you_mean("e", ["é", "x"]) == " (did you mean 'é'?)"
    assert did_you_mean("é", ["x", "e"]) == " (did you mean 'e'?)"
    assert did_you_mean("Resume", ["résumé", "x"]) == " (did you mean 'résumé'?)"
    assert did_you_mean("\uff45", ["x", "e"]) == " (did you mean 'e'?)"
    assert did_you_mean("e", ["x", "y"]) == ""

"""Layers no graph output depends on (their outputs muted, or feeding only such layers): a net computes them in
every call for nothing, which Wolfram's port rules allow but a user rarely means; ``netgraph check`` notes them."""

from __future__ import annotations

from netgraph import LinearLayer, NetGraph, NetPort, ThreadingLayer
from netgraph.cli import main
from netgraph.core.unused_layers import unused_layers


def test_a_layer_whose_only_output_is_muted_is_unused_and_so_is_what_feeds_only_it():
    net = NetGraph({"enc": LinearLayer(4), "dec": LinearLayer(2), "side": LinearLayer(3), "side2": LinearLayer(5)},
                   [("enc", "dec"), ("enc", "side"), ("side", "side2"), ("side2", None)], Input=3)
    assert unused_layers(net) == [("side",), ("side2",)]


def test_a_layer_with_one_output_still_used_is_not_unused():
    both = NetGraph({"a": LinearLayer(4), "b": LinearLayer(4), "sum": ThreadingLayer("Plus")},
                    [("a", NetPort("sum", "Input1")), ("b", NetPort("sum", "Input2")), ("a", NetPort("Aux"))], Input=3)
    assert unused_layers(both) == []
    assert unused_layers(NetGraph({"a": LinearLayer(4), "b": LinearLayer(2)}, [("a", "b")], Input=3)) == []


def test_a_nested_graph_s_muted_layer_is_named_by_its_path():
    inner = NetGraph({"l1": LinearLayer(4), "l2": LinearLayer(2), "dead": LinearLayer(6)},
                     [("l1", "l2"), ("l1", "dead"), ("dead", None)])
    outer = NetGraph({"sub": inner, "head": LinearLayer(1)}, [("sub", "head")], Input=3)
    assert unused_layers(outer) == [("sub", "dead")]


def test_check_notes_an_unused_layer_and_still_passes(tmp_path, capsys):
    spec = tmp_path / "mute.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  enc: {type: LinearLayer, output: 8}\n  dec: {type: LinearLayer, output: 2}\n"
                    "  side: {type: LinearLayer, output: 7}\ninputs: {Input: 3}\n"
                    "edges:\n  - Input -> enc -> dec\n  - enc -> side -> None\n")
    assert main(["check", str(spec)]) == 0
    captured = capsys.readouterr()
    assert f"{spec}: ok," in captured.out
    assert captured.err == (f"{spec}: note: layer 3 'side' (LinearLayer) feeds no graph output (its outputs are "
                            f"muted, or feed only such layers): every call computes it for nothing\n")


def test_a_layer_in_no_edge_of_a_wired_graph_is_named_with_the_graph_ports_it_became():
    from netgraph.core.unused_layers import unwired_layer_notes
    net = NetGraph({"enc": LinearLayer(4), "dec": LinearLayer(2), "extra": LinearLayer(7)}, [("enc", "dec")], Input=3)
    assert unwired_layer_notes(net) == ["layer 3 'extra' (LinearLayer) is in no edge: its ports became graph ports "
                                        "(input 'Input', output 'Output2')"]
    inner = NetGraph({"l1": LinearLayer(4), "l2": LinearLayer(2), "lost": LinearLayer(5)}, [("l1", "l2")])
    nested = NetGraph({"sub": inner, "head": LinearLayer(1)}, [("sub", "head")], Input=3)
    assert [note.split(" is in")[0] for note in unwired_layer_notes(nested)] == [
        "layer 1 'sub' (NetGraph) > layer 3 'lost' (LinearLayer)"]


def test_a_graph_without_edges_is_wired_by_its_port_names_on_purpose():
    from netgraph.core.unused_layers import unwired_layer_notes
    assert unwired_layer_notes(NetGraph({"a": LinearLayer(2), "b": LinearLayer(3)}, [], Input=4)) == []
    assert unwired_layer_notes(NetGraph({"a": LinearLayer(2)}, [], Input=4)) == []


def test_check_notes_a_layer_in_no_edge(tmp_path, capsys):
    spec = tmp_path / "iso.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  enc: {type: LinearLayer, output: 8}\n  dec: {type: LinearLayer, output: 2}\n"
                    "  extra: {type: LinearLayer, output: 7}\ninputs: {Input: 3}\noutputs: {Out: null}\n"
                    "edges:\n  - Input -> enc -> dec -> Out\n")
    assert main(["check", str(spec)]) == 0
    assert capsys.readouterr().err == (f"{spec}: note: layer 3 'extra' (LinearLayer) is in no edge: its ports became "
                                       f"graph ports (input 'Input', output 'Output')\n")


def test_check_of_a_big_net_prints_a_bounded_number_of_notes(tmp_path, capsys):
    """Thousands of layers in no edge were a note each on stderr; the first MAX_LISTED are printed, then a count."""
    from netgraph.core.errors import MAX_LISTED
    n = 3 * MAX_LISTED
    spec = tmp_path / "many.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  enc: {type: LinearLayer, output: 8}\n"
                    + "".join(f"  x{i}: {{type: LinearLayer, output: 2, input: 3}}\n" for i in range(n))
                    + "inputs: {Input: 3}\nedges:\n  - Input -> enc\n")
    assert main(["check", str(spec)]) == 0
    notes = capsys.readouterr().err.splitlines()
    assert len(notes) == MAX_LISTED + 1 and all(note.startswith(f"{spec}: note: ") for note in notes)
    assert "layer 2 'x0' (LinearLayer) is in no edge" in notes[0]
    assert notes[-1] == f"{spec}: note: ... and {n - MAX_LISTED} more notes (layers in no edge or feeding no output)"


def test_finding_thousands_of_unwired_layers_reads_the_edges_once_per_graph(monkeypatch):
    from netgraph.core.unused_layers import unwired_layer_notes
    n = 200
    net = NetGraph({"enc": LinearLayer(8), **{f"x{i}": LinearLayer(2, input=3) for i in range(n)}},
                   [(NetPort("Input"), "enc")], Input=3)
    reads, real = [0], NetGraph.edges

    def counted(self):
        reads[0] += 1
        return real.fget(self)
    monkeypatch.setattr(NetGraph, "edges", property(counted))
    assert len(unwired_layer_notes(net)) == n
    assert reads[0] <= 3

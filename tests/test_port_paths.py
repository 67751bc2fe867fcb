"""Nested port paths: NetPort(("enc", "l1", "Output")) as an edge source, for probing (net(x, outputs=...)),
in net_take and in YAML edges; compiled and interpreted agree; a bad path names the missing part."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import (EmbeddingLayer, LinearLayer, LongShortTermMemoryLayer, NetChain, NetGraph, NetPort, OptionError,
                      SpecError, WiringError, interpret, net_drop, net_initialize, net_take)
from netgraph.backend.evaluation import probe_net


@pytest.fixture
def net():
    enc = NetGraph({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2), "side": LinearLayer(3)},
                   [("l1", "act", "l2"), (NetPort("Extra"), "side")], Input=3, Extra=2)
    return net_initialize(NetGraph({"pre": LinearLayer(3), "enc": enc, "head": LinearLayer(5)},
                                   [("pre", NetPort("enc", "Input")), ("enc", "head")], Input=3, Extra=2), seed=0)


def _l1(net, x):
    w = net.compile().state_dict()
    h = F.linear(x, w["pre.Weights"], w["pre.Biases"])
    return F.linear(h, w["enc.l1.Weights"], w["enc.l1.Biases"])


def test_netport_path_forms():
    assert NetPort(("enc", "l1", "Output")) == NetPort(("enc", "l1"), "Output") == NetPort(["enc", "l1", "Output"])
    assert NetPort(("enc", "Output")) == NetPort("enc", "Output")
    assert NetPort(("enc", 2, "Output")).path == ("enc", 2)
    assert repr(NetPort(("enc", "l1", "Output"))) == "NetPort(('enc', 'l1', 'Output'))"
    with pytest.raises(WiringError, match="a path"):
        NetPort(("enc", True, "Output"))


def test_probing_returns_inner_values_compiled_and_interpreted_agree(net):
    x, extra = torch.randn(4, 3), torch.randn(4, 2)
    port = NetPort(("enc", "l1", "Output"))
    values = net({"Input": x, "Extra": extra}, outputs=[port, NetPort(("enc", 3, "Output")), "Output"])
    assert list(values) == [port, NetPort(("enc", 3, "Output")), "Output"]
    torch.testing.assert_close(values[port], _l1(net, x))
    torch.testing.assert_close(values["Output"], net({"Input": x, "Extra": extra})["Output"])
    torch.testing.assert_close(net({"Input": x[0], "Extra": extra[0]}, outputs=port), _l1(net, x)[0])
    probed, names = probe_net(net, (port,))
    module = probed.compile()
    assert f"'{names[0]}': enc_l1" in module.code  # the generated forward returns the probed value
    torch.testing.assert_close(interpret(probed, module, Input=x, Extra=extra)[names[0]], values[port])
    assert net.output_ports == ("Output2", "Output")  # probing leaves the net as it was


def test_edge_from_a_port_inside_a_nested_chain():
    chain = NetChain({"a": LinearLayer(4), "b": "Tanh"}, input=3)
    net = net_initialize(NetGraph({"c": chain, "skip": LinearLayer(4), "add": "Plus"},
                                  [(NetPort("Input"), ["c", "skip"]), (["skip", NetPort(("c", "a", "Output"))], "add")],
                                  Input=3), seed=1)
    x = torch.randn(2, 3)
    w = net.compile().state_dict()
    expected = F.linear(x, w["skip.Weights"], w["skip.Biases"]) + F.linear(x, w["c.a.Weights"], w["c.a.Biases"])
    out = net(x)
    torch.testing.assert_close(out["Output2"], expected)
    module = net.compile()
    torch.testing.assert_close(interpret(net, module, Input=x)["Output2"], expected)


@pytest.mark.parametrize("port, fragments", [
    (NetPort(("enc", "l9", "Output")), ["enc' has no layer 'l9'", "its layers are ['l1', 'act', 'l2', 'side']"]),
    (NetPort(("enc", "l1", "Out")), ["enc/l1' has no output port 'Out'", "its outputs are ['Output']"]),
    (NetPort(("nope", "l1", "Output")), ["has no layer 'nope'", "['pre', 'enc', 'head']"]),
    (NetPort(("head", "x", "Output")), ["head' is a LinearLayer, not a NetGraph or NetChain"]),
    (NetPort(("enc", "act", "x", "Output")), ["act' is an ElementwiseLayer, not a NetGraph or NetChain"]),
    (NetPort(("enc", 7, "Output")), ["enc' has no layer 7", "numbered 1 to 4, or -1 for the last"]),
])
def test_a_bad_path_names_the_missing_part(net, port, fragments):
    for attempt in (lambda: net(Input=torch.randn(1, 3), Extra=torch.randn(1, 2), outputs=port),
                    lambda: net_take(net, port),
                    lambda: NetGraph({"n": net, "x": LinearLayer(1)}, [(NetPort(("n", *port.path, port.port)), "x")])):
        with pytest.raises(WiringError) as info:
            attempt()
        for fragment in fragments:
            assert fragment in str(info.value)


def test_nested_destination_and_bad_outputs_option_are_refused(net):
    with pytest.raises(WiringError, match="source only"):
        NetGraph({"n": net, "x": LinearLayer(3)}, [("x", NetPort(("n", "enc", "Input")))])
    with pytest.raises(OptionError, match="outputs= takes a NetPort"):
        net(Input=torch.randn(1, 3), Extra=torch.randn(1, 2), outputs=3)


@pytest.mark.parametrize("path, fragment", [(("head", "Input", "x"), "layer 'head' is a LinearLayer, not a NetGraph or "
                                                                  "NetChain"),
                                           (("nope", "l1", "Input"), "the net has no layer 'nope'")])
def test_a_destination_path_through_a_plain_or_missing_layer_says_so(net, path, fragment):
    """It was called 'a port inside a nested net', though 'head' is a LinearLayer (the YAML edge said so)."""
    with pytest.raises(WiringError) as info:
        NetGraph({**net.layers, "x": LinearLayer(3)}, [("x", NetPort(path))])
    assert fragment in str(info.value) and "nested net" not in str(info.value)


def test_net_take_cuts_the_nested_graph_to_what_computes_the_port(net):
    port = NetPort(("enc", "l1", "Output"))
    taken = net_take(net, port)
    assert list(taken.layers) == ["pre", "enc"] and list(taken.layers["enc"].layers) == ["l1"]
    assert taken.input_ports == ("Input",) and taken.output_shapes == {"Output": (4,)}
    x = torch.randn(3, 3)
    torch.testing.assert_close(taken(x), _l1(net, x))
    whole = net_take(net, [port, "head"])  # head needs enc's Output: enc keeps what computes it (not side, nor
    assert list(whole.layers["enc"].layers) == ["l1", "act", "l2"]  # Extra, which only side read), the port an output
    assert whole.input_ports == ("Input",)
    torch.testing.assert_close(whole(x)["enc_l1_Output"], _l1(net, x))


def test_net_take_of_a_port_path_gives_that_port_only():
    enc = NetGraph({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2)}, [("l1", "act", "l2")])
    net = net_initialize(NetGraph({"enc": enc, "head": LinearLayer(5), "add": "Plus", "skip": LinearLayer(5)},
                                  [("enc", "head"), (NetPort(("enc", "l1", "Output")), "skip"),
                                   (["head", "skip"], "add")], Input=3), seed=0)
    taken = net_take(net, NetPort(("enc", "act", "Output")))  # enc's l1_Output fed the dropped skip
    assert taken.output_shapes == {"Output": (4,)} and taken.layers["enc"].output_ports == ("Output",)
    x = torch.randn(2, 3)
    torch.testing.assert_close(taken(x), net(x, outputs=NetPort(("enc", "act", "Output"))))


def test_net_take_of_a_port_inside_a_nested_chain_gives_that_port_only():
    """A chain gave every output of its last layer (Output, State, CellState), where a nested graph gave State."""
    lstm = LongShortTermMemoryLayer(4, state_output=True)
    for enc in (NetChain({"lstm": lstm}), NetGraph({"lstm": lstm}, [])):
        net = net_initialize(NetChain({"emb": EmbeddingLayer(3, 10), "enc": enc}, input=["n"]), seed=0)
        taken = net_take(net, NetPort(("enc", "lstm", "State")))
        assert taken.output_ports == ("State",) and taken.input_shapes == {"Input": ("n",)}
        x = torch.randint(0, 10, (2, 5))
        torch.testing.assert_close(taken(x), net(x)["State"])
    chain = NetChain({"emb": EmbeddingLayer(3, 10), "lstm": lstm}, input=["n"])
    assert net_take(chain, NetPort("lstm", "State")).output_ports == ("State",)
    assert isinstance(net_take(chain, "lstm"), NetChain)  # all its outputs: the chain stays a chain


def test_net_drop_of_a_nested_layer_read_through_a_port_path():
    enc = NetGraph({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2)}, [("l1", "act", "l2")])
    net = net_initialize(NetGraph({"enc": enc, "head": LinearLayer(5), "add": "Plus", "skip": LinearLayer(5)},
                                  [("enc", "head"), (NetPort(("enc", "l1", "Output")), "skip"),
                                   (["head", "skip"], "add")], Input=3), seed=0)
    dropped = net_drop(net, ("enc", "l1"))  # as in a flat graph: act's and skip's inputs become graph inputs
    assert dropped.input_ports == ("Input", "Input2") and dropped.layers["enc"].output_ports == ("Output",)
    assert dropped.producer((("skip",), "Input")) == ((), "Input2")
    assert dropped.layers["enc"].producer((("act",), "Input")) == ((), "Input")  # act's input: new at every level
    x, y = torch.randn(2, 4), torch.randn(2, 4)  # l1's outputs, as in the flat graph (no shape declared)
    w = net.compile().state_dict()
    head = F.linear(F.linear(torch.tanh(x), w["enc.l2.Weights"], w["enc.l2.Biases"]), w["head.Weights"],
                    w["head.Biases"])
    skip = F.linear(y, w["skip.Weights"], w["skip.Biases"])
    torch.testing.assert_close(dropped({"Input": x, "Input2": y}), head + skip)
    deeper = NetGraph({"o": NetGraph({"enc": enc, "x": "Sin"}, [("enc", "x")]), "skip": LinearLayer(5)},
                      [(NetPort(("o", "enc", "l1", "Output")), "skip")], Input=3)
    two = net_drop(deeper, ("o", "enc", "l1"))
    assert two.input_ports == ("Input", "Input2") and two.layers["o"].output_ports == ("Output",)
    # act and skip take l1's (4) from new inputs: two levels up too, act was fed the outer Input (3) l1 took
    assert two.input_shapes == {"Input": (4,), "Input2": (4,)}


def test_net_drop_inside_follows_a_renamed_output():
    enc = NetGraph({"l1": LinearLayer(4), "l2": LinearLayer(2), "side": LinearLayer(3)},
                   [("l1", "l2"), (NetPort("Extra"), "side")])
    net = net_initialize(NetGraph({"enc": enc, "head": LinearLayer(5)}, [(NetPort("enc", "Output1"), "head")],
                                  Input=3, Extra=2), seed=0)
    dropped = net_drop(net, ("enc", "side"))  # enc's Output1 (l2) is now its only output, Output
    assert dropped.input_ports == ("Input",) and dropped.output_shapes == {"Output": (5,)}
    x = torch.randn(2, 3)
    torch.testing.assert_close(dropped(x), net({"Input": x, "Extra": torch.randn(2, 2)})["Output"])


def test_net_take_of_an_inner_layer_keeps_its_output():
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=4)
    assert net_take(net, "a").output_shapes == {"Output": (3,)}
    assert net_take(net, NetPort("a", "Output")).output_shapes == {"Output": (3,)}


def test_yaml_edges_take_nested_paths():
    text = ("netgraph: 1\nlayers:\n  enc: {type: NetChain, layers: {l1: {type: LinearLayer, output: 4}, act: Tanh}}\n"
            "  aux: {type: LinearLayer, output: 3}\ninputs: {Input: 3}\nedges:\n  - Input -> enc\n"
            "  - enc.l1.Output -> aux\n")
    net = NetGraph.from_yaml(text)
    assert net.layer_types("aux")["Input"].shape == (4,)
    assert NetGraph.from_yaml(net.to_yaml()) == net
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text.replace("enc.l1.Output", "enc.l7.Output"))
    assert "<string>:8:5: endpoint 'enc.l7.Output': layer 'enc' has no layer 'l7' (did you mean 'l1'?); its layers " \
           "are ['l1', 'act']" in str(info.value)


def test_layer_at_names_where_a_path_stops_and_what_is_there():
    from netgraph import NetMapOperator
    net = NetChain([LinearLayer(3), NetChain([NetMapOperator(NetChain([LinearLayer(2)]))])], input=2)
    assert net.layer_at(("2", "1", "net", "1")) == LinearLayer(2)
    cases = [(("3",), "no layer at '3': the net has no layer '3'; its layers are '1', '2'"),
             (("2", "1", "nett"), "no layer at '2/1/nett': layer '2/1' (NetMapOperator) has no layer 'nett' "
                                  "(did you mean 'net'?); its inner nets are 'net'"),
             (("2", "1", "net", "1", "W"), "layer '2/1/net/1' (LinearLayer) has no layer 'W'; it holds no layers"),
             (("1", *["x"] * 50), "no layer at '1/x/x/... 45 levels .../x/x/x': layer '1' (LinearLayer)")]
    for path, fragment in cases:
        with pytest.raises(WiringError) as info:
            net.layer_at(path)
        assert fragment in str(info.value) and len(str(info.value)) < 300
    wide = NetChain([LinearLayer(3)] * 30, input=2)
    with pytest.raises(WiringError, match=r"its layers are '1', '2', .*'20', \.\.\. \(30 in all\)$"):
        wide.layer_at(("31",))


def test_a_short_name_one_letter_off_is_suggested():
    # 'l2' for 'l1' (difflib's ratio 0.5, under its 0.6 cutoff) got no suggestion: short names (two or three
    # letters) one edit from exactly one name are suggested; a guess among several, or of a single letter, is not
    from netgraph.core.errors import did_you_mean
    inner = NetGraph({"l1": LinearLayer(4)}, [], Input=3)
    with pytest.raises(WiringError, match=r"layer 'g' has no layer 'l2' \(did you mean 'l1'\?\); its layers are"):
        NetGraph({"g": inner, "h": LinearLayer(2)}, [(NetPort(("g", "l2", "Output")), "h")], Input=3)
    assert did_you_mean("fc", ["fx", "Output"]) == " (did you mean 'fx'?)"
    assert did_you_mean("ab", ["ac", "xb", "Output"]) == ""  # two at one edit: either may be meant
    assert did_you_mean("a", ["b", "c"]) == did_you_mean("ab", ["cd", "ba2"]) == ""
    names = [f"{a}{b}" for a in "pqrstuvw" for b in "01234567"]  # 64 two-letter names: still no noise
    assert did_you_mean("x9", names) == did_you_mean("p8", names) == ""

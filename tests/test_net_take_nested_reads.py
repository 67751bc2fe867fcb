"""net_take keeps of a nested graph only what computes the ports the kept layers read: a layer fed a port path
(NetPort(("enc", "l1", "Output"))) needs enc's l1, not the rest of enc (QA of surgery: net_take(net, "skip") kept
enc whole, computed its act and l2 for nothing, and carried their arrays)."""

from __future__ import annotations

import torch

from netgraph import LinearLayer, NetGraph, NetPort, net_initialize, net_take

X = torch.randn(2, 3, generator=torch.Generator().manual_seed(0))


def skip_net() -> NetGraph:
    """enc (l1 -> act -> l2) -> head, and enc's l1 read through a port path by skip; head + skip -> add."""
    enc = NetGraph({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2)}, [("l1", "act", "l2")])
    return net_initialize(NetGraph({"enc": enc, "head": LinearLayer(5), "add": "Plus", "skip": LinearLayer(5)},
                                   [("enc", "head"), (NetPort(("enc", "l1", "Output")), "skip"),
                                    (["head", "skip"], "add")], Input=3), seed=0)


def test_a_layer_reading_a_nested_port_keeps_only_what_computes_that_port():
    net = skip_net()
    taken = net_take(net, "skip")
    assert list(taken.layers) == ["enc", "skip"] and list(taken.layers["enc"].layers) == ["l1"]
    assert set(taken.information("Arrays")) == {("enc", "l1", "Weights"), ("enc", "l1", "Biases"),
                                                ("skip", "Weights"), ("skip", "Biases")}
    torch.testing.assert_close(taken(X), net(X, outputs=NetPort("skip", "Output")), rtol=0, atol=0)


def test_a_layer_input_fed_through_a_nested_port_keeps_only_what_computes_it():
    net = skip_net()
    taken = net_take(net, NetPort("skip", "Input"))
    assert list(taken.layers["enc"].layers) == ["l1"]
    torch.testing.assert_close(taken(X), net(X, outputs=NetPort(("enc", "l1", "Output"))), rtol=0, atol=0)


def test_a_nested_graph_whose_outputs_are_all_read_stays_whole():
    net = skip_net()
    taken = net_take(net, "add")
    assert taken == net


def test_what_fed_only_the_cut_part_of_a_nested_graph_goes_too():
    enc = NetGraph({"l1": LinearLayer(4), "l2": LinearLayer(2), "p": LinearLayer(2), "add": "Plus"},
                   [(NetPort("x"), "l1"), (NetPort("y"), "l2"), ("l1", "p"), (["p", "l2"], "add")])
    net = net_initialize(NetGraph({"pre": LinearLayer(5), "enc": enc, "skip": LinearLayer(5)},
                                  [(NetPort("a"), NetPort("enc", "x")), (NetPort("b"), "pre", NetPort("enc", "y")),
                                   (NetPort(("enc", "l1", "Output")), "skip")], a=3, b=6), seed=0)
    taken = net_take(net, "skip")
    assert list(taken.layers) == ["enc", "skip"] and list(taken.layers["enc"].layers) == ["l1"]
    assert taken.input_ports == ("a",) and set(taken.output_ports) < set(net.output_ports)  # its name kept
    b = torch.randn(2, 6, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(taken(X), net(a=X, b=b, outputs=NetPort("skip", "Output")), rtol=0, atol=0)


def test_a_taken_port_path_is_named_the_same_whatever_else_reads_that_port():
    """QA of the README: taking enc's l1 gave 'l1_Output' when skip read it too (the port enc gained for skip's
    edge), 'Output' when nothing else did; the port is named as the port, as taking enc's act is."""
    net = skip_net()
    alone = NetGraph({"enc": net.layers["enc"], "head": net.layers["head"]}, [("enc", "head")], Input=3)
    port = NetPort(("enc", "l1", "Output"))
    for whole in (net, alone):
        taken = net_take(whole, port)
        assert taken.output_ports == ("Output",) and taken.layers["enc"].output_ports == ("Output",)
        torch.testing.assert_close(taken(X), whole(X, outputs=port), rtol=0, atol=0)
    both = net_take(net, [port, NetPort(("enc", "act", "Output"))])  # l1 also read by act: named after its layer
    assert both.output_ports == ("l1_Output", "Output")  # in the order asked

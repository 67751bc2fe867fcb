"""kept_output_order (net_drop's, net_delete's) puts a net's outputs back in the order asked; where an output passed a
graph input straight through, moving its edge among the output edges changed the order the inputs are first read in,
so it gave up and kept the rebuilt net's order: the edges are now merged so that the inputs keep theirs."""

from __future__ import annotations

import torch

from netgraph import LinearLayer, NetGraph, NetPort, net_initialize
from netgraph.core.output_names import kept_output_order

LAYERS = {"a": LinearLayer(2), "b": LinearLayer(3)}


def test_a_passed_through_input_takes_its_place_in_the_order_asked():
    asked = NetGraph({"a": LAYERS["a"]}, [("a", NetPort("X")), (NetPort("Skip"), NetPort("P"))], Input=3, Skip=4)
    rebuilt = NetGraph({"a": LAYERS["a"]}, [(NetPort("Skip"), NetPort("P")), (NetPort("Input"), "a"),
                                            ("a", NetPort("X"))], Input=3, Skip=4)
    assert asked.output_ports == ("X", "P") and rebuilt.output_ports == ("P", "X")
    kept = kept_output_order(asked, rebuilt)
    assert kept.output_ports == ("X", "P") and kept.input_ports == rebuilt.input_ports == ("Skip", "Input")
    values = net_initialize(kept, seed=0)(Input=torch.ones(1, 3), Skip=torch.arange(4.0)[None])
    assert list(values) == ["X", "P"] and torch.equal(values["P"], torch.arange(4.0)[None])


def test_without_a_passed_through_input_the_order_asked_as_before():
    asked = NetGraph(LAYERS, [("a", NetPort("X")), ("b", NetPort("Y"))], Input=3)
    rebuilt = NetGraph(LAYERS, [("b", NetPort("Y")), ("a", NetPort("X"))], Input=3)
    assert kept_output_order(asked, rebuilt).output_ports == ("X", "Y")


def test_inputs_read_only_in_an_order_the_outputs_rule_out_keep_the_rebuilt_order():
    def net(edges):
        return NetGraph({"a": LinearLayer(2)}, [*edges, (NetPort("x"), "a", NetPort("A"))], x=2, y=3)
    asked = net([(NetPort("x"), NetPort("X")), (NetPort("y"), NetPort("Y"))])
    rebuilt = net([(NetPort("y"), NetPort("Y")), (NetPort("x"), NetPort("X"))])
    kept = kept_output_order(asked, rebuilt)  # X before Y would read x first: the inputs' order (the call's) wins
    assert (kept.input_ports, kept.output_ports) == (("y", "x"), ("Y", "X", "A"))

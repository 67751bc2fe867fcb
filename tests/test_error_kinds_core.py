"""core's refusals say what they are: each error has a ``kind`` (not the default "error") and the fields that
apply (layer, port, option, expected, found), for a program that reads them rather than the message."""

from __future__ import annotations

import pytest
from torch import nn

import netgraph
from netgraph import (LinearLayer, NetChain, NetGraph, NetPort, OptionError, ShapeError, WiringError, net_replace_part,
                      net_take)
from netgraph.core.coders import coder_from_data
from netgraph.core.layer import layer_class
from netgraph.layers import Layer


def _fields(error: netgraph.NetGraphError) -> tuple:
    return error.kind, error.layer, error.port, error.option, error.expected, error.found


def test_keras_options_to_compile_are_unknown_options():
    with pytest.raises(OptionError) as caught:
        NetChain([LinearLayer(3)], input=2).compile(optimizer="adam")
    assert _fields(caught.value) == ("unknown-option", None, None, "optimizer", None, ("optimizer",))


def test_a_coder_without_a_known_type_is_a_coder_option_problem():
    with pytest.raises(OptionError) as no_type:
        coder_from_data({"labels": ["a"]}, "decoder")
    with pytest.raises(OptionError) as misspelt:
        coder_from_data({"type": "ClassDecodr"}, "decoder")
    assert (no_type.value.kind, no_type.value.option) == ("coder-option", "type")
    assert _fields(misspelt.value) == ("coder-option", None, None, "type", ("BooleanDecoder", "ClassDecoder"),
                                       "ClassDecodr")


def test_an_unknown_layer_type_names_it():
    with pytest.raises(OptionError, match="did you mean 'LinearLayer'") as caught:
        layer_class("Linearlayer")
    assert (caught.value.kind, caught.value.found) == ("unknown-layer-type", "Linearlayer")


def test_editing_a_net_in_place_is_refused_as_a_frozen_net():
    net = NetChain([LinearLayer(3)], input=2)
    with pytest.raises(WiringError) as assigned:
        net[0] = LinearLayer(4)
    with pytest.raises(WiringError) as deleted:
        del net[0]
    assert assigned.value.kind == deleted.value.kind == "frozen-net"


def test_net_replace_part_of_a_layer_names_what_it_found():
    layer = LinearLayer(3, input=2)
    with pytest.raises(OptionError) as not_a_dict:
        net_replace_part(layer, [1])
    with pytest.raises(OptionError) as a_port:
        net_replace_part(layer, {"Input": 4})
    assert _fields(not_a_dict.value) == ("value-type", None, None, None, "a dict", "list")
    assert _fields(a_port.value) == ("unknown-array", None, None, "Input", None, "Input")


def test_net_take_of_an_input_fed_by_the_graph_names_layer_and_port():
    net = NetGraph({"a": LinearLayer(3), "b": "Tanh"}, [("a", "b")], Input=2)
    with pytest.raises(WiringError, match="nothing to take") as caught:
        net_take(net, NetPort("a", "Input"))
    assert _fields(caught.value) == ("layer-path", ("a",), "Input", None, None, "Input")


def test_the_operator_arrays_limit_is_a_limit():
    net = NetGraph([LinearLayer(4)], [])
    with netgraph.limits(operator_arrays=3), pytest.raises(OptionError, match="operator_arrays limit") as caught:
        for _ in range(3):
            net = NetGraph([netgraph.NetBidirectionalOperator(net, "Plus")], [])
    assert (caught.value.kind, caught.value.expected, caught.value.found) == ("limit", 3, 4)


def test_a_layer_class_declaring_what_netgraph_cannot_use_breaks_the_layer_contract():
    with pytest.raises(OptionError) as ports:
        class OnePort(Layer, register=False):
            input_ports = "Input"
    with pytest.raises(OptionError) as mutable:
        class MutableDefault(Layer, register=False):
            sizes: list = [1, 2]  # noqa: RUF012
    assert (ports.value.kind, ports.value.option, mutable.value.kind) == ("layer-contract", "input_ports",
                                                                          "layer-contract")


class _Same(Layer, register=False):
    input_ports = ("Input",)

    def build(self, types):
        return nn.Identity()


class _RaisingInfer(_Same, register=False):
    def infer(self, types):
        return types["Missing"]


class _ForeignPort(_Same, register=False):
    def infer(self, types):
        return {**types, "Extra": types["Input"]}


def test_an_infer_that_raises_or_returns_a_foreign_port_breaks_the_layer_contract():
    with pytest.raises(ShapeError, match="raised KeyError") as raised:
        NetChain([_RaisingInfer()], input=3)
    with pytest.raises(ShapeError, match="port 'Extra', which the layer does not have") as foreign:
        NetChain([_ForeignPort()], input=3)
    assert (raised.value.kind, raised.value.layer) == ("layer-contract", ("1",))
    assert (foreign.value.kind, foreign.value.port, foreign.value.found) == ("layer-contract", "Extra", "Extra")

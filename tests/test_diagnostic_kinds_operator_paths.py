"""An error raised by an edit inside an operator's inner net keeps its Diagnostics (they were rebuilt from the
message, with the default kind "error" and no layer), their layer paths made the outer net's: the operator's path
and the option holding its inner net before them."""

from __future__ import annotations

import pytest

from netgraph import (LinearLayer, NetChain, NetGraph, NetGraphError, NetMapOperator, net_delete, net_drop, net_extract,
                      net_rename, net_replace_part)


def _net():
    inner = NetChain({"lin": LinearLayer(3), "act": "Tanh"})
    return NetGraph({"enc": NetChain({"map": NetMapOperator(inner)})}, [], Input=(5, 4))


@pytest.mark.parametrize("call, kind, layer, found", [
    (lambda: net_extract(_net(), ("enc", "map", "net", "lni")), "unknown-layer", ("enc", "map", "net"), "lni"),
    (lambda: net_rename(_net(), {("enc", "map", "net", "lni"): "x"}), "unknown-layer", ("enc", "map", "net"), "lni"),
    (lambda: net_delete(_net(), ("enc", "map", "net", "lni")), "unknown-layer", ("enc", "map", "net"), "lni"),
    (lambda: net_replace_part(_net(), {("enc", "map", "net", "lin", "Wieghts"): None}), "unknown-array",
     ("enc", "map", "net", "lin"), "Wieghts"),
])
def test_an_error_inside_an_operators_inner_net_keeps_its_kind_with_the_outer_path(call, kind, layer, found):
    with pytest.raises(NetGraphError) as info:
        call()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.layer, diagnostic.found) == (kind, layer, found)
    assert diagnostic.message == str(info.value)  # the message says where, as the error's does


def test_a_shape_conflict_inside_keeps_its_port_and_the_outer_path():
    with pytest.raises(NetGraphError) as info:
        net_replace_part(_net(), {("enc", "map", "net", "act"): LinearLayer(2, input=5)})
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.kind == "shape" and diagnostic.layer[:3] == ("enc", "map", "net"), diagnostic
    assert diagnostic.port is not None and diagnostic.layer[3:] in {("lin",), ("act",)}


def test_an_unknown_array_of_an_operator_is_a_layer_argument():
    """As a built-in layer's with_arrays (kind "layer-argument"); it had the kind "error"."""
    with pytest.raises(NetGraphError) as info:
        NetMapOperator(NetChain({"lin": LinearLayer(3), "act": "Tanh"})).with_arrays({"net.lin.Wieghts": None})
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.kind == "layer-argument"


def test_an_inner_net_refusing_the_operators_port_types_is_a_shape_problem():
    """inner_nets' ShapeError kept the port, expected and found values of the conflict but had the kind "error"."""
    from netgraph.core.types import PortType
    operator = NetMapOperator(NetChain([LinearLayer(3)], input=4))
    with pytest.raises(NetGraphError) as info:
        operator.inner_nets({"Input": PortType((7, 5), "Real")})
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.kind == "shape" and diagnostic.found is not None, diagnostic


@pytest.mark.parametrize("call, layer", [
    (lambda: net_delete(_net(), [("enc", "map")]), ("enc",)),
    (lambda: net_delete(NetChain({"a": "Tanh", "b": "Ramp"}), ["a", "b"]), ()),
    (lambda: net_drop(NetChain({"a": "Tanh", "b": "Ramp"}, input=3), ["a", "b"]), ()),
])
def test_removing_every_layer_of_a_net_is_an_empty_net(call, layer):
    with pytest.raises(NetGraphError) as info:
        call()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.layer) == ("empty-net", layer), diagnostic


def test_an_error_of_a_class_with_its_own_init_inside_a_nested_graph_keeps_its_path():
    """An error whose class takes more than a message (an ExpressionError's text) was raised from inside the nested
    graph as it was: no word of where, its Diagnostics' paths those of the inner graph."""
    import dataclasses

    from netgraph import OptionError, net_replace_part
    from netgraph.core.layer import Layer

    class PickyError(OptionError):
        def __init__(self, shape):
            super().__init__(f"needs shape (3), found {shape}", kind="option-value", layer=("p",), found=shape)

    @dataclasses.dataclass(frozen=True, eq=False, repr=False)
    class Picky(Layer):
        input_ports = ("Input",)

        def infer(self, types):
            if types["Input"].shape not in (None, (3,)):
                raise PickyError(types["Input"].shape)
            return {"Input": types["Input"], "Output": types["Input"]}

    net = NetGraph({"enc": NetChain({"lin": LinearLayer(3), "p": Picky()})}, [], Input=2)
    with pytest.raises(OptionError) as info:
        net_replace_part(net, {("enc", "lin"): LinearLayer(4)})
    (diagnostic,) = info.value.diagnostics
    assert "'enc'" in str(info.value) and diagnostic.message == str(info.value)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.found) == ("option-value", ("enc", "p"), (4,))


def _choosy_operator():
    """A NetMapOperator over a layer whose infer refuses an input of 4 features with kind "option-value" (not a
    Conflict), as a layer checking its option against the shape it is given may."""
    import dataclasses

    from netgraph import OptionError
    from netgraph.core.layer import Layer

    @dataclasses.dataclass(frozen=True, eq=False, repr=False)
    class Choosy(Layer):
        input_ports = ("Input",)

        def infer(self, types):
            if types["Input"].shape == (4,):
                raise OptionError("takes no 4 features", kind="option-value", layer=("c",), option="size", found=4,
                                  expected=3)
            return {"Input": types["Input"], "Output": types["Input"]}

    return NetMapOperator(NetChain({"c": Choosy()}))


def test_an_inner_net_refusing_with_a_kind_of_its_own_keeps_it():
    """The inner net's problem became a Conflict, which had no kind: the Diagnostic said "shape"."""
    with pytest.raises(NetGraphError) as info:
        NetGraph({"map": _choosy_operator()}, [], Input=(5, 4))
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.layer, diagnostic.found, diagnostic.expected) == (
        "option-value", ("map", "net", "c"), 4, 3), diagnostic
    assert diagnostic.option == "size"  # the inner layer's option: it was dropped


def test_an_inner_layers_conflict_keeps_the_option_it_names():
    """A LinearLayer inside a NetMapOperator whose weights= take 4 features, fed 6: its Conflict names weights=."""
    import torch
    with pytest.raises(NetGraphError) as info:
        NetGraph({"map": NetMapOperator(NetChain({"lin": LinearLayer(3, weights=torch.zeros(3, 4))}))}, [],
                 Input=(5, 6))
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.layer, diagnostic.option, diagnostic.expected, diagnostic.found) == (
        ("map", "net", "lin"), "weights", 4, (6,)), diagnostic


def test_inner_nets_keeps_the_kind_of_the_inner_nets_refusal():
    from netgraph.core.types import PortType
    with pytest.raises(NetGraphError) as info:
        _choosy_operator().inner_nets({"Input": PortType((5, 4), "Real")})
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.found, diagnostic.option) == ("option-value", 4, "size"), diagnostic

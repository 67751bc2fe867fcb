"""An error raised by an edit inside an operator's inner net keeps its Diagnostics (they were rebuilt from the
message, with the default kind "error" and no layer), their layer paths made the outer net's: the operator's path
and the option holding its inner net before them."""

from __future__ import annotations

import pytest

from netgraph import (LinearLayer, NetChain, NetGraph, NetGraphError, NetMapOperator, net_delete, net_extract,
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

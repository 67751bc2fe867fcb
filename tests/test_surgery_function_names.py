"""A surgery error names the public function the user called, once, wherever the work it does is shared."""

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, net_delete, net_replace
from netgraph.core.errors import WiringError


def _mapped() -> NetGraph:
    return NetGraph({"map": NetMapOperator(NetChain({"lin": LinearLayer(3)}))}, [], Input=(5, 4))


@pytest.mark.parametrize("function, edit", [
    ("net_delete", lambda net: net_delete(net, ("map", "net", "lin"))),
    ("net_replace", lambda net: net_replace(net, {LinearLayer: None}))])
def test_deleting_every_layer_of_an_inner_net_names_the_function_called(function, edit):
    """net_replace deleting a layer was reported as net_delete, a function the user never called."""
    with pytest.raises(WiringError) as info:
        edit(_mapped())
    message = str(info.value)
    assert message.startswith(f"{function}: inside layer 1 'map' (NetMapOperator), inner net 'net': "), message
    assert message.count("net_delete") + message.count("net_replace") == 1
    assert info.value.kind == "empty-net"


@pytest.mark.parametrize("spec, kind", [(NetPort("Nope"), "unknown-port"), (NetPort("Output"), "no-output"),
                                        ([NetPort("Output"), "lin"], "endpoint-form")])
def test_deleting_graph_outputs_names_net_delete_once(spec, kind):
    net = NetGraph({"lin": LinearLayer(3)}, [], Input=2)
    with pytest.raises(WiringError) as info:
        net_delete(net, spec)
    assert str(info.value).startswith("net_delete: ") and str(info.value).count("net_delete") == 1, str(info.value)
    assert info.value.kind == kind

"""A drop inside an operator whose inner net the operator gives no more shape information (its inputs declared, or
nothing declared anywhere) was made with the fit check switched off, so neighbours that do not fit were rewired
silently; it is refused with drop-mismatch as at the top level, at any depth. net_delete, which does not rewire,
still removes such a layer."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetChain, NetMapOperator, PortType, ShapeError, net_delete, net_drop


def _inner(declared: bool) -> NetChain:
    layers = {"a": LinearLayer(4), "b": LinearLayer(3), "c": LinearLayer(2)}
    return NetChain(layers, input=2) if declared else NetChain(layers)


NETS = {  # an operator holding the inner net, and the path of its 'b'
    "declared inner": (lambda: NetChain({"m": NetMapOperator(_inner(True))}, input=("n", 2)), ("m", "net", "b")),
    "undeclared outer": (lambda: NetChain({"m": NetMapOperator(_inner(True))}), ("m", "net", "b")),
    "nothing declared": (lambda: NetChain({"m": NetMapOperator(_inner(False))}), ("m", "net", "b")),
    "nested, declared": (lambda: NetChain({"m": NetMapOperator(NetChain({"k": NetMapOperator(_inner(True))}))},
                                          input=("n", "j", 2)), ("m", "net", "k", "net", "b")),
    "nested, nothing declared": (lambda: NetChain({"m": NetMapOperator(NetChain({"k": NetMapOperator(
        _inner(False))}))}), ("m", "net", "k", "net", "b")),
}


@pytest.mark.parametrize("name", NETS)
def test_a_drop_whose_neighbours_do_not_fit_is_refused_inside_an_operator(name):
    make, path = NETS[name]
    with pytest.raises(ShapeError, match=r"cannot drop layer 2 'b' \(LinearLayer\): its producer gives \(4\) Real "
                                         r"but its consumers take \(3\) Real") as info:
        net_drop(make(), path)
    assert info.value.kind == "drop-mismatch" and info.value.layer == path
    assert (info.value.found, info.value.expected) == (PortType((4,), "Real"), PortType((3,), "Real"))


def test_the_same_drop_is_refused_at_the_top_level():
    for declared in (True, False):
        with pytest.raises(ShapeError) as info:
            net_drop(_inner(declared), "b")
        assert info.value.kind == "drop-mismatch"


@pytest.mark.parametrize("name", NETS)
def test_net_delete_still_removes_the_layer_without_rewiring(name):
    make, path = NETS[name]
    inner = net_delete(make(), path)
    for step in path[:-1:2]:
        inner = inner.layers[step].net
    assert list(inner.layers) == ["a", "c"]

"""TopologyHash (Wolfram's Information[net, "TopologyHash"]): equal for nets that differ only in array values, different
for nets that differ in anything else, and the same in every Python process."""

from __future__ import annotations

import subprocess
import sys

from netgraph import ClassEncoder, ClassDecoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, \
    NetPort, NetSharedArray, SoftmaxLayer, net_initialize


def _digest(net):
    return net.information("TopologyHash")


def test_sharing_an_array_changes_the_topology():
    """Two layers sharing one array and two with their own arrays (15 vs 24 parameters) had one hash."""
    w = NetSharedArray("w")
    shared = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, [("a", "b")], Input=3)
    own = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3)}, [("a", "b")], Input=3)
    assert _digest(shared) != _digest(own)
    assert _digest(net_initialize(shared, seed=0)) == _digest(net_initialize(shared, seed=1)) == _digest(shared)
    inner = NetMapOperator(NetChain({"l": LinearLayer(3, weights=NetSharedArray("v"))}))
    ports = [(NetPort("X"), "a"), (NetPort("S"), "m")]  # a's and l's weights both of shape (3, 3)
    outer = NetGraph({"a": LinearLayer(3, weights=NetSharedArray("v")), "m": inner}, ports, X=3, S=(2, 3))
    alone = NetGraph({"a": LinearLayer(3), "m": NetMapOperator(NetChain({"l": LinearLayer(3)}))}, ports, X=3, S=(2, 3))
    assert _digest(outer) != _digest(alone)


def test_encoders_and_decoders_are_part_of_the_topology():
    """Nets that differ only in their ports' coders (unequal nets) had one hash."""
    def net(labels, classes=("x", "y")):
        return NetChain([EmbeddingLayer(4, 3), LinearLayer(2), SoftmaxLayer()], input=ClassEncoder(labels),
                        output=ClassDecoder(list(classes)))
    assert _digest(net(["a", "b", "c"])) != _digest(net(["c", "b", "a"]))
    assert _digest(net(["a", "b", "c"])) != _digest(net(["a", "b", "c"], ("y", "x")))
    assert _digest(net(["a", "b", "c"])) == _digest(net(["a", "b", "c"]))


_SCRIPT = """
from netgraph import FunctionLayer, NetChain
def double(x):
    return x * 2
import functools
def scale(k, x):
    return x * k
layers = [FunctionLayer(lambda x: x + 1), FunctionLayer(double), FunctionLayer(functools.partial(scale, 2))]
print(NetChain(layers, input=3).information("TopologyHash"))
"""


def test_a_python_function_layer_hashes_alike_in_every_process():
    """A FunctionLayer holding a Python function hashed its repr, whose memory address changes from run to run."""
    runs = {subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 1
    from netgraph import FunctionLayer
    assert (_digest(NetChain([FunctionLayer(lambda x: x + 1)], input=3))
            != _digest(NetChain([FunctionLayer(lambda x: x + 2)], input=3)))

"""information("LayersGraph") pickled and copied (QA pass 11): its class is made when networkx is first needed, and
pickle, which finds a class by its module and name, failed ("attribute lookup LayersGraph on
netgraph.core.layers_graph failed"), so a net's Information whose LayersGraph had been read (as == reads every
property) could not be pickled either, where networkx's own graphs pickle."""

from __future__ import annotations

import pickle

from netgraph import LinearLayer, NetChain


def _net():
    return NetChain({"enc": NetChain({"l1": LinearLayer(3), "act": "Tanh"}), "head": LinearLayer(2)}, input=2)


def test_the_layers_graph_pickles_as_a_layers_graph():
    graph = _net().information("LayersGraph")
    back = pickle.loads(pickle.dumps(graph))
    assert type(back) is type(graph) and type(back).__name__ == "LayersGraph"
    assert list(back.edges) == [(("enc", "l1"), ("enc", "act")), (("enc", "act"), ("head",))]
    assert back.nodes["enc/l1"] == graph.nodes[("enc", "l1")] == {"layer": LinearLayer(3)}


def test_an_information_that_read_its_layers_graph_pickles():
    info = _net().information()
    assert info["LayersGraph"].number_of_nodes() == 3
    back = pickle.loads(pickle.dumps(info))
    assert back == info and list(back["LayersGraph"].nodes) == list(info["LayersGraph"].nodes)


def test_the_graph_ir_pickles_and_deep_copies_with_its_read_only_maps():
    """information("GraphIR") was TypeError "cannot pickle 'mappingproxy' object" for pickle and copy.deepcopy, and
    so was a net's Information that had read it."""
    import copy
    from types import MappingProxyType
    ir = _net().information("GraphIR")
    for back in (pickle.loads(pickle.dumps(ir)), copy.deepcopy(ir)):
        assert [(n.path, n.layer, dict(n.inputs), dict(n.types)) for n in back.nodes] == \
            [(n.path, n.layer, dict(n.inputs), dict(n.types)) for n in ir.nodes]
        assert isinstance(back.nodes[0].inputs, MappingProxyType) and isinstance(back.outputs, MappingProxyType)
        assert back.output_types == ir.output_types and back.producer((("head",), "Input")) == ir.producer(
            (("head",), "Input"))
    info = _net().information()
    assert all(info[name] is not None for name in ("GraphIR", "LayersGraph"))
    assert copy.deepcopy(info) == info == pickle.loads(pickle.dumps(info))

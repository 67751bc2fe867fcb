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

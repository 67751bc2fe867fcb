"""EmbeddingLayer(size, n) is Wolfram's order, torch's Embedding(num_embeddings, embedding_dim) the other way round:
an index past n says so (found by QA with torch habits: EmbeddingLayer(10, 4) fed indices to 9 said only the range)."""

from __future__ import annotations

import numpy as np
import pytest

from netgraph import DataError, EmbeddingLayer, NetChain, net_initialize


def test_an_index_past_n_names_the_torch_order():
    net = net_initialize(NetChain([EmbeddingLayer(10, 4)], input=["n"]), seed=0)
    with pytest.raises(DataError, match=r"takes indices in \[0, 4\), found values from 1 to 9.*torch's "
                                        r"Embedding\(num_embeddings, embedding_dim\) is EmbeddingLayer\(embedding_dim, "
                                        r"num_embeddings\)"):
        net(np.array([1, 7, 9]))
    assert net(np.array([1, 3])).shape == (2, 10)


def test_a_negative_index_gets_no_torch_words():
    net = net_initialize(NetChain([EmbeddingLayer(10, 4)], input=["n"]), seed=0)
    with pytest.raises(DataError) as info:
        net(np.array([-1, 2]))
    assert "torch's" not in str(info.value)

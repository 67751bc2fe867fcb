"""A surgery function's errors begin with its name, once (README), the shape conflicts of the chain it builds too."""

from __future__ import annotations

import pytest

from netgraph import EmbeddingLayer, LinearLayer, NetChain, ShapeError, net_append, net_insert, net_join


def _chain() -> NetChain:
    return NetChain([LinearLayer(3)], input=4)


@pytest.mark.parametrize("function, call", [
    ("net_append", lambda: net_append(_chain(), EmbeddingLayer(3, 10))),
    ("net_insert", lambda: net_insert(_chain(), EmbeddingLayer(3, 10), 2)),
    ("net_append", lambda: net_append(NetChain({"enc": _chain(), "h": LinearLayer(2)}), EmbeddingLayer(3, 10),
                                      at="enc")),
    ("net_join", lambda: net_join(_chain(), NetChain([LinearLayer(2)], input=5))),
])
def test_a_shape_conflict_of_the_built_chain_begins_with_the_function_once(function, call):
    with pytest.raises(ShapeError) as caught:
        call()
    message = str(caught.value)
    assert message.startswith(f"{function}: ") and message.count(function) == 1
    assert all(d.message.startswith(f"{function}: ") for d in caught.value.diagnostics)

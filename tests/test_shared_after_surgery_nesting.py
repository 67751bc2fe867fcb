"""A shared array used at two nesting levels (a top-level layer and a layer inside an operator's inner net) after
surgery: each kept user still holds the one value, the compiled net still has one parameter for it, and a user
given in an edit is sized by the net around it."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, NetSharedArray, OptionError,
                      net_delete, net_initialize, net_replace_part, net_take)
from netgraph.core.shared import shared_users


def _net() -> NetGraph:
    """'w' in a (top level) and in map/net/l1 (the operator's inner net)."""
    w = NetSharedArray("w")
    inner = NetChain({"l1": LinearLayer(4, weights=w), "t": "Tanh"})
    net = NetGraph({"a": LinearLayer(4, weights=w), "map": NetMapOperator(inner), "b": LinearLayer(2)},
                   [(NetPort("x"), "a"), (NetPort("y"), "map"), ("map", "b")], x=4, y=(3, 4))
    return net_initialize(net, seed=0)


def _values(net: NetGraph) -> list[torch.Tensor]:
    """The value each user of 'w' holds."""
    out = []
    for path, array in shared_users(net)["w"]:
        *inside, name = array.split(".")
        out.append(net.layer_at((*path, *inside)).arrays[name])
    return out


@pytest.mark.parametrize("edit, users", [
    (lambda n: net_delete(n, "b"), 2), (lambda n: net_delete(n, ("map", "net", "t")), 2),
    (lambda n: net_replace_part(n, {("map", "net", "t"): "ReLU"}), 2), (lambda n: net_take(n, "a"), 1),
    (lambda n: net_take(n, "map"), 1), (lambda n: net_replace_part(n, {"a": LinearLayer(4)}), 1),
])
def test_the_users_kept_by_surgery_hold_the_one_value(edit, users):
    net = _net()
    given = net.layers["a"].arrays["Weights"]
    values = _values(edit(net))
    assert len(values) == users and all(torch.equal(v, given) for v in values)


def test_a_net_cut_by_surgery_still_trains_one_parameter_for_both_levels():
    cut = net_delete(_net(), "b")
    module = cut.compile()
    weights = [name for name, _ in module.named_parameters() if name.endswith("Weights")]
    assert weights == ["a.Weights"]  # map/net/l1's is the same parameter
    x, y = torch.randn(2, 4), torch.randn(2, 3, 4)
    out = cut(x=x, y=y)
    w, b1 = cut.layers["a"].arrays["Weights"], cut.layer_at(("map", "net", "l1")).arrays["Biases"]
    torch.testing.assert_close(out["Output1"], x @ w.T + cut.layers["a"].arrays["Biases"])
    torch.testing.assert_close(out["Output2"], torch.tanh(y @ w.T + b1))


def test_a_user_put_in_by_surgery_at_the_top_is_sized_by_the_net_around_it():
    with pytest.raises(OptionError, match=r"layer 'b': LinearLayer: array 'Weights' \(shared array 'w'\): expected "
                                          r"shape \(5, 12\) \(from the net's sizes\), found \(4, 4\)"):
        net_replace_part(_net(), {"b": LinearLayer(5, weights=NetSharedArray("w"))})

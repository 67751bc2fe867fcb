"""AttentionLayer: compiled == interpreted == the handwritten formula softmax(Q Kᵀ / sqrt(k)) V, per head,
with the causal mask and the bilinear score; gradients; shape rules with fixed and variable lengths."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import AttentionLayer, NetGraph, OptionError, PortType, net_initialize
from tests.layer_families._helpers import shape_error, three_way


def attend(k, v, q, *, weights=None, causal=False, scaled=True):
    """Handwritten, one head, one example: k (n, dk), v (n, dv), q (m, dq) -> (m, dv), by plain matrix algebra."""
    scores = (q @ weights.T if weights is not None else q) @ k.T
    if scaled:
        scores = scores / math.sqrt(k.shape[-1])
    if causal:
        scores = scores.masked_fill(torch.ones_like(scores, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, -1) @ v


def by_example(k, v, q, heads=False, **options):
    """``attend`` applied example by example (and head by head: the head is the second-to-last dim)."""
    rows = []
    for b in range(k.shape[0]):
        if heads:
            rows.append(torch.stack([attend(k[b, :, h], v[b, :, h], q[b, ..., h, :], **options)
                                     for h in range(k.shape[2])], -2))
        else:
            rows.append(attend(k[b], v[b], q[b], **options))
    return torch.stack(rows)


def test_dot_single_head_is_scaled_dot_product():
    net = NetGraph({"att": AttentionLayer()}, [], Key=("n", 4), Value=("n", 3), Query=("m", 4))
    k, v, q = torch.randn(3, 6, 4), torch.randn(3, 6, 3), torch.randn(3, 5, 4)
    three_way(net, lambda m, Key, Value, Query: by_example(Key, Value, Query), Key=k, Value=v, Query=q)


def test_single_query_vector_and_no_rescaling():
    net = NetGraph({"att": AttentionLayer(score_rescaling="None")}, [], Key=(6, 4), Value=(6, 2), Query=4)
    assert net.port_types["Output"] == PortType((2,), "Real")
    k, v, q = torch.randn(3, 6, 4), torch.randn(3, 6, 2), torch.randn(3, 4)
    three_way(net, lambda m, Key, Value, Query: by_example(Key, Value, Query[:, None], scaled=False)[:, 0],
              Key=k, Value=v, Query=q)


@pytest.mark.parametrize("scoring", ["Dot", "Bilinear"])
def test_multi_head_causal_per_head(scoring):
    net = NetGraph({"att": AttentionLayer(scoring, multi_head=True, mask="Causal")}, [],
                   Key=("n", 2, 4), Value=("n", 2, 3), Query=("n", 2, 4 if scoring == "Dot" else 5))
    k, v, q = torch.randn(3, 7, 2, 4), torch.randn(3, 7, 2, 3), torch.randn(3, 7, 2, net.input_shapes["Query"][-1])

    def hand(m, Key, Value, Query):
        w = m.att.Weights if scoring == "Bilinear" else None
        return by_example(Key, Value, Query, heads=True, weights=w, causal=True)
    module = three_way(net, hand, Key=k, Value=v, Query=q)
    if scoring == "Bilinear":
        assert tuple(module.att.Weights.shape) == (4, 5)
    assert "F.scaled_dot_product_attention(" in module.code and "is_causal=True" in module.code


def test_causal_first_output_is_first_value():
    net = net_initialize(NetGraph({"att": AttentionLayer(mask="Causal")}, [], Key=(5, 3), Value=(5, 2), Query=(5, 3)))
    v = torch.randn(2, 5, 2)
    out = net(Key=torch.randn(2, 5, 3), Value=v, Query=torch.randn(2, 5, 3))
    torch.testing.assert_close(out[:, 0], v[:, 0])  # query 1 sees key 1 only


def test_gradients_equal_the_handwritten_formula():
    net = net_initialize(NetGraph({"att": AttentionLayer("Bilinear", multi_head=True)}, [],
                                  Key=(5, 2, 3), Value=(5, 2, 4), Query=(6, 2, 2)), seed=1)
    module = net.compile()
    inputs = [torch.randn(2, *net.input_shapes[p], dtype=torch.float64, requires_grad=True)
              for p in ("Key", "Value", "Query")]
    module.double()
    module(*inputs).square().sum().backward()
    ours = [x.grad for x in inputs] + [module.att.Weights.grad]
    w = module.att.Weights.detach().clone().requires_grad_()
    copies = [x.detach().clone().requires_grad_() for x in inputs]
    by_example(*copies, heads=True, weights=w).square().sum().backward()
    for a, b in zip(ours, [x.grad for x in copies] + [w.grad]):
        torch.testing.assert_close(a, b)


def test_shapes_flow_both_ways_and_lengths_may_vary():
    net = NetGraph({"att": AttentionLayer(multi_head=True)}, [], Key=("n", 2, 4), Value=(None, None, 3), Query=(2, None))
    assert net.port_types["Value"].shape == ("n", 2, 3)
    assert net.port_types["Query"].shape == (2, 4) and net.port_types["Output"].shape == (2, 3)
    back = NetGraph({"att": AttentionLayer()}, [], Output=("m", 3), Key=(7, 4))
    assert back.port_types["Query"].shape == ("m", 4) and back.port_types["Value"].shape == (7, 3)
    module = net_initialize(NetGraph({"att": AttentionLayer()}, [], Key=("n", 4), Value=("n", 3), Query=("m", 4))).compile()
    for n, m in ((3, 1), (9, 4)):
        assert module(torch.randn(2, n, 4), torch.randn(2, n, 3), torch.randn(2, m, 4)).shape == (2, m, 3)


@pytest.mark.parametrize("ports, options, fragments", [
    ({"Key": (5, 4), "Value": (6, 3)}, {}, ["'Key' and 'Value' must have the same length", "5 and 6"]),
    ({"Key": (5, 4), "Query": (2, 3)}, {}, ["'Dot' scoring needs keys and queries of one size"]),
    ({"Key": (5, 4), "Query": (6, 4)}, {"mask": "Causal"}, ["needs as many queries as keys"]),
    ({"Query": 4}, {"mask": "Causal"}, ["needs a sequence of queries"]),
    ({"Key": (5, 2, 4)}, {}, ["port 'Key' must be a sequence (n, size)", "(5, 2, 4)", "multi_head=True"]),
    ({"Key": (5, 4)}, {"multi_head": True}, ["port 'Key' must be a sequence (n, heads, size)",
                                             "NetMapOperator(LinearLayer((heads, 4 // heads)))"]),
    ({"Key": (5, 2, 4), "Value": (5, 3, 4)}, {"multi_head": True}, ["heads of 'Key' and 'Value'"]),
])
def test_shape_errors_name_the_port(ports, options, fragments):
    shape_error(lambda: NetGraph({"att": AttentionLayer(**options)}, [], **ports), *fragments)


def test_option_errors():
    with pytest.raises(OptionError, match="'Bilinear' scoring"):
        AttentionLayer(weights=torch.ones(2, 2))
    with pytest.raises(OptionError, match="mask"):
        AttentionLayer(mask="causal")
    with pytest.raises(OptionError, match="multi_head"):
        AttentionLayer(multi_head="yes")
    assert AttentionLayer().arrays == {} and list(AttentionLayer("Bilinear").arrays) == ["Weights"]


def test_yaml_round_trip_keeps_options_and_weights():
    from netgraph.spec import from_yaml
    net = net_initialize(NetGraph({"att": AttentionLayer("Bilinear", multi_head=True, mask="Causal")}, [],
                                  Key=("n", 2, 3), Value=("n", 2, 2), Query=("n", 2, 3)), seed=0)
    back = from_yaml(net.to_yaml())
    layer = back.layers["att"]
    assert (layer.scoring, layer.multi_head, layer.mask) == ("Bilinear", True, "Causal")
    torch.testing.assert_close(layer.weights, net.layers["att"].weights)
    text = "netgraph: 1\nlayers:\n  att: {type: AttentionLayer, multi_head: true}\ninputs: {Key: [n, 2, 4], Value: [n, 2, 4], Query: [2, 4]}\nedges: []\n"
    assert from_yaml(text).port_types["Output"].shape == (2, 4)


def test_attention_dropout_drops_weights_in_training_only_and_keeps_the_mean():
    from netgraph import interpret
    net = NetGraph({"att": AttentionLayer(multi_head=True, mask="Causal", dropout=0.25)}, [],
                   Key=(6, 2, 4), Value=(6, 2, 3), Query=(6, 2, 4))
    plain = NetGraph({"att": AttentionLayer(multi_head=True, mask="Causal")}, [], Key=(6, 2, 4), Value=(6, 2, 3),
                     Query=(6, 2, 4))
    g = torch.Generator().manual_seed(0)
    k, v, q = torch.randn(1, 6, 2, 4, generator=g), torch.randn(1, 6, 2, 3, generator=g), torch.randn(1, 6, 2, 4, generator=g)
    expected = by_example(k, v, q, heads=True, causal=True)
    module = net.compile()
    torch.testing.assert_close(module.eval()(Key=k, Value=v, Query=q), expected)  # evaluation never drops
    torch.testing.assert_close(net(Key=k, Value=v, Query=q), expected)
    module.train()
    torch.manual_seed(1)
    compiled = module(Key=k, Value=v, Query=q)
    torch.manual_seed(1)
    interpreted = interpret(net, module, Key=k, Value=v, Query=q)  # the modules in training mode
    torch.testing.assert_close(compiled, interpreted)  # the same draws compiled and interpreted
    assert not torch.allclose(compiled, expected)
    torch.manual_seed(2)
    draws = torch.stack([module(Key=k.expand(500, -1, -1, -1), Value=v.expand(500, -1, -1, -1),
                                Query=q.expand(500, -1, -1, -1)) for _ in range(8)]).flatten(0, 1)
    mean, se = draws.mean(0), draws.std(0) / math.sqrt(draws.shape[0])
    assert bool(((mean - expected[0]).abs() <= 4 * se + 1e-6).all())  # dropout keeps the expectation
    assert plain.layers["att"].dropout == 0.0 and "dropout_p" not in plain.compile().code
    for bad in (1.0, -0.1, "0.1", True):
        with pytest.raises(OptionError, match=r"AttentionLayer.*dropout"):
            AttentionLayer(dropout=bad)
    from netgraph.spec import from_yaml
    assert from_yaml(net.to_yaml()).layers["att"].dropout == 0.25

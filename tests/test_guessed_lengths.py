"""Lengths netgraph guesses are fresh variables (Wolfram's "Varying"): a recurrent layer's default sequence, a
SequenceLastLayer's input learnt backwards, a sequence operator's steps and a pair embedding's second input are
independent of the user's names and of each other, and meet other lengths only where the wiring joins them."""

from __future__ import annotations

import onnx
import pytest
import torch

from netgraph import (DataError, DotLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetFoldOperator, NetGraph,
                      NetMapOperator, NetPairEmbeddingOperator, NetPort, SequenceLastLayer, ShapeError,
                      ThreadingLayer, export_onnx, net_initialize)
from netgraph.spec import from_yaml

W, B = torch.tensor([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]]), torch.tensor([0.25, -0.5])


def _map_and_last(b_shape: tuple) -> NetGraph:
    """a=("n", 4) through a Map of a known Linear, b through a SequenceLast."""
    return NetGraph({"s": NetMapOperator(LinearLayer(2, weights=W, biases=B)), "t": SequenceLastLayer()},
                    [(NetPort("a"), "s"), (NetPort("b"), "t")], a=("n", 4), b=b_shape)


def _two_grus() -> NetGraph:
    return NetGraph({"q": GatedRecurrentLayer(4, input=8), "dd": GatedRecurrentLayer(4, input=8)},
                    [(NetPort("query"), "q"), (NetPort("doc"), "dd")])


def test_two_recurrent_branches_guess_lengths_of_their_own():
    g = net_initialize(_two_grus(), seed=0)
    assert g.input_shapes == {"query": ("n", 8), "doc": ("n_2", 8)}
    assert g.output_shapes == {"Output1": ("n", 4), "Output2": ("n_2", 4)}
    out = g({"query": torch.randn(1, 3, 8), "doc": torch.randn(1, 7, 8)})
    assert out["Output1"].shape == (1, 3, 4) and out["Output2"].shape == (1, 7, 4)


def test_one_recurrent_chain_still_shows_n():
    assert NetChain([GatedRecurrentLayer(4, input=8)]).input_shapes == {"Input": ("n", 8)}


@pytest.mark.parametrize("make", [lambda: NetMapOperator(LinearLayer(2)), lambda: GatedRecurrentLayer(2),
                                  lambda: NetFoldOperator(NetGraph({"p": ThreadingLayer("Plus")}, [
                                      ([NetPort("State"), NetPort("Input")], "p", NetPort("Output"))],
                                      State=3, Input=3))])
def test_a_users_name_does_not_capture_an_unnamed_length_on_another_branch(make):
    g = NetGraph({"s": NetMapOperator(LinearLayer(2)), "t": make()}, [(NetPort("a"), "s"), (NetPort("b"), "t")],
                 a=("n", 4), b=(None, 3))
    assert g.input_shapes == {"a": ("n", 4), "b": ("n_2", 3)}
    g = net_initialize(g, seed=0)
    out = g({"a": torch.randn(2, 2, 4), "b": torch.randn(2, 5, 3)})
    assert out["Output1"].shape[:2] == (2, 2) and out["Output2"].shape[:2] == (2, 5)


def test_a_guess_skips_a_users_name_it_would_take():
    p = NetPairEmbeddingOperator(NetChain([GatedRecurrentLayer(4), SequenceLastLayer()], input=(None, 2)))
    g = NetGraph({"p": p, "z": NetMapOperator(LinearLayer(2))}, [(NetPort("w"), "z")], w=("n_2", 3))
    shapes = g.input_shapes
    assert shapes["w"] == ("n_2", 3) and len({shapes[k][0] for k in ("w", "Input1", "Input2")}) == 3
    out = net_initialize(g, seed=0)({"Input1": torch.randn(1, 3, 2), "Input2": torch.randn(1, 4, 2),
                                     "w": torch.randn(1, 6, 3)})
    assert out["Output2"].shape == (1, 6, 2)


def test_guessed_lengths_a_plus_joins_are_one_length():
    g = NetGraph({"q": GatedRecurrentLayer(4, input=8), "dd": GatedRecurrentLayer(4, input=8),
                  "p": ThreadingLayer("Plus")}, [(NetPort("query"), "q"), (NetPort("doc"), "dd"), (["q", "dd"], "p")])
    assert g.input_shapes == {"query": ("n", 8), "doc": ("n", 8)}
    g = net_initialize(g, seed=0)
    with pytest.raises(DataError, match="share the length n"):
        g({"query": torch.randn(1, 3, 8), "doc": torch.randn(1, 7, 8)})


def test_a_guessed_length_takes_the_users_name_the_wiring_joins_it_to():
    g = NetGraph({"q": GatedRecurrentLayer(4, input=8), "p": ThreadingLayer("Plus")},
                 [(NetPort("x"), "q"), (["q", NetPort("y")], "p")], y=("m", 4))
    assert g.input_shapes == {"x": ("m", 8), "y": ("m", 4)}


def test_sequence_last_backwards_joins_no_users_name():
    g = net_initialize(_map_and_last(("m", 3)))
    assert g.input_shapes == {"a": ("n", 4), "b": ("m", 3)}
    g = NetGraph({"s": SequenceLastLayer(), "t": SequenceLastLayer()}, [(NetPort("a"), "s"), (NetPort("b"), "t")],
                 a=("n", 3), b=("m", 3))
    assert g.input_shapes == {"a": ("n", 3), "b": ("m", 3)}


@pytest.mark.parametrize("b_shape", [(None, 3), ("m", 3)])
def test_independent_lengths_agree_with_torch_at_two_lengths(b_shape):
    g = net_initialize(_map_and_last(b_shape))
    assert g.input_shapes["b"][0] != "n"
    compiled = g.compile()
    for la, lb in ((2, 5), (4, 1)):
        a, b = torch.randn(2, la, 4), torch.randn(2, lb, 3)
        want = {"Output1": a @ W.T + B, "Output2": b[:, -1]}
        for got in (g({"a": a, "b": b}), compiled(a, b)):
            got = got if isinstance(got, dict) else dict(zip(("Output1", "Output2"), got))
            for port in want:
                torch.testing.assert_close(got[port], want[port])


def _two_tower() -> NetGraph:
    return NetGraph({"gq": GatedRecurrentLayer(4), "lq": SequenceLastLayer(), "gd": GatedRecurrentLayer(4),
                     "ld": SequenceLastLayer(), "d": DotLayer()},
                    [(NetPort("query"), "gq", "lq"), (NetPort("doc"), "gd", "ld"), (["lq", "ld"], "d")],
                    query=("n", 8), doc=("m", 8))


def test_a_two_tower_model_builds_runs_and_round_trips():
    g = net_initialize(_two_tower(), seed=0)
    assert g.input_shapes == {"query": ("n", 8), "doc": ("m", 8)}
    q, d = torch.randn(2, 3, 8), torch.randn(2, 7, 8)
    out = g({"query": q, "doc": d})
    torch.testing.assert_close(g.compile()(q, d), out)
    back = from_yaml(g.to_yaml())
    assert back.input_shapes == g.input_shapes and back.output_shapes == g.output_shapes
    fixed = net_initialize(_map_and_last((None, 3)))
    again = from_yaml(fixed.to_yaml())
    assert again.input_shapes == fixed.input_shapes == {"a": ("n", 4), "b": ("n_2", 3)}


def test_a_two_tower_model_exports_two_length_axes(tmp_path):
    path = str(tmp_path / "towers.onnx")
    export_onnx(net_initialize(_two_tower(), seed=0), path)
    dims = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]
            for i in onnx.load(path).graph.input}
    assert dims["query"][1] != dims["doc"][1] and all(isinstance(dims[p][1], str) for p in ("query", "doc"))


def test_two_users_names_still_refuse_to_join():
    with pytest.raises(ShapeError, match="independent"):
        NetGraph({"p": ThreadingLayer("Plus")}, [([NetPort("a"), NetPort("b")], "p")], a=("n", 3), b=("m", 3))


@pytest.mark.parametrize("inner_name", ["q", "n"])
def test_a_pair_embeddings_two_inputs_stay_apart_whatever_its_net_names_the_length(inner_name):
    """A guess is found by inference however the inner net spells its length (a pair embedding's inputs took the
    inner name as a user's when it was not "n": one length, and the outer port's of that name)."""
    pair = NetPairEmbeddingOperator(NetChain([GatedRecurrentLayer(4), SequenceLastLayer()], input=(inner_name, 2)))
    g = net_initialize(NetGraph({"p": pair, "z": NetMapOperator(LinearLayer(2))}, [(NetPort("w"), "z")],
                                w=(inner_name, 3)), seed=0)
    shapes = g.input_shapes
    assert shapes["w"] == (inner_name, 3) and len({shapes[k][0] for k in ("w", "Input1", "Input2")}) == 3
    out = g({"Input1": torch.randn(1, 3, 2), "Input2": torch.randn(1, 4, 2), "w": torch.randn(1, 6, 3)})
    assert out["Output1"].shape == (1,) and out["Output2"].shape == (1, 6, 2)
    alone = NetGraph({"p": pair}, [])
    assert alone.input_shapes == {"Input1": (inner_name, 2), "Input2": (f"{inner_name}_2", 2)}


def test_a_users_length_named_n_is_no_guess():
    """A user's "n" is spelled as netgraph's guesses: it is still the user's, met by guesses as any other name."""
    g = NetGraph({"q": GatedRecurrentLayer(4, input=8), "s": NetMapOperator(LinearLayer(2))},
                 [(NetPort("x"), "q"), (NetPort("y"), "s")], y=("n", 3))
    assert g.input_shapes == {"x": ("n_2", 8), "y": ("n", 3)}
    g = NetGraph({"q": GatedRecurrentLayer(4, input=8), "p": ThreadingLayer("Plus")},
                 [(NetPort("x"), "q"), (["q", NetPort("y")], "p")], y=("n", 4))
    assert g.input_shapes == {"x": ("n", 8), "y": ("n", 4)} and g.output_shapes == {"Output": ("n", 4)}

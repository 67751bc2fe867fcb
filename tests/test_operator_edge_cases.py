"""Operators at the edges: a batch of 0 with sequences of length 0, and the like (session 34's QA of operators)."""

import pytest
import torch

from netgraph import (CatenateLayer, DataError, ElementwiseLayer, EmbeddingLayer, LinearLayer, NetBidirectionalOperator,
                      NetChain, NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator, NetPort, PortType,
                      ReshapeLayer, interpret, net_initialize)


def _cell() -> NetGraph:
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)


def test_fold_of_a_batch_of_0_with_length_0_gives_empty_states():
    """No step runs: its states are none, (0, 0, 5), and the final state the zeros it starts from (torch.stack of
    no states once raised a raw RuntimeError)."""
    net = net_initialize(NetGraph({"fold": NetFoldOperator(_cell())}, [], Input=("n", 3)), seed=0)
    module = net.compile()
    for out in (module(Input=torch.zeros(0, 0, 3)), interpret(net, module, Input=torch.zeros(0, 0, 3))):
        assert out["Output"].shape == (0, 0, 5) and out["State"].shape == (0, 5)


def test_bidirectional_fold_of_a_batch_of_0_with_length_0():
    layer = NetBidirectionalOperator(NetChain([NetFoldOperator(_cell()), "Tanh"]))
    net = net_initialize(NetGraph({"bi": layer}, [], Input=("n", 3)), seed=0)
    assert net(torch.zeros(0, 0, 3)).shape == (0, 0, 10)


def test_fold_over_integers_starts_from_zeros_in_the_modules_dtype():
    """Integer elements give the zero state no dtype: it is the module's (bfloat16 weights once met float32 zeros,
    a raw torch error), in the compiled forward as in the interpreter."""
    cell = NetGraph({"e": EmbeddingLayer(5, 10), "cat": CatenateLayer(), "lin": LinearLayer(5)},
                    [(NetPort("Input"), "e"), (["e", NetPort("State")], "cat"), ("cat", "lin")])
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell)}, [], Input=("n",)), seed=0)
    x = torch.tensor([[1, 2, 3], [4, 5, 9]])
    expected = net.compile().double()(Input=x)
    for dtype in (torch.bfloat16, torch.float64):
        module = net.compile().to(dtype)
        for out in (module(Input=x), interpret(net, module, Input=x)):
            assert out["Output"].dtype == out["State"].dtype == dtype
            torch.testing.assert_close(out["State"].double(), expected["State"], rtol=0.05, atol=0.05)


def test_fixed_length_fold_over_integers_traces_with_fx():
    """A fold over a fixed length traces (README), over Integer elements too: its zero state once came from
    torch.zeros(x.shape[0], ...), which fx's proxy cannot size (a TypeError)."""
    cell = NetGraph({"e": EmbeddingLayer(5, 10), "cat": CatenateLayer(), "lin": LinearLayer(5)},
                    [(NetPort("Input"), "e"), (["e", NetPort("State")], "cat"), ("cat", "lin")])
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell)}, [], Input=PortType((4,), "Integer")), seed=0)
    module = net.compile()
    traced = torch.fx.symbolic_trace(module)
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 9, 9]])
    torch.testing.assert_close(traced(Input=x)["Output"], module(Input=x)["Output"], rtol=0, atol=0)
    moved = traced.to(torch.bfloat16)  # the zero state follows, as in the untraced module (it was float32)
    torch.testing.assert_close(moved(Input=x)["State"], module.to(torch.bfloat16)(Input=x)["State"], rtol=0, atol=0)


def test_interpret_blames_the_input_of_a_fixed_length_fold_as_the_compiled_module_does():
    """A sequence of another length than a fold's fixed one: the graph input's DataError from both (interpret once
    gave the fold's own, its layer and kind other than the compiled module's)."""
    net = net_initialize(NetGraph({"fold": NetFoldOperator(_cell())}, [], Input=(4, 3)), seed=0)
    module = net.compile()
    errors = []
    for run in (lambda x: module(Input=x), lambda x: interpret(net, module, Input=x)):
        with pytest.raises(DataError) as info:
            run(torch.zeros(2, 5, 3))
        errors.append(info.value)
    assert str(errors[1]) == str(errors[0])
    assert (errors[1].layer, errors[1].port, errors[1].kind) == ((), "Input", "data-shape")


@pytest.mark.parametrize("operator, expected", [
    (NetMapOperator(ReshapeLayer((1,))), [[1], [2], [3]]),
    (NetNestOperator(ReshapeLayer((3,)), 2), [1, 2, 3]),
])
def test_a_bare_value_moving_layer_takes_the_dtype_that_feeds_it(operator, expected):
    """The one-layer graph a bare layer is wrapped in leaves its dtype open (as a NetGraph does), so Integer
    values pass through as Integer (its Input once defaulted to Real: "expected dtype Real, found Integer")."""
    net = NetChain([operator], input=PortType((3,), "Integer"))
    assert net.port_types["Output"].dtype == "Integer"
    out = net(torch.tensor([1, 2, 3]))
    assert out.dtype == torch.int64 and out.tolist() == expected

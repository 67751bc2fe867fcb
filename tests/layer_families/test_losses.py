"""Loss layers: per-example losses equal torch's, shape/dtype rules both ways, clear errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import (CrossEntropyLossLayer, LinearLayer, MeanAbsoluteLossLayer, MeanSquaredLossLayer, NetChain,
                      NetGraph, NetPort, OptionError, PortType, SoftmaxLayer, TransposeLayer, net_initialize)
from netgraph.backend.interpreter import interpret
from tests.layer_families._helpers import shape_error, three_way


@pytest.mark.parametrize("layer, torch_loss", [(MeanSquaredLossLayer(), F.mse_loss),
                                               (MeanAbsoluteLossLayer(), F.l1_loss)])
def test_elementwise_losses_are_per_example_means(layer, torch_loss):
    net = NetGraph([layer], [], Input=(3, 4))
    x, t = torch.randn(5, 3, 4), torch.randn(5, 3, 4)
    three_way(net, lambda m, Input, Target: torch.stack([torch_loss(a, b) for a, b in zip(Input, Target)]),
              Input=x, Target=t)
    assert net.port_types["Loss"] == PortType((), "Real")


def test_scalar_inputs_give_one_loss_per_example():
    net = NetGraph([MeanSquaredLossLayer()], [], Input=())
    x, t = torch.randn(6), torch.randn(6)
    three_way(net, lambda m, Input, Target: (Input - Target) ** 2, Input=x, Target=t)


def test_index_cross_entropy_on_probabilities_equals_nll_of_log():
    net = NetGraph({"lin": LinearLayer(4), "soft": SoftmaxLayer(), "loss": CrossEntropyLossLayer("Index")},
                   [("lin", "soft", "loss")], Input=3)
    assert net.port_types["Target"] == PortType((), "Integer")
    x, t = torch.randn(8, 3), torch.randint(0, 4, (8,))

    def hand(m, Input, Target):
        logits = F.linear(Input, m.lin.Weights, m.lin.Biases)
        return F.cross_entropy(logits, Target, reduction="none")
    three_way(net, hand, Input=x, Target=t)


def test_index_cross_entropy_with_logits_and_sequences():
    net = NetGraph([CrossEntropyLossLayer("Index", logits=True)], [], Input=(6, 5))
    assert net.input_shapes == {"Input": (6, 5), "Target": (6,)}
    x, t = torch.randn(4, 6, 5), torch.randint(0, 5, (4, 6))
    hand = lambda m, Input, Target: F.cross_entropy(Input.transpose(1, 2), Target, reduction="none").mean(1)  # noqa: E731
    three_way(net, hand, Input=x, Target=t)


def test_probabilities_and_binary_forms():
    p = torch.softmax(torch.randn(5, 4), -1)
    q = torch.softmax(torch.randn(5, 4), -1)
    net = NetGraph([CrossEntropyLossLayer("Probabilities")], [], Input=4)
    three_way(net, lambda m, Input, Target: -(Target * Input.log()).sum(-1), Input=p, Target=q)
    logits = torch.randn(5, 4)
    net = NetGraph([CrossEntropyLossLayer("Probabilities", logits=True)], [], Input=4)
    three_way(net, lambda m, Input, Target: F.cross_entropy(Input, Target, reduction="none"), Input=logits, Target=q)
    b, y = torch.rand(5, 3), torch.randint(0, 2, (5, 3)).float()
    net = NetGraph([CrossEntropyLossLayer("Binary")], [], Input=3)
    three_way(net, lambda m, Input, Target: F.binary_cross_entropy(Input, Target, reduction="none").mean(1),
              Input=b, Target=y)
    net = NetGraph([CrossEntropyLossLayer("Binary", logits=True)], [], Input=3)
    three_way(net, lambda m, Input, Target: F.binary_cross_entropy_with_logits(Input, Target, reduction="none").mean(1),
              Input=logits[:, :3], Target=y)


def test_gradients_reach_the_weights():
    net = NetChain([LinearLayer(3), SoftmaxLayer(), CrossEntropyLossLayer("Index")], input=2)
    module = net_initialize(net, seed=0).compile()
    module(Input=torch.randn(4, 2), Target=torch.tensor([0, 1, 2, 0])).mean().backward()
    assert module.get_submodule("1").Weights.grad.abs().sum() > 0


def test_shape_rules_work_in_both_directions():
    # Target from Input (forward) and Input from Target (backward); the class dim stays open
    assert NetGraph([CrossEntropyLossLayer("Index")], [], Input=(7, 3)).input_shapes["Target"] == (7,)
    net = NetGraph([CrossEntropyLossLayer("Index")], [], Target=(7,))
    assert net.input_shapes["Input"] == (7, None)
    assert NetGraph([MeanSquaredLossLayer()], [], Target=(2, 2)).input_shapes["Input"] == (2, 2)
    assert NetGraph([CrossEntropyLossLayer("Binary")], [], Input=5).input_shapes["Target"] == (5,)


def test_mismatched_target_names_layer_and_ports():
    shape_error(lambda: NetGraph([LinearLayer(4), MeanSquaredLossLayer()], [(1, 2)], Input=3, Target=2),
                "layer 2 (MeanSquaredLossLayer)", "ports 'Input' and 'Target'", "(4)", "(2)", "edge 1 -> 2")
    shape_error(lambda: NetGraph([CrossEntropyLossLayer("Index")], [], Input=(7, 3), Target=(6,)),
                "CrossEntropyLossLayer", "Target")
    shape_error(lambda: NetGraph([CrossEntropyLossLayer("Index")], [], Input=()),
                "layer 1 (CrossEntropyLossLayer)", "port 'Input'", "scalar")
    for scalar in ({"Input": ()}, {"Target": ()}, {"Input": (), "Target": ()}):  # compiled code failed in reshape
        shape_error(lambda: NetGraph([CrossEntropyLossLayer("Probabilities", logits=True)], [], **scalar),
                    "layer 1 (CrossEntropyLossLayer)", "class probabilities on their last dimension", "found scalars ()",
                    "form 'Binary'")
    assert NetGraph([CrossEntropyLossLayer("Binary")], [], Input=()).output_shapes == {"Loss": ()}


def test_index_targets_are_integers():
    shape_error(lambda: NetGraph([LinearLayer(3), CrossEntropyLossLayer("Index")],
                                 [(NetPort(1, "Output"), NetPort(2, "Target"))], Input=3),
                "expected dtype", "Integer", "Real", "layer 2 (CrossEntropyLossLayer) port 'Target'")


def test_bad_options():
    with pytest.raises(OptionError, match=r"unknown target form 'index' \(did you mean 'Index'\?\)"):
        CrossEntropyLossLayer("index")
    with pytest.raises(OptionError, match="logits= must be True or False"):
        CrossEntropyLossLayer("Index", logits="yes")
    with pytest.raises(OptionError, match="class dimension"):
        CrossEntropyLossLayer("Index", input=())
    with pytest.raises(OptionError, match="MeanSquaredLossLayer option input="):
        MeanSquaredLossLayer(input=-2)


@pytest.mark.parametrize("logits", [False, True])
def test_an_index_target_outside_the_classes_is_a_data_error_on_every_path(logits):
    """It reached torch.gather / F.cross_entropy and raised RuntimeError ("index 7 is out of bounds")."""
    from netgraph import DataError, interpret, net_initialize
    net = net_initialize(NetGraph([CrossEntropyLossLayer("Index", logits=logits)], [], Input=5))
    p, bad = torch.softmax(torch.randn(2, 5), -1), torch.tensor([7, -1])
    module = net.compile()
    for run in (lambda: net(Input=p, Target=bad), lambda: module(Input=p, Target=bad),
                lambda: interpret(net, module, Input=p, Target=bad)):
        with pytest.raises(DataError, match=r"^layer '1' \(CrossEntropyLossLayer\) port 'Target' .*takes indices "
                                            r"in \[0, 5\), found values from -1 to 7") as info:
            run()
        assert (info.value.diagnostics[0].layer, info.value.diagnostics[0].port) == (("1",), "Target")
    assert net(Input=p, Target=torch.tensor([4, 0])).shape == (2,)


def test_binary_probabilities_outside_0_1_are_a_data_error_naming_the_port():
    """F.binary_cross_entropy raised RuntimeError ("all elements of input should be between 0 and 1")."""
    from netgraph import DataError, net_initialize
    net = net_initialize(NetGraph([CrossEntropyLossLayer("Binary")], [], Input=3))
    with pytest.raises(DataError, match=r"port 'Input' takes probabilities in \[0, 1\], found 1.5 .*logits=True"):
        net(Input=torch.tensor([[1.5, 0.5, 0.1]]), Target=torch.tensor([[1.0, 0.0, 1.0]]))
    with pytest.raises(DataError, match=r"port 'Target' takes probabilities in \[0, 1\], found 2.0") as info:
        net.compile()(Input=torch.tensor([[0.5, 0.5, 0.1]]), Target=torch.tensor([[2.0, 0.0, 1.0]]))
    assert (info.value.diagnostics[0].layer, info.value.diagnostics[0].port) == (("1",), "Target")


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("shape", [(5,), (6, 5), (2, 3, 5)])
@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
def test_index_cross_entropy_values_and_gradients_equal_torchs(logits, shape, dtype):
    """The compiled forward's index_loss (F.cross_entropy on logits, gather on probabilities, classes moved to dim 1)
    equals the interpreter and torch written by hand, values and gradients, for every rank and integer dtype."""
    from netgraph import interpret
    net = net_initialize(NetGraph([CrossEntropyLossLayer("Index", logits=logits)], [], Input=shape))
    module = net.compile().double()
    scores = torch.randn(4, *shape, dtype=torch.float64)
    t = torch.randint(0, shape[-1], (4, *shape[:-1]), dtype=dtype)

    def hand(x: torch.Tensor) -> torch.Tensor:
        each = F.cross_entropy(x.movedim(-1, 1), t.long(), reduction="none") if logits else \
            -x.gather(-1, t.long().unsqueeze(-1)).squeeze(-1).log()
        return each.reshape(4, -1).mean(1)
    for run in (lambda x: module(Input=x, Target=t), lambda x: interpret(net, module, Input=x, Target=t), hand):
        x = (scores if logits else scores.softmax(-1)).detach().requires_grad_()
        loss = run(x)
        want = hand(x)
        torch.testing.assert_close(loss, want)
        torch.testing.assert_close(torch.autograd.grad(loss.sum(), x)[0], torch.autograd.grad(want.sum(), x)[0])


@pytest.mark.parametrize("logits", [False, True])
def test_a_compiled_index_cross_entropy_reads_no_index_on_the_cpu_unless_torchs_check_fails(logits, monkeypatch):
    """The range check was an aminmax read back every call (1.33x F.cross_entropy): on the CPU it is torch's own now,
    and check_indices runs only where that fails, for the same clear error naming the layer, port and values."""
    from netgraph import DataError
    from netgraph.layers import losses
    from netgraph.layers.index_checks import check_indices
    calls = []
    monkeypatch.setattr(losses, "check_indices", lambda *a, **k: calls.append(a) or check_indices(*a, **k))
    module = net_initialize(NetGraph([CrossEntropyLossLayer("Index", logits=logits)], [], Input=(3, 5))).compile()
    x = torch.softmax(torch.randn(2, 3, 5), -1)
    assert module(Input=x, Target=torch.tensor([[4, 0, 1], [2, 3, 0]])).shape == (2,)
    assert calls == []
    least = torch.iinfo(torch.int64).min  # F.cross_entropy ignored it when it was the ignore_index: a loss of 0
    for bad, found in (([[4, 0, 1], [2, 5, 0]], "from 0 to 5"), ([[4, -1, 1], [2, 3, 0]], "from -1 to 4"),
                       ([[4, least, 1], [2, 3, 0]], f"from {least} to 4")):
        with pytest.raises(DataError, match=rf"^layer '1' \(CrossEntropyLossLayer\) port 'Target' .*takes indices "
                                            rf"in \[0, 5\), found values {found}") as info:
            module(Input=x, Target=torch.tensor(bad))
        assert (info.value.diagnostics[0].layer, info.value.diagnostics[0].port) == (("1",), "Target")
    assert len(calls) == 3


@pytest.mark.parametrize("shape", [(5,), (3, 5)])
def test_the_least_int64_target_is_an_error_compiled_interpreted_and_under_torch_compile(shape):
    """The compiled CPU forward gave it a loss of 0 (averaged into its sequence's), where the interpreter raised."""
    from netgraph import DataError, interpret
    net = net_initialize(NetGraph([CrossEntropyLossLayer("Index", logits=True)], [], Input=shape))
    module = net.compile()
    x, t = torch.randn(2, *shape), torch.zeros(2, *shape[:-1], dtype=torch.long)
    t.view(-1)[1] = torch.iinfo(torch.int64).min
    for run in (lambda: module(Input=x, Target=t), lambda: interpret(net, module, Input=x, Target=t)):
        with pytest.raises(DataError, match=r"port 'Target' .*takes indices in \[0, 5\), found values from "
                                            r"-9223372036854775808 to 0"):
            run()
    with pytest.raises(IndexError, match="out of bounds"):  # torch's error: no values are read in dynamo's graph
        torch.compile(module, backend="aot_eager")(Input=x, Target=t)


_ELEMENTWISE = [MeanSquaredLossLayer(), MeanAbsoluteLossLayer(), CrossEntropyLossLayer("Binary"),
                CrossEntropyLossLayer("Binary", logits=True), CrossEntropyLossLayer("Probabilities"),
                CrossEntropyLossLayer("Probabilities", logits=True)]


_RANKED = [(layer, shape) for layer in _ELEMENTWISE for shape in [(), (4,), (3, 4), (2, 3, 4)]
           if shape or getattr(layer, "form", None) != "Probabilities"]


@pytest.mark.parametrize("layer, shape", _RANKED, ids=str)
def test_the_compiled_mean_of_each_example_adds_no_view_op_and_equals_the_interpreters(layer, shape):
    """Each example's mean was ``.unsqueeze(-1).flatten(1).mean(1)`` at every rank: two view ops (each a dispatch
    forward and backward) where the elements' loss has at most one dim, the unsqueeze one at every rank but 0; a mean
    over its dims needs no flatten at any rank ("Probabilities" of shape () is refused: no class dimension)."""
    net = net_initialize(NetGraph({"loss": layer}, [], Input=shape))
    g = torch.Generator().manual_seed(4)
    x, t = torch.rand(5, *shape, generator=g), torch.rand(5, *shape, generator=g)
    module = net.compile()
    with torch.profiler.profile() as prof:
        found = module(Input=x.requires_grad_(), Target=t)
    ops = {e.key: e.count for e in prof.key_averages()}
    assert ops.get("aten::unsqueeze", 0) == 0
    assert ops.get("aten::flatten", 0) == 0
    torch.testing.assert_close(found, interpret(net, module, Input=x, Target=t), rtol=0, atol=0)


@pytest.mark.parametrize("layer", [MeanSquaredLossLayer(), MeanAbsoluteLossLayer()], ids=str)
def test_a_mean_over_a_transposed_input_is_the_same_sum_compiled_and_interpreted(layer):
    """The interpreter took each example's mean as ``.unsqueeze(-1).flatten(1).mean(1)`` while the compiled code took
    one mean over the dims: on a transposed (not contiguous) operand the two summed in another order (1.2e-7 apart)."""
    net = net_initialize(NetGraph({"t": TransposeLayer(), "loss": layer}, [("t", NetPort("loss", "Input"))],
                                  Input=(300, 70), Target=(70, 300)))
    g = torch.Generator().manual_seed(6)
    x, t = torch.randn(3, 300, 70, generator=g), torch.rand(3, 70, 300, generator=g)
    module = net.compile()
    torch.testing.assert_close(module(Input=x, Target=t), interpret(net, module, Input=x, Target=t), rtol=0, atol=0)

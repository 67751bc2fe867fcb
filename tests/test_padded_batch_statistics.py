"""A batch norm inside NetMapOperator or NetFoldOperator over padded sequences of different lengths: its batch
statistics count each sequence's real elements only (the padding, each sequence's first element repeated, was
counted: sequences [10] and [11, 10, 9] gave a variance of 2/5 instead of 2/3)."""

import pytest
import torch

from netgraph import (BatchNormalizationLayer, CatenateLayer, DataError, EmbeddingLayer, LinearLayer, NetChain,
                      NetFoldOperator, NetGraph, NetMapOperator, NetPort, net_initialize)
from netgraph.backend.masks import compile_padded, interpret_padded, pad

EPS, MOMENTUM = 0.001, 0.1  # BatchNormalizationLayer's defaults


def _hand() -> torch.nn.BatchNorm1d:
    return torch.nn.BatchNorm1d(3, eps=EPS, momentum=MOMENTUM).train()


def _runs(net, x, lengths):
    """The padded run compiled and interpreted, each module in training mode, with its module."""
    compiled, reference = compile_padded(net, ["Input"]).train(), compile_padded(net, ["Input"]).train()
    yield compiled(x, lengths), compiled
    yield interpret_padded(net, reference, {"Input": x}, {"Input": lengths}), reference


def test_a_map_normalises_by_the_real_elements_statistics_only():
    net = net_initialize(NetChain([NetMapOperator(BatchNormalizationLayer())], input=("n", 3)), seed=0)
    examples = [torch.randn(n, 3) * 3 + 1 for n in (1, 4, 2)]
    x, lengths = pad(examples)
    hand = _hand()
    normed = hand(torch.cat(examples))  # one batch of the 7 real elements
    for out, module in _runs(net, x, lengths):
        torch.testing.assert_close(torch.cat([out[i, :n] for i, n in enumerate(lengths.tolist())]), normed)
        torch.testing.assert_close(out[0, 1:], out[0, :1].expand(3, 3))  # padding holds the first element's
        norm = next(m for m in module.modules() if hasattr(m, "MovingMean"))
        torch.testing.assert_close(norm.MovingMean, hand.running_mean)
        torch.testing.assert_close(norm.MovingVariance, hand.running_var)


def test_the_variance_of_the_briefs_example_is_two_thirds():
    net = net_initialize(NetChain([NetMapOperator(BatchNormalizationLayer())], input=("n", 1)), seed=0)
    x, lengths = pad([torch.tensor([[10.0]]), torch.tensor([[11.0], [10.0], [9.0]])])
    for _, module in _runs(net, x, lengths):
        norm = next(m for m in module.modules() if hasattr(m, "MovingVariance"))
        unbiased = torch.tensor([2 / 3])  # of [10, 11, 10, 9], as torch's running_var (n - 1)
        torch.testing.assert_close(norm.MovingVariance, 0.9 + 0.1 * unbiased)


def test_a_fold_normalises_each_step_by_its_running_examples_only():
    step = NetGraph({"bn": BatchNormalizationLayer(), "cat": CatenateLayer(), "lin": LinearLayer(3)},
                    [(NetPort("Input"), "bn"), (["bn", NetPort("State")], "cat", "lin")], Input=3, State=3)
    net = net_initialize(NetChain([NetFoldOperator(step)], input=("n", 3)), seed=0)
    examples = [torch.randn(n, 3) * 2 - 1 for n in (3, 1, 3, 2)]  # steps of 4, 3, 2 examples
    x, lengths = pad(examples)
    hand = _hand()
    for i in range(3):  # step i normalises the examples longer than i
        hand(torch.stack([e[i] for e in examples if e.shape[0] > i]))
    for _, module in _runs(net, x, lengths):
        norm = next(m for m in module.modules() if hasattr(m, "MovingMean"))
        torch.testing.assert_close(norm.MovingMean, hand.running_mean)
        torch.testing.assert_close(norm.MovingVariance, hand.running_var)


def test_equal_lengths_stay_one_batch_of_every_element():
    net = net_initialize(NetChain([NetMapOperator(BatchNormalizationLayer())], input=("n", 3)), seed=0)
    x = torch.randn(2, 4, 3) * 2 + 1
    hand = _hand()
    normed = hand(x.flatten(0, 1)).view(2, 4, 3)
    for out, module in _runs(net, x, torch.full((2,), 4)):  # the padded path, nothing padded
        torch.testing.assert_close(out, normed)
        norm = next(m for m in module.modules() if hasattr(m, "MovingMean"))
        torch.testing.assert_close(norm.MovingVariance, hand.running_var)


def test_a_map_in_eval_mode_normalises_padded_sequences_by_its_moving_statistics():
    net = net_initialize(NetChain([NetMapOperator(BatchNormalizationLayer())], input=("n", 3)), seed=0)
    x, lengths = pad([torch.randn(n, 3) * 3 + 1 for n in (1, 4, 2)])
    module = compile_padded(net, ["Input"]).train()
    module(x, lengths)  # moves the statistics away from 0 and 1
    norm = next(m for m in module.modules() if hasattr(m, "MovingMean"))
    expected = (x - norm.MovingMean) / torch.sqrt(norm.MovingVariance + EPS) * norm.Scaling + norm.Biases
    torch.testing.assert_close(module.eval()(x, lengths), expected)


def test_gradients_reach_the_real_elements_only_through_the_scatter():
    net = net_initialize(NetChain([NetMapOperator(BatchNormalizationLayer())], input=("n", 3)), seed=0)
    examples = [(torch.randn(n, 3) * 3 + 1).requires_grad_() for n in (1, 4, 2)]
    x, lengths = pad([e.detach() for e in examples])
    x.requires_grad_()
    weights = torch.randn(3, 4, 3)
    (compile_padded(net, ["Input"]).train()(x, lengths) * weights).sum().backward()
    normed = _hand()(torch.cat(examples)).split([1, 4, 2])  # padding rows hold their sequence's first output
    padded = torch.stack([torch.cat([y, y[:1].expand(4 - len(y), 3)]) for y in normed])
    (padded * weights).sum().backward()
    for i, e in enumerate(examples):
        torch.testing.assert_close(x.grad[i, :len(e)], e.grad)
        assert x.grad[i, len(e):].abs().sum() == 0


def _message(module, x, lengths) -> str:
    with pytest.raises(DataError) as caught:
        module(x, lengths)
    return str(caught.value)


def test_a_bad_index_in_the_real_elements_names_the_batchs_example_as_in_eval_mode():
    """The real elements run as one batch of their own: the example the error names is mapped back to the batch's."""
    net = net_initialize(NetChain([NetMapOperator(NetChain([EmbeddingLayer(4, 5), BatchNormalizationLayer()]))],
                                  input=("n",)), seed=0)
    x, lengths = pad([torch.tensor([1, 2]), torch.tensor([0, 1, 9])])
    module = compile_padded(net, ["Input"])
    trained = _message(module.train(), x, lengths)
    assert "9 at example 1, sequence element 2" in trained and trained == _message(module.eval(), x, lengths)


def test_a_bad_index_in_a_folds_running_step_names_the_batchs_example():
    step = NetGraph({"e": EmbeddingLayer(3, 5), "bn": BatchNormalizationLayer(), "cat": CatenateLayer(),
                     "lin": LinearLayer(3)}, [(NetPort("Input"), "e", "bn"), (["bn", NetPort("State")], "cat", "lin")])
    net = net_initialize(NetChain([NetFoldOperator(step)], input=("n",)), seed=0)
    x, lengths = pad([torch.tensor([1, 2, 0]), torch.tensor([1]), torch.tensor([0, 7, 1])])  # step 1 runs 0 and 2
    assert "example 2" in _message(compile_padded(net, ["Input"]).train(), x, lengths)

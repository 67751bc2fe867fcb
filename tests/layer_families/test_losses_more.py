"""ContrastiveLossLayer and CTCLossLayer: Wolfram's formulas by hand, CTC by enumerating every alignment, errors."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from netgraph import CTCLossLayer, ContrastiveLossLayer, DataError, NetGraph, OptionError
from tests.layer_families._helpers import shape_error, three_way


@pytest.mark.parametrize("margin, shape", [(0.5, ()), (2.0, (3,))])
def test_contrastive_loss_is_wolframs_formula(margin, shape):
    net = NetGraph([ContrastiveLossLayer(margin)], [], Input=shape, Target=shape)
    x = torch.rand(4, *shape) * 3
    t = torch.randint(0, 2, (4, *shape))

    def hand(m, Input, Target):
        loss = torch.where(Target == 1, torch.clamp(margin - Input, min=0) ** 2, Input ** 2)
        return loss.reshape(4, -1).mean(1)
    three_way(net, hand, Input=x, Target=t)


def test_contrastive_loss_takes_booleans_and_a_true_target_beyond_the_margin_costs_nothing():
    net = NetGraph([ContrastiveLossLayer()], [], Input=(), Target=())
    loss = net(Input=torch.tensor([0.7, 0.2, 0.7]), Target=torch.tensor([True, True, False]))
    torch.testing.assert_close(loss, torch.tensor([0.0, 0.09, 0.49]))


def _ctc_by_enumeration(probs: torch.Tensor, target: list[int], blank: int) -> float:
    """-log of the summed probability of every path that collapses (repeats merged, blanks dropped) to target."""
    total = 0.0
    steps, classes = probs.shape
    for path in itertools.product(range(classes), repeat=steps):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == target:
            total += math.prod(float(probs[i, c]) for i, c in enumerate(path))
    return -math.log(total)


def test_ctc_loss_sums_every_alignment_with_the_blank_last():
    torch.manual_seed(0)
    probs = torch.softmax(torch.randn(3, 4, 3, dtype=torch.float64), -1)
    targets = torch.tensor([[0, 1, -1], [1, 1, -1], [0, -1, -1]])
    lengths = [2, 2, 1]
    expected = torch.tensor([_ctc_by_enumeration(p, t[:n].tolist(), blank=2) for p, t, n in zip(probs, targets, lengths)],
                            dtype=torch.float64)
    net = NetGraph([CTCLossLayer()], [], Input=(4, 3), Target=3)
    module = net.compile().double()
    torch.testing.assert_close(module(Input=probs, Target=targets), expected)


@pytest.mark.parametrize("logits", [False, True])
def test_ctc_loss_equals_torch_ctc_loss(logits):
    x = torch.randn(2, 6, 5) if logits else torch.softmax(torch.randn(2, 6, 5), -1)
    t = torch.tensor([[1, 3, 3], [0, 2, -1]])
    net = NetGraph([CTCLossLayer(logits=logits)], [], Input=("n", 5))

    def hand(m, Input, Target):
        log_probs = F.log_softmax(Input, -1) if logits else Input.log()
        return F.ctc_loss(log_probs.transpose(0, 1), Target.clamp(min=0), torch.tensor([6, 6]), torch.tensor([3, 2]),
                          blank=4, reduction="none")
    three_way(net, hand, Input=x, Target=t)


@pytest.mark.parametrize("target, message", [
    ([[4, 0]], r"indices in \[0, 4\) \(class 4 is the blank\), found 4"),
    ([[-1, 0]], "padding.*must come after the labels"),
])
def test_ctc_bad_targets_are_data_errors_naming_the_port(target, message):
    net = NetGraph([CTCLossLayer()], [], Input=(3, 5))
    with pytest.raises(DataError, match=message):
        net(Input=torch.full((1, 3, 5), 0.2), Target=torch.tensor(target))


def test_loss_shape_errors():
    shape_error(lambda: NetGraph([ContrastiveLossLayer()], [], Input=3, Target=2), "ContrastiveLossLayer",
                "must have the same shape")
    shape_error(lambda: NetGraph([CTCLossLayer()], [], Input=(3, 4, 5)), "CTCLossLayer", "(length, classes)")
    shape_error(lambda: NetGraph([CTCLossLayer()], [], Input=(3, 4), Target=(2, 2)), "CTCLossLayer",
                "port 'Target'", "expected rank 1")


@pytest.mark.parametrize("make, option, message", [
    (lambda: ContrastiveLossLayer(-1.0), "margin", "margin= must be a number"),
    (lambda: CTCLossLayer(logits="yes"), "logits", "True or False"),
    (lambda: CTCLossLayer(input=(4, 1)), "input", "at least 2 classes"),
])
def test_bad_options(make, option, message):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert info.value.diagnostics[0].option == option


def test_a_contrastive_target_other_than_0_or_1_is_a_data_error():
    """A Target of 2 once counted as 1 (push apart) and -1 as 0 (pull together), silently."""
    from netgraph import ContrastiveLossLayer, DataError, NetGraph, net_initialize
    net = net_initialize(NetGraph([ContrastiveLossLayer()], [], Input=3))
    x = torch.tensor([[0.2, 0.4, 0.9]])
    for bad in (2, -1):
        with pytest.raises(DataError, match=rf"'Target' takes 1 \(push apart\) or 0 \(pull together\), found {bad}"):
            net(Input=x, Target=torch.tensor([[1, bad, 0]]))
    with pytest.raises(DataError, match="found 2"):
        net.compile()(Input=x, Target=torch.tensor([[2, 0, 1]]))
    torch.testing.assert_close(net(Input=x, Target=torch.tensor([[1, 0, 1]])),
                               torch.tensor([(0.3 ** 2 + 0.4 ** 2 + 0.0) / 3]))


def test_a_contrastive_target_error_carries_layer_expected_and_found():
    """Its Diagnostic held only the port; and a float Target of the compiled module (which takes tensors as they are)
    was reported by its integer part ('found 0' for 0.5)."""
    from netgraph import ContrastiveLossLayer, DataError, NetGraph, net_initialize
    net = net_initialize(NetGraph({"contrast": ContrastiveLossLayer()}, [], Input=3))
    x = torch.tensor([[0.2, 0.4, 0.9]])
    for run, target, bad in ((net, torch.tensor([[1, -1, 0]]), -1), (net.compile(), torch.tensor([[2, 0, 1]]), 2),
                             (net.compile(), torch.tensor([[1.0, 0.5, 0.0]]), 0.5)):
        with pytest.raises(DataError, match=rf"found {bad}$") as info:
            run(Input=x, Target=target)
        d = info.value.diagnostics[0]
        assert (d.layer, d.port, tuple(d.expected), d.found) == (("contrast",), "Target", (0, 1), bad)
        assert type(d.found) is type(bad)

"""Single layers vs the handwritten torch a user would write: CrossEntropyLossLayer("Index") against
``F.cross_entropy`` (on probabilities against a gather and log), CrossEntropyLossLayer("Probabilities") against
``-(t * p.clamp_min(1e-12).log()).sum(-1)``, both fed by a SoftmaxLayer against the softmax then the same,
CrossEntropyLossLayer("Binary") fed by a LogisticSigmoid against the sigmoid then the floored logs and with
``logits=True`` against ``F.binary_cross_entropy_with_logits``, PoolingLayer
"Total" against ``avg_pool2d(..., divisor_override=1)``, a FunctionLayer of two outputs sharing a sum against the sum
written once, DotLayer against ``torch.matmul`` (forward + backward, batch 32 by default, one thread).

Both twins compute the same function (checked before timing); each round runs them in a freshly shuffled order; a
ratio is the median of per-round ratios (see _common.compare).

    python benchmarks/layer_ops.py            # batch 32: 10 and 1000 classes, 64-element vectors, 16x64 matrices
    python benchmarks/layer_ops.py --small    # tiny sizes (the test suite runs this)
"""

from __future__ import annotations

import argparse
from typing import Callable

import torch
import torch.nn.functional as F

from _common import allocator, allocator_option, compare, machine, print_table
from netgraph import (CrossEntropyLossLayer, DotLayer, ElementwiseLayer, FunctionLayer, NetGraph, NetPort, PoolingLayer,
                      SoftmaxLayer)


def cross_entropy(classes: int, logits: bool) -> tuple[NetGraph, Callable]:
    def hand(Input: torch.Tensor, Target: torch.Tensor) -> torch.Tensor:
        if logits:
            return F.cross_entropy(Input, Target, reduction="none")
        return -Input.gather(1, Target.unsqueeze(1)).squeeze(1).clamp_min(1e-12).log()
    return NetGraph({"loss": CrossEntropyLossLayer("Index", logits=logits)}, [], Input=classes), hand


def cross_entropy_probabilities(classes: int) -> tuple[NetGraph, Callable]:
    def hand(Input: torch.Tensor, Target: torch.Tensor) -> torch.Tensor:
        return -(Target * Input.clamp_min(1e-12).log()).sum(-1)
    return NetGraph({"loss": CrossEntropyLossLayer("Probabilities")}, [], Input=classes), hand


def softmax_cross_entropy(classes: int, form: str) -> tuple[NetGraph, Callable]:
    """A SoftmaxLayer feeding the loss (its Input known to hold probabilities: not checked) against the softmax then
    the loss written out."""
    _, loss = cross_entropy(classes, False) if form == "Index" else cross_entropy_probabilities(classes)

    def hand(Input: torch.Tensor, Target: torch.Tensor) -> torch.Tensor:
        return loss(torch.softmax(Input, -1), Target)
    layers = {"p": SoftmaxLayer(), "loss": CrossEntropyLossLayer(form)}
    return NetGraph(layers, [("p", NetPort("loss", "Input"))], Input=classes), hand


def sigmoid_binary_cross_entropy(features: int) -> tuple[NetGraph, Callable]:
    """ElementwiseLayer("LogisticSigmoid") feeding CrossEntropyLossLayer("Binary") (its Input not checked) against the
    sigmoid then the loss written out, floored as ours."""
    def hand(Input: torch.Tensor, Target: torch.Tensor) -> torch.Tensor:
        p = torch.sigmoid(Input)
        return -(Target * p.clamp_min(1e-12).log() + (1 - Target) * (1 - p).clamp_min(1e-12).log()).mean(-1)
    layers = {"p": ElementwiseLayer("LogisticSigmoid"), "loss": CrossEntropyLossLayer("Binary")}
    return NetGraph(layers, [("p", NetPort("loss", "Input"))], Input=features), hand


def binary_logits_cross_entropy(features: int) -> tuple[NetGraph, Callable]:
    """CrossEntropyLossLayer("Binary", logits=True) (its Target checked as probabilities) against torch's loss."""
    def hand(Input: torch.Tensor, Target: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(Input, Target, reduction="none").mean(-1)
    return NetGraph({"loss": CrossEntropyLossLayer("Binary", logits=True)}, [], Input=features), hand


def total_pool(channels: int, size: int) -> tuple[NetGraph, Callable]:
    """PoolingLayer "Total" (3 x 3, padding 1) against torch's sum pool, ``avg_pool2d`` with divisor 1."""
    net = NetGraph([PoolingLayer(3, padding_size=1, function="Total")], [], Input=(channels, size, size))
    return net, lambda Input: F.avg_pool2d(Input, 3, 1, 1, divisor_override=1)


def shared_sum(features: int) -> tuple[NetGraph, Callable]:
    def hand(x: torch.Tensor) -> dict[str, torch.Tensor]:
        total = x.sum(1)
        return {"Output1": total, "Output2": x / total[:, None]}
    return NetGraph({"f": FunctionLayer("{Total[#x], #x / Total[#x]}")}, [], x=features), hand


def dot(left: tuple, right: tuple, hand: Callable) -> tuple[NetGraph, Callable]:
    return NetGraph({"d": DotLayer()}, [], Input1=left, Input2=right), lambda Input1, Input2: hand(Input1, Input2)


def step(fn: Callable, inputs: dict[str, torch.Tensor]) -> Callable[[], None]:
    """Forward + backward of ``fn`` (the sum of its outputs) into the real inputs' gradients."""
    real = [v for v in inputs.values() if v.is_floating_point()]

    def run() -> None:
        for v in real:
            v.grad = None
        out = fn(**inputs)
        sum(v.sum() for v in (out.values() if isinstance(out, dict) else [out])).backward()
    return run


def cases(small: bool, batch: int) -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    n, k, m = (3, 4, 2) if small else (16, 64, 16)
    real = lambda *shape: torch.randn(batch, *shape, generator=g).requires_grad_()  # noqa: E731
    out = []
    for classes in (5,) if small else (10, 1000):
        index = torch.randint(0, classes, (batch,), generator=g)
        for logits in (True, False):
            x = real(classes) if logits else torch.softmax(real(classes), -1).detach().requires_grad_()
            out.append((f"CrossEntropyLossLayer('Index'{', logits=True' if logits else ''})",
                        *cross_entropy(classes, logits), {"Input": x, "Target": index}, f"{classes} classes"))
        target = torch.softmax(torch.randn(batch, classes, generator=g), -1)
        out.append(("CrossEntropyLossLayer('Probabilities')", *cross_entropy_probabilities(classes),
                    {"Input": torch.softmax(real(classes), -1).detach().requires_grad_(), "Target": target},
                    f"{classes} classes"))
        for form, t in (("Index", index), ("Probabilities", target)):
            out.append((f"SoftmaxLayer + CrossEntropyLossLayer({form!r})", *softmax_cross_entropy(classes, form),
                        {"Input": real(classes), "Target": t}, f"{classes} classes"))
    for features in (5,) if small else (10, 1000):
        target = torch.rand(batch, features, generator=g)
        out.append(("LogisticSigmoid + CrossEntropyLossLayer('Binary')", *sigmoid_binary_cross_entropy(features),
                    {"Input": real(features), "Target": target}, f"{features} values"))
        out.append(("CrossEntropyLossLayer('Binary', logits=True)", *binary_logits_cross_entropy(features),
                    {"Input": real(features), "Target": target}, f"{features} values"))
    out.append(("FunctionLayer {Total[#x], #x / Total[#x]}", *shared_sum(k), {"x": real(k)}, f"{k} features"))
    c, side = (2, 5) if small else (16, 16)
    out.append(("PoolingLayer 'Total' 3x3, padding 1", *total_pool(c, side), {"Input": real(c, side, side)},
                f"({c}, {side}, {side})"))
    for name, (a, b), hand in (("vector.vector", ((k,), (k,)), torch.linalg.vecdot),
                               ("matrix.vector", ((n, k), (k,)), lambda a, b: (a @ b.unsqueeze(-1)).squeeze(-1)),
                               ("matrix.matrix", ((n, k), (k, m)), torch.matmul)):
        out.append((f"DotLayer {name}", *dot(a, b, hand), {"Input1": real(*a), "Input2": real(*b)}, f"{a} . {b}"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--number", type=int, default=50)
    parser.add_argument("--batch", type=int, default=32)
    allocator_option(parser)
    args = parser.parse_args()
    memory = allocator(args.adaptive_malloc)
    torch.set_num_threads(1)
    (rounds, number), rows = (2, 1) if args.small else (args.rounds, args.number), []
    for name, net, hand, inputs, size in cases(args.small, 4 if args.small else args.batch):
        module = net.compile()
        ours, theirs = module(**inputs), hand(**inputs)
        for port in theirs if isinstance(theirs, dict) else [None]:
            torch.testing.assert_close(ours[port] if port else ours, theirs[port] if port else theirs)
        result = compare({"netgraph": step(module, inputs), "handwritten": step(hand, inputs)},
                         rounds=rounds, number=number)
        rows.append((name, size, f"{result.ratio('netgraph', 'handwritten', 'wall'):.2f}",
                     f"{result.ratio('netgraph', 'handwritten', 'cpu'):.2f}",
                     f"{result.median('handwritten', 'cpu') * 1e6:.0f}"))
        description = result.describe()
    print_table(f"single layers, fwd + bwd, netgraph / handwritten ({machine()}, {memory}; {description})", rows,
                ("layer", "size", "ratio (wall)", "ratio (CPU)", "handwritten µs (CPU)"))


if __name__ == "__main__":
    main()

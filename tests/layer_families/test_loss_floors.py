"""Cross-entropy's floor: every form takes -log max(p, 1e-12) (at most 27.63, gradient 0 below), on both paths."""

from __future__ import annotations

import math

import onnxruntime as ort  # the test extra installs it: a broken install must fail
import pytest
import torch

from netgraph import CrossEntropyLossLayer, NetGraph, interpret

EPS = 1e-12
PS = [0.0, 1e-30, 1e-13, 1e-12, 1e-6, 0.3, 1.0]  # probability given to the true class


def _forms(p: torch.Tensor) -> dict[str, tuple[NetGraph, dict[str, torch.Tensor]]]:
    """One example per p, each form asked the same question: how likely is the true class (class 0, or 1)."""
    two = torch.stack([p, 1 - p], -1)
    n = len(p)
    return {"Index": (NetGraph([CrossEntropyLossLayer("Index")], [], Input=2), {"Input": two, "Target": torch.zeros(n, dtype=torch.long)}),
            "Probabilities": (NetGraph([CrossEntropyLossLayer("Probabilities")], [], Input=2),
                              {"Input": two, "Target": torch.tensor([[1.0, 0.0]]).expand(n, 2)}),
            "Binary": (NetGraph([CrossEntropyLossLayer("Binary")], [], Input=1), {"Input": p[:, None], "Target": torch.ones(n, 1)})}


def _loss_and_grad(net: NetGraph, inputs: dict[str, torch.Tensor], compiled: bool) -> tuple[torch.Tensor, torch.Tensor]:
    x = inputs["Input"].clone().requires_grad_(True)
    module = net.compile()
    loss = module(Input=x, Target=inputs["Target"]) if compiled else interpret(net, module, Input=x, Target=inputs["Target"])
    loss.sum().backward()
    return loss.detach(), x.grad[:, 0]


@pytest.mark.parametrize("form", ["Index", "Probabilities", "Binary"])
@pytest.mark.parametrize("compiled", [True, False])
def test_every_form_floors_at_the_same_value_with_the_same_gradient(form, compiled):
    p = torch.tensor(PS)
    net, inputs = _forms(p)[form]
    loss, grad = _loss_and_grad(net, inputs, compiled)
    floor = torch.tensor([-math.log(max(v, EPS)) for v in p.tolist()])  # float32's p, so 1e-12 is just below EPS
    torch.testing.assert_close(loss, floor, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(loss[:2], torch.full((2,), -math.log(EPS)))  # p = 0 and p = 1e-30: 27.63, not 100
    slope = torch.tensor([-1 / v if v >= torch.tensor(EPS).item() else 0.0 for v in p.tolist()])
    torch.testing.assert_close(grad, slope, rtol=1e-6, atol=0)
    assert grad[-1] == -1.0  # p = 1: the derivative of -log p, not torch's BCE's 0 (nor its 1e12 at p = 0)


def test_compiled_and_interpreted_agree_and_forms_agree():
    p = torch.tensor(PS)
    results = {form: [_loss_and_grad(net, inputs, c) for c in (True, False)] for form, (net, inputs) in _forms(p).items()}
    reference = results["Index"][0]
    for form, pair in results.items():
        for loss, grad in pair:
            torch.testing.assert_close(loss, reference[0], rtol=1e-6, atol=1e-6, msg=form)
            torch.testing.assert_close(grad, reference[1], rtol=1e-6, atol=0, msg=form)


def test_binary_floors_one_minus_p_too():
    net = NetGraph([CrossEntropyLossLayer("Binary")], [], Input=2)
    x = torch.tensor([[1.0, 1.0 - 2 ** -24]], requires_grad=True)
    loss = net.compile()(Input=x, Target=torch.zeros(1, 2))
    loss.sum().backward()
    torch.testing.assert_close(loss, torch.tensor([(-math.log(EPS) - math.log(2 ** -24)) / 2]))
    torch.testing.assert_close(x.grad, torch.tensor([[0.0, 2 ** 24 / 2]]))


def test_the_floor_exports_to_onnx_binary_too(tmp_path):
    """Binary was aten::binary_cross_entropy, which torch's ONNX exporter refuses; now Clip and Log, as the others."""
    from netgraph import ElementwiseLayer, NetPort, export_onnx, import_onnx
    net = NetGraph({"sx": ElementwiseLayer("LogisticSigmoid"), "st": ElementwiseLayer("LogisticSigmoid"),
                    "c": CrossEntropyLossLayer("Binary")},
                   [(NetPort("x"), "sx"), (NetPort("y"), "st"), ("sx", NetPort("c", "Input")),
                    ("st", NetPort("c", "Target"))], x=3, y=3)
    path = export_onnx(net, tmp_path / "binary.onnx")
    x, y = torch.tensor([[-200.0, 0.0, 200.0]]), torch.tensor([[200.0, 0.0, -200.0]])  # p = 0, 1/2, 1
    expected = torch.tensor([(2 * -math.log(EPS) + math.log(2)) / 3])
    ran = torch.from_numpy(ort.InferenceSession(str(path)).run(None, {"x": x.numpy(), "y": y.numpy()})[0])
    for values in (ran, import_onnx(path)(x=x, y=y), net(x=x, y=y)):
        torch.testing.assert_close(values, expected)

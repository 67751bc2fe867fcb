"""CrossEntropyLossLayer through ONNX: export -> onnxruntime -> import_onnx, every form with equal outputs."""

from __future__ import annotations

import pytest
import torch

from netgraph import CrossEntropyLossLayer, NetGraph, SpecError, export_onnx, import_onnx
from tests.onnx_helpers import run_onnx, torch_export


def _round_trip(net: NetGraph, inputs: dict, tmp_path) -> None:
    want = net(**inputs)
    export_onnx(net, tmp_path / "m.onnx")
    got = run_onnx(tmp_path / "m.onnx", inputs)[0]
    torch.testing.assert_close(torch.from_numpy(got), want, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(import_onnx(tmp_path / "m.onnx")(**inputs), want, rtol=1e-6, atol=1e-6)


def test_binary_cross_entropy_on_probabilities_exports_and_imports_back(tmp_path):
    """export_onnx traced every real input port on random normal values, which the Binary form refuses (it takes
    probabilities in [0, 1]): the export failed whatever the net. Probabilities of exactly 0 and 1 (the 1e-12 floor,
    27.63 a term) come out equal."""
    net = NetGraph([CrossEntropyLossLayer("Binary")], [], Input=4)
    x = torch.tensor([[0.0, 1.0, 0.25, 0.5], [1e-13, 0.999, 0.0, 1.0]])
    t = torch.tensor([[1.0, 0.0, 1.0, 0.3], [1.0, 1.0, 0.0, 1.0]])
    _round_trip(net, {"Input": x, "Target": t}, tmp_path)
    assert net(Input=x[:1], Target=t[:1]).item() == pytest.approx((2 * 27.631021 - torch.tensor(0.25).log().item()
                                                                   - 0.3 * torch.tensor(0.5).log().item()
                                                                   - 0.7 * torch.tensor(0.5).log().item()) / 4,
                                                                  rel=1e-5)


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_index_cross_entropy_imports_back_through_gather_elements(tmp_path, shape, logits):
    """Its export picks each row's class with GatherElements, which import_onnx had no layer for; on logits it
    was F.cross_entropy of x.reshape(-1, classes), which merges the batch with the dims after it (refused at import).
    Class probabilities of exactly 0 on the target (the 1e-12 floor) come out equal."""
    net = NetGraph([CrossEntropyLossLayer("Index", logits=logits)], [], Input=shape)
    x = torch.rand(5, *shape, generator=torch.Generator().manual_seed(0))
    x = 6 * x - 3 if logits else x
    x[0, ..., 1] = 0.0
    t = torch.tensor([1, 0, 2, 2, 1]).reshape(5, *[1] * (len(shape) - 1)).expand(5, *shape[:-1]).contiguous()
    _round_trip(net, {"Input": x, "Target": t}, tmp_path)
    back = import_onnx(tmp_path / "m.onnx")
    (table,) = [path for path in back.learning_rate_multipliers if "onehot" in str(path)]
    assert back.learning_rate_multipliers[table] == 0  # the identity table is the model's, fixed in training


@pytest.mark.parametrize("logits", [False, True])
def test_index_cross_entropy_over_a_variable_length_imports_back(tmp_path, logits):
    """Over ("n", 4) the pick's kept dim (a ReshapeLayer of the sizes after the batch) and the loss's Flatten of
    (batch, n) refused the variable length, though the pick does not need it: the import now computes the same
    loss at any length."""
    net = NetGraph([CrossEntropyLossLayer("Index", logits=logits)], [], Input=("n", 4))
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3, 5, 4, generator=g)
    _round_trip(net, {"Input": 6 * x - 3 if logits else x, "Target": torch.randint(0, 4, (3, 5), generator=g)},
                tmp_path)
    back = import_onnx(tmp_path / "m.onnx")
    for length in (1, 9):
        x, t = torch.rand(2, length, 4, generator=g), torch.randint(0, 4, (2, length), generator=g)
        torch.testing.assert_close(back(Input=x, Target=t), net(Input=x, Target=t), rtol=1e-6, atol=1e-6)


def test_another_gather_elements_is_refused_naming_the_node(tmp_path):
    class Pick(torch.nn.Module):
        def forward(self, x, i):
            return x.gather(1, i)

    # i narrower than x along another axis than the gather's: no pick of the known forms
    torch_export(Pick(), (torch.rand(2, 3, 4), torch.zeros(2, 1, 2, dtype=torch.long)), tmp_path / "g.onnx", ["x", "i"])
    with pytest.raises(SpecError, match=r"GatherElements.*only GatherElements x.gather\(k, i\) with i of x's sizes "
                                        r"but along axis k .*found indices of shape \(.*, 1, 2\)"):
        import_onnx(tmp_path / "g.onnx")


class _Pick(torch.nn.Module):
    """torch.gather along the last axis: m entries of each row of x, at the indices i."""

    def forward(self, x, i):
        return torch.gather(x, -1, i) * 2


@pytest.mark.parametrize("x_shape, i_shape", [((5,), (2,)), ((3, 4), (3, 6))], ids=["rows", "rows of rows"])
def test_torch_gather_along_the_last_axis_imports(x_shape, i_shape, tmp_path):
    """torch.gather(x, -1, i) exports as GatherElements(x, i, axis=-1), which only the cross-entropy's one index
    per row (i = t.unsqueeze(-1)) imported; any index tensor of x's sizes but the last (m entries per row, repeats
    allowed) now imports: the one-hot of i times x spread to m rows, totalled over the last axis."""
    g = torch.Generator().manual_seed(0)
    x, i = torch.randn(2, *x_shape, generator=g), torch.randint(0, x_shape[-1], (2, *i_shape), generator=g)
    torch_export(_Pick(), (x, i), tmp_path / "g.onnx", ["x", "i"])
    back = import_onnx(tmp_path / "g.onnx")
    x, i = torch.randn(4, *x_shape, generator=g), torch.randint(0, x_shape[-1], (4, *i_shape), generator=g)
    torch.testing.assert_close(back(x=x, i=i), _Pick()(x, i))


class _PickAlong(torch.nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x, i):
        return torch.gather(x, self.dim, i)


@pytest.mark.parametrize("dim, x_shape, i_shape", [(1, (3, 4), (5, 4)), (-2, (2, 3, 4), (2, 1, 4)),
                                                   (1, (2, 3, 4), (4, 3, 4))], ids=["rows", "middle", "first"])
def test_torch_gather_along_another_axis_imports(dim, x_shape, i_shape, tmp_path):
    """Along another axis than the last the pick is the same between TransposeLayers swapping that axis with the
    last (torch.gather(x, 1, i) of a (b, 3, 4) x was refused)."""
    g = torch.Generator().manual_seed(0)
    axis = dim % (len(x_shape) + 1)
    x, i = torch.randn(2, *x_shape, generator=g), torch.randint(0, x_shape[axis - 1], (2, *i_shape), generator=g)
    torch_export(_PickAlong(dim), (x, i), tmp_path / "g.onnx", ["x", "i"])
    x, i = torch.randn(3, *x_shape, generator=g), torch.randint(0, x_shape[axis - 1], (3, *i_shape), generator=g)
    torch.testing.assert_close(import_onnx(tmp_path / "g.onnx")(x=x, i=i), _PickAlong(dim)(x, i))
